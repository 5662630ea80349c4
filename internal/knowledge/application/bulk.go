package application

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// IngestTextsPayload names the documents one job ingests together.
type IngestTextsPayload struct {
	Tenant     tenancy.ID  `json:"tenant_id"`
	Job        uuid.UUID   `json:"job_id"`
	Collection uuid.UUID   `json:"collection_id"`
	Blobs      []uuid.UUID `json:"blob_ids"`
}

// addTextsTogether stores text documents and queues one job that
// ingests them all, so a request of many texts costs one job's overhead
// and fills every embedding request. A text the collection holds already
// is a duplicate, as with one upload.
func (k *Knowledge) addTextsTogether(ctx context.Context, col domain.Collection, c actor.Caller, texts []TextBlob) ([]Accepted, error) {
	job := uuid.Must(uuid.NewV7())
	blobs := make([]domain.InfoBlob, len(texts))
	var total int64
	for i, t := range texts {
		title := domain.CleanTitle(t.Title, firstWords(t.Text, 8))
		b, err := k.save(ctx, col, c, title+".txt", title, t.URL, strings.NewReader(t.Text))
		if err != nil {
			k.dropAll(ctx, blobs[:i])
			return nil, err
		}
		b.Job, blobs[i] = job, b
		total += b.Size
	}
	if err := k.room.CheckRoom(ctx, col.Tenant, total, fmt.Sprintf("%d texts", len(texts))); err != nil {
		k.dropAll(ctx, blobs)
		return nil, err
	}
	out := make([]Accepted, len(blobs))
	var fresh []uuid.UUID
	err := k.tx.InTx(ctx, func(ctx context.Context) error {
		fresh = nil
		for i, b := range blobs {
			stored, created, err := k.repo.InsertBlob(ctx, b)
			if err != nil {
				return err
			}
			out[i] = Accepted{Blob: stored, Job: job, Duplicate: !created, Task: TaskIngestTexts}
			if created {
				fresh = append(fresh, b.ID)
			}
		}
		payload, _ := json.Marshal(IngestTextsPayload{Tenant: col.Tenant, Job: job, Collection: col.ID, Blobs: fresh})
		return k.jobs.Create(ctx, col.Tenant, c.UserID, job, TaskIngestTexts, fmt.Sprintf("%d text documents", len(texts)), payload)
	})
	for i, a := range out {
		if err != nil || a.Duplicate {
			k.drop(ctx, blobs[i])
		}
	}
	if err != nil {
		return nil, err
	}
	if len(fresh) == 0 {
		return out, k.jobs.Complete(ctx, col.Tenant, job, "the collection holds these texts already", collectionLocation(col.ID))
	}
	k.jobs.Dispatch(ctx, col.Tenant, job)
	return out, nil
}

func (k *Knowledge) dropAll(ctx context.Context, blobs []domain.InfoBlob) {
	for _, b := range blobs {
		if b.ID != uuid.Nil {
			k.drop(ctx, b)
		}
	}
}

func collectionLocation(id uuid.UUID) string { return "/api/v1/groups/" + id.String() + "/info-blobs/" }

// IngestTexts is the worker's task for texts added together: each is read
// and chunked in turn, the chunks of all go to the embedder in full
// batches, and each document's chunks are written as soon as all are
// embedded, so progress counts documents. A text that cannot be read
// fails alone, with its reason in its note.
func (k *Knowledge) IngestTexts(ctx context.Context, p IngestTextsPayload) error {
	col, err := k.repo.Collection(ctx, p.Tenant, p.Collection)
	if err != nil {
		return k.jobs.Run(ctx, p.Tenant, p.Job, func(context.Context, func(int, string) error) (string, error) {
			return "", errs.New(errs.NotFound, "the collection was deleted before its texts were read")
		})
	}
	runErr := k.jobs.Run(ctx, p.Tenant, p.Job, func(ctx context.Context, report func(int, string) error) (string, error) {
		return collectionLocation(col.ID), k.ingestTexts(ctx, col, p.Blobs, report)
	})
	for _, id := range p.Blobs {
		if b, err := k.repo.Blob(context.WithoutCancel(ctx), p.Tenant, id); err == nil && b.Status == domain.BlobQueued {
			k.settle(context.WithoutCancel(ctx), b, p.Job)
		}
	}
	return runErr
}

