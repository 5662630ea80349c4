// Package application holds the chat use cases: the message pipeline,
// the OpenAI-compatible API, and sessions, feedback and titles. Models
// are reached, and usage recorded, through the models module's gateway
// and metering (the Models and Meter ports).
package application

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/txn"
	"github.com/agora-platform/agora/internal/sessions/domain"
)

// Limits protect the server and the tenant's budget.
type Limits struct {
	MaxQuestionChars int
	// QuestionsPerUser and QuestionsPerTenant bound questions and
	// completions a minute (0: no bound).
	QuestionsPerUser   int
	QuestionsPerTenant int
}

// Deps are the Service's collaborators.
type Deps struct {
	Repo       Repo
	Tx         txn.Transactor
	Assistants Assistants
	Models     Models
	Meter      Meter
	Knowledge  Knowledge
	// Files reads attachments; nil refuses questions that attach files.
	Files Files
	// Rate enforces Limits.QuestionsPer*; nil turns those limits off.
	Rate   Rate
	Log    *slog.Logger
	Limits Limits
	// Owner names this process on the answers it writes; Owners tells
	// whether the writers of answers left streaming are alive.
	Owner  string
	Owners Owners
	// KeepEvery is how often a growing answer is stored; SavePatience how
	// long storing a finished one is tried while the database is away.
	KeepEvery    time.Duration
	SavePatience time.Duration
	// OwnerGrace is how long a writer must stay missing before its
	// answers are taken for dead: a Redis restart loses every writer's
	// key until each renews it (within OwnerBeat). Zero is 10 s; below
	// zero, none.
	OwnerGrace time.Duration
}

