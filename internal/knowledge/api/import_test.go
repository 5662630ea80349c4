package api_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/testkit"
	usersdomain "github.com/agora-platform/agora/internal/users/domain"
)

// TestImportPreparedStoresWhatIngestionWould: the benchmarks' bulk path
// leaves documents, totals and term frequencies as ingestion does, and
// refuses what it could not count right or the caller may not do.
func TestImportPreparedStoresWhatIngestionWould(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	l := newLibrary(t, e, "Imported")
	ctx := context.Background()
	me := testkit.JSON[struct{ ID uuid.UUID }](t, e.Do(http.MethodGet, "/api/v1/users/me/", "", l.token)).ID
	owner := actor.Caller{UserID: me, TenantAdmin: true}
	k := e.App.Knowledge.Knowledge
	col := uuid.MustParse(l.collection)

	ids := map[string]uuid.UUID{}
	doc := func(name string, in uuid.UUID, chunks ...string) application.PreparedDoc {
		if ids[name] == uuid.Nil {
			ids[name] = uuid.New()
		}
		d := application.PreparedDoc{ID: ids[name], Collection: in, Title: name, SHA256: fmt.Sprintf("%s-%d", name, len(ids))}
		for _, text := range chunks {
			v := make([]float32, 384)
			v[len(d.Chunks)] = 1
			d.Chunks = append(d.Chunks, application.PreparedChunk{ID: uuid.New(), No: len(d.Chunks), Text: text, Embedding: v})
		}
		return d
	}
	// The second document is split over the two batches.
	batches := [][]application.PreparedDoc{
		{doc("Harbour rules", col, "boats moor at the quay", "fees are paid monthly", "the harbour master decides"),
			doc("Zoo guide", col, "the penguins are fed at noon")},
		{doc("Zoo guide", col, "the walrus sleeps in the afternoon")},
	}
	batches[1][0].Chunks[0].No = 1
	in := application.ImportInput{Collections: []uuid.UUID{col}, Batches: len(batches), ChunkTokens: 6,
		Batch: func(i int) []application.PreparedDoc { return batches[i] }}
	_, err := k.ImportPrepared(ctx, l.tenant, owner, in)
	require.NoError(t, err)

	c, err := k.Collection(ctx, l.tenant, owner, col)
	require.NoError(t, err)
	require.Equal(t, int64(5), c.ChunkCount)
	require.Equal(t, 2, c.Blobs)
	require.Positive(t, c.TermCount)
	blobs, err := k.Blobs(ctx, l.tenant, owner, col, 10)
	require.NoError(t, err)
	counts := map[string]int{}
	for _, b := range blobs {
		counts[b.Title] = b.ChunkCount
		require.Equal(t, domain.BlobReady, b.Status)
		require.Positive(t, b.TermCount)
	}
	require.Equal(t, map[string]int{"Harbour rules": 3, "Zoo guide": 2}, counts, "the split document's chunks add up")
	hits, err := k.Search(ctx, l.tenant, me, []domain.Collection{c}, "walrus", 5, application.Text)
	require.NoError(t, err)
	require.NotEmpty(t, hits, "the term frequencies BM25 reads are in place")
	require.Equal(t, "the walrus sleeps in the afternoon", hits[0].Text)
	hits, err = k.Search(ctx, l.tenant, me, []domain.Collection{c}, "quay", 5, application.Vector)
	require.NoError(t, err)
	require.Len(t, hits, 5, "every chunk has its vector")

	_, err = k.ImportPrepared(ctx, l.tenant, owner, in)
	require.ErrorContains(t, err, "is not empty")
	kind, _ := errs.KindOf(err)
	require.Equal(t, errs.Invalid, kind)

	rec := e.Do(http.MethodPost, "/api/v1/groups/", `{"name":"Second","space_id":"`+l.space+`"}`, l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	second := uuid.MustParse(testkit.JSON[api.CollectionResponse](t, rec).ID)
	stray := application.ImportInput{Collections: []uuid.UUID{second}, Batches: 1, ChunkTokens: 6,
		Batch: func(int) []application.PreparedDoc { return []application.PreparedDoc{doc("Stray", col, "not here")} }}
	_, err = k.ImportPrepared(ctx, l.tenant, owner, stray)
	require.ErrorContains(t, err, "not listed")
	c, err = k.Collection(ctx, l.tenant, owner, col)
	require.NoError(t, err)
	require.Equal(t, int64(5), c.ChunkCount, "nothing of the refused import was written")

	_, other := e.Token(t, l.tenant, usersdomain.RoleUser)
	stray.Batch = func(int) []application.PreparedDoc {
		return []application.PreparedDoc{doc("Elsewhere", second, "not yours")}
	}
	_, err = k.ImportPrepared(ctx, l.tenant, actor.Caller{UserID: other}, stray)
	kind, _ = errs.KindOf(err)
	require.Equal(t, errs.NotFound, kind, "another user's personal space is not found: %v", err)
}
