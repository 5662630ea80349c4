package infrastructure

import (
	"context"
	"fmt"
	"strconv"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// ImportBatch writes prepared documents and their chunks in two
// statements of unnested arrays, outside any transaction. A document
// split over two batches is written by both: the first write wins and the
// second adds its chunk count.
func (k *Knowledge) ImportBatch(ctx context.Context, tenant tenancy.ID, model uuid.UUID, tokens int, docs []application.PreparedDoc) error {
	n := 0
	for _, d := range docs {
		n += len(d.Chunks)
	}
	var blobIDs, blobCols []uuid.UUID
	var titles, hashes []string
	var counts []int
	ids, chunkBlobs, chunkCols := make([]uuid.UUID, 0, n), make([]uuid.UUID, 0, n), make([]uuid.UUID, 0, n)
	nos, texts, vecs := make([]int, 0, n), make([]string, 0, n), make([]string, 0, n)
	for _, d := range docs {
		blobIDs, blobCols = append(blobIDs, d.ID), append(blobCols, d.Collection)
		titles, hashes, counts = append(titles, d.Title), append(hashes, d.SHA256), append(counts, len(d.Chunks))
		for _, c := range d.Chunks {
			ids, chunkBlobs, chunkCols = append(ids, c.ID), append(chunkBlobs, d.ID), append(chunkCols, d.Collection)
			nos, texts, vecs = append(nos, c.No), append(texts, c.Text), append(vecs, importVector(c.Embedding))
		}
	}
	_, err := k.db.ExecContext(ctx, `INSERT INTO info_blobs (id, tenant_id, collection_id, title, sha256, status, chunk_count)
		SELECT u.id, ?, u.col, u.title, u.hash, 'ready', u.n FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::int[]) AS u(id, col, title, hash, n)
		ON CONFLICT (tenant_id, id) DO UPDATE SET chunk_count = info_blobs.chunk_count + excluded.chunk_count`,
		tenant.UUID, pgArray(blobIDs), pgArray(blobCols), pgArray(titles), pgArray(hashes), pgArray(counts))
	if err != nil {
		return fmt.Errorf("import documents: %w", err)
	}
	_, err = k.db.ExecContext(ctx, `INSERT INTO chunks (id, tenant_id, collection_id, info_blob_id, embedding_model_id, chunk_no, text, tokens, embedding, tsv)
		SELECT u.id, ?, u.col, u.blob, ?, u.no, u.text, ?, u.emb::vector, to_tsvector('english', u.text)
		FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::int[], ?::text[], ?::text[]) AS u(id, col, blob, no, text, emb)`,
		tenant.UUID, model, tokens, pgArray(ids), pgArray(chunkCols), pgArray(chunkBlobs), pgArray(nos), pgArray(texts), pgArray(vecs))
	if err != nil {
		return fmt.Errorf("import chunks: %w", err)
	}
	return nil
}

// importVector writes a vector as pgvector's text form with six
// significant digits: a third less to send than vectorLiteral's exact
// form, which the bulk path, unlike ingestion, does not need.
func importVector(v []float32) string {
	b := make([]byte, 0, len(v)*10)
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(x), 'g', 6, 32)
	}
	return string(append(b, ']'))
}

// CountImported sets the tenant's documents' term counts, its
// collections' chunk and term totals, and its collections' term
// frequencies from all of its chunks (it assumes the tenant's chunks were
// all imported: the term frequencies are inserted, not added to).
func (k *Knowledge) CountImported(ctx context.Context, tenant tenancy.ID) error {
	_, err := k.db.ExecContext(ctx, `UPDATE info_blobs b SET term_count = s.terms FROM (
			SELECT c.info_blob_id, sum(array_length(t.positions, 1)) AS terms FROM chunks c, unnest(c.tsv) t
			WHERE c.tenant_id = ? GROUP BY 1) s
		WHERE b.tenant_id = ? AND b.id = s.info_blob_id`, tenant.UUID, tenant.UUID)
	if err != nil {
		return fmt.Errorf("import document totals: %w", err)
	}
	_, err = k.db.ExecContext(ctx, `UPDATE collections c SET chunk_count = s.chunks, term_count = s.terms FROM (
			SELECT collection_id, sum(chunk_count) AS chunks, sum(term_count) AS terms FROM info_blobs WHERE tenant_id = ? GROUP BY 1) s
		WHERE c.tenant_id = ? AND c.id = s.collection_id`, tenant.UUID, tenant.UUID)
	if err != nil {
		return fmt.Errorf("import collection totals: %w", err)
	}
	_, err = k.db.ExecContext(ctx, `INSERT INTO collection_terms (tenant_id, collection_id, lexeme, df)
		SELECT c.tenant_id, c.collection_id, t.lexeme, count(*) FROM chunks c, unnest(c.tsv) t WHERE c.tenant_id = ? GROUP BY 1, 2, 3`, tenant.UUID)
	if err != nil {
		return fmt.Errorf("import term frequencies: %w", err)
	}
	return nil
}

// BuildIndex builds the model's HNSW index as EnsureIndex does, with
// memory ("": BuildMemory) as maintenance_work_mem for this build alone.
func (k *Knowledge) BuildIndex(ctx context.Context, m application.EmbeddingModel, memory string) error {
	build := *k // shares the set of built indexes
	if memory != "" {
		build.BuildMemory = memory
	}
	return build.EnsureIndex(ctx, m)
}

// Analyze refreshes the planner's statistics of the chunks table, on the
// connection index builds use (the tables' owner).
func (k *Knowledge) Analyze(ctx context.Context) error { return k.analyze(ctx, "chunks") }

// AnalyzeDocuments refreshes the documents' planner statistics.
func (k *Knowledge) AnalyzeDocuments(ctx context.Context) error { return k.analyze(ctx, "info_blobs") }

// SharedModel reports whether another tenant has collections embedded
// with model. It reads as the owner, whom row-level security does not
// scope; without an owner connection it sees only the tenant's own.
func (k *Knowledge) SharedModel(ctx context.Context, tenant tenancy.ID, model uuid.UUID) (bool, error) {
	db, err := k.ddl(ctx)
	if err != nil {
		return false, err
	}
	var shared bool
	err = db.NewRaw("SELECT EXISTS (SELECT 1 FROM collections WHERE embedding_model_id = ? AND tenant_id <> ?)", model, tenant.UUID).Scan(ctx, &shared)
	if err != nil {
		return false, fmt.Errorf("check who else uses model %s: %w", model, err)
	}
	return shared, nil
}

// analyze refreshes one of the module's tables' planner statistics (as
// its owner).
func (k *Knowledge) analyze(ctx context.Context, table string) error {
	db, err := k.ddl(ctx)
	if err != nil {
		return err
	}
	if _, err := db.ExecContext(ctx, "ANALYZE "+table); err != nil {
		return fmt.Errorf("analyze %s: %w", table, err)
	}
	return nil
}

var _ application.Importer = (*Knowledge)(nil)
