// Package domain holds knowledge and its rules: collections, documents and
// their limits, chunking, ranking (BM25 and fusion), websites, crawl runs
// and their schedule.
package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Collection is a set of documents in a space, embedded with one model.
type Collection struct {
	ID             uuid.UUID
	Tenant         tenancy.ID
	Space          uuid.UUID
	Name           string
	EmbeddingModel uuid.UUID
	// Language is the full-text configuration: simple, english or swedish.
	Language string
	// Website marks the hidden collection holding a website's pages.
	Website    bool
	CreatedBy  uuid.UUID
	ChunkCount int64
	TermCount  int64
	Blobs      int
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// BlobStatus is where a document is in ingestion.
type BlobStatus string

// The statuses of an info blob.
const (
	BlobQueued BlobStatus = "queued"
	BlobReady  BlobStatus = "ready"
	BlobFailed BlobStatus = "failed"
)

// InfoBlob is one document (or web page) in a collection.
type InfoBlob struct {
	ID         uuid.UUID
	Tenant     tenancy.ID
	Collection uuid.UUID
	Title      string
	Source     string
	MimeType   string
	Size       int64
	SHA256     string
	Chars      int
	// Pages is how many pages (slides, sheets) the document has; 0 when
	// it has none.
	Pages      int
	ChunkCount int
	TermCount  int64
	Status     BlobStatus
	// Note says what of the document was not read and why (scanned pages
	// without OCR, say); empty when all was.
	Note string
	// FileKept means the uploaded file is stored and can be opened.
	FileKept  bool
	Job       uuid.UUID
	CreatedBy uuid.UUID
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Errors of knowledge.
var (
	ErrCollectionNotFound = errs.New(errs.NotFound, "collection not found")
	ErrBlobNotFound       = errs.New(errs.NotFound, "info blob not found")
	ErrCollectionTaken    = errs.New(errs.Conflict, "a collection with this name already exists in the space")
)

// Limits of knowledge.
const (
	// MaxUploadBytes is the largest document accepted for a collection.
	MaxUploadBytes = 100 << 20
	// MaxDocumentChars is the most text one document may yield.
	MaxDocumentChars = 20_000_000
	// MaxTextBlobs is how many text blobs one request may add.
	MaxTextBlobs = 100
	// MaxTextBlobChars bounds one text blob.
	MaxTextBlobChars = 2_000_000
	// MaxSearchChunks bounds a search's results.
	MaxSearchChunks = 100
)

// CleanCollectionName trims a name and checks its length.
func CleanCollectionName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 200 {
		return "", errs.New(errs.Invalid, "name must be 1 to 200 characters")
	}
	return name, nil
}

// CleanTitle trims a document title, falling back to fallback.
func CleanTitle(title, fallback string) string {
	title = strings.Join(strings.Fields(title), " ")
	if title == "" {
		title = fallback
	}
	if utf8.RuneCountInString(title) > 500 {
		title = string([]rune(title)[:500])
	}
	return title
}

// FTSConfig is the PostgreSQL text search configuration of a language.
func FTSConfig(language string) string {
	switch language {
	case "english", "swedish":
		return language
	}
	return "simple"
}
