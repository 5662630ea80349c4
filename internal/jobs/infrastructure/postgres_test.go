package infrastructure_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/jobs/domain"
	"github.com/agora-platform/agora/internal/jobs/infrastructure"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestTenantBNeverSeesAJobOfA: B neither gets nor lists A's job, whichever tenant id it asks with.
func TestTenantBNeverSeesAJobOfA(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b, inA, inB := testkit.TwoTenants(t)
	user, now := uuid.New(), time.Now().UTC()
	j := domain.Job{ID: uuid.Must(uuid.NewV7()), Tenant: a, User: user, Task: "files:ingest", Name: "permits.pdf",
		Status: domain.Queued, CreatedAt: now, UpdatedAt: now}
	require.NoError(t, repo.Insert(inA, j))
	got, err := repo.Get(inA, a, j.ID)
	require.NoError(t, err)
	require.Equal(t, "permits.pdf", got.Name)
	testkit.Hidden(t, inB, a, b, "job", domain.ErrNotFound, func(ctx context.Context, tenant tenancy.ID) error {
		_, err := repo.Get(ctx, tenant, j.ID)
		return err
	})
	listed, err := repo.List(inB, a, user, 10)
	require.NoError(t, err)
	require.Empty(t, listed)
}
