// Package application holds the workflows use cases: definitions with
// their versions, runs of apps (by the worker), services (in the request)
// and workflows, and the execution of their steps.
package application

import (
	"context"
	"encoding/json"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// Repo stores workflows, their versions and their runs.
type Repo interface {
	Insert(ctx context.Context, w domain.Workflow) error
	// Update stores the describing fields; with a new version, the
	// definition too.
	Update(ctx context.Context, w domain.Workflow, newVersion bool) error
	Get(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Workflow, error)
	// List returns the workflows of the spaces, of a kind ("" all).
	List(ctx context.Context, tenant tenancy.ID, spaces []uuid.UUID, kind domain.Kind) ([]domain.Workflow, error)
	Delete(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error
	Versions(ctx context.Context, tenant tenancy.ID, id uuid.UUID) ([]domain.Version, error)
	Version(ctx context.Context, tenant tenancy.ID, id uuid.UUID, version int) (domain.Version, error)

	InsertRun(ctx context.Context, r domain.Run) error
	Run(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Run, error)
	Runs(ctx context.Context, tenant tenancy.ID, workflow uuid.UUID, limit int) ([]domain.Run, error)
	// SetRun stores a run's status, output, error, tokens and times.
	SetRun(ctx context.Context, r domain.Run) error
	// PutStep stores one step of a run (insert or replace).
	PutStep(ctx context.Context, tenant tenancy.ID, run uuid.UUID, s domain.StepRun) error

	// SetSchedule stores a workflow's schedule (nil: none).
	SetSchedule(ctx context.Context, tenant tenancy.ID, id uuid.UUID, s *domain.Schedule) error
	// ClaimDue takes up to limit workflows whose schedule is due, across
	// tenants, pushing their next run a lease ahead in the same statement;
	// rows another scheduler holds are skipped.
	ClaimDue(ctx context.Context, now, lease time.Time, limit int) ([]domain.Workflow, error)
	// SetNext stores when a schedule runs next.
	SetNext(ctx context.Context, tenant tenancy.ID, id uuid.UUID, next time.Time) error
	// SetHook stores a workflow's webhook (nil: none).
	SetHook(ctx context.Context, tenant tenancy.ID, id uuid.UUID, h *domain.Hook) error
	// ByHook finds the workflow a webhook token's hash belongs to, across
	// tenants.
	ByHook(ctx context.Context, tokenHash []byte) (domain.Workflow, error)
}

// Cron reads cron expressions ("0 7 * * 1-5", "@daily").
type Cron interface {
	// Next is the first time after after that expr names; an expression
	// it cannot read is an error that says why.
	Next(expr string, after time.Time) (time.Time, error)
}

// Replays remembers signed requests for the replay window.
type Replays interface {
	// Seen records key for ttl and reports whether it was recorded
	// already.
	Seen(ctx context.Context, key string, ttl time.Duration) (bool, error)
}

// Access is the caller's place in a space.
type Access struct {
	Space    uuid.UUID
	Role     string
	Defaults []uuid.UUID // the space's default models
}

// Spaces checks the space permission matrix.
type Spaces interface {
	Authorize(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID, resource, action string) (Access, error)
	// Readable lists the spaces the caller can enter.
	Readable(ctx context.Context, tenant tenancy.ID, c actor.Caller) ([]Access, error)
	Can(role, resource, action string) bool
}

// Message is one message of a conversation with a model.
type Message struct{ Role, Content string }

// Completion is a model's whole answer.
type Completion struct {
	Text   string
	Model  uuid.UUID
	Tokens int
}

// Models reach completion models through the gateway.
type Models interface {
	// Complete answers with model (nil: the tenant's default completion
	// model) and records the usage for user.
	Complete(ctx context.Context, tenant tenancy.ID, user uuid.UUID, model *uuid.UUID, msgs []Message, opts CompleteOptions) (Completion, error)
	// Offline reports whether a step's model (nil: the tenant's default)
	// is the built-in offline model, which quotes rather than writes.
	Offline(ctx context.Context, tenant tenancy.ID, model *uuid.UUID) (bool, error)
	// Transcribe turns a recording into text with the tenant's default
	// transcription model, telling progress after each segment.
	Transcribe(ctx context.Context, tenant tenancy.ID, rec Recording, progress func(done, total int) error) (string, error)
}

// Recording is a stored recording to transcribe.
type Recording struct {
	Name string
	MIME string
	Size int64
	Open func() (io.ReadCloser, error)
}

// File is one of a user's uploaded files (the files module's).
type File struct {
	ID        uuid.UUID
	Name      string
	Recording bool
}

// Passage is a piece of a document a search found.
type Passage struct {
	Title   string  `json:"title"`
	Section string  `json:"section,omitempty"`
	Page    int     `json:"page,omitempty"`
	Text    string  `json:"text"`
	Score   float64 `json:"score"`
}

// Knowledge searches the space's collections and websites.
type Knowledge interface {
	// CheckSource refuses an id that is no collection or website of the
	// space.
	CheckSource(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) error
	// Search returns the best passages of the collections and websites
	// (hybrid search) for user.
	Search(ctx context.Context, tenant tenancy.ID, user uuid.UUID, ids []uuid.UUID, query string, topK int) ([]Passage, error)
}

// Answer is an assistant's whole answer with the passages it cites.
type Answer struct {
	Text       string    `json:"answer"`
	References []Passage `json:"references"`
}

// Assistants ask an assistant of the space, as the run's user.
type Assistants interface {
	// Check refuses an assistant that is not of the space or that the
	// caller cannot use.
	Check(ctx context.Context, tenant tenancy.ID, c actor.Caller, space, id uuid.UUID) error
	// Ask puts one question to the assistant (a conversation of the
	// caller's) and reads the whole answer.
	Ask(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, question string) (Answer, error)
}

// Files reach the run's user's uploaded files.
type Files interface {
	// File describes one of user's files (not found: another's).
	File(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (File, error)
	// Text is the text read from a document at upload.
	Text(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (string, error)
	// Recording opens a stored recording.
	Recording(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (Recording, error)
}

// CompleteOptions shape a completion.
type CompleteOptions struct {
	Temperature *float64
	MaxTokens   *int
	// Schema, when set, is the JSON schema the answer must satisfy.
	Schema json.RawMessage
	// Workflow is the workflow the usage is counted for.
	Workflow uuid.UUID
}

// Env is what templates and expressions see: the run's input by field and
// the outputs of the steps a step reads.
type Env struct {
	Input map[string]any
	Steps map[string]any
}

// Template renders text with {{ expression }} placeholders.
type Template interface {
	Render(env Env) (string, error)
}

// Expr is a compiled expression.
type Expr interface {
	Eval(env Env) (any, error)
}

// Schema checks JSON output; the error names the first problem's path.
type Schema interface {
	Check(text string) (any, error)
}

// Compiler compiles what definitions hold; visible are the step ids a
// template or expression may read.
type Compiler interface {
	Template(src string, visible []string) (Template, error)
	Expr(src string, visible []string) (Expr, error)
	Schema(raw json.RawMessage) (Schema, error)
	// URL checks an http step's target against the fetch guard.
	URL(ctx context.Context, url string) error
}

// Secrets keep http steps' header values encrypted.
type Secrets interface {
	Encrypt(plain string) (string, error)
	Decrypt(value string) (string, error)
}

// Poster sends an http step's request through the fetch guard.
type Poster interface {
	// Post sends body as JSON with headers and the idempotency key and
	// returns the status and the body (JSON decoded when it is JSON).
	Post(ctx context.Context, url string, headers map[string]string, idempotencyKey string, body []byte) (status int, out any, err error)
}

// Jobs run app and workflow runs in the worker, with the fairness,
// retries, cancellation and time limit every job has.
type Jobs interface {
	// Create stores a queued job, in the caller's transaction.
	Create(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID, task, name string, payload []byte) error
	// Dispatch queues a created job, after the commit.
	Dispatch(ctx context.Context, tenant tenancy.ID, id uuid.UUID)
	// Cancel stops a job: a queued one never starts, a running one is
	// told at its next heartbeat.
	Cancel(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) error
	// Run does a job's work, reporting progress (percent, message).
	Run(ctx context.Context, tenant tenancy.ID, id uuid.UUID, work func(context.Context, func(int, string) error) (string, error)) error
}

// Updates tell a run's user how it goes (WebSocket channel
// app_run_updates).
type Updates interface {
	Publish(ctx context.Context, user uuid.UUID, r domain.Run)
}
