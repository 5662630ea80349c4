package infrastructure

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// indexSet remembers which models' HNSW indexes exist.
type indexSet struct {
	mu   sync.Mutex
	done map[uuid.UUID]bool
}

// indexName names a model's HNSW index.
func indexName(model uuid.UUID) string {
	return "chunks_hnsw_" + strings.ReplaceAll(model.String(), "-", "")
}

// indexLock is the advisory lock that makes index builds take turns: two
// concurrent CREATE INDEX CONCURRENTLY on one table deadlock.
const indexLock = 0x61676f7261 // "agora"

// EnsureIndex creates the HNSW index over embedding::vector(dims) for the
// model's chunks (cosine distance) without blocking writes. Builds take
// turns across processes; an invalid index a failed build left is
// dropped and built again.
func (k *Knowledge) EnsureIndex(ctx context.Context, m application.EmbeddingModel) error {
	k.indexes.mu.Lock()
	defer k.indexes.mu.Unlock()
	if k.indexes.done[m.ID] {
		return nil
	}
	if m.Dimensions < 1 || m.Dimensions > 16000 {
		return fmt.Errorf("embedding model %s has %d dimensions; an index takes 1 to 16000", m.Name, m.Dimensions)
	}
	db, err := k.ddl(ctx)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := takeTurn(ctx, conn); err != nil {
		return fmt.Errorf("wait for other index builds: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", indexLock) }()
	var valid []bool
	if err := conn.NewRaw("SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = ?", indexName(m.ID)).
		Scan(ctx, &valid); err != nil {
		return fmt.Errorf("look for the index of model %s: %w", m.Name, err)
	}
	if len(valid) == 1 && !valid[0] {
		if _, err := conn.ExecContext(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+indexName(m.ID)); err != nil {
			return fmt.Errorf("drop the broken index of model %s: %w", m.Name, err)
		}
	}
	if _, err := conn.ExecContext(ctx, "SET maintenance_work_mem = '"+k.BuildMemory+"'"); err != nil {
		return fmt.Errorf("set the index build memory: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "RESET maintenance_work_mem") }()
	q := fmt.Sprintf(`CREATE INDEX CONCURRENTLY IF NOT EXISTS %s ON chunks USING hnsw ((embedding::vector(%d)) vector_cosine_ops) WHERE embedding_model_id = '%s'`,
		indexName(m.ID), m.Dimensions, m.ID)
	if _, err := conn.ExecContext(ctx, q); err != nil {
		return fmt.Errorf("create the HNSW index of model %s: %w", m.Name, err)
	}
	k.indexes.done[m.ID] = true
	return nil
}

// DropIndex drops the model's HNSW index, so that a bulk load can be
// followed by one build (EnsureIndex) instead of a graph insert per row.
func (k *Knowledge) DropIndex(ctx context.Context, model uuid.UUID) error {
	k.indexes.mu.Lock()
	defer k.indexes.mu.Unlock()
	db, err := k.ddl(ctx)
	if err != nil {
		return err
	}
	conn, err := db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	// A drop takes its turn with the builds: a concurrent drop and build
	// on one table deadlock as two builds do.
	if err := takeTurn(ctx, conn); err != nil {
		return fmt.Errorf("wait for other index builds: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", indexLock) }()
	if _, err := conn.ExecContext(ctx, "DROP INDEX CONCURRENTLY IF EXISTS "+indexName(model)); err != nil {
		return fmt.Errorf("drop the HNSW index of model %s: %w", model, err)
	}
	delete(k.indexes.done, model)
	return nil
}

// takeTurn takes the index-build lock. It polls instead of waiting inside
// pg_advisory_lock: a session waiting there holds a snapshot that the
// running build waits for in turn, and the two would deadlock.
func takeTurn(ctx context.Context, conn bun.Conn) error {
	for {
		var got bool
		if err := conn.NewRaw("SELECT pg_try_advisory_lock(?)", indexLock).Scan(ctx, &got); err != nil {
			return err
		}
		if got {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// vectorLiteral writes a vector as pgvector's text form.
func vectorLiteral(v []float32) string {
	var b strings.Builder
	b.Grow(len(v) * 10)
	b.WriteByte('[')
	for i, f := range v {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.FormatFloat(float64(f), 'g', -1, 32))
	}
	b.WriteByte(']')
	return b.String()
}

// insertBatch is how many chunks one INSERT writes.
const insertBatch = 500

// ReplaceChunks writes a blob's chunks in one transaction: the blob is
// locked, earlier chunks are deleted, the new ones written with their
// tsvector (title and text, in the collection's language), and the
// blob's and the collection's totals set.
func (k *Knowledge) ReplaceChunks(ctx context.Context, b domain.InfoBlob, c domain.Collection, chunks []application.ChunkRow, chars int) error {
	return postgres.NewTransactor(k.db).InTx(ctx, func(ctx context.Context) error {
		db := postgres.Conn(ctx, k.db)
		old, err := lockBlob(ctx, db, b.Tenant, b.ID)
		if err != nil {
			return err
		}
		if err := countTerms(ctx, db, b.Tenant, c.ID, b.ID, -1); err != nil {
			return err
		}
		if _, err := db.NewDelete().TableExpr("chunks").Where("tenant_id = ?", b.Tenant.UUID).Where("info_blob_id = ?", b.ID).Exec(ctx); err != nil {
			return fmt.Errorf("delete old chunks: %w", err)
		}
		for start := 0; start < len(chunks); start += insertBatch {
			if err := k.insertChunks(ctx, b, c, chunks[start:min(start+insertBatch, len(chunks))]); err != nil {
				return err
			}
		}
		if err := countTerms(ctx, db, b.Tenant, c.ID, b.ID, 1); err != nil {
			return err
		}
		var terms int64
		err = db.NewRaw(`SELECT coalesce(sum(array_length(t.positions, 1)), 0) FROM chunks c, unnest(c.tsv) t
			WHERE c.tenant_id = ? AND c.info_blob_id = ?`, b.Tenant.UUID, b.ID).Scan(ctx, &terms)
		if err != nil {
			return fmt.Errorf("count indexed terms: %w", err)
		}
		_, err = db.NewUpdate().Table("info_blobs").Set("status = 'ready'").Set("chunk_count = ?", len(chunks)).Set("term_count = ?", terms).
			Set("chars = ?", chars).Set("title = ?", b.Title).Set("pages = ?", b.Pages).Set("file_kept = ?", b.FileKept).Set("note = ?", b.Note).Set("updated_at = now()").Where("tenant_id = ?", b.Tenant.UUID).Where("id = ?", b.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("mark info blob ready: %w", err)
		}
		return addTotals(ctx, db, b.Tenant, c.ID, int64(len(chunks)-old.ChunkCount), terms-old.TermCount)
	})
}

// countTerms adds (sign 1) or takes away (sign -1) the document
// frequencies of the blob's chunks' lexemes in its collection's term table.
// Rows are written in lexeme order, so concurrent ingestions into one
// collection wait for each other instead of deadlocking.
func countTerms(ctx context.Context, db bun.IDB, tenant tenancy.ID, collection, blob uuid.UUID, sign int) error {
	_, err := db.NewRaw(`INSERT INTO collection_terms (tenant_id, collection_id, lexeme, df)
		SELECT ?, ?, t.lexeme, ? * count(*) FROM chunks c, unnest(c.tsv) t
		WHERE c.tenant_id = ? AND c.info_blob_id = ? GROUP BY t.lexeme ORDER BY t.lexeme
		ON CONFLICT (tenant_id, collection_id, lexeme) DO UPDATE SET df = greatest(collection_terms.df + excluded.df, 0)`,
		tenant.UUID, collection, sign, tenant.UUID, blob).Exec(ctx)
	if err != nil {
		return fmt.Errorf("count the terms of info blob %s: %w", blob, err)
	}
	return nil
}

func (k *Knowledge) insertChunks(ctx context.Context, b domain.InfoBlob, c domain.Collection, rows []application.ChunkRow) error {
	ids := make([]uuid.UUID, len(rows))
	nos := make([]int, len(rows))
	texts := make([]string, len(rows))
	tokens := make([]int, len(rows))
	vecs := make([]string, len(rows))
	sections := make([]string, len(rows))
	starts, ends := make([]int, len(rows)), make([]int, len(rows))
	for i, r := range rows {
		ids[i], nos[i], texts[i], tokens[i], vecs[i] = uuid.Must(uuid.NewV7()), r.No, r.Text, r.Tokens, vectorLiteral(r.Embedding)
		sections[i], starts[i], ends[i] = r.Section, r.PageStart, r.PageEnd
	}
	_, err := postgres.Conn(ctx, k.db).NewRaw(`INSERT INTO chunks (id, tenant_id, collection_id, info_blob_id, embedding_model_id, chunk_no, text, tokens, embedding, tsv,
			section, page_start, page_end)
		SELECT u.id, ?, ?, ?, ?, u.no, u.text, u.tokens, u.emb::vector, to_tsvector(?::regconfig, ? || ' ' || u.section || ' ' || u.text),
			u.section, u.page_start, u.page_end
		FROM unnest(?::uuid[], ?::int[], ?::text[], ?::int[], ?::text[], ?::text[], ?::int[], ?::int[])
			AS u(id, no, text, tokens, emb, section, page_start, page_end)`,
		b.Tenant.UUID, c.ID, b.ID, c.EmbeddingModel, domain.FTSConfig(c.Language), b.Title,
		pgArray(ids), pgArray(nos), pgArray(texts), pgArray(tokens), pgArray(vecs), pgArray(sections), pgArray(starts), pgArray(ends)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert chunks: %w", err)
	}
	return nil
}

// Nearest returns the k chunks of the scope closest to v by cosine
// distance. The approximate scan uses the model's HNSW index with
// pgvector's iterative scan (so the tenant and collection filter still
// yields k results); exact sorts the scope's chunks.
func (k *Knowledge) Nearest(ctx context.Context, s application.Scope, v []float32, n int, exact bool) ([]application.Hit, error) {
	if len(s.Collections) == 0 {
		return nil, nil
	}
	dims := s.Model.Dimensions
	q := vectorLiteral(v)
	order := fmt.Sprintf("c.embedding::vector(%d) <=> '%s'::vector(%d)", dims, q, dims)
	if exact {
		order = "(" + order + ") + 0" // not the index's ordering: a sort over the scope
	}
	var hits []application.Hit
	err := postgres.NewTransactor(k.db).InTx(ctx, func(ctx context.Context) error {
		db := postgres.Conn(ctx, k.db)
		if !exact {
			// Both settings in one round trip, for this transaction only.
			if _, err := db.ExecContext(ctx, "SELECT set_config('hnsw.ef_search', ?, true), set_config('hnsw.iterative_scan', 'relaxed_order', true)",
				strconv.Itoa(max(40, min(1000, 2*n)))); err != nil {
				return err
			}
		}
		var rows []hitRow
		err := db.NewRaw(fmt.Sprintf(`WITH nearest AS MATERIALIZED (
			SELECT c.id, c.info_blob_id, c.collection_id, c.chunk_no, c.text, c.section, c.page_start, c.page_end,
				c.embedding::vector(%d) <=> '%s'::vector(%d) AS distance
			FROM chunks c WHERE c.embedding_model_id = ? AND c.tenant_id = ? AND c.collection_id IN (?)
			ORDER BY %s LIMIT ?)
			SELECT n.*, b.title, b.source FROM nearest n JOIN info_blobs b ON b.tenant_id = ? AND b.id = n.info_blob_id
			ORDER BY n.distance`, dims, q, dims, order),
			s.Model.ID, s.Tenant.UUID, bunIn(s.Collections), n, s.Tenant.UUID).Scan(ctx, &rows)
		hits = toHits(rows)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("vector search: %w", err)
	}
	return hits, nil
}

type hitRow struct {
	ID           uuid.UUID `bun:"id"`
	InfoBlobID   uuid.UUID `bun:"info_blob_id"`
	CollectionID uuid.UUID `bun:"collection_id"`
	ChunkNo      int       `bun:"chunk_no"`
	Text         string    `bun:"text"`
	Section      string    `bun:"section"`
	PageStart    int       `bun:"page_start"`
	PageEnd      int       `bun:"page_end"`
	Distance     float64   `bun:"distance"`
	Title        string    `bun:"title"`
	Source       string    `bun:"source"`
	TSV          string    `bun:"tsv"`
}

func (r hitRow) hit() application.Hit {
	return application.Hit{Chunk: r.ID, Blob: r.InfoBlobID, Collection: r.CollectionID, No: r.ChunkNo, Text: r.Text,
		Section: r.Section, PageStart: r.PageStart, PageEnd: r.PageEnd, Title: r.Title, Source: r.Source, Distance: r.Distance}
}

func toHits(rows []hitRow) []application.Hit {
	out := make([]application.Hit, len(rows))
	for i, r := range rows {
		out[i] = r.hit()
	}
	return out
}

func pgArray(v any) any { return pgdialect.Array(v) }

func bunIn(v any) any { return bun.In(v) }
