package extract

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/sandbox"
	"github.com/agora-platform/agora/internal/platform/upload"
)

// Reader reads the text of uploaded files for the modules that store them
// (chat attachments, knowledge documents), parsing in a sandbox child so a
// poisoned file costs the child, not this process, and words its failures
// as upload's errors or user-facing errs.
type Reader struct {
	Isolated Isolated
}

// Detect sniffs a file's MIME type.
func (Reader) Detect(head []byte, name string) string { return Detect(head, name) }

// Supported lists the readable MIME types, sorted.
func (Reader) Supported() []string {
	s := Supported()
	slices.Sort(s)
	return s
}

// documentErrors word extract's reasons for the user.
var documentErrors = map[error]error{
	ErrEncrypted: errs.New(errs.UnsupportedMediaType, "the document is password-protected; remove the password and upload it again"),
	ErrCorrupt:   errs.New(errs.UnsupportedMediaType, "the file is damaged, or is not the kind of file its name says"),
	ErrBomb:      errs.New(errs.TooLarge, "the document expands to far more than its size (a zip bomb?), so it was not read"),
}

// Text reads a file's text. A document stopped by a limit of the sandbox
// is refused for good, with the limit in the message.
func (rd Reader) Text(ctx context.Context, r io.Reader, mime string, maxChars int) (string, error) {
	d, err := rd.Read(ctx, r, mime, maxChars)
	if err == nil && strings.TrimSpace(d.Text) == "" {
		return "", upload.ErrEmpty // a scan: chat attachments are not read by OCR
	}
	return d.Text, err
}

// Read reads a file's text as Markdown, with its own title, as Text does.
func (rd Reader) Read(ctx context.Context, r io.Reader, mime string, maxChars int) (upload.Document, error) {
	d, err := rd.Isolated.Read(ctx, r, mime, maxChars)
	if lim, ok := errors.AsType[*LimitError](err); ok {
		kind := errs.TooLarge
		if errors.Is(err, sandbox.ErrCrashed) || errors.Is(err, sandbox.ErrNesting) {
			kind = errs.UnsupportedMediaType
		}
		return upload.Document{}, errs.Wrap(kind, lim.Error(), err)
	}
	for from, to := range map[error]error{ErrUnsupported: upload.ErrUnsupported, ErrEmpty: upload.ErrEmpty,
		ErrNotText: upload.ErrNotText, ErrTooLong: upload.ErrTooLong} {
		if errors.Is(err, from) {
			return upload.Document{}, to
		}
	}
	for from, to := range documentErrors {
		if errors.Is(err, from) {
			return upload.Document{}, to
		}
	}
	return upload.Document{Title: d.Title, Text: d.Text, Pages: d.Pages}, err
}
