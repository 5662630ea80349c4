// Package application holds the knowledge use cases: collections and
// documents under the space permission matrix, ingestion (read or
// transcribe, chunk, embed), hybrid search, and websites with their crawl
// runs and schedule.
package application

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/txn"
	"github.com/agora-platform/agora/internal/platform/upload"
)

// Space matrix names used here.
const (
	resCollection = "collection"
	resInfoBlob   = "info_blob"
	actRead       = "read"
	actCreate     = "create"
	actEdit       = "edit"
	actDelete     = "delete"
	// permCollections is the tenant permission to create collections.
	permCollections = "collections"
)

// KnowledgeDeps are the Knowledge service's collaborators.
type KnowledgeDeps struct {
	Repo   KnowledgeRepo
	Tx     txn.Transactor
	Store  upload.Store
	Reader upload.Reader
	// Room checks the tenant's storage quota, which attachments share.
	Room     Room
	Spaces   Spaces
	Models   Models
	Embedder Embedder
	// Reranker reorders search results for assistants with a rerank
	// model; nil leaves the fused order.
	Reranker  Reranker
	Tokens    Tokens
	Languages Languages
	Jobs      Jobs
	// Transcriber turns recordings into text; nil refuses recordings.
	Transcriber upload.Transcriber
	// OCR reads scanned PDF pages and images; nil reads neither.
	OCR      OCR
	Log      *slog.Logger
	Chunking domain.ChunkOptions
	// EmbedBatch is how many chunks go to the embedder at once.
	EmbedBatch int
	// ExactBelow is the scope size in chunks under which vector search
	// scans every chunk instead of the approximate index (0: 50 000).
	ExactBelow int64
}

// Knowledge runs the collection, document and search use cases.
type Knowledge struct {
	repo        KnowledgeRepo
	tx          txn.Transactor
	store       upload.Store
	reader      upload.Reader
	room        Room
	spaces      Spaces
	models      Models
	embedder    Embedder
	reranker    Reranker
	tokens      Tokens
	languages   Languages
	jobs        Jobs
	transcriber upload.Transcriber
	ocr         OCR
	log         *slog.Logger
	chunking    domain.ChunkOptions
	embedBatch  int
	exactBelow  int64
	// vectorWeight overrides the embedding models' fusion weights (the
	// evaluation's sweep); nil keeps them.
	vectorWeight *float64
	now          func() time.Time
}

