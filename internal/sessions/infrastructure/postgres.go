// Package infrastructure stores sessions in PostgreSQL and adapts the
// models module's gateway and metering, and the assistants, knowledge and
// files modules, to the sessions module's ports; its Models adapter renders
// chat's prompts as messages.
package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/application"
	"github.com/agora-platform/agora/internal/sessions/domain"
)

type sessionRow struct {
	bun.BaseModel `bun:"table:sessions,alias:s"`

	ID          uuid.UUID     `bun:"id,pk,type:uuid"`
	TenantID    uuid.UUID     `bun:"tenant_id,type:uuid"`
	UserID      uuid.UUID     `bun:"user_id,type:uuid"`
	AssistantID uuid.UUID     `bun:"assistant_id,type:uuid"`
	KeyID       uuid.NullUUID `bun:"assistant_key_id,type:uuid"`
	Title       string        `bun:"title"`
	CreatedAt   time.Time     `bun:"created_at"`
	UpdatedAt   time.Time     `bun:"updated_at"`
}

type questionRow struct {
	bun.BaseModel `bun:"table:questions,alias:q"`

	ID               uuid.UUID          `bun:"id,pk,type:uuid"`
	TenantID         uuid.UUID          `bun:"tenant_id,type:uuid"`
	SessionID        uuid.UUID          `bun:"session_id,type:uuid"`
	Question         string             `bun:"question"`
	Answer           string             `bun:"answer"`
	Status           string             `bun:"status"`
	ErrorCode        string             `bun:"error_code"`
	ModelID          uuid.NullUUID      `bun:"model_id,type:uuid"`
	PromptTokens     int                `bun:"prompt_tokens"`
	CompletionTokens int                `bun:"completion_tokens"`
	TTFTMs           *int               `bun:"ttft_ms"`
	TotalMs          int                `bun:"total_ms"`
	FinishReason     string             `bun:"finish_reason"`
	Refs             []domain.Reference `bun:"refs,type:jsonb"`
	Flags            []string           `bun:"flags,array"`
	Files            []uuid.UUID        `bun:"files,array"`
	Analysis         map[string]any     `bun:"analysis,type:jsonb"`
	FeedbackValue    *int               `bun:"feedback_value"`
	FeedbackText     string             `bun:"feedback_text"`
	CreatedAt        time.Time          `bun:"created_at"`
	// StreamOwner is the process writing a streaming answer.
	StreamOwner string `bun:"stream_owner,nullzero"`
}

func (r questionRow) toEntity() domain.Question {
	q := domain.Question{ID: r.ID, Question: r.Question, Answer: r.Answer, Status: domain.Status(r.Status), ErrorCode: r.ErrorCode,
		Model: r.ModelID.UUID, PromptTokens: r.PromptTokens, CompletionTokens: r.CompletionTokens, Total: ms(r.TotalMs),
		FinishReason: r.FinishReason, References: r.Refs, Flags: r.Flags, Files: r.Files, Analysis: r.Analysis, FeedbackText: r.FeedbackText, CreatedAt: r.CreatedAt}
	if r.TTFTMs != nil {
		q.TTFT = ms(*r.TTFTMs)
	}
	if r.FeedbackValue != nil {
		q.FeedbackValue = *r.FeedbackValue
	}
	if q.References == nil {
		q.References = []domain.Reference{}
	}
	return q
}

func ms(n int) time.Duration { return time.Duration(n) * time.Millisecond }

// Repo is the PostgreSQL session store.
type Repo struct{ db *bun.DB }

// NewRepo returns a Repo on db.
func NewRepo(db *bun.DB) *Repo { return &Repo{db: db} }

