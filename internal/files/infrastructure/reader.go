package infrastructure

import (
	"errors"
	"io"
	"slices"

	"github.com/agora-platform/agora/internal/files/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/extract"
)

// Reader reads text with platform/extract, in the domain's errors.
type Reader struct{}

// Detect sniffs a file's MIME type.
func (Reader) Detect(head []byte, name string) string { return extract.Detect(head, name) }

// Supported lists the readable MIME types, sorted.
func (Reader) Supported() []string {
	s := extract.Supported()
	slices.Sort(s)
	return s
}

// documentErrors word extract's reasons for the user.
var documentErrors = map[error]error{
	extract.ErrEncrypted: errs.New(errs.UnsupportedMediaType, "the document is password-protected; remove the password and upload it again"),
	extract.ErrCorrupt:   errs.New(errs.UnsupportedMediaType, "the file is damaged, or is not the kind of file its name says"),
	extract.ErrBomb:      errs.New(errs.TooLarge, "the document expands to far more than its size (a zip bomb?), so it was not read"),
}

// Text reads a file's text.
func (Reader) Text(r io.Reader, mime string, maxChars int) (string, error) {
	text, err := extract.Text(r, mime, maxChars)
	for from, to := range map[error]error{extract.ErrUnsupported: domain.ErrUnsupported, extract.ErrEmpty: domain.ErrEmpty,
		extract.ErrNotText: domain.ErrNotText, extract.ErrTooLong: domain.ErrTooLong} {
		if errors.Is(err, from) {
			return "", to
		}
	}
	for from, to := range documentErrors {
		if errors.Is(err, from) {
			return "", to
		}
	}
	return text, err
}
