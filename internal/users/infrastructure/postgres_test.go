package infrastructure_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
	"github.com/agora-platform/agora/internal/users/infrastructure"
)

// TestASecondTenantSeesNothingOfTheFirst: a user of tenant A is neither
// found nor listed by tenant B, by B's id (the tenant condition) or, in B's
// unit of work, by A's id (row-level security, the second line).
func TestASecondTenantSeesNothingOfTheFirst(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	now := time.Now().UTC()
	id := uuid.Must(uuid.NewV7())
	u := domain.User{ID: id, Tenant: a, Email: id.String() + "@kommun.example", Username: id.String(), State: domain.StateActive,
		CreatedAt: now, UpdatedAt: now}
	inA := tenancy.With(t.Context(), a)
	require.NoError(t, repo.InsertUser(inA, u))
	got, err := repo.GetUser(inA, a, id)
	require.NoError(t, err)
	require.Equal(t, u.Email, got.Email)

	inB := tenancy.With(t.Context(), b)
	_, err = repo.GetUser(inB, b, id)
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = repo.GetUser(inB, a, id)
	require.ErrorIs(t, err, domain.ErrNotFound, "row-level security hides A's user inside B's unit of work")
	listed, total, err := repo.ListUsers(inB, a, "", 10, 0)
	require.NoError(t, err)
	require.Empty(t, listed)
	require.Zero(t, total)
}
