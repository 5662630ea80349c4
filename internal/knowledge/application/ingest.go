package application

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/upload"
)

// Accepted is a document taken for ingestion and the job doing it.
type Accepted struct {
	Blob domain.InfoBlob
	Job  uuid.UUID
	// Duplicate is set when the collection held the same content already.
	Duplicate bool
	// Task is the job's task.
	Task string
}

// Upload stores a document for a collection and queues its ingestion. The
// size, type and quota are checked before anything is queued.
func (k *Knowledge) Upload(ctx context.Context, tenant tenancy.ID, c actor.Caller, collection uuid.UUID, name string, r io.Reader) (Accepted, error) {
	col, err := k.collection(ctx, tenant, c, collection, resInfoBlob, actCreate)
	if err != nil {
		return Accepted{}, err
	}
	name, err = upload.CleanName(name)
	if err != nil {
		return Accepted{}, err
	}
	return k.accept(ctx, col, c, name, name, "", r)
}

// TextBlob is text added to a collection directly.
type TextBlob struct {
	Text  string
	Title string
	URL   string
}

// AddTexts queues text documents for a collection: one text as one
// upload is; several in one job (see addTextsTogether).
func (k *Knowledge) AddTexts(ctx context.Context, tenant tenancy.ID, c actor.Caller, collection uuid.UUID, texts []TextBlob) ([]Accepted, error) {
	if len(texts) == 0 || len(texts) > domain.MaxTextBlobs {
		return nil, errs.Newf(errs.Invalid, "info_blobs must hold 1 to %d texts", domain.MaxTextBlobs)
	}
	for i, t := range texts {
		if strings.TrimSpace(t.Text) == "" {
			return nil, errs.Newf(errs.Invalid, "info_blobs[%d].text is empty", i)
		}
		if len([]rune(t.Text)) > domain.MaxTextBlobChars {
			return nil, errs.Newf(errs.TooLarge, "info_blobs[%d].text is longer than %d characters; upload it as a file", i, domain.MaxTextBlobChars)
		}
	}
	col, err := k.collection(ctx, tenant, c, collection, resInfoBlob, actCreate)
	if err != nil {
		return nil, err
	}
	if len(texts) > 1 {
		return k.addTextsTogether(ctx, col, c, texts)
	}
	out := make([]Accepted, 0, len(texts))
	for _, t := range texts {
		title := domain.CleanTitle(t.Title, firstWords(t.Text, 8))
		a, err := k.accept(ctx, col, c, title+".txt", title, t.URL, strings.NewReader(t.Text))
		if err != nil {
			return out, err
		}
		out = append(out, a)
	}
	return out, nil
}

func firstWords(s string, n int) string {
	w := strings.Fields(s)
	return strings.Join(w[:min(n, len(w))], " ")
}

// accept stores the bytes, checks them, and records the blob and its job
// in one transaction; the job is queued after the commit.
func (k *Knowledge) accept(ctx context.Context, col domain.Collection, c actor.Caller, name, title, source string, r io.Reader) (Accepted, error) {
	b, err := k.save(ctx, col, c, name, title, source, r)
	if err != nil {
		return Accepted{}, err
	}
	var model uuid.UUID
	if k.isAudio(b.MimeType) {
		if model, err = k.transcriber.Model(ctx, col.Tenant, c, &col.Space); err != nil {
			k.drop(ctx, b)
			return Accepted{}, err
		}
	}
	a, err := k.record(ctx, b, name, model)
	if err != nil || a.Duplicate {
		k.drop(ctx, b)
	}
	if err != nil {
		return Accepted{}, err
	}
	if a.Duplicate {
		if err := k.jobs.Complete(ctx, col.Tenant, a.Job, "the collection holds this content already", blobLocation(a.Blob.ID)); err != nil {
			return Accepted{}, err
		}
		return a, nil
	}
	k.jobs.Dispatch(ctx, col.Tenant, a.Job)
	return a, nil
}

