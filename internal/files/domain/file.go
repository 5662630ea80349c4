// Package domain holds uploaded files and their rules: names, sizes and
// what a chat attachment may hold.
package domain

import (
	"errors"
	"path/filepath"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// File is an upload of one user: a chat attachment whose text was read
// when it arrived.
type File struct {
	ID       uuid.UUID
	Tenant   tenancy.ID
	User     uuid.UUID
	Name     string
	MimeType string
	Size     int64
	SHA256   string
	// Chars is the length of the text read from the file.
	Chars     int
	CreatedAt time.Time
}

// Attachment is a file's text, as a question carries it into the prompt.
type Attachment struct {
	ID   uuid.UUID
	Name string
	Text string
}

// Limits of chat attachments.
const (
	// MaxAttachmentBytes is the largest file accepted as an attachment.
	MaxAttachmentBytes = 10 << 20
	// MaxAttachmentChars is the most text one attachment may hold; longer
	// documents belong in a collection, where they are searched.
	MaxAttachmentChars = 400_000
	// MaxPerQuestion is how many files one question may attach.
	MaxPerQuestion = 10
)

// Errors of the files module.
var (
	ErrNotFound = errs.New(errs.NotFound, "file not found")
	ErrNoFile   = errs.New(errs.Invalid, "send the file as multipart/form-data in the field \"file\"")
)

// Why a file's text could not be read; the application layer words them
// for the user.
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
