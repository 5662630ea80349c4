package application

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/prompt"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/domain"
)

// Repo stores sessions and questions.
type Repo interface {
	// Session loads a user's session with its questions, oldest first.
	Session(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (domain.Session, error)
	// Sessions lists a user's sessions that match f, newest first, after
	// the cursor.
	Sessions(ctx context.Context, tenant tenancy.ID, user uuid.UUID, f SessionFilter, after *Cursor, limit int) ([]domain.Session, error)
	TouchSession(ctx context.Context, tenant tenancy.ID, id uuid.UUID, title string, at time.Time) error
	DeleteSession(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) error
	// BeginTurn stores a question before its answer, in one atomic write:
	// the session when it is new, and the question, status streaming,
	// written by the process owner. A session deleted meanwhile is
	// domain.ErrNotFound.
	BeginTurn(ctx context.Context, tenant tenancy.ID, rec TurnRecord, owner string) error
	// SaveAnswer stores the answer written so far of a streaming question.
	SaveAnswer(ctx context.Context, tenant tenancy.ID, question uuid.UUID, answer string) error
	// SaveTurn finishes a streaming question in one atomic write: the
	// question with its answer, and the session's title and time. A
	// question no longer streaming (its session was deleted, or it was
	// marked interrupted) is domain.ErrNotFound.
	SaveTurn(ctx context.Context, tenant tenancy.ID, rec TurnRecord) error
	// StreamOwners lists the processes that have answers streaming, of
	// every tenant.
	StreamOwners(ctx context.Context) ([]string, error)
	// OpenAnswers lists, across tenants, the answers streaming that owner
	// writes, or (owner empty) that began before startedBefore.
	OpenAnswers(ctx context.Context, owner string, startedBefore time.Time) ([]OpenAnswer, error)
	// Interrupt marks an open answer interrupted, keeping its text; false
	// when it was no longer streaming.
	Interrupt(ctx context.Context, a OpenAnswer, completionTokens int, at time.Time) (bool, error)
	SetAnalysis(ctx context.Context, tenant tenancy.ID, question uuid.UUID, a map[string]any) error
	SetFeedback(ctx context.Context, tenant tenancy.ID, session, question uuid.UUID, value int, text string) error
}

// SessionFilter narrows a list of a user's sessions; zero fields do not
// filter.
type SessionFilter struct {
	// Assistant keeps one assistant's sessions.
	Assistant *uuid.UUID
	// Key keeps the sessions started through one assistant-scoped key.
	Key uuid.UUID
	// Search keeps the sessions whose title contains it (any case).
	Search string
}

// OpenAnswer is an answer left streaming.
type OpenAnswer struct {
	Tenant       tenancy.ID
	Question     uuid.UUID
	User         uuid.UUID
	Assistant    uuid.UUID
	Model        uuid.UUID
	Answer       string
	PromptTokens int
	CreatedAt    time.Time
}

// Owners tells which processes writing answers are alive.
type Owners interface {
	// Alive reports, for each owner, whether it is alive.
	Alive(ctx context.Context, owners []string) (map[string]bool, error)
}

// Cursor is a position in a newest-first list.
type Cursor struct {
	CreatedAt time.Time
	ID        uuid.UUID
}

// UsageRecord is one generation's cost.
type UsageRecord struct {
	User             uuid.UUID
	Assistant        *uuid.UUID
	Model            *uuid.UUID
	Source           string // chat, openai, embeddings
	PromptTokens     int
	CompletionTokens int
	// At is when the work was done (zero: now).
	At time.Time
}

// Meter records what model work costs and holds the tenant to its daily
// token quota: the models module's metering.
type Meter interface {
	// Record stores a usage record, in the transaction the context
	// carries when there is one.
	Record(ctx context.Context, tenant tenancy.ID, u UsageRecord) error
	// CheckQuota refuses work when the tenant has used its tokens for
	// today.
	CheckQuota(ctx context.Context, tenant tenancy.ID) error
}

// AssistantInfo is what chat needs of an assistant.
type AssistantInfo struct {
	ID          uuid.UUID
	Space       uuid.UUID
	Name        string
	Prompt      string
	Model       uuid.UUID
	Temperature *float64
	MaxTokens   *int
	Groups      []uuid.UUID
	Websites    []uuid.UUID
	// Retrieval is how the assistant searches its knowledge: the mode
	// ("": hybrid), how many passages (0: 30) and the lowest score kept.
	RetrievalMode string
	TopK          int
	MinScore      float64
	// Rerank is the rerank model that reorders the passages (uuid.Nil:
	// none).
	Rerank uuid.UUID
}

// Assistants is what chat asks of the assistants module.
type Assistants interface {
	// ForChat returns an assistant the caller may chat with; NotFound
	// otherwise.
	ForChat(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (AssistantInfo, error)
}

// ModelInfo describes the model that will answer.
type ModelInfo struct {
	ID         uuid.UUID
	Name       string
	TokenLimit int
	// Local is the offline extractive answerer, which quotes documents
	// and is no language model.
	Local bool
}

// The conversation and the streamed answer are prompt's types, which the
// models module's gateway takes and gives.
type (
	Message  = prompt.Message
	Sampling = prompt.Sampling
	Piece    = prompt.Piece
	Pieces   = prompt.Pieces
)

// Source is a knowledge passage given to the model, numbered for citing.
type Source struct {
	Number    int
	Reference domain.Reference
	Text      string
}

// Prompt is what the model is asked; the Models adapter renders it as
// messages.
type Prompt struct {
	Instructions string
	Sources      []Source
	// Attachments are the files the question attaches, whole.
	Attachments []Attachment
	History     []Message
	Question    string
	Temperature *float64
	MaxTokens   *int
}

// Models is what chat asks of the model gateway (the models module's):
// its errors are classified (errs kinds) for the client.
type Models interface {
	Model(ctx context.Context, tenant tenancy.ID, model uuid.UUID) (ModelInfo, error)
	// Generate streams an answer to a prompt, rendered for the model.
	Generate(ctx context.Context, tenant tenancy.ID, model uuid.UUID, p Prompt) (Pieces, error)
	// Count estimates the tokens of a text.
	Count(text string) int
	// Complete streams a raw conversation to a model (OpenAI-compatible API).
	Complete(ctx context.Context, tenant tenancy.ID, model uuid.UUID, msgs []Message, s Sampling) (Pieces, error)
	// Embed embeds inputs with a model and reports the tokens used,
	// recording nothing.
	Embed(ctx context.Context, tenant tenancy.ID, model uuid.UUID, inputs []string) ([][]float32, int, error)
	// Listed returns the tenant's enabled completion and embedding models.
	Listed(ctx context.Context, tenant tenancy.ID) ([]ListedModel, error)
}

// ListedModel is a model the OpenAI-compatible API offers.
type ListedModel struct {
	ID         uuid.UUID
	Name       string
	Kind       string // completion or embedding
	Owner      string
	TokenLimit int
	Created    time.Time
}

// Knowledge finds passages for a question in an assistant's knowledge; it
// is nil until the knowledge module exists.
type Knowledge interface {
	// Search returns the best passages of the assistant's knowledge for
	// the question, grouped per document, numbered from 1, best first.
	Search(ctx context.Context, tenant tenancy.ID, user uuid.UUID, a AssistantInfo, question string, limit int) ([]Source, error)
}

// Rate counts requests in shared buckets (Redis in production).
type Rate interface {
	// Allow takes one request from the bucket key, which refills at
	// perMinute; when it is spent it returns how long to wait.
	Allow(ctx context.Context, key string, perMinute int) (wait time.Duration, err error)
}

// TurnRecord is what answering one question writes.
type TurnRecord struct {
	Session    domain.Session
	NewSession bool
	Question   domain.Question
	// Replaces is a question of the session that this one replaces, with
	// every later one (uuid.Nil: none).
	Replaces uuid.UUID
}

// Attachment is a file a question attaches: its name and text.
type Attachment struct {
	ID   uuid.UUID
	Name string
	Text string
}

// Files reads the text of a user's attached files.
type Files interface {
	// Attachments returns the user's files among ids, in order; one that
	// is missing or another user's is a not-found error.
	Attachments(ctx context.Context, tenant tenancy.ID, user uuid.UUID, ids []uuid.UUID) ([]Attachment, error)
}
