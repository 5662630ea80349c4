package infrastructure_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/assistants/domain"
	"github.com/agora-platform/agora/internal/assistants/infrastructure"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestTenantBNeverSeesAnAssistantOfA: tenant B finds no assistant of A, by its own id nor, under row-level security, by A's, and lists none.
func TestTenantBNeverSeesAnAssistantOfA(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b, inA, inB := testkit.TwoTenants(t)
	space, now := testkit.SharedSpace(t, a), time.Now().UTC()
	as := domain.Assistant{ID: uuid.Must(uuid.NewV7()), Tenant: a, Space: space, Name: "Clerk", Model: uuid.New(), CreatedBy: uuid.New(),
		CreatedAt: now, UpdatedAt: now}
	require.NoError(t, repo.Insert(inA, as, domain.Prompt{ID: uuid.Must(uuid.NewV7()), Text: "Answer.", Selected: true, CreatedAt: now}))
	got, err := repo.Get(inA, a, as.ID)
	require.NoError(t, err)
	require.Equal(t, "Clerk", got.Name)
	testkit.Hidden(t, inB, a, b, "assistant", domain.ErrNotFound, func(ctx context.Context, tenant tenancy.ID) error {
		_, err := repo.Get(ctx, tenant, as.ID)
		return err
	})
	listed, err := repo.ListInSpaces(inB, a, []uuid.UUID{space})
	require.NoError(t, err)
	require.Empty(t, listed)
}