// Service runs the chat use cases.
type Service struct {
	repo         Repo
	tx           txn.Transactor
	assistants   Assistants
	models       Models
	meter        Meter
	knowledge    Knowledge
	files        Files
	rate         Rate
	log          *slog.Logger
	limits       Limits
	owner        string
	owners       Owners
	keepEvery    time.Duration
	savePatience time.Duration
	ownerGrace   time.Duration
	now          func() time.Time
	// missing holds when each writer was first found missing.
	missingMu sync.Mutex
	missing   map[string]time.Time
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Limits.MaxQuestionChars == 0 {
		d.Limits.MaxQuestionChars = 20_000
	}
	if d.KeepEvery == 0 {
		d.KeepEvery = 2 * time.Second
	}
	if d.SavePatience == 0 {
		d.SavePatience = 30 * time.Second
	}
	switch {
	case d.OwnerGrace == 0:
		d.OwnerGrace = 10 * time.Second
	case d.OwnerGrace < 0:
		d.OwnerGrace = 0
	}
	return &Service{repo: d.Repo, tx: d.Tx, assistants: d.Assistants, models: d.Models, meter: d.Meter, knowledge: d.Knowledge,
		files: d.Files, rate: d.Rate, log: d.Log, limits: d.Limits, owner: d.Owner, owners: d.Owners, keepEvery: d.KeepEvery,
		savePatience: d.SavePatience, ownerGrace: d.OwnerGrace, missing: map[string]time.Time{},
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Owner names this process on the answers it writes.
func (s *Service) Owner() string { return s.owner }

// CountTokens counts text's tokens as usage records count them.
func (s *Service) CountTokens(text string) int { return s.models.Count(text) }

// Session returns one of the caller's sessions with its questions; with
// assistant set, the session must belong to it. Through an assistant-scoped
// key, only the sessions that key started are found.
func (s *Service) Session(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, assistant *uuid.UUID) (domain.Session, error) {
	sess, err := s.repo.Session(ctx, tenant, c.UserID, id)
	if err != nil {
		return domain.Session{}, fmt.Errorf("get session %s: %w", id, err)
	}
	if (assistant != nil && sess.Assistant != *assistant) || (c.AssistantKey != uuid.Nil && sess.Assistant != c.AssistantKey) ||
		!sess.VisibleTo(c.AssistantKeyID) {
		return domain.Session{}, domain.ErrNotFound
	}
	return sess, nil
}

// Limits returns what a question may hold.
func (s *Service) Limits() Limits { return s.limits }

// ModelsOf looks up the models that answered a session's questions, for
// their names; a model since removed is left out.
func (s *Service) ModelsOf(ctx context.Context, tenant tenancy.ID, sess domain.Session) map[uuid.UUID]ModelInfo {
	out := map[uuid.UUID]ModelInfo{}
	tried := map[uuid.UUID]bool{uuid.Nil: true}
	for _, q := range sess.Questions {
		if tried[q.Model] {
			continue
		}
		tried[q.Model] = true
		if m, err := s.models.Model(ctx, tenant, q.Model); err == nil {
			out[q.Model] = m
		}
	}
	return out
}

// Page limits for session lists.
const (
	DefaultPageSize = 20
	MaxPageSize     = 100
)

// Sessions lists the caller's sessions, newest first, after a cursor;
// through an assistant-scoped key, only the sessions that key started.
func (s *Service) Sessions(ctx context.Context, tenant tenancy.ID, c actor.Caller, f SessionFilter, after *Cursor, limit int) ([]domain.Session, error) {
	assistant := f.Assistant
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, errs.Newf(errs.Invalid, "limit must be between 1 and %d", MaxPageSize)
	}
	if c.AssistantKey != uuid.Nil {
		if assistant != nil && *assistant != c.AssistantKey {
			return nil, errs.New(errs.Forbidden, "this API key belongs to another assistant")
		}
		assistant = &c.AssistantKey
	}
	if len(f.Search) > 200 {
		return nil, errs.New(errs.Invalid, "search must be at most 200 characters")
	}
	ss, err := s.repo.Sessions(ctx, tenant, c.UserID, SessionFilter{Assistant: assistant, Key: c.AssistantKeyID, Search: f.Search}, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list sessions: %w", err)
	}
	return ss, nil
}

// AssistantSessions lists the caller's sessions with an assistant, like
// Sessions, but the assistant must be one the caller may chat with:
// another tenant's, an unknown one or one in a space the caller cannot see
// is NotFound, as on every other route that takes an assistant's id.
func (s *Service) AssistantSessions(ctx context.Context, tenant tenancy.ID, c actor.Caller, assistant uuid.UUID, after *Cursor, limit int) ([]domain.Session, error) {
	if c.AssistantKey == uuid.Nil || c.AssistantKey == assistant {
		if _, err := s.assistants.ForChat(ctx, tenant, c, assistant); err != nil {
			return nil, fmt.Errorf("sessions of assistant %s: %w", assistant, err)
		}
	}
	return s.Sessions(ctx, tenant, c, SessionFilter{Assistant: &assistant}, after, limit)
}

// DeleteSession removes one of the caller's sessions.
func (s *Service) DeleteSession(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, assistant *uuid.UUID) error {
	if _, err := s.Session(ctx, tenant, c, id, assistant); err != nil {
		return err
	}
	if err := s.repo.DeleteSession(ctx, tenant, c.UserID, id); err != nil {
		return fmt.Errorf("delete session %s: %w", id, err)
	}
	return nil
}

// Feedback rates an answer of the caller's session: the given question,
// or the latest.
func (s *Service) Feedback(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, assistant, question *uuid.UUID, value int, text string) error {
	if err := domain.CheckFeedback(value, text); err != nil {
		return err
	}
	sess, err := s.Session(ctx, tenant, c, id, assistant)
	if err != nil {
		return err
	}
	if len(sess.Questions) == 0 {
		return domain.ErrQuestionNotFound
	}
	target := sess.Questions[len(sess.Questions)-1].ID
	if question != nil {
		target = *question
	}
	if err := s.repo.SetFeedback(ctx, tenant, id, target, value, text); err != nil {
		return fmt.Errorf("feedback on session %s: %w", id, err)
	}
	return nil
}

// Retitle sets a session's title; an empty title is derived from the
// first question again.
func (s *Service) Retitle(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, title string) (domain.Session, error) {
	sess, err := s.Session(ctx, tenant, c, id, nil)
	if err != nil {
		return domain.Session{}, err
	}
	if title == "" && len(sess.Questions) > 0 {
		title = domain.TitleFrom(sess.Questions[0].Question)
	}
	if sess.Title, err = domain.CheckTitle(title); err != nil {
		return domain.Session{}, err
	}
	if err := s.repo.TouchSession(ctx, tenant, id, sess.Title, s.now()); err != nil {
		return domain.Session{}, fmt.Errorf("retitle session %s: %w", id, err)
	}
	return sess, nil
}

// RecordUsage stores usage that did not come through a session (the
// OpenAI-compatible API). The client may be gone and the tokens were spent
// all the same, so it outlives ctx; a record that cannot be stored is
// logged.
func (s *Service) RecordUsage(ctx context.Context, tenant tenancy.ID, u UsageRecord) {
	if err := s.meter.Record(context.WithoutCancel(ctx), tenant, u); err != nil {
		s.log.WarnContext(ctx, "usage not recorded", "tenant_id", tenant, "source", u.Source, "err", err)
	}
}