// NewKnowledge returns a Knowledge service.
func NewKnowledge(d KnowledgeDeps) *Knowledge {
	if d.EmbedBatch <= 0 {
		d.EmbedBatch = 64
	}
	if d.ExactBelow == 0 {
		d.ExactBelow = DefaultExactBelow
	}
	return &Knowledge{repo: d.Repo, tx: d.Tx, store: d.Store, reader: d.Reader, room: d.Room, spaces: d.Spaces, models: d.Models,
		embedder: d.Embedder, reranker: d.Reranker, tokens: d.Tokens, languages: d.Languages, jobs: d.Jobs, transcriber: d.Transcriber, ocr: d.OCR, log: d.Log,
		chunking: d.Chunking, embedBatch: d.EmbedBatch, exactBelow: d.ExactBelow, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// CreateCollectionInput names a new collection.
type CreateCollectionInput struct {
	Space uuid.UUID
	Name  string
	// EmbeddingModel is optional: the tenant's default otherwise.
	EmbeddingModel uuid.UUID
}

// CreateCollection adds a collection to a space.
func (k *Knowledge) CreateCollection(ctx context.Context, tenant tenancy.ID, c actor.Caller, in CreateCollectionInput) (domain.Collection, error) {
	if !c.Can(permCollections) {
		return domain.Collection{}, errs.New(errs.Forbidden, "your role may not create collections; ask an administrator for the collections permission")
	}
	if err := k.spaces.Authorize(ctx, tenant, c, in.Space, resCollection, actCreate); err != nil {
		return domain.Collection{}, err
	}
	name, err := domain.CleanCollectionName(in.Name)
	if err != nil {
		return domain.Collection{}, err
	}
	model, err := k.spaceEmbeddingModel(ctx, tenant, c, in.Space, in.EmbeddingModel)
	if err != nil {
		return domain.Collection{}, err
	}
	lang, err := k.languages.Language(ctx, tenant)
	if err != nil {
		return domain.Collection{}, err
	}
	now := k.now()
	col := domain.Collection{ID: uuid.Must(uuid.NewV7()), Tenant: tenant, Space: in.Space, Name: name, EmbeddingModel: model.ID,
		Language: domain.FTSConfig(lang), CreatedBy: c.UserID, CreatedAt: now, UpdatedAt: now}
	if err := k.repo.EnsureIndex(ctx, model); err != nil {
		return domain.Collection{}, fmt.Errorf("index for model %s: %w", model.Name, err)
	}
	if err := k.repo.InsertCollection(ctx, col); err != nil {
		return domain.Collection{}, err
	}
	return col, nil
}

// spaceEmbeddingModel is the named embedding model, else the space's
// default embedding model, else the tenant's.
func (k *Knowledge) spaceEmbeddingModel(ctx context.Context, tenant tenancy.ID, c actor.Caller, space, id uuid.UUID) (EmbeddingModel, error) {
	if id != uuid.Nil {
		return k.models.Embedding(ctx, tenant, id)
	}
	defaults, err := k.spaces.DefaultModels(ctx, tenant, c, space)
	if err != nil {
		return EmbeddingModel{}, err
	}
	for _, d := range defaults {
		if m, err := k.models.Embedding(ctx, tenant, d); err == nil {
			return m, nil
		}
	}
	return k.embeddingModel(ctx, tenant, uuid.Nil)
}

func (k *Knowledge) embeddingModel(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (EmbeddingModel, error) {
	if id == uuid.Nil {
		m, err := k.models.DefaultEmbedding(ctx, tenant)
		if err != nil {
			return EmbeddingModel{}, errs.Wrap(errs.Invalid, "your organisation has no default embedding model; name one with embedding_model", err)
		}
		return m, nil
	}
	return k.models.Embedding(ctx, tenant, id)
}

// collection loads a collection the caller may act on in its space.
func (k *Knowledge) collection(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, res, act string) (domain.Collection, error) {
	col, err := k.repo.Collection(ctx, tenant, id)
	if err != nil {
		return domain.Collection{}, err
	}
	if col.Website {
		return domain.Collection{}, domain.ErrCollectionNotFound // a website's pages: see /websites/
	}
	if err := k.spaces.Authorize(ctx, tenant, c, col.Space, res, act); err != nil {
		return domain.Collection{}, notFoundAs(err, domain.ErrCollectionNotFound)
	}
	return col, nil
}

// notFoundAs turns a not-found error (the caller cannot see the space, or
// the parent is gone) into the resource's own not-found, so nothing tells
// apart what exists from what the caller may not see.
func notFoundAs(err, notFound error) error {
	if kind, _ := errs.KindOf(err); kind == errs.NotFound {
		return notFound
	}
	return err
}

// Collection returns a collection the caller can read.
func (k *Knowledge) Collection(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (domain.Collection, error) {
	return k.collection(ctx, tenant, c, id, resCollection, actRead)
}

// Collections lists the collections of the spaces the caller can enter,
// or of one of them.
func (k *Knowledge) Collections(ctx context.Context, tenant tenancy.ID, c actor.Caller, space *uuid.UUID) ([]domain.Collection, error) {
	spaces, err := k.listable(ctx, tenant, c, space, resCollection)
	if err != nil {
		return nil, err
	}
	return k.repo.Collections(ctx, tenant, spaces)
}

// listable returns the spaces whose resources the caller may list: the
// one asked for, when the caller may read resource there, or every space
// the caller can enter.
func (k *Knowledge) listable(ctx context.Context, tenant tenancy.ID, c actor.Caller, space *uuid.UUID, resource string) ([]uuid.UUID, error) {
	if space == nil {
		return k.spaces.Readable(ctx, tenant, c)
	}
	if err := k.spaces.Authorize(ctx, tenant, c, *space, resource, actRead); err != nil {
		return nil, err
	}
	return []uuid.UUID{*space}, nil
}

// spaceCollections lists a space's collections for a caller already
// let in.
func (k *Knowledge) spaceCollections(ctx context.Context, tenant tenancy.ID, space uuid.UUID) ([]domain.Collection, error) {
	return k.repo.Collections(ctx, tenant, []uuid.UUID{space})
}

// RenameCollection changes a collection's name.
func (k *Knowledge) RenameCollection(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, name string) (domain.Collection, error) {
	col, err := k.collection(ctx, tenant, c, id, resCollection, actEdit)
	if err != nil {
		return domain.Collection{}, err
	}
	if col.Name, err = domain.CleanCollectionName(name); err != nil {
		return domain.Collection{}, err
	}
	if err := k.repo.RenameCollection(ctx, tenant, id, col.Name); err != nil {
		return domain.Collection{}, err
	}
	return col, nil
}

// DeleteCollection removes a collection with its documents and chunks.
func (k *Knowledge) DeleteCollection(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) error {
	if _, err := k.collection(ctx, tenant, c, id, resCollection, actDelete); err != nil {
		return err
	}
	if err := k.repo.DeleteCollection(ctx, tenant, id); err != nil {
		return err
	}
	k.sweep(ctx)
	return nil
}

// CheckCollection returns the embedding model of a collection in space,
// for an assistant that attaches it.
func (k *Knowledge) CheckCollection(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) (uuid.UUID, error) {
	col, err := k.repo.Collection(ctx, tenant, id)
	if err != nil || col.Space != space || col.Website {
		return uuid.Nil, errs.Newf(errs.Invalid, "collection %s not found in this space", id)
	}
	return col.EmbeddingModel, nil
}

// blob loads a blob the caller may act on.
func (k *Knowledge) blob(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, act string) (domain.InfoBlob, error) {
	b, err := k.repo.Blob(ctx, tenant, id)
	if err != nil {
		return domain.InfoBlob{}, err
	}
	if _, err := k.collection(ctx, tenant, c, b.Collection, resInfoBlob, act); err != nil {
		return domain.InfoBlob{}, notFoundAs(err, domain.ErrBlobNotFound)
	}
	return b, nil
}

// Blob returns a document the caller can read.
func (k *Knowledge) Blob(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (domain.InfoBlob, error) {
	return k.blob(ctx, tenant, c, id, actRead)
}

// Blobs lists a collection's documents, newest first.
func (k *Knowledge) Blobs(ctx context.Context, tenant tenancy.ID, c actor.Caller, collection uuid.UUID, limit int) ([]domain.InfoBlob, error) {
	if _, err := k.collection(ctx, tenant, c, collection, resInfoBlob, actRead); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > 1000 {
		return nil, errs.New(errs.Invalid, "limit must be between 1 and 1000")
	}
	return k.repo.Blobs(ctx, tenant, collection, limit)
}

// RetitleBlob changes a document's title and source.
func (k *Knowledge) RetitleBlob(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, title, source string) (domain.InfoBlob, error) {
	b, err := k.blob(ctx, tenant, c, id, actEdit)
	if err != nil {
		return domain.InfoBlob{}, err
	}
	b.Title, b.Source = domain.CleanTitle(title, b.Title), source
	if err := k.repo.RetitleBlob(ctx, tenant, id, b.Title, b.Source); err != nil {
		return domain.InfoBlob{}, err
	}
	return b, nil
}

// DeleteBlob removes a document, its chunks and its file.
func (k *Knowledge) DeleteBlob(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) error {
	b, err := k.blob(ctx, tenant, c, id, actDelete)
	if err != nil {
		return err
	}
	if err := k.repo.DeleteBlob(ctx, tenant, id); err != nil {
		return err
	}
	if b.FileKept {
		k.sweep(ctx)
	}
	return nil
}

// sweepBatch is how many removed files one round of the sweep takes.
const sweepBatch = 500

// SweepFiles removes the kept files of deleted documents (a document, a
// collection or a space deleted), in the scope of ctx: the worker's
// schedule runs it for every tenant. It returns how many it removed.
func (k *Knowledge) SweepFiles(ctx context.Context) (int, error) {
	n := 0
	for {
		files, err := k.repo.TakeRemovedFiles(ctx, sweepBatch)
		if err != nil {
			return n, err
		}
		for _, f := range files {
			k.drop(ctx, domain.InfoBlob{Tenant: f.Tenant, ID: f.ID})
		}
		n += len(files)
		if len(files) < sweepBatch {
			return n, nil
		}
	}
}

// sweep removes the files a deletion left, now rather than at the next
// scheduled sweep; what fails here the schedule retries.
func (k *Knowledge) sweep(ctx context.Context) {
	if _, err := k.SweepFiles(ctx); err != nil {
		k.log.WarnContext(ctx, "files of deleted documents not removed yet", "err", err)
	}
}

// OpenFile opens the uploaded file of a document the caller can read.
func (k *Knowledge) OpenFile(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (domain.InfoBlob, io.ReadCloser, error) {
	b, err := k.blob(ctx, tenant, c, id, actRead)
	if err != nil {
		return b, nil, err
	}
	if !b.FileKept {
		return b, nil, errs.Newf(errs.NotFound, "%s has no stored file: web pages, documents still being read and documents added before files were kept have none", b.Title)
	}
	rc, err := k.store.Open(b.Tenant, b.ID)
	if err != nil {
		return b, nil, errs.Wrap(errs.NotFound, fmt.Sprintf("the file of %s is missing from storage; upload it again", b.Title), err)
	}
	return b, rc, nil
}

// MaxChunkPage is the most chunks one read of a document's text returns.
const MaxChunkPage = 500

// BlobText returns a document the caller can read with its chunks from
// offset, at most limit of them (default 100).
func (k *Knowledge) BlobText(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, offset, limit int) (domain.InfoBlob, []domain.Chunk, error) {
	if limit == 0 {
		limit = 100
	}
	if limit < 1 || limit > MaxChunkPage || offset < 0 {
		return domain.InfoBlob{}, nil, errs.Newf(errs.Invalid, "chunk_limit must be between 1 and %d and chunk_offset at least 0", MaxChunkPage)
	}
	b, err := k.blob(ctx, tenant, c, id, actRead)
	if err != nil {
		return b, nil, err
	}
	chunks, err := k.repo.BlobChunks(ctx, tenant, id, offset, limit)
	return b, chunks, err
}
