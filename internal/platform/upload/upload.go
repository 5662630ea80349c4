// Package upload is the vocabulary of stored files that chat attachments
// (internal/files) and knowledge documents (internal/knowledge) share: a
// clean file name, what the blob store saved, why a file's text could not
// be read, and the ports to the blob store, the text reader and the
// transcriber. It is pure Go, so both modules' use cases may import it.
package upload

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Saved describes bytes written to the blob store.
type Saved struct {
	Size   int64
	SHA256 string
	// Head is the first bytes, for content sniffing.
	Head []byte
}

// Why a file's text could not be read; each module words them for the
// user.
var (
	ErrUnsupported = errors.New("unsupported file type")
	ErrEmpty       = errors.New("the file holds no text")
	ErrNotText     = errors.New("the file is not valid UTF-8 text")
	ErrTooLong     = errors.New("the text is too long")
)

// CleanName keeps a file name's last path element, trimmed, without
// control characters, at most 255 characters.
func CleanName(name string) (string, error) {
	name = strings.TrimSpace(filepath.Base(strings.ReplaceAll(name, "\\", "/")))
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, name)
	if name == "" || name == "." || name == "/" {
		return "", errs.New(errs.Invalid, "the file needs a name")
	}
	if utf8.RuneCountInString(name) > 255 {
		return "", errs.New(errs.Invalid, "the file name is longer than 255 characters")
	}
	return name, nil
}

// Store keeps uploaded bytes (platform/blobstore).
type Store interface {
	// Save streams r into a new object, reading at most max+1 bytes.
	Save(ctx context.Context, tenant tenancy.ID, id uuid.UUID, r io.Reader, max int64) (Saved, error)
	Open(tenant tenancy.ID, id uuid.UUID) (io.ReadCloser, error)
	Remove(tenant tenancy.ID, id uuid.UUID) error
}

// Document is a file's text as Markdown, pages separated by form-feed
// lines, and the title it gives itself (empty when none).
type Document struct {
	Title string
	Text  string
	// Pages counts a PDF's pages, those without text too (scans).
	Pages int
}

// Reader reads the text of uploaded files (extract.Reader).
type Reader interface {
	// Detect sniffs a file's MIME type from its first bytes and name.
	Detect(head []byte, name string) string
	// Text reads at most maxChars characters of text; its errors are
	// ErrUnsupported, ErrEmpty, ErrNotText and ErrTooLong. A document
	// stopped by a limit is an *errs.Error that says which.
	Text(ctx context.Context, r io.Reader, mime string, maxChars int) (string, error)
	// Read reads a file as Text does, as Markdown with the title the
	// file gives itself.
	Read(ctx context.Context, r io.Reader, mime string, maxChars int) (Document, error)
	// Supported lists the MIME types Text reads.
	Supported() []string
}

// Transcriber turns recordings into text with a transcription model.
type Transcriber interface {
	// IsAudio reports whether mime is a recording it can transcribe.
	IsAudio(mime string) bool
	// Model picks the model for a recording added to a space (the space's
	// default transcription model, else the tenant's), or with no space
	// (a chat attachment) the tenant's.
	Model(ctx context.Context, tenant tenancy.ID, c actor.Caller, space *uuid.UUID) (uuid.UUID, error)
	// Transcribe reads a stored recording, in segments when it is long,
	// telling progress after each.
	Transcribe(ctx context.Context, tenant tenancy.ID, model uuid.UUID, rec Recording, progress func(done, total int) error) (string, error)
}

// Recording is stored audio to transcribe.
type Recording struct {
	Name string
	MIME string
	Size int64
	Open func() (io.ReadCloser, error)
}
