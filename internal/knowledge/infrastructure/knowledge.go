// Package infrastructure stores knowledge in PostgreSQL (collections,
// documents, chunks with pgvector embeddings and full-text vectors,
// websites and runs), fetches websites, and adapts the spaces, models,
// tenants, jobs and files modules to the knowledge module's ports.
package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

type collectionRow struct {
	bun.BaseModel `bun:"table:collections,alias:c"`

	ID               uuid.UUID `bun:"id,pk,type:uuid"`
	TenantID         uuid.UUID `bun:"tenant_id,type:uuid"`
	SpaceID          uuid.UUID `bun:"space_id,type:uuid"`
	Name             string    `bun:"name"`
	EmbeddingModelID uuid.UUID `bun:"embedding_model_id,type:uuid"`
	Language         string    `bun:"language"`
	Website          bool      `bun:"website"`
	CreatedBy        uuid.UUID `bun:"created_by,type:uuid,nullzero"`
	ChunkCount       int64     `bun:"chunk_count"`
	TermCount        int64     `bun:"term_count"`
	CreatedAt        time.Time `bun:"created_at"`
	UpdatedAt        time.Time `bun:"updated_at"`
	Blobs            int       `bun:"blobs,scanonly"`
}

func (r collectionRow) toEntity() domain.Collection {
	return domain.Collection{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Space: r.SpaceID, Name: r.Name, EmbeddingModel: r.EmbeddingModelID,
		Language: r.Language, Website: r.Website, CreatedBy: r.CreatedBy, ChunkCount: r.ChunkCount, TermCount: r.TermCount, Blobs: r.Blobs,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

type blobRow struct {
	bun.BaseModel `bun:"table:info_blobs,alias:b"`

	ID           uuid.UUID `bun:"id,pk,type:uuid"`
	TenantID     uuid.UUID `bun:"tenant_id,type:uuid"`
	CollectionID uuid.UUID `bun:"collection_id,type:uuid"`
	Title        string    `bun:"title"`
	Source       string    `bun:"source"`
	MimeType     string    `bun:"mimetype"`
	Size         int64     `bun:"size"`
	SHA256       string    `bun:"sha256"`
	Chars        int       `bun:"chars"`
	Pages        int       `bun:"pages"`
	FileKept     bool      `bun:"file_kept"`
	Note         string    `bun:"note"`
	ChunkCount   int       `bun:"chunk_count"`
	TermCount    int64     `bun:"term_count"`
	Status       string    `bun:"status"`
	JobID        uuid.UUID `bun:"job_id,type:uuid,nullzero"`
	CreatedBy    uuid.UUID `bun:"created_by,type:uuid,nullzero"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

func (r blobRow) toEntity() domain.InfoBlob {
	return domain.InfoBlob{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Collection: r.CollectionID, Title: r.Title, Source: r.Source,
		MimeType: r.MimeType, Size: r.Size, SHA256: r.SHA256, Chars: r.Chars, Pages: r.Pages, FileKept: r.FileKept, Note: r.Note, ChunkCount: r.ChunkCount, TermCount: r.TermCount,
		Status: domain.BlobStatus(r.Status), Job: r.JobID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Knowledge is the PostgreSQL store of collections, documents and chunks.
type Knowledge struct {
	db      *bun.DB
	indexes *indexSet
	// BuildMemory is PostgreSQL's maintenance_work_mem for an HNSW build;
	// a build whose graph outgrows it is much slower.
	BuildMemory string
	// Owner is the tables' owner, which index builds run as (the
	// application's role may not create indexes); nil means db.
	Owner *postgres.Lazy
}

// ddl returns the connection index builds run on.
func (k *Knowledge) ddl(ctx context.Context) (*bun.DB, error) {
	if k.Owner == nil {
		return k.db, nil
	}
	return k.Owner.Get(ctx)
}

// NewKnowledge returns the store on db.
func NewKnowledge(db *bun.DB) *Knowledge {
	return &Knowledge{db: db, indexes: &indexSet{done: map[uuid.UUID]bool{}}, BuildMemory: "256MB"}
}

// InsertCollection stores a new collection.
func (k *Knowledge) InsertCollection(ctx context.Context, c domain.Collection) error {
	row := collectionRow{ID: c.ID, TenantID: c.Tenant.UUID, SpaceID: c.Space, Name: c.Name, EmbeddingModelID: c.EmbeddingModel,
		Language: c.Language, Website: c.Website, CreatedBy: c.CreatedBy, CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	_, err := postgres.Conn(ctx, k.db).NewInsert().Model(&row).Exec(ctx)
	if postgres.IsUniqueViolation(err, "") {
		return domain.ErrCollectionTaken
	}
	if err != nil {
		return fmt.Errorf("insert collection: %w", err)
	}
	return nil
}

func (k *Knowledge) selectCollections(ctx context.Context, rows *[]collectionRow, tenant tenancy.ID) *bun.SelectQuery {
	return postgres.Conn(ctx, k.db).NewSelect().Model(rows).ColumnExpr("c.*").
		ColumnExpr("(SELECT count(*) FROM info_blobs b WHERE b.tenant_id = c.tenant_id AND b.collection_id = c.id) AS blobs").
		Where("c.tenant_id = ?", tenant.UUID)
}

func collections(rows []collectionRow) []domain.Collection {
	out := make([]domain.Collection, len(rows))
	for i, r := range rows {
		out[i] = r.toEntity()
	}
	return out
}

// Collection loads one collection.
func (k *Knowledge) Collection(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Collection, error) {
	cs, err := k.CollectionsByID(ctx, tenant, []uuid.UUID{id})
	if err != nil {
		return domain.Collection{}, err
	}
	if len(cs) == 0 {
		return domain.Collection{}, domain.ErrCollectionNotFound
	}
	return cs[0], nil
}

// CollectionsByID loads collections by id.
func (k *Knowledge) CollectionsByID(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) ([]domain.Collection, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []collectionRow
	if err := k.selectCollections(ctx, &rows, tenant).Where("c.id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("select collections: %w", err)
	}
	return collections(rows), nil
}

// Collections lists the collections of spaces by name.
func (k *Knowledge) Collections(ctx context.Context, tenant tenancy.ID, spaces []uuid.UUID) ([]domain.Collection, error) {
	if len(spaces) == 0 {
		return []domain.Collection{}, nil
	}
	var rows []collectionRow
	if err := k.selectCollections(ctx, &rows, tenant).Where("c.space_id IN (?)", bun.In(spaces)).Where("NOT c.website").OrderExpr("lower(c.name)").Scan(ctx); err != nil {
		return nil, fmt.Errorf("select collections: %w", err)
	}
	return collections(rows), nil
}

// RenameCollection changes a collection's name.
func (k *Knowledge) RenameCollection(ctx context.Context, tenant tenancy.ID, id uuid.UUID, name string) error {
	res, err := postgres.Conn(ctx, k.db).NewUpdate().Table("collections").Set("name = ?", name).Set("updated_at = now()").
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	if postgres.IsUniqueViolation(err, "") {
		return domain.ErrCollectionTaken
	}
	return postgres.Affected(res, err, domain.ErrCollectionNotFound)
}

// DeleteCollection removes a collection; its documents and chunks go with it.
func (k *Knowledge) DeleteCollection(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	res, err := postgres.Conn(ctx, k.db).NewDelete().TableExpr("collections").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrCollectionNotFound)
}

// TakeRemovedFiles takes up to limit rows of removed_files (filled by a
// trigger when a blob with a kept file is deleted), skipping rows another
// sweep holds.
func (k *Knowledge) TakeRemovedFiles(ctx context.Context, limit int) ([]application.RemovedFile, error) {
	var rows []struct {
		TenantID uuid.UUID `bun:"tenant_id"`
		ID       uuid.UUID `bun:"id"`
	}
	err := postgres.Conn(ctx, k.db).NewRaw(`DELETE FROM removed_files WHERE (tenant_id, id) IN (
			SELECT tenant_id, id FROM removed_files ORDER BY removed_at LIMIT ? FOR UPDATE SKIP LOCKED)
		RETURNING tenant_id, id`, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("take removed files: %w", err)
	}
	out := make([]application.RemovedFile, len(rows))
	for i, r := range rows {
		out[i] = application.RemovedFile{Tenant: tenancy.ID{UUID: r.TenantID}, ID: r.ID}
	}
	return out, nil
}

// FailBlob marks a blob failed, with the reason as its note.
func (k *Knowledge) FailBlob(ctx context.Context, tenant tenancy.ID, id uuid.UUID, reason string) error {
	res, err := postgres.Conn(ctx, k.db).NewUpdate().Table("info_blobs").Set("status = 'failed'").Set("note = ?", reason).
		Set("updated_at = now()").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrBlobNotFound)
}

// BlobChunks reads a blob's chunks in order, from offset.
func (k *Knowledge) BlobChunks(ctx context.Context, tenant tenancy.ID, id uuid.UUID, offset, limit int) ([]domain.Chunk, error) {
	var rows []struct {
		No        int    `bun:"chunk_no"`
		Text      string `bun:"text"`
		Tokens    int    `bun:"tokens"`
		Section   string `bun:"section"`
		PageStart int    `bun:"page_start"`
		PageEnd   int    `bun:"page_end"`
	}
	err := postgres.Conn(ctx, k.db).NewSelect().TableExpr("chunks").Column("chunk_no", "text", "tokens", "section", "page_start", "page_end").
		Where("tenant_id = ?", tenant.UUID).Where("info_blob_id = ?", id).OrderExpr("chunk_no").Offset(int64(offset)).Limit(int64(limit)).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("read the chunks of info blob %s: %w", id, err)
	}
	out := make([]domain.Chunk, len(rows))
	for i, r := range rows {
		out[i] = domain.Chunk{No: r.No, Text: r.Text, Tokens: r.Tokens, Section: r.Section, PageStart: r.PageStart, PageEnd: r.PageEnd}
	}
	return out, nil
}

// InsertBlob stores a blob, or returns the collection's blob with the
// same content.
func (k *Knowledge) InsertBlob(ctx context.Context, b domain.InfoBlob) (domain.InfoBlob, bool, error) {
	row := blobRow{ID: b.ID, TenantID: b.Tenant.UUID, CollectionID: b.Collection, Title: b.Title, Source: b.Source, MimeType: b.MimeType,
		Size: b.Size, SHA256: b.SHA256, Status: string(b.Status), JobID: b.Job, CreatedBy: b.CreatedBy, CreatedAt: b.CreatedAt, UpdatedAt: b.UpdatedAt}
	res, err := postgres.Conn(ctx, k.db).NewInsert().Model(&row).On("CONFLICT (tenant_id, collection_id, sha256) DO NOTHING").Exec(ctx)
	if err != nil {
		return domain.InfoBlob{}, false, fmt.Errorf("insert info blob: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return b, true, nil
	}
	var existing blobRow
	err = postgres.Conn(ctx, k.db).NewSelect().Model(&existing).Where("tenant_id = ?", b.Tenant.UUID).
		Where("collection_id = ?", b.Collection).Where("sha256 = ?", b.SHA256).Scan(ctx)
	if err != nil {
		return domain.InfoBlob{}, false, fmt.Errorf("select the same document: %w", err)
	}
	return existing.toEntity(), false, nil
}

// Blob loads one blob.
func (k *Knowledge) Blob(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.InfoBlob, error) {
	var row blobRow
	err := postgres.Conn(ctx, k.db).NewSelect().Model(&row).Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.InfoBlob{}, domain.ErrBlobNotFound
	}
	if err != nil {
		return domain.InfoBlob{}, fmt.Errorf("select info blob: %w", err)
	}
	return row.toEntity(), nil
}

// Blobs lists a collection's documents, newest first.
func (k *Knowledge) Blobs(ctx context.Context, tenant tenancy.ID, collection uuid.UUID, limit int) ([]domain.InfoBlob, error) {
	var rows []blobRow
	err := postgres.Conn(ctx, k.db).NewSelect().Model(&rows).Where("tenant_id = ?", tenant.UUID).Where("collection_id = ?", collection).
		OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select info blobs: %w", err)
	}
	out := make([]domain.InfoBlob, len(rows))
	for i, r := range rows {
		out[i] = r.toEntity()
	}
	return out, nil
}

// RetitleBlob changes a blob's title and source.
func (k *Knowledge) RetitleBlob(ctx context.Context, tenant tenancy.ID, id uuid.UUID, title, source string) error {
	res, err := postgres.Conn(ctx, k.db).NewUpdate().Table("info_blobs").Set("title = ?", title).Set("source = ?", source).
		Set("updated_at = now()").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrBlobNotFound)
}

// SetBlobStatus records how a blob's ingestion stands.
func (k *Knowledge) SetBlobStatus(ctx context.Context, tenant tenancy.ID, id uuid.UUID, status domain.BlobStatus) error {
	res, err := postgres.Conn(ctx, k.db).NewUpdate().Table("info_blobs").Set("status = ?", string(status)).Set("updated_at = now()").
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrBlobNotFound)
}

// lockBlob reads a blob FOR UPDATE, so concurrent writers of its chunks
// take turns.
func lockBlob(ctx context.Context, db bun.IDB, tenant tenancy.ID, id uuid.UUID) (blobRow, error) {
	var row blobRow
	err := db.NewSelect().Model(&row).Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return row, domain.ErrBlobNotFound
	}
	return row, err
}

// addTotals moves a collection's BM25 totals.
func addTotals(ctx context.Context, db bun.IDB, tenant tenancy.ID, collection uuid.UUID, chunks, terms int64) error {
	_, err := db.NewUpdate().Table("collections").Set("chunk_count = chunk_count + ?", chunks).Set("term_count = term_count + ?", terms).
		Set("updated_at = now()").Where("tenant_id = ?", tenant.UUID).Where("id = ?", collection).Exec(ctx)
	return err
}

// DeleteBlob removes a blob with its chunks and takes them off the
// collection's totals.
func (k *Knowledge) DeleteBlob(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	return postgres.NewTransactor(k.db).InTx(ctx, func(ctx context.Context) error {
		tx := postgres.Conn(ctx, k.db)
		row, err := lockBlob(ctx, tx, tenant, id)
		if err != nil {
			return err
		}
		if err := countTerms(ctx, tx, tenant, row.CollectionID, id, -1); err != nil {
			return err
		}
		if _, err := tx.NewDelete().TableExpr("info_blobs").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx); err != nil {
			return fmt.Errorf("delete info blob: %w", err)
		}
		return addTotals(ctx, tx, tenant, row.CollectionID, -int64(row.ChunkCount), -row.TermCount)
	})
}

var _ application.KnowledgeRepo = (*Knowledge)(nil)
