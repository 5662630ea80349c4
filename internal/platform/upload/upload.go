// Package upload is the vocabulary of stored files that chat attachments
// (internal/files) and knowledge documents (internal/knowledge) share: a
// clean file name, what the blob store saved, and why a file's text could
// not be read. It is pure Go, so both modules' use cases may import it.
package upload

import (
	"errors"
	"path/filepath"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/agora-platform/agora/internal/platform/errs"
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
