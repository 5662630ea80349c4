package infrastructure_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/jobs/domain"
	"github.com/agora-platform/agora/internal/jobs/infrastructure"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestASecondTenantSeesNothingOfTheFirst: a job of tenant A is neither
// found nor listed by tenant B, by B's id (the tenant condition) or, in B's
// unit of work, by A's id (row-level security, the second line).
func TestASecondTenantSeesNothingOfTheFirst(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	user := uuid.New()
	now := time.Now().UTC()
	j := domain.Job{ID: uuid.Must(uuid.NewV7()), Tenant: a, User: user, Task: "files:ingest", Name: "permits.pdf",
		Status: domain.Queued, CreatedAt: now, UpdatedAt: now}
	require.NoError(t, repo.Insert(tenancy.With(t.Context(), a), j))
	got, err := repo.Get(tenancy.With(t.Context(), a), a, j.ID)
	require.NoError(t, err)
	require.Equal(t, "permits.pdf", got.Name)

	inB := tenancy.With(t.Context(), b)
	_, err = repo.Get(inB, b, j.ID)
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = repo.Get(inB, a, j.ID)
	require.ErrorIs(t, err, domain.ErrNotFound, "row-level security hides A's job inside B's unit of work")
	listed, err := repo.List(inB, a, user, 10)
	require.NoError(t, err)
	require.Empty(t, listed)
}
