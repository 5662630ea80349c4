package infrastructure_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/assistants/domain"
	"github.com/agora-platform/agora/internal/assistants/infrastructure"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestASecondTenantSeesNothingOfTheFirst: an assistant of tenant A is
// neither found nor listed by tenant B, by B's id (the tenant condition)
// or, in B's unit of work, by A's id (row-level security, the second line).
func TestASecondTenantSeesNothingOfTheFirst(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	space := uuid.Must(uuid.NewV7())
	_, err := testkit.DB(t).ExecContext(t.Context(), "INSERT INTO spaces (id, tenant_id, kind, name) VALUES (?, ?, 'shared', 'Permits')", space, a.UUID)
	require.NoError(t, err)
	now := time.Now().UTC()
	as := domain.Assistant{ID: uuid.Must(uuid.NewV7()), Tenant: a, Space: space, Name: "Clerk", Model: uuid.New(), CreatedBy: uuid.New(),
		CreatedAt: now, UpdatedAt: now}
	inA := tenancy.With(t.Context(), a)
	require.NoError(t, repo.Insert(inA, as, domain.Prompt{ID: uuid.Must(uuid.NewV7()), Text: "Answer.", Selected: true, CreatedAt: now}))
	got, err := repo.Get(inA, a, as.ID)
	require.NoError(t, err)
	require.Equal(t, "Clerk", got.Name)

	inB := tenancy.With(t.Context(), b)
	_, err = repo.Get(inB, b, as.ID)
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = repo.Get(inB, a, as.ID)
	require.ErrorIs(t, err, domain.ErrNotFound, "row-level security hides A's assistant inside B's unit of work")
	listed, err := repo.ListInSpaces(inB, a, []uuid.UUID{space})
	require.NoError(t, err)
	require.Empty(t, listed)
}
