package audit_test

import (
	"context"
	"log/slog"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/audit"
	platformaudit "github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestTenantBReadsNoAuditEntryOfA: an entry A's unit of work records is
// listed for A, and for B neither by B's id (the tenant condition) nor by
// A's (row-level security).
func TestTenantBReadsNoAuditEntryOfA(t *testing.T) {
	t.Parallel()
	svc := audit.NewService(testkit.AppDB(t), slog.New(slog.DiscardHandler))
	a, b, inA, inB := testkit.TwoTenants(t)
	target := uuid.NewString()
	svc.Record(inA, platformaudit.Event{Tenant: a, Action: "space.created", TargetType: "space", TargetID: target})
	list := func(ctx context.Context, tenant tenancy.ID) int {
		entries, total, err := svc.List(ctx, tenant, audit.Filter{TargetID: target})
		require.NoError(t, err)
		require.Len(t, entries, total)
		return total
	}
	require.Equal(t, 1, list(inA, a), "A reads its own entry")
	require.Zero(t, list(inB, b), "B's id finds nothing of A")
	require.Zero(t, list(inB, a), "row-level security hides A's entry inside B's unit of work")
}
