// Package application holds the files use cases: chat attachments are
// stored, read into text at once, listed, attached to questions and
// deleted.
package application

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/files/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/upload"
)

// Repo stores file records and their text.
type Repo interface {
	Insert(ctx context.Context, f domain.File, text string) error
	Get(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (domain.File, error)
	// List returns a user's files, newest first.
	List(ctx context.Context, tenant tenancy.ID, user uuid.UUID, limit int) ([]domain.File, error)
	Delete(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) error
	// Attachments returns the text of the user's files among ids.
	Attachments(ctx context.Context, tenant tenancy.ID, user uuid.UUID, ids []uuid.UUID) ([]domain.Attachment, error)
	StorageUse
}

// StorageUse sums what a tenant stores: attachments and documents.
type StorageUse interface {
	UsedBytes(ctx context.Context, tenant tenancy.ID) (int64, error)
}

// Quotas tells a tenant's storage quota in bytes (0: none).
type Quotas interface {
	StorageQuota(ctx context.Context, tenant tenancy.ID) (int64, error)
}

// Service runs the files use cases.
type Service struct {
	repo   Repo
	store  upload.Store
	reader upload.Reader
	quotas Quotas
	// transcriber turns recorded attachments into text; nil refuses them.
	transcriber upload.Transcriber
	log         *slog.Logger
	now         func() time.Time
}

// NewService returns a Service; a nil transcriber refuses recordings.
func NewService(repo Repo, store upload.Store, reader upload.Reader, quotas Quotas, transcriber upload.Transcriber, log *slog.Logger) *Service {
	return &Service{repo: repo, store: store, reader: reader, quotas: quotas, transcriber: transcriber, log: log,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Upload stores a chat attachment and reads its text at once. Whatever
// is refused leaves nothing behind. With keepRecording, a recording is
// stored as it is, for an app's run to transcribe in the worker.
func (s *Service) Upload(ctx context.Context, tenant tenancy.ID, user uuid.UUID, name string, r io.Reader, keepRecording bool) (domain.File, error) {
	name, err := upload.CleanName(name)
	if err != nil {
		return domain.File{}, err
	}
	f := domain.File{ID: uuid.Must(uuid.NewV7()), Tenant: tenant, User: user, Name: name, CreatedAt: s.now()}
	saved, err := s.store.Save(ctx, tenant, f.ID, r, domain.MaxAttachmentBytes)
	if err != nil {
		return domain.File{}, fmt.Errorf("store file %q: %w", name, err)
	}
	f.Size, f.SHA256, f.MimeType = saved.Size, saved.SHA256, s.reader.Detect(saved.Head, name)
	text, err := s.accept(ctx, f, keepRecording)
	if err == nil {
		f.Chars = len([]rune(text))
		err = s.repo.Insert(ctx, f, text)
	}
	if err != nil {
		if rerr := s.store.Remove(tenant, f.ID); rerr != nil {
			s.log.WarnContext(ctx, "refused file not removed from storage", "file_id", f.ID, "err", rerr)
		}
		return domain.File{}, err
	}
	return f, nil
}

// accept checks the size and quota and reads the text of a saved file.
func (s *Service) accept(ctx context.Context, f domain.File, keepRecording bool) (string, error) {
	if f.Size > domain.MaxAttachmentBytes {
		return "", errs.Newf(errs.TooLarge, "%s is larger than %d MiB, the most an attachment may be; add long documents to a collection instead",
			f.Name, domain.MaxAttachmentBytes>>20)
	}
	if err := s.CheckRoom(ctx, f.Tenant, f.Size, f.Name); err != nil {
		return "", err
	}
	if s.IsRecording(f.MimeType) {
		if keepRecording {
			return "", nil
		}
		return s.transcribe(ctx, f)
	}
	rc, err := s.store.Open(f.Tenant, f.ID)
	if err != nil {
		return "", fmt.Errorf("open stored file %s: %w", f.ID, err)
	}
	defer rc.Close()
	text, err := s.reader.Text(ctx, rc, f.MimeType, domain.MaxAttachmentChars)
	return text, s.readError(f, err)
}

// transcribe turns a recorded attachment into text with the tenant's
// transcription model, while the upload waits.
func (s *Service) transcribe(ctx context.Context, f domain.File) (string, error) {
	model, err := s.transcriber.Model(ctx, f.Tenant, actor.Caller{UserID: f.User}, nil)
	if err != nil {
		return "", err
	}
	rec := upload.Recording{Name: f.Name, MIME: f.MimeType, Size: f.Size, Open: func() (io.ReadCloser, error) { return s.store.Open(f.Tenant, f.ID) }}
	text, err := s.transcriber.Transcribe(ctx, f.Tenant, model, rec, func(int, int) error { return nil })
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(text) == "" {
		return "", errs.Newf(errs.Invalid, "%s holds no speech to transcribe", f.Name)
	}
	if len([]rune(text)) > domain.MaxAttachmentChars {
		return "", errs.Newf(errs.TooLarge, "the transcript of %s is longer than an attachment may be (%d characters); add the recording to a collection instead", f.Name, domain.MaxAttachmentChars)
	}
	return text, nil
}

// IsRecording reports whether a type is a recording this server can
// transcribe.
func (s *Service) IsRecording(mime string) bool {
	return s.transcriber != nil && s.transcriber.IsAudio(mime)
}

// Recording returns one of the user's stored files, with a way to read it.
func (s *Service) Recording(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (domain.File, func() (io.ReadCloser, error), error) {
	f, err := s.repo.Get(ctx, tenant, user, id)
	if err != nil {
		return domain.File{}, nil, err
	}
	return f, func() (io.ReadCloser, error) { return s.store.Open(tenant, id) }, nil
}

// CheckRoom refuses a file of size that does not fit the tenant's storage
// quota, which attachments and knowledge documents share.
func (s *Service) CheckRoom(ctx context.Context, tenant tenancy.ID, size int64, name string) error {
	quota, err := s.quotas.StorageQuota(ctx, tenant)
	if err != nil || quota == 0 {
		return err
	}
	used, err := s.repo.UsedBytes(ctx, tenant)
	if err != nil {
		return err
	}
	if used+size > quota {
		return errs.Newf(errs.TooLarge, "your organisation's storage quota (%d MiB) has no room for %s; delete files or ask your administrator", quota>>20, name)
	}
	return nil
}

// readError says in the user's terms why a file could not be read.
func (s *Service) readError(f domain.File, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, upload.ErrUnsupported):
		return errs.Newf(errs.UnsupportedMediaType, "%s is a kind of file that cannot be attached; attach PDF, Word, PowerPoint, Excel, CSV, Markdown, text, JSON or HTML files",
			f.Name)
	case errors.Is(err, upload.ErrNotText):
		return errs.Newf(errs.UnsupportedMediaType, "%s is not UTF-8 text; save it as UTF-8 and try again", f.Name)
	case errors.Is(err, upload.ErrEmpty):
		return errs.Newf(errs.Invalid, "%s holds no text", f.Name)
	case errors.Is(err, upload.ErrTooLong):
		return errs.Newf(errs.TooLarge, "%s holds more text than an attachment may (%d characters); add it to a collection instead",
			f.Name, domain.MaxAttachmentChars)
	}
	return fmt.Errorf("read %s: %w", f.Name, err)
}

// Get returns one of the user's files.
func (s *Service) Get(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (domain.File, error) {
	return s.repo.Get(ctx, tenant, user, id)
}

// List limits.
const (
	DefaultListSize = 50
	MaxListSize     = 200
)

// List returns the user's files, newest first.
func (s *Service) List(ctx context.Context, tenant tenancy.ID, user uuid.UUID, limit int) ([]domain.File, error) {
	if limit == 0 {
		limit = DefaultListSize
	}
	if limit < 1 || limit > MaxListSize {
		return nil, errs.Newf(errs.Invalid, "limit must be between 1 and %d", MaxListSize)
	}
	return s.repo.List(ctx, tenant, user, limit)
}

// Delete removes one of the user's files and its bytes. Questions that
// attached it keep their answers.
func (s *Service) Delete(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) error {
	if err := s.repo.Delete(ctx, tenant, user, id); err != nil {
		return fmt.Errorf("delete file %s: %w", id, err)
	}
	if err := s.store.Remove(tenant, id); err != nil {
		s.log.WarnContext(ctx, "deleted file's bytes not removed", "file_id", id, "err", err)
	}
	return nil
}

// Attachments returns the text of files a question attaches, in the order
// asked; a file that is not the user's is not found.
func (s *Service) Attachments(ctx context.Context, tenant tenancy.ID, user uuid.UUID, ids []uuid.UUID) ([]domain.Attachment, error) {
	if len(ids) > domain.MaxPerQuestion {
		return nil, errs.Newf(errs.Invalid, "a question may attach at most %d files", domain.MaxPerQuestion)
	}
	found, err := s.repo.Attachments(ctx, tenant, user, ids)
	if err != nil {
		return nil, fmt.Errorf("load attachments: %w", err)
	}
	byID := make(map[uuid.UUID]domain.Attachment, len(found))
	for _, a := range found {
		byID[a.ID] = a
	}
	out := make([]domain.Attachment, 0, len(ids))
	seen := map[uuid.UUID]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		a, ok := byID[id]
		if !ok {
			return nil, errs.Newf(errs.NotFound, "file %s not found; upload it with POST /api/v1/files/ first", id)
		}
		out = append(out, a)
	}
	return out, nil
}
