// Package domain holds background jobs and how their state may change.
package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Status is where a job is.
type Status string

// The statuses. Complete, failed and cancelled are final.
const (
	Queued     Status = "queued"
	InProgress Status = "in_progress"
	Complete   Status = "complete"
	Failed     Status = "failed"
	Cancelled  Status = "cancelled"
)

// Final reports whether nothing more happens to a job in this status.
func (s Status) Final() bool { return s == Complete || s == Failed || s == Cancelled }

// Job is work a worker does for a user: ingesting a document, crawling a
// website, transcribing a recording.
type Job struct {
	ID     uuid.UUID
	Tenant tenancy.ID
	User   uuid.UUID
	Task   string
	Name   string
	// Queue names the installation whose workers run it (JOB_QUEUE).
	Queue          string
	Status         Status
	Progress       int
	Message        string
	ResultLocation string
	// Payload is the task's input, kept to queue the job again.
	Payload    []byte
	Attempts   int
	CreatedAt  time.Time
	UpdatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
}

// MaxAttempts is how often a job is started before a failure is final.
const MaxAttempts = 5

// Errors of the jobs module.
var (
	ErrNotFound = errs.New(errs.NotFound, "job not found")
	// ErrCancelled tells a worker that its job was cancelled.
	ErrCancelled = errs.New(errs.Conflict, "the job was cancelled")
	ErrFinished  = errs.New(errs.Conflict, "the job has already finished")
)

// ClampProgress keeps a progress figure within 0-100.
func ClampProgress(p int) int { return max(0, min(100, p)) }
