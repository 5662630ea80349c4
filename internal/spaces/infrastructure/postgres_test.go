package infrastructure_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/spaces/domain"
	"github.com/agora-platform/agora/internal/spaces/infrastructure"
)

// TestASecondTenantSeesNothingOfTheFirst: a space of tenant A is not found
// by tenant B, neither by B's id (the tenant condition) nor, in B's unit of
// work, by A's id (row-level security, the second line).
func TestASecondTenantSeesNothingOfTheFirst(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	now := time.Now().UTC()
	s := domain.Space{ID: uuid.Must(uuid.NewV7()), Tenant: a, Kind: domain.Shared, Name: "Permits", CreatedAt: now, UpdatedAt: now}
	require.NoError(t, repo.Insert(tenancy.With(t.Context(), a), s))

	got, err := repo.Get(tenancy.With(t.Context(), a), a, s.ID)
	require.NoError(t, err)
	require.Equal(t, "Permits", got.Name)

	inB := tenancy.With(t.Context(), b)
	_, err = repo.Get(inB, b, s.ID)
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = repo.Get(inB, a, s.ID)
	require.ErrorIs(t, err, domain.ErrNotFound, "row-level security hides A's space inside B's unit of work")
}