// save stores an uploaded document's bytes as a new blob of the
// collection (not yet recorded) and checks its size and type.
func (k *Knowledge) save(ctx context.Context, col domain.Collection, c actor.Caller, name, title, source string, r io.Reader) (domain.InfoBlob, error) {
	b := domain.InfoBlob{ID: uuid.Must(uuid.NewV7()), Tenant: col.Tenant, Collection: col.ID, Title: domain.CleanTitle(title, name),
		Source: source, Status: domain.BlobQueued, Job: uuid.Must(uuid.NewV7()), CreatedBy: c.UserID, CreatedAt: k.now(), UpdatedAt: k.now()}
	if source == "" {
		b.Source = name
	}
	saved, err := k.store.Save(ctx, col.Tenant, b.ID, r, domain.MaxUploadBytes)
	if err != nil {
		return b, fmt.Errorf("store %s: %w", name, err)
	}
	b.Size, b.SHA256, b.MimeType = saved.Size, saved.SHA256, k.reader.Detect(saved.Head, name)
	if err := k.check(b, name); err != nil {
		k.drop(ctx, b)
		return b, err
	}
	return b, nil
}

// check refuses a saved document that is empty, too large or of a type
// that cannot be read here.
func (k *Knowledge) check(b domain.InfoBlob, name string) error {
	if b.Size == 0 {
		return errs.Newf(errs.Invalid, "%s is empty", name)
	}
	if b.Size > domain.MaxUploadBytes {
		return errs.Newf(errs.TooLarge, "%s is larger than %d MiB, the most a document may be", name, domain.MaxUploadBytes>>20)
	}
	if k.isImage(b.MimeType) && !k.ocrReady() {
		return errs.Newf(errs.UnsupportedMediaType, "%s is %s, which is read by OCR, and OCR is not installed on this server", name, imageTypes[b.MimeType])
	}
	if !k.readable(b.MimeType) && !k.isAudio(b.MimeType) && !k.isImage(b.MimeType) {
		return errs.Newf(errs.UnsupportedMediaType, "%s is a kind of file which cannot be read; upload PDF, Word, PowerPoint, Excel, CSV, Markdown, text or HTML files, PNG, JPEG or TIFF images, or mp3, m4a, wav, ogg, webm or mp4 recordings",
			name)
	}
	return nil
}

// record stores a checked document's blob and job, if there is room.
func (k *Knowledge) record(ctx context.Context, b domain.InfoBlob, name string, transcription uuid.UUID) (Accepted, error) {
	if err := k.room.CheckRoom(ctx, b.Tenant, b.Size, name); err != nil {
		return Accepted{}, err
	}
	var a Accepted
	err := k.tx.InTx(ctx, func(ctx context.Context) error {
		stored, created, err := k.repo.InsertBlob(ctx, b)
		if err != nil {
			return err
		}
		a = Accepted{Blob: stored, Job: b.Job, Duplicate: !created, Task: TaskIngest}
		payload, _ := json.Marshal(IngestPayload{Tenant: b.Tenant, Job: b.Job, Blob: stored.ID, Transcription: transcription})
		return k.jobs.Create(ctx, b.Tenant, b.CreatedBy, b.Job, TaskIngest, name, payload)
	})
	return a, err
}

// isAudio reports whether mime is a recording to transcribe.
func (k *Knowledge) isAudio(mime string) bool {
	return k.transcriber != nil && k.transcriber.IsAudio(mime)
}

func (k *Knowledge) readable(mime string) bool {
	for _, m := range k.reader.Supported() {
		if m == mime {
			return true
		}
	}
	return false
}

// drop removes a document's stored bytes.
func (k *Knowledge) drop(ctx context.Context, b domain.InfoBlob) {
	if err := k.store.Remove(b.Tenant, b.ID); err != nil {
		k.log.WarnContext(ctx, "document bytes not removed", "blob_id", b.ID, "err", err)
	}
}

func blobLocation(id uuid.UUID) string { return "/api/v1/info-blobs/" + id.String() + "/" }

