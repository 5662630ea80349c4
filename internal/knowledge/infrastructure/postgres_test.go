package infrastructure

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestASecondTenantSeesNothingOfTheFirst: a collection of tenant A and its
// document are neither found nor listed by tenant B, by B's id (the tenant
// condition) or, in B's unit of work, by A's id (row-level security, the
// second line); nor can B rename or delete them.
func TestASecondTenantSeesNothingOfTheFirst(t *testing.T) {
	t.Parallel()
	repo := NewKnowledge(testkit.AppDB(t))
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	space := uuid.Must(uuid.NewV7())
	_, err := testkit.DB(t).ExecContext(t.Context(), "INSERT INTO spaces (id, tenant_id, kind, name) VALUES (?, ?, 'shared', 'Permits')", space, a.UUID)
	require.NoError(t, err)
	now := time.Now().UTC()
	col := domain.Collection{ID: uuid.Must(uuid.NewV7()), Tenant: a, Space: space, Name: "Permits", EmbeddingModel: uuid.New(),
		Language: "swedish", CreatedAt: now, UpdatedAt: now}
	inA := tenancy.With(t.Context(), a)
	require.NoError(t, repo.InsertCollection(inA, col))
	blob, inserted, err := repo.InsertBlob(inA, domain.InfoBlob{ID: uuid.Must(uuid.NewV7()), Tenant: a, Collection: col.ID, Title: "Fees",
		MimeType: "text/plain", Size: 12, SHA256: "00", Status: domain.BlobQueued, CreatedAt: now, UpdatedAt: now})
	require.NoError(t, err)
	require.True(t, inserted)
	got, err := repo.Collection(inA, a, col.ID)
	require.NoError(t, err)
	require.Equal(t, "Permits", got.Name)

	inB := tenancy.With(t.Context(), b)
	_, err = repo.Collection(inB, b, col.ID)
	require.ErrorIs(t, err, domain.ErrCollectionNotFound)
	_, err = repo.Collection(inB, a, col.ID)
	require.ErrorIs(t, err, domain.ErrCollectionNotFound, "row-level security hides A's collection inside B's unit of work")
	_, err = repo.Blob(inB, a, blob.ID)
	require.ErrorIs(t, err, domain.ErrBlobNotFound, "and its document")
	for _, tenant := range []tenancy.ID{a, b} {
		listed, err := repo.Collections(inB, tenant, []uuid.UUID{space})
		require.NoError(t, err)
		require.Empty(t, listed)
		blobs, err := repo.Blobs(inB, tenant, col.ID, 10)
		require.NoError(t, err)
		require.Empty(t, blobs)
	}
	require.Error(t, repo.RenameCollection(inB, a, col.ID, "Taken"))
	require.Error(t, repo.DeleteCollection(inB, a, col.ID))
	got, err = repo.Collection(inA, a, col.ID)
	require.NoError(t, err)
	require.Equal(t, "Permits", got.Name, "A's collection is untouched")
}
