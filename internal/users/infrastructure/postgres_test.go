package infrastructure_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
	"github.com/agora-platform/agora/internal/users/infrastructure"
)

// TestTenantBNeverSeesAUserOfA: B finds and lists no user of A, whichever id it asks with.
func TestTenantBNeverSeesAUserOfA(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b, inA, inB := testkit.TwoTenants(t)
	id, now := uuid.Must(uuid.NewV7()), time.Now().UTC()
	u := domain.User{ID: id, Tenant: a, Email: id.String() + "@kommun.example", Username: id.String(), State: domain.StateActive,
		CreatedAt: now, UpdatedAt: now}
	require.NoError(t, repo.InsertUser(inA, u))
	got, err := repo.GetUser(inA, a, id)
	require.NoError(t, err)
	require.Equal(t, u.Email, got.Email)
	testkit.Hidden(t, inB, a, b, "user", domain.ErrNotFound, func(ctx context.Context, tenant tenancy.ID) error {
		_, err := repo.GetUser(ctx, tenant, id)
		return err
	})
	listed, total, err := repo.ListUsers(inB, a, "", 10, 0)
	require.NoError(t, err)
	require.Empty(t, listed)
	require.Zero(t, total)
}
