package infrastructure

import (
	"errors"
	"io"
	"slices"

	"github.com/agora-platform/agora/internal/files/domain"
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

// Text reads a file's text.
func (Reader) Text(r io.Reader, mime string, maxChars int) (string, error) {
	text, err := extract.Text(r, mime, maxChars)
	for from, to := range map[error]error{extract.ErrUnsupported: domain.ErrUnsupported, extract.ErrEmpty: domain.ErrEmpty,
		extract.ErrNotText: domain.ErrNotText, extract.ErrTooLong: domain.ErrTooLong} {
		if errors.Is(err, from) {
			return "", to
		}
	}
	return text, err
}
