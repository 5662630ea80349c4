package application

import (
	"context"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Spaces checks the space permission matrix.
type Spaces interface {
	// Authorize returns nil when the caller may do action on resource in
	// the space; a space the caller cannot enter is not found.
	Authorize(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID, resource, action string) error
	// Readable lists the spaces the caller can enter.
	Readable(ctx context.Context, tenant tenancy.ID, c actor.Caller) ([]uuid.UUID, error)
	// DefaultModels are a space's default models, at most one per kind.
	DefaultModels(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID) ([]uuid.UUID, error)
}

// Room checks a tenant's storage quota, which chat attachments and
// documents share (the files module's).
type Room interface {
	// CheckRoom refuses a file of size that does not fit.
	CheckRoom(ctx context.Context, tenant tenancy.ID, size int64, name string) error
}

// EmbeddingModel is what ingestion and search need of a model.
type EmbeddingModel struct {
	ID         uuid.UUID
	Name       string
	Dimensions int
	// FusionWeight is what hybrid search counts the model's ranking for
	// against full-text search's (1).
	FusionWeight float64
}

// Models resolves embedding models.
type Models interface {
	// Embedding returns an embedding model the tenant has enabled.
	Embedding(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (EmbeddingModel, error)
	// DefaultEmbedding returns the tenant's default embedding model.
	DefaultEmbedding(ctx context.Context, tenant tenancy.ID) (EmbeddingModel, error)
}

// Embedder turns texts into vectors with a model and records the usage.
type Embedder interface {
	Embed(ctx context.Context, tenant tenancy.ID, user uuid.UUID, model uuid.UUID, source string, texts []string) ([][]float32, error)
}

// Reranker scores passages against a question with a rerank model and
// records the usage.
type Reranker interface {
	Rerank(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID, source, query string, docs []string) ([]float64, error)
}

// Tokens counts tokens offline.
type Tokens interface {
	Count(text string) int
}

// Languages tells a tenant's full-text language.
type Languages interface {
	Language(ctx context.Context, tenant tenancy.ID) (string, error)
}

// RemovedFile is a kept file whose document is gone.
type RemovedFile struct {
	Tenant tenancy.ID
	ID     uuid.UUID
}

// ChunkRow is a chunk ready to store.
type ChunkRow struct {
	domain.Chunk
	Embedding []float32
}

// Hit is a chunk found by a search, with its document.
type Hit struct {
	Chunk      uuid.UUID
	Blob       uuid.UUID
	Collection uuid.UUID
	No         int
	Text       string
	Section    string
	PageStart  int
	PageEnd    int
	Title      string
	Source     string
	// Score is the fused score; Distance and BM25 the two rankers' own.
	Score    float64
	Distance float64
	BM25     float64
	// weight is what the ranker that found the hit counts for in fusion.
	weight float64
}

// Candidate is a full-text match with what BM25 needs.
type Candidate struct {
	Hit
	// Terms counts the query's terms in the chunk; Length is the chunk's
	// indexed terms.
	Terms  map[string]int
	Length int
}

// TextMatches are full-text candidates with the statistics BM25 needs.
type TextMatches struct {
	Candidates []Candidate
	// DocFreq counts the scope's chunks holding each query term.
	DocFreq map[string]int
	// Chunks and Terms are the scope's totals.
	Chunks int64
	Terms  int64
}

// Scope is the collections a search looks in, embedded with one model
// and indexed in one language.
type Scope struct {
	Tenant      tenancy.ID
	Collections []uuid.UUID
	Model       EmbeddingModel
	Language    string
	// Chunks is how many chunks the collections hold.
	Chunks int64
}

// KnowledgeRepo stores collections, info blobs and chunks, and searches.
type KnowledgeRepo interface {
	// Importer is the bulk path of benchmarks (ImportPrepared).
	Importer
	InsertCollection(ctx context.Context, c domain.Collection) error
	Collection(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Collection, error)
	// Collections lists the collections of the spaces.
	Collections(ctx context.Context, tenant tenancy.ID, spaces []uuid.UUID) ([]domain.Collection, error)
	// CollectionsByID loads collections; missing ones are left out.
	CollectionsByID(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) ([]domain.Collection, error)
	RenameCollection(ctx context.Context, tenant tenancy.ID, id uuid.UUID, name string) error
	DeleteCollection(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error

	// InsertBlob stores a new blob; one with the same content in the
	// collection is returned instead, with false.
	InsertBlob(ctx context.Context, b domain.InfoBlob) (domain.InfoBlob, bool, error)
	Blob(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.InfoBlob, error)
	Blobs(ctx context.Context, tenant tenancy.ID, collection uuid.UUID, limit int) ([]domain.InfoBlob, error)
	RetitleBlob(ctx context.Context, tenant tenancy.ID, id uuid.UUID, title, source string) error
	// DeleteBlob removes a blob and its chunks, keeping the collection's
	// totals right.
	DeleteBlob(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error
	// TakeRemovedFiles takes up to limit of the kept files whose blobs
	// were deleted (in the scope of ctx: a tenant's, or all).
	TakeRemovedFiles(ctx context.Context, limit int) ([]RemovedFile, error)
	// FailBlob marks a blob failed, with the reason as its note.
	FailBlob(ctx context.Context, tenant tenancy.ID, id uuid.UUID, reason string) error
	// BlobChunks reads a blob's chunks in order, from offset.
	BlobChunks(ctx context.Context, tenant tenancy.ID, id uuid.UUID, offset, limit int) ([]domain.Chunk, error)
	// ReplaceChunks writes a blob's chunks in one transaction, replacing
	// any from an earlier run, and marks the blob ready.
	ReplaceChunks(ctx context.Context, b domain.InfoBlob, c domain.Collection, chunks []ChunkRow, chars int) error
	SetBlobStatus(ctx context.Context, tenant tenancy.ID, id uuid.UUID, status domain.BlobStatus) error

	// EnsureIndex creates the HNSW index of a model's dimension, once.
	EnsureIndex(ctx context.Context, model EmbeddingModel) error
	// Nearest returns the k chunks closest to the vector; exact scans the
	// scope instead of the index.
	Nearest(ctx context.Context, s Scope, vector []float32, k int, exact bool) ([]Hit, error)
	// TextMatches returns up to limit full-text candidates of the query,
	// without their text, title and source.
	TextMatches(ctx context.Context, s Scope, query string, limit int) (TextMatches, error)
	// Chunks reads chunks' text, title and source by id.
	Chunks(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) (map[uuid.UUID]Hit, error)
}

// Jobs creates and runs the jobs ingestion is done in.
type Jobs interface {
	// Create stores a queued job (in the caller's transaction).
	Create(ctx context.Context, tenant tenancy.ID, user uuid.UUID, id uuid.UUID, task, name string, payload []byte) error
	// Dispatch queues a created job after the commit.
	Dispatch(ctx context.Context, tenant tenancy.ID, id uuid.UUID)
	// Status tells how a job stands (queued, in_progress, complete,
	// failed, cancelled).
	Status(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (string, error)
	// Complete ends a job that needed no work.
	Complete(ctx context.Context, tenant tenancy.ID, id uuid.UUID, message, result string) error
	// Stop cancels a job whose subject was deleted; an ended job stays.
	Stop(ctx context.Context, tenant tenancy.ID, id uuid.UUID, message string) error
	// Run does a job's work with progress, as the jobs module runs it.
	Run(ctx context.Context, tenant tenancy.ID, id uuid.UUID, work func(ctx context.Context, report func(int, string) error) (string, error)) error
}
