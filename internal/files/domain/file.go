// Package domain holds chat attachments and their rules: what a file
// becomes when attached, and how large attachments may be.
package domain

import (
	"time"

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
)
