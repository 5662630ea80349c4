package infrastructure

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestTenantBNeverSeesACollectionOfA: A's collection and its document stay hidden from B, which can neither rename nor delete them.
func TestTenantBNeverSeesACollectionOfA(t *testing.T) {
	t.Parallel()
	repo := NewKnowledge(testkit.AppDB(t))
	a, b, inA, inB := testkit.TwoTenants(t)
	space, now := testkit.SharedSpace(t, a), time.Now().UTC()
	col := domain.Collection{ID: uuid.Must(uuid.NewV7()), Tenant: a, Space: space, Name: "Permits", EmbeddingModel: uuid.New(),
		Language: "swedish", CreatedAt: now, UpdatedAt: now}
	require.NoError(t, repo.InsertCollection(inA, col))
	blob, inserted, err := repo.InsertBlob(inA, domain.InfoBlob{ID: uuid.Must(uuid.NewV7()), Tenant: a, Collection: col.ID, Title: "Fees",
		MimeType: "text/plain", Size: 12, SHA256: "00", Status: domain.BlobQueued, CreatedAt: now, UpdatedAt: now})
	require.NoError(t, err)
	require.True(t, inserted)
	got, err := repo.Collection(inA, a, col.ID)
	require.NoError(t, err)
	require.Equal(t, "Permits", got.Name)

	testkit.Hidden(t, inB, a, b, "collection", domain.ErrCollectionNotFound, func(ctx context.Context, tenant tenancy.ID) error {
		_, err := repo.Collection(ctx, tenant, col.ID)
		return err
	})
	testkit.Hidden(t, inB, a, b, "document", domain.ErrBlobNotFound, func(ctx context.Context, tenant tenancy.ID) error {
		_, err := repo.Blob(ctx, tenant, blob.ID)
		return err
	})
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