// Ingest is the worker's task: read the document, chunk it, embed the
// chunks in batches and write them in one transaction, reporting progress.
// A retry replaces what an earlier run wrote. The stored file is kept
// when the document is ready (to be opened from a citation) and removed
// when its job fails or is cancelled.
func (k *Knowledge) Ingest(ctx context.Context, p IngestPayload) error {
	b, err := k.repo.Blob(ctx, p.Tenant, p.Blob)
	if errors.Is(err, domain.ErrBlobNotFound) {
		// Deleted while queued: nothing to do but end the job.
		return k.jobs.Run(ctx, p.Tenant, p.Job, func(context.Context, func(int, string) error) (string, error) {
			return "", errs.New(errs.NotFound, "the document was deleted before it was read")
		})
	}
	if err != nil {
		return err
	}
	runErr := k.jobs.Run(ctx, p.Tenant, p.Job, func(ctx context.Context, report func(int, string) error) (string, error) {
		return k.ingest(ctx, b, p.Transcription, report)
	})
	k.settle(context.WithoutCancel(ctx), b, p.Job)
	return runErr
}

// settle brings the blob in line with how its job ended.
func (k *Knowledge) settle(ctx context.Context, b domain.InfoBlob, job uuid.UUID) {
	status, err := k.jobs.Status(ctx, b.Tenant, job)
	if err != nil {
		k.log.WarnContext(ctx, "job status unknown after ingestion", "job_id", job, "err", err)
		return
	}
	switch status {
	case "failed":
		k.drop(ctx, b)
		if err := k.repo.SetBlobStatus(ctx, b.Tenant, b.ID, domain.BlobFailed); err != nil {
			k.log.WarnContext(ctx, "failed document not marked", "blob_id", b.ID, "err", err)
		}
	case "cancelled":
		k.drop(ctx, b)
		if err := k.repo.DeleteBlob(ctx, b.Tenant, b.ID); err != nil && !errors.Is(err, domain.ErrBlobNotFound) {
			k.log.WarnContext(ctx, "cancelled document not removed", "blob_id", b.ID, "err", err)
		}
	}
}

func (k *Knowledge) ingest(ctx context.Context, b domain.InfoBlob, transcription uuid.UUID, report func(int, string) error) (string, error) {
	col, err := k.repo.Collection(ctx, b.Tenant, b.Collection)
	if err != nil {
		return "", err
	}
	model, err := k.models.Embedding(ctx, b.Tenant, col.EmbeddingModel)
	if err != nil {
		return "", err
	}
	var doc upload.Document
	switch {
	case k.isAudio(b.MimeType):
		doc.Text, err = k.transcribe(ctx, b, transcription, report)
		report = after(50, report)
	case k.isImage(b.MimeType):
		doc, err = k.readImage(ctx, b, col.Language)
	default:
		if doc, err = k.read(ctx, b); err == nil {
			doc, b.Note, err = k.readScans(ctx, b, doc, col.Language, report)
		}
	}
	if err != nil {
		return "", err
	}
	text := doc.Text
	chunks := domain.Split(text, k.chunking, k.tokens.Count)
	if doc.Title != "" && b.Title == domain.CleanTitle(b.Source, b.Source) {
		b.Title = domain.CleanTitle(doc.Title, b.Title) // the document's own title, not its file name
	}
	b.Pages, b.FileKept = domain.Pages(text), true
	if b.Pages == 0 && doc.Pages == 1 { // a one-page PDF has no page break, but its passages are on page 1
		b.Pages = 1
		for i := range chunks {
			chunks[i].PageStart, chunks[i].PageEnd = 1, 1
		}
	}
	read := fmt.Sprintf("read %d characters into %d chunks", len([]rune(text)), len(chunks))
	if b.Note != "" {
		read += "; " + b.Note
	}
	if err := report(10, read); err != nil {
		return "", err
	}
	rows, err := k.embed(ctx, b, model, chunks, report)
	if err != nil {
		return "", err
	}
	if err := k.repo.ReplaceChunks(ctx, b, col, rows, len([]rune(text))); err != nil {
		return "", fmt.Errorf("write chunks of %s: %w", b.Title, err)
	}
	return blobLocation(b.ID), nil
}

