package infrastructure_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/sessions/application"
	"github.com/agora-platform/agora/internal/sessions/domain"
	"github.com/agora-platform/agora/internal/sessions/infrastructure"
)

// TestASecondTenantSeesNothingOfTheFirst: a chat session of tenant A is
// not found by tenant B, by B's id (the tenant condition) or, in B's unit
// of work, by A's id (row-level security, the second line).
func TestASecondTenantSeesNothingOfTheFirst(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	space, assistant, user := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	owner := testkit.DB(t)
	_, err := owner.ExecContext(t.Context(), "INSERT INTO spaces (id, tenant_id, kind, name) VALUES (?, ?, 'shared', 'Permits')", space, a.UUID)
	require.NoError(t, err)
	_, err = owner.ExecContext(t.Context(), "INSERT INTO assistants (id, tenant_id, space_id, name, completion_model_id, created_by) VALUES (?, ?, ?, 'Clerk', ?, ?)",
		assistant, a.UUID, space, uuid.New(), user)
	require.NoError(t, err)
	now := time.Now().UTC()
	s := domain.Session{ID: uuid.Must(uuid.NewV7()), Tenant: a, User: user, Assistant: assistant, Title: "Permits", CreatedAt: now, UpdatedAt: now}
	q := domain.Question{ID: uuid.Must(uuid.NewV7()), Question: "What does a permit cost?", Status: domain.Streaming, CreatedAt: now}
	inA := tenancy.With(t.Context(), a)
	require.NoError(t, repo.BeginTurn(inA, a, application.TurnRecord{Session: s, NewSession: true, Question: q}, "test"))
	got, err := repo.Session(inA, a, user, s.ID)
	require.NoError(t, err)
	require.Len(t, got.Questions, 1)

	inB := tenancy.With(t.Context(), b)
	_, err = repo.Session(inB, b, user, s.ID)
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = repo.Session(inB, a, user, s.ID)
	require.ErrorIs(t, err, domain.ErrNotFound, "row-level security hides A's session inside B's unit of work")
}