// pendingDoc is a document whose chunks are being embedded.
type pendingDoc struct {
	b      domain.InfoBlob
	chars  int
	chunks []domain.Chunk
	rows   []ChunkRow
}

// chunkRef is one chunk of a pending document.
type chunkRef struct {
	d *pendingDoc
	i int
}

func (k *Knowledge) ingestTexts(ctx context.Context, col domain.Collection, ids []uuid.UUID, report func(int, string) error) error {
	model, err := k.models.Embedding(ctx, col.Tenant, col.EmbeddingModel)
	if err != nil {
		return err
	}
	var docs []*pendingDoc
	var queue []chunkRef
	written, failed := 0, 0
	flush := func() error {
		for len(docs) > 0 && len(docs[0].rows) == len(docs[0].chunks) {
			d := docs[0]
			d.b.FileKept = true
			if err := k.repo.ReplaceChunks(ctx, d.b, col, d.rows, d.chars); err != nil {
				return fmt.Errorf("write chunks of %s: %w", d.b.Title, err)
			}
			docs, written = docs[1:], written+1
			if err := report(5+90*(written+failed)/len(ids), fmt.Sprintf("ingested %d of %d documents", written, len(ids))); err != nil {
				return err
			}
		}
		return nil
	}
	embed := func(refs []chunkRef) error {
		texts := make([]string, len(refs))
		for i, r := range refs {
			texts[i] = r.d.chunks[r.i].Text
		}
		vs, err := k.embedder.Embed(ctx, col.Tenant, refs[0].d.b.CreatedBy, model.ID, "ingestion", texts)
		if err != nil {
			return fmt.Errorf("embed chunks: %w", err)
		}
		for i, v := range vs {
			if len(v) != model.Dimensions {
				return errs.Newf(errs.Invalid, "the embedding model %s returned %d dimensions, not the %d it is registered with; fix the model's registration",
					model.Name, len(v), model.Dimensions)
			}
			r := refs[i]
			r.d.rows = append(r.d.rows, ChunkRow{Chunk: r.d.chunks[r.i], Embedding: v})
		}
		return flush()
	}
	for _, id := range ids {
		d, err := k.readText(ctx, col.Tenant, id)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			failed++
			continue
		}
		docs = append(docs, d)
		for i := range d.chunks {
			queue = append(queue, chunkRef{d, i})
		}
		for len(queue) >= k.embedBatch {
			if err := embed(queue[:k.embedBatch]); err != nil {
				return err
			}
			queue = queue[k.embedBatch:]
		}
		if err := flush(); err != nil { // a document of no chunks
			return err
		}
	}
	if len(queue) > 0 {
		if err := embed(queue); err != nil {
			return err
		}
	}
	if err := flush(); err != nil {
		return err
	}
	if failed > 0 {
		return report(99, fmt.Sprintf("ingested %d of %d documents; %d could not be read, and each says why", written, len(ids), failed))
	}
	return nil
}

// readText reads and chunks one text of a bulk job; a text that cannot
// be read is marked failed with the reason as its note.
func (k *Knowledge) readText(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (*pendingDoc, error) {
	b, err := k.repo.Blob(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	doc, err := k.read(ctx, b)
	if err != nil {
		if ctx.Err() == nil {
			_, msg := errs.KindOf(err)
			k.failBlob(ctx, b, msg)
		}
		return nil, err
	}
	return &pendingDoc{b: b, chars: len([]rune(doc.Text)), chunks: domain.Split(doc.Text, k.chunking, k.tokens.Count)}, nil
}

// failBlob marks a document of a bulk job failed with the reason.
func (k *Knowledge) failBlob(ctx context.Context, b domain.InfoBlob, reason string) {
	k.drop(ctx, b)
	if err := k.repo.FailBlob(ctx, b.Tenant, b.ID, reason); err != nil && !errors.Is(err, domain.ErrBlobNotFound) {
		k.log.WarnContext(ctx, "failed document not marked", "blob_id", b.ID, "err", err)
	}
}
