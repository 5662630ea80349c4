package infrastructure_test

import (
	"context"
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

// TestTenantBNeverSeesASessionOfA: B cannot load A's chat session, by its own tenant id or by A's.
func TestTenantBNeverSeesASessionOfA(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b, inA, inB := testkit.TwoTenants(t)
	assistant, user := uuid.Must(uuid.NewV7()), uuid.Must(uuid.NewV7())
	_, err := testkit.DB(t).ExecContext(t.Context(), "INSERT INTO assistants (id, tenant_id, space_id, name, completion_model_id, created_by) VALUES (?, ?, ?, 'Clerk', ?, ?)",
		assistant, a.UUID, testkit.SharedSpace(t, a), uuid.New(), user)
	require.NoError(t, err)
	now := time.Now().UTC()
	s := domain.Session{ID: uuid.Must(uuid.NewV7()), Tenant: a, User: user, Assistant: assistant, Title: "Permits", CreatedAt: now, UpdatedAt: now}
	q := domain.Question{ID: uuid.Must(uuid.NewV7()), Question: "What does a permit cost?", Status: domain.Streaming, CreatedAt: now}
	require.NoError(t, repo.BeginTurn(inA, a, application.TurnRecord{Session: s, NewSession: true, Question: q}, "test"))
	got, err := repo.Session(inA, a, user, s.ID)
	require.NoError(t, err)
	require.Len(t, got.Questions, 1)
	testkit.Hidden(t, inB, a, b, "session", domain.ErrNotFound, func(ctx context.Context, tenant tenancy.ID) error {
		_, err := repo.Session(ctx, tenant, user, s.ID)
		return err
	})
}