// transcribe turns a stored recording into text, reporting progress from
// 5 to 50 %.
func (k *Knowledge) transcribe(ctx context.Context, b domain.InfoBlob, model uuid.UUID, report func(int, string) error) (string, error) {
	if model == uuid.Nil { // a task queued without one: choose as the upload would have
		col, err := k.repo.Collection(ctx, b.Tenant, b.Collection)
		if err != nil {
			return "", err
		}
		if model, err = k.transcriber.Model(ctx, b.Tenant, actor.Caller{UserID: b.CreatedBy}, &col.Space); err != nil {
			return "", err
		}
	}
	if err := report(5, "transcribing"); err != nil {
		return "", err
	}
	rec := upload.Recording{Name: b.Title, MIME: b.MimeType, Size: b.Size, Open: func() (io.ReadCloser, error) { return k.store.Open(b.Tenant, b.ID) }}
	text, err := k.transcriber.Transcribe(ctx, b.Tenant, model, rec, func(done, total int) error {
		return report(5+45*done/total, fmt.Sprintf("transcribed %d of %d parts", done, total))
	})
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(text) == "" {
		return "", errs.Newf(errs.Invalid, "%s holds no speech to transcribe", b.Title)
	}
	return text, nil
}

// after maps the 10-90 % an ingestion step reports into from-90 %.
func after(from int, report func(int, string) error) func(int, string) error {
	return func(pct int, msg string) error {
		return report(from+(pct-10)*(90-from)/80, msg)
	}
}

// read extracts a stored document's text.
func (k *Knowledge) read(ctx context.Context, b domain.InfoBlob) (upload.Document, error) {
	rc, err := k.store.Open(b.Tenant, b.ID)
	if err != nil {
		return upload.Document{}, errs.Wrap(errs.NotFound, "the uploaded file is gone; upload it again", err)
	}
	defer rc.Close()
	doc, err := k.reader.Read(ctx, rc, b.MimeType, domain.MaxDocumentChars)
	return doc, readError(ctx, b, err)
}

// readError words why a document could not be read.
func readError(ctx context.Context, b domain.InfoBlob, err error) error {
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("read %s: %w", b.Title, ctx.Err()) // cancelled or shutting down: not the document's fault
	case errors.Is(err, upload.ErrEmpty):
		return errs.Newf(errs.Invalid, "%s holds no text to read (a scan without text, or an empty file)", b.Title)
	case errors.Is(err, upload.ErrTooLong):
		return errs.Newf(errs.TooLarge, "%s holds more than %d characters of text; split it", b.Title, domain.MaxDocumentChars)
	case errors.Is(err, upload.ErrNotText), errors.Is(err, upload.ErrUnsupported):
		return errs.Newf(errs.UnsupportedMediaType, "%s cannot be read: %v", b.Title, err)
	}
	var e *errs.Error
	if errors.As(err, &e) {
		return errs.Wrap(e.Kind, b.Title+": "+e.Msg, err)
	}
	return errs.Wrap(errs.UnsupportedMediaType, fmt.Sprintf("%s cannot be read: %v", b.Title, err), err)
}

// embed embeds the chunks in batches, reporting progress from 10 to 90 %.
func (k *Knowledge) embed(ctx context.Context, b domain.InfoBlob, model EmbeddingModel, chunks []domain.Chunk, report func(int, string) error) ([]ChunkRow, error) {
	rows := make([]ChunkRow, 0, len(chunks))
	for start := 0; start < len(chunks); start += k.embedBatch {
		batch := chunks[start:min(start+k.embedBatch, len(chunks))]
		texts := make([]string, len(batch))
		for i, c := range batch {
			texts[i] = c.Text
		}
		vs, err := k.embedder.Embed(ctx, b.Tenant, b.CreatedBy, model.ID, "ingestion", texts)
		if err != nil {
			return nil, fmt.Errorf("embed chunks of %s: %w", b.Title, err)
		}
		for i, v := range vs {
			if len(v) != model.Dimensions {
				return nil, errs.Newf(errs.Invalid, "the embedding model %s returned %d dimensions, not the %d it is registered with; fix the model's registration",
					model.Name, len(v), model.Dimensions)
			}
			rows = append(rows, ChunkRow{Chunk: batch[i], Embedding: v})
		}
		done := len(rows)
		if err := report(10+80*done/len(chunks), fmt.Sprintf("embedded %d of %d chunks", done, len(chunks))); err != nil {
			return nil, err
		}
	}
	return rows, nil
}
