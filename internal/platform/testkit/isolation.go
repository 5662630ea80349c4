package testkit

import (
	"context"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// TwoTenants creates tenants a and b and each one's unit of work: a
// context scoped to it, as a request of that tenant carries, so a
// repository on AppDB runs under its row-level security.
func TwoTenants(t testing.TB) (a, b tenancy.ID, inA, inB context.Context) {
	t.Helper()
	a, b = Tenant(t), Tenant(t)
	return a, b, tenancy.With(t.Context(), a), tenancy.With(t.Context(), b)
}

// SharedSpace adds a shared space to tenant as the tables' owner, for the
// repository tests whose rows must belong to one.
func SharedSpace(t testing.TB, tenant tenancy.ID) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	_, err := DB(t).ExecContext(t.Context(), "INSERT INTO spaces (id, tenant_id, kind, name) VALUES (?, ?, 'shared', 'Permits')", id, tenant.UUID)
	if err != nil {
		t.Fatalf("create a space of tenant %s: %v", tenant, err)
	}
	return id
}

// Hidden checks what tenant b sees of a row of tenant a: get, run in b's
// unit of work inB, must fail with notFound both for b's id (the tenant
// condition) and for a's id (row-level security, the second line).
func Hidden(t testing.TB, inB context.Context, a, b tenancy.ID, what string, notFound error, get func(ctx context.Context, tenant tenancy.ID) error) {
	t.Helper()
	if err := get(inB, b); !errors.Is(err, notFound) {
		t.Errorf("tenant B found A's %s by its own id: got %v, want %v", what, err, notFound)
	}
	if err := get(inB, a); !errors.Is(err, notFound) {
		t.Errorf("row-level security should hide A's %s inside B's unit of work: got %v, want %v", what, err, notFound)
	}
}
