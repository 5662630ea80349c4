package infrastructure_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/spaces/domain"
	"github.com/agora-platform/agora/internal/spaces/infrastructure"
)

// TestTenantBNeverSeesASpaceOfA: A's space is not found in B's unit of work, by either id.
func TestTenantBNeverSeesASpaceOfA(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b, inA, inB := testkit.TwoTenants(t)
	s := domain.Space{ID: uuid.Must(uuid.NewV7()), Tenant: a, Kind: domain.Shared, Name: "Permits", CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	require.NoError(t, repo.Insert(inA, s))
	got, err := repo.Get(inA, a, s.ID)
	require.NoError(t, err)
	require.Equal(t, "Permits", got.Name)
	testkit.Hidden(t, inB, a, b, "space", domain.ErrNotFound, func(ctx context.Context, tenant tenancy.ID) error {
		_, err := repo.Get(ctx, tenant, s.ID)
		return err
	})
}
