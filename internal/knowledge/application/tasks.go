package application

import (
	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// The module's worker tasks: their types and payloads. Their handlers are
// in the api layer (api/tasks.go).
const (
	// TaskIngest ingests one document.
	TaskIngest = "files:ingest"
	// TaskIngestTexts ingests the texts one request added, together.
	TaskIngestTexts = "files:ingest-texts"
	// TaskCrawl crawls a website once.
	TaskCrawl = "files:crawl"
	// TaskSchedule is the periodic task that queues the websites due and
	// removes the files of deleted documents.
	TaskSchedule = "files:schedule"
)

// IngestPayload names the document a task ingests.
type IngestPayload struct {
	Tenant tenancy.ID `json:"tenant_id"`
	Job    uuid.UUID  `json:"job_id"`
	Blob   uuid.UUID  `json:"blob_id"`
	// Transcription is the model that turns a recording into text.
	Transcription uuid.UUID `json:"transcription_model_id,omitzero"`
}

// CrawlPayload names the run a crawl task does.
type CrawlPayload struct {
	Tenant tenancy.ID `json:"tenant_id"`
	Job    uuid.UUID  `json:"job_id"`
	Run    uuid.UUID  `json:"run_id"`
}