// Session loads a user's session with its questions.
func (r *Repo) Session(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (domain.Session, error) {
	var row sessionRow
	db := postgres.Conn(ctx, r.db)
	err := db.NewSelect().Model(&row).Where("s.tenant_id = ?", tenant.UUID).Where("s.user_id = ?", user).Where("s.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Session{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Session{}, fmt.Errorf("select session: %w", err)
	}
	var qs []questionRow
	if err := db.NewSelect().Model(&qs).Where("q.tenant_id = ?", tenant.UUID).Where("q.session_id = ?", id).Where("q.superseded_at IS NULL").
		OrderExpr("q.created_at, q.id").Scan(ctx); err != nil {
		return domain.Session{}, fmt.Errorf("select questions: %w", err)
	}
	s := toSession(row)
	for _, q := range qs {
		s.Questions = append(s.Questions, q.toEntity())
	}
	return s, nil
}

func toSession(r sessionRow) domain.Session {
	return domain.Session{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, User: r.UserID, Assistant: r.AssistantID, Key: r.KeyID.UUID,
		Title: r.Title, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Sessions lists a user's sessions that match f newest first after a
// cursor.
func (r *Repo) Sessions(ctx context.Context, tenant tenancy.ID, user uuid.UUID, f application.SessionFilter, after *application.Cursor, limit int) ([]domain.Session, error) {
	var rows []sessionRow
	q := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("s.tenant_id = ?", tenant.UUID).Where("s.user_id = ?", user)
	if f.Assistant != nil {
		q = q.Where("s.assistant_id = ?", *f.Assistant)
	}
	if f.Key != uuid.Nil {
		q = q.Where("s.assistant_key_id = ?", f.Key)
	}
	if f.Search != "" {
		q = q.Where("strpos(lower(s.title), lower(?)) > 0", f.Search)
	}
	if after != nil {
		q = q.Where("(s.created_at, s.id) < (?, ?)", after.CreatedAt, after.ID)
	}
	if err := q.OrderExpr("s.created_at DESC, s.id DESC").Limit(int64(limit)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("select sessions: %w", err)
	}
	out := make([]domain.Session, len(rows))
	for i, row := range rows {
		out[i] = toSession(row)
	}
	return out, nil
}

// TouchSession sets a session's title and updated time.
func (r *Repo) TouchSession(ctx context.Context, tenant tenancy.ID, id uuid.UUID, title string, at time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("sessions").Set("title = ?", title).Set("updated_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// DeleteSession removes a user's session and its questions.
func (r *Repo) DeleteSession(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) error {
	res, err := postgres.Conn(ctx, r.db).NewDelete().TableExpr("sessions").
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// newQuestionRow is the row of a question with its answer.
func newQuestionRow(tenant tenancy.ID, session uuid.UUID, q domain.Question) *questionRow {
	row := &questionRow{ID: q.ID, TenantID: tenant.UUID, SessionID: session, Question: q.Question, Answer: q.Answer, Status: string(q.Status),
		ErrorCode: q.ErrorCode, PromptTokens: q.PromptTokens, CompletionTokens: q.CompletionTokens, TotalMs: int(q.Total.Milliseconds()),
		FinishReason: q.FinishReason, Refs: q.References, Flags: q.Flags, Analysis: map[string]any{}, CreatedAt: q.CreatedAt}
	if q.Model != uuid.Nil {
		row.ModelID = uuid.NullUUID{UUID: q.Model, Valid: true}
	}
	if q.TTFT > 0 {
		n := int(q.TTFT.Milliseconds())
		row.TTFTMs = &n
	}
	if row.Refs == nil {
		row.Refs = []domain.Reference{}
	}
	if row.Flags == nil {
		row.Flags = []string{}
	}
	row.Files = append([]uuid.UUID{}, q.Files...)
	return row
}

// BeginTurn writes the session when it is new and the question, status
// streaming, as one statement: one round trip, all or nothing.
func (r *Repo) BeginTurn(ctx context.Context, tenant tenancy.ID, rec application.TurnRecord, owner string) error {
	db := postgres.Conn(ctx, r.db)
	s := rec.Session
	row := newQuestionRow(tenant, s.ID, rec.Question)
	row.StreamOwner = owner
	question := db.NewInsert().Model(row).ExcludeColumn("feedback_value")
	if rec.Replaces != uuid.Nil {
		question = question.With("replaced", db.NewUpdate().Table("questions").Set("superseded_at = ?", rec.Question.CreatedAt).
			Where("tenant_id = ?", tenant.UUID).Where("session_id = ?", s.ID).Where("superseded_at IS NULL").
			Where("(created_at, id) >= (SELECT created_at, id FROM questions WHERE tenant_id = ? AND id = ?)", tenant.UUID, rec.Replaces))
	}
	if rec.NewSession {
		question = question.With("s", db.NewInsert().Model(&sessionRow{ID: s.ID, TenantID: tenant.UUID, UserID: s.User, AssistantID: s.Assistant,
			KeyID: uuid.NullUUID{UUID: s.Key, Valid: s.Key != uuid.Nil}, Title: s.Title, CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}))
	}
	_, err := question.Exec(ctx)
	if postgres.IsForeignKeyViolation(err) {
		return domain.ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store the question of session %s: %w", s.ID, err)
	}
	return nil
}

// SaveAnswer stores the answer written so far of a streaming question.
func (r *Repo) SaveAnswer(ctx context.Context, tenant tenancy.ID, question uuid.UUID, answer string) error {
	_, err := postgres.Conn(ctx, r.db).NewUpdate().Table("questions").Set("answer = ?", answer).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", question).Where("status = 'streaming'").Exec(ctx)
	if err != nil {
		return fmt.Errorf("store the partial answer of %s: %w", question, err)
	}
	return nil
}

// SaveTurn finishes a streaming question and touches its session as one
// statement of data-modifying CTEs, the session only when the question
// was still streaming: one round trip, all or nothing.
func (r *Repo) SaveTurn(ctx context.Context, tenant tenancy.ID, rec application.TurnRecord) error {
	db := postgres.Conn(ctx, r.db)
	s, q := rec.Session, newQuestionRow(tenant, rec.Session.ID, rec.Question)
	question := db.NewUpdate().Table("questions").
		Set("answer = ?", q.Answer).Set("status = ?", q.Status).Set("error_code = ?", q.ErrorCode).
		Set("prompt_tokens = ?", q.PromptTokens).Set("completion_tokens = ?", q.CompletionTokens).Set("ttft_ms = ?", q.TTFTMs).
		Set("total_ms = ?", q.TotalMs).Set("finish_reason = ?", q.FinishReason).Set("refs = ?", q.Refs).Set("stream_owner = NULL").
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", q.ID).Where("status = 'streaming'").Returning("id")
	session := db.NewUpdate().Table("sessions").Set("title = ?", s.Title).Set("updated_at = ?", s.UpdatedAt).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", s.ID).Where("EXISTS (SELECT 1 FROM q)")
	var n int
	err := db.NewSelect().With("q", question).With("s", session).TableExpr("q").ColumnExpr("count(*)").Scan(ctx, &n)
	if err != nil {
		return fmt.Errorf("save answer of session %s: %w", s.ID, err)
	}
	if n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// StreamOwners lists the processes with answers streaming. It reads
// across tenants by design: the sweep for dead writers serves them all.
func (r *Repo) StreamOwners(ctx context.Context) ([]string, error) {
	var owners []string
	err := postgres.Conn(ctx, r.db).NewSelect().Table("questions").ColumnExpr("DISTINCT stream_owner").
		Where("status = 'streaming'").Where("stream_owner IS NOT NULL").Scan(ctx, &owners)
	if err != nil {
		return nil, fmt.Errorf("select answer writers: %w", err)
	}
	return owners, nil
}

// OpenAnswers lists the streaming answers owner writes, or (owner empty)
// those that began before startedBefore, across tenants, with what their
// usage record needs.
func (r *Repo) OpenAnswers(ctx context.Context, owner string, startedBefore time.Time) ([]application.OpenAnswer, error) {
	var rows []struct {
		TenantID     uuid.UUID     `bun:"tenant_id"`
		ID           uuid.UUID     `bun:"id"`
		UserID       uuid.UUID     `bun:"user_id"`
		AssistantID  uuid.UUID     `bun:"assistant_id"`
		ModelID      uuid.NullUUID `bun:"model_id"`
		Answer       string        `bun:"answer"`
		PromptTokens int           `bun:"prompt_tokens"`
		CreatedAt    time.Time     `bun:"created_at"`
	}
	q := postgres.Conn(ctx, r.db).NewSelect().TableExpr("questions AS q").
		Join("JOIN sessions AS s ON s.tenant_id = q.tenant_id AND s.id = q.session_id").
		ColumnExpr("q.tenant_id, q.id, s.user_id, s.assistant_id, q.model_id, q.answer, q.prompt_tokens, q.created_at").
		Where("q.status = 'streaming'").OrderExpr("q.created_at").Limit(1000)
	if owner != "" {
		q = q.Where("q.stream_owner = ?", owner)
	} else {
		q = q.Where("q.created_at < ?", startedBefore)
	}
	if err := q.Scan(ctx, &rows); err != nil {
		return nil, fmt.Errorf("select open answers: %w", err)
	}
	out := make([]application.OpenAnswer, len(rows))
	for i, x := range rows {
		out[i] = application.OpenAnswer{Tenant: tenancy.ID{UUID: x.TenantID}, Question: x.ID, User: x.UserID, Assistant: x.AssistantID,
			Model: x.ModelID.UUID, Answer: x.Answer, PromptTokens: x.PromptTokens, CreatedAt: x.CreatedAt}
	}
	return out, nil
}

// Interrupt marks an open answer interrupted, only while it is still
// streaming.
func (r *Repo) Interrupt(ctx context.Context, a application.OpenAnswer, completionTokens int, at time.Time) (bool, error) {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("questions").Set("status = 'interrupted'").Set("finish_reason = 'interrupted'").
		Set("completion_tokens = ?", completionTokens).Set("total_ms = ?", int(at.Sub(a.CreatedAt).Milliseconds())).Set("stream_owner = NULL").
		Where("tenant_id = ?", a.Tenant.UUID).Where("id = ?", a.Question).Where("status = 'streaming'").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("mark answer %s interrupted: %w", a.Question, err)
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SetAnalysis stores a question's analysis.
func (r *Repo) SetAnalysis(ctx context.Context, tenant tenancy.ID, question uuid.UUID, a map[string]any) error {
	_, err := postgres.Conn(ctx, r.db).NewUpdate().Table("questions").Set("analysis = ?", a).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", question).Exec(ctx)
	return err
}

// SetFeedback stores feedback on a question of a session.
func (r *Repo) SetFeedback(ctx context.Context, tenant tenancy.ID, session, question uuid.UUID, value int, text string) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("questions").Set("feedback_value = ?", value).Set("feedback_text = ?", text).
		Where("tenant_id = ?", tenant.UUID).Where("session_id = ?", session).Where("id = ?", question).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrQuestionNotFound)
}
