package infrastructure

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/files/domain"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestASecondTenantSeesNothingOfTheFirst: an attachment of tenant A is
// neither found nor listed by tenant B, by B's id (the tenant condition)
// or, in B's unit of work, by A's id (row-level security, the second line).
func TestASecondTenantSeesNothingOfTheFirst(t *testing.T) {
	t.Parallel()
	repo := NewRepo(testkit.AppDB(t))
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	user := uuid.Must(uuid.NewV7())
	_, err := testkit.DB(t).ExecContext(t.Context(), "INSERT INTO users (id, tenant_id, email, username, state) VALUES (?, ?, ?, ?, 'active')",
		user, a.UUID, user.String()+"@kommun.example", user.String())
	require.NoError(t, err)
	f := domain.File{ID: uuid.Must(uuid.NewV7()), Tenant: a, User: user, Name: "permit.txt", MimeType: "text/plain", Size: 12,
		SHA256: "00", Chars: 12, CreatedAt: time.Now().UTC()}
	inA := tenancy.With(t.Context(), a)
	require.NoError(t, repo.Insert(inA, f, "500 kronor."))
	got, err := repo.Get(inA, a, user, f.ID)
	require.NoError(t, err)
	require.Equal(t, "permit.txt", got.Name)

	inB := tenancy.With(t.Context(), b)
	_, err = repo.Get(inB, b, user, f.ID)
	require.ErrorIs(t, err, domain.ErrNotFound)
	_, err = repo.Get(inB, a, user, f.ID)
	require.ErrorIs(t, err, domain.ErrNotFound, "row-level security hides A's file inside B's unit of work")
	listed, err := repo.List(inB, a, user, 10)
	require.NoError(t, err)
	require.Empty(t, listed)
}
