package application

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// PreparedDoc is a document ready to store without ingestion: its chunks
// are split and embedded already. A document may come in two batches with
// part of its chunks in each: the first write keeps its title and hash,
// the second adds its chunks to the count.
type PreparedDoc struct {
	ID         uuid.UUID
	Collection uuid.UUID
	Title      string
	// SHA256 tells the document apart in its collection, where an
	// ingested document has its content's hash.
	SHA256 string
	Chunks []PreparedChunk
}

// PreparedChunk is a chunk of a prepared document with its embedding.
type PreparedChunk struct {
	ID        uuid.UUID
	No        int
	Text      string
	Embedding []float32
}

// ImportInput describes a bulk import of prepared documents.
type ImportInput struct {
	// Collections receive the documents: empty collections sharing one
	// embedding model, in a tenant that holds no other documents (the
	// totals and term frequencies are counted over the tenant's chunks).
	Collections []uuid.UUID
	// Batches is how many batches Batch makes.
	Batches int
	// Batch makes batch i of the documents; two goroutines call it at once.
	Batch func(i int) []PreparedDoc
	// ChunkTokens is every chunk's token count.
	ChunkTokens int
	// BuildMemory is PostgreSQL's maintenance_work_mem for the HNSW build
	// ("": the store's own).
	BuildMemory string
}

// ImportTimes are how long an import took to write the documents and to
// build the approximate index.
type ImportTimes struct {
	Load, Index time.Duration
}

// Importer is the knowledge store's bulk path: writes outside ingestion,
// its jobs and its transactions, then one index build for all of them.
type Importer interface {
	// DropIndex drops the model's HNSW index, so that a bulk load is
	// followed by one build instead of a graph insert per row.
	DropIndex(ctx context.Context, model uuid.UUID) error
	// ImportBatch writes documents and their chunks, embedded with model,
	// each of tokens tokens.
	ImportBatch(ctx context.Context, tenant tenancy.ID, model uuid.UUID, tokens int, docs []PreparedDoc) error
	// CountImported sets the tenant's documents' term counts, its
	// collections' chunk and term totals and its term frequencies from its
	// chunks, as ingestion keeps them.
	CountImported(ctx context.Context, tenant tenancy.ID) error
	// BuildIndex builds the model's HNSW index with memory as
	// maintenance_work_mem ("": the store's own).
	BuildIndex(ctx context.Context, model EmbeddingModel, memory string) error
	// Analyze refreshes the planner's statistics of the chunks.
	Analyze(ctx context.Context) error
	// SharedModel reports whether another tenant has collections embedded
	// with model (whose index an import drops and rebuilds).
	SharedModel(ctx context.Context, tenant tenancy.ID, model uuid.UUID) (bool, error)
	// AnalyzeDocuments refreshes the statistics of the documents, so
	// that the chunks' foreign-key checks, planned once per connection,
	// are planned again for the table's size (a plan made while it was
	// nearly empty scans it for every chunk; autovacuum may be off).
	AnalyzeDocuments(ctx context.Context) error
}

// importWorkers is how many batches are written at once, each on its own
// connection.
const importWorkers = 2

// ImportPrepared stores prepared documents in empty collections the caller
// may add documents to, without ingestion: it drops the collections'
// model's HNSW index, writes the batches on two connections, sets the
// totals and term frequencies search reads, builds the index once and
// refreshes the planner's statistics. It is the bulk load of benchmarks,
// which fill a tenant of their own with a model of their own: an import
// that fails after the drop (a document in a collection not listed, a
// write error) leaves the model without its approximate index, and vector
// search scanning, until the next build.
func (k *Knowledge) ImportPrepared(ctx context.Context, tenant tenancy.ID, c actor.Caller, in ImportInput) (ImportTimes, error) {
	var took ImportTimes
	imp := k.repo
	if len(in.Collections) == 0 {
		return took, errs.New(errs.Invalid, "import: no collections")
	}
	listed := make(map[uuid.UUID]bool, len(in.Collections))
	var model uuid.UUID
	for _, id := range in.Collections {
		col, err := k.collection(ctx, tenant, c, id, resInfoBlob, actCreate)
		if err != nil {
			return took, err
		}
		switch {
		case model != uuid.Nil && col.EmbeddingModel != model:
			return took, errs.New(errs.Invalid, "import: the collections use different embedding models")
		case col.Blobs > 0 || col.ChunkCount > 0:
			return took, errs.Newf(errs.Invalid, "import: collection %s is not empty", id)
		}
		model, listed[id] = col.EmbeddingModel, true
	}
	shared, err := imp.SharedModel(ctx, tenant, model)
	if err != nil {
		return took, err
	}
	if shared {
		return took, errs.Newf(errs.Conflict, "import: other tenants have collections embedded with model %s; an import drops and rebuilds the model's index, which would slow their searches until it is built", model)
	}
	if err := imp.DropIndex(ctx, model); err != nil {
		return took, err
	}
	start := time.Now()
	if err := k.importBatches(ctx, imp, tenant, model, listed, in); err != nil {
		return took, err
	}
	took.Load = time.Since(start)
	start = time.Now()
	m, err := k.models.Embedding(ctx, tenant, model)
	if err != nil {
		return took, err
	}
	if err := imp.BuildIndex(ctx, m, in.BuildMemory); err != nil {
		return took, err
	}
	took.Index = time.Since(start)
	return took, imp.Analyze(ctx)
}

// growing reports the batches after which the documents' statistics are
// refreshed: 1, 4, 16, 64 and so on, each when the table has grown
// fourfold.
func growing(i int) bool {
	n := i + 1
	for n%4 == 0 {
		n /= 4
	}
	return n == 1
}

// importBatches writes the batches on importWorkers connections, then
// sets the totals as ingestion would.
func (k *Knowledge) importBatches(ctx context.Context, imp Importer, tenant tenancy.ID, model uuid.UUID, listed map[uuid.UUID]bool, in ImportInput) error {
	batches, done := make(chan int), make(chan struct{})
	errc := make(chan error, importWorkers)
	var wg sync.WaitGroup
	for range importWorkers {
		wg.Go(func() {
			for i := range batches {
				docs := in.Batch(i)
				for _, d := range docs {
					if !listed[d.Collection] {
						errc <- fmt.Errorf("import batch %d: document %s is in collection %s, which is not listed", i, d.ID, d.Collection)
						return
					}
				}
				if err := imp.ImportBatch(ctx, tenant, model, in.ChunkTokens, docs); err != nil {
					errc <- fmt.Errorf("import batch %d: %w", i, err)
					return
				}
				if growing(i) {
					if err := imp.AnalyzeDocuments(ctx); err != nil {
						errc <- err
						return
					}
				}
			}
		})
	}
	go func() {
		defer close(batches)
		for i := range in.Batches {
			select {
			case batches <- i:
			case <-ctx.Done():
				return
			case <-done: // the workers stopped at an error
				return
			}
		}
	}()
	wg.Wait()
	close(done)
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	if err := imp.CountImported(ctx, tenant); err != nil {
		return err
	}
	return ctx.Err()
}
