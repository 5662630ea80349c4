package infrastructure

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/files/domain"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestTenantBNeverSeesAnAttachmentOfA: an attachment of A is hidden from B, by the tenant condition and by row-level security.
func TestTenantBNeverSeesAnAttachmentOfA(t *testing.T) {
	t.Parallel()
	repo := NewRepo(testkit.AppDB(t))
	a, b, inA, inB := testkit.TwoTenants(t)
	user := uuid.Must(uuid.NewV7())
	_, err := testkit.DB(t).ExecContext(t.Context(), "INSERT INTO users (id, tenant_id, email, username, state) VALUES (?, ?, ?, ?, 'active')",
		user, a.UUID, user.String()+"@kommun.example", user.String())
	require.NoError(t, err)
	f := domain.File{ID: uuid.Must(uuid.NewV7()), Tenant: a, User: user, Name: "permit.txt", MimeType: "text/plain", Size: 12,
		SHA256: "00", Chars: 12, CreatedAt: time.Now().UTC()}
	require.NoError(t, repo.Insert(inA, f, "500 kronor."))
	got, err := repo.Get(inA, a, user, f.ID)
	require.NoError(t, err)
	require.Equal(t, "permit.txt", got.Name)
	testkit.Hidden(t, inB, a, b, "file", domain.ErrNotFound, func(ctx context.Context, tenant tenancy.ID) error {
		_, err := repo.Get(ctx, tenant, user, f.ID)
		return err
	})
	listed, err := repo.List(inB, a, user, 10)
	require.NoError(t, err)
	require.Empty(t, listed)
}
