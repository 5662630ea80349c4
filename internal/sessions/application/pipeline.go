package application

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/domain"
)

// Sink receives an answer as it is written: the transport turns it into
// SSE events or one JSON object.
type Sink interface {
	// Start is called once, before the first delta.
	Start(t *Turn) error
	// Delta is called for every piece of text, with the references so far.
	Delta(t *Turn, text string) error
	// Fail is called when the answer cannot be finished.
	Fail(t *Turn, kind errs.Kind, msg string) error
	// Done is called when the answer is complete.
	Done(t *Turn) error
}

// Turn is one question on its way through the pipeline.
type Turn struct {
	Tenant    tenancy.ID
	Caller    actor.Caller
	Assistant AssistantInfo
	Model     ModelInfo
	Session   domain.Session
	NewSess   bool
	Question  domain.Question
	Sources   []Source
	// Attachments are the files the question attaches.
	Attachments []Attachment
	Prompt      Prompt
	// Replaces is the question this turn replaces (uuid.Nil: none).
	Replaces uuid.UUID
	started  time.Time
	// kept is when the partial answer was last stored.
	kept   time.Time
	answer strings.Builder
	// cited are the source numbers the answer cites, in order; tail is
	// the end of the answer a citation may continue in the next piece.
	cited []int
	tail  string
}

// Answer returns the answer written so far.
func (t *Turn) Answer() string { return t.answer.String() }

// References returns the references of the sources the answer cites so
// far, in the order first cited; before any citation, those of every
// source the model was given (the local answerer's: none, as it cites
// every passage it quotes).
func (t *Turn) References() []domain.Reference {
	if len(t.cited) == 0 && t.Model.Local {
		return []domain.Reference{} // the local answerer cites what it quotes: nothing cited, nothing found
	}
	if len(t.cited) == 0 {
		refs := make([]domain.Reference, len(t.Sources))
		for i, s := range t.Sources {
			refs[i] = s.Reference
		}
		return refs
	}
	refs := make([]domain.Reference, 0, len(t.cited))
	for _, n := range t.cited {
		for _, s := range t.Sources {
			if s.Number == n {
				refs = append(refs, s.Reference)
			}
		}
	}
	return refs
}

// write adds a piece of the answer and notes the sources it cites as [n].
func (t *Turn) write(piece string) {
	t.answer.WriteString(piece)
	text := t.tail + piece
	for _, n := range domain.Citations(text) {
		if !slices.Contains(t.cited, n) && t.hasSource(n) {
			t.cited = append(t.cited, n)
		}
	}
	if i := strings.LastIndexByte(text, '['); i >= 0 && !strings.Contains(text[i:], "]") {
		t.tail = text[i:] // an open citation continues in the next piece
	} else {
		t.tail = ""
	}
}

func (t *Turn) hasSource(n int) bool {
	for _, s := range t.Sources {
		if s.Number == n {
			return true
		}
	}
	return false
}

// step is one stage of the pipeline.
type step func(ctx context.Context, t *Turn) error

// AskInput is a question from a client.
type AskInput struct {
	Assistant uuid.UUID
	// Session continues a session; nil starts one.
	Session  *uuid.UUID
	Question string
	Files    []uuid.UUID
	// Replace is a question of the session to ask again in its place
	// (regenerate, or edit and resend): it and the questions after it
	// leave the conversation, kept in storage.
	Replace *uuid.UUID
}

// Ask runs the pipeline: load context, guard, retrieve, build the prompt,
// begin (the question is stored, streaming), generate (streaming into
// sink, the partial answer stored as it grows), persist, analyse. Errors
// before the answer starts are returned for a plain HTTP error; after that
// they reach the client through sink.Fail, and what was written is saved.
func (s *Service) Ask(ctx context.Context, tenant tenancy.ID, c actor.Caller, in AskInput, sink Sink) error {
	t := &Turn{Tenant: tenant, Caller: c, started: s.now()}
	for _, st := range []step{
		func(ctx context.Context, t *Turn) error { return s.loadContext(ctx, t, in) },
		func(ctx context.Context, t *Turn) error { return s.guard(ctx, t, in) },
		s.retrieve,
		s.buildPrompt,
		s.begin,
	} {
		if err := st(ctx, t); err != nil {
			return err
		}
	}
	genErr := s.generate(ctx, t, sink)
	saveCtx := context.WithoutCancel(ctx)
	if err := s.persist(saveCtx, t); err != nil {
		return err
	}
	if genErr == nil {
		_ = sink.Done(t)
	}
	s.analyse(saveCtx, t)
	return nil
}

// loadContext loads the assistant, the model and the session's history.
func (s *Service) loadContext(ctx context.Context, t *Turn, in AskInput) error {
	if t.Caller.AssistantKey != uuid.Nil && t.Caller.AssistantKey != in.Assistant {
		return errs.New(errs.Forbidden, "this API key belongs to another assistant")
	}
	a, err := s.assistants.ForChat(ctx, t.Tenant, t.Caller, in.Assistant)
	if err != nil {
		return err
	}
	t.Assistant = a
	if t.Model, err = s.models.Model(ctx, t.Tenant, a.Model); err != nil {
		return err
	}
	if err := s.loadAttachments(ctx, t, in.Files); err != nil {
		return err
	}
	if in.Session == nil {
		t.NewSess = true
		t.Session = domain.Session{ID: uuid.Must(uuid.NewV7()), Tenant: t.Tenant, User: t.Caller.UserID, Assistant: a.ID,
			Key: t.Caller.AssistantKeyID, Title: domain.TitleFrom(in.Question), CreatedAt: s.now(), UpdatedAt: s.now()}
		return nil
	}
	if t.Session, err = s.repo.Session(ctx, t.Tenant, t.Caller.UserID, *in.Session); err != nil {
		return err
	}
	if t.Session.Assistant != a.ID || !t.Session.VisibleTo(t.Caller.AssistantKeyID) {
		return domain.ErrNotFound
	}
	if in.Replace != nil {
		return s.cutAt(t, *in.Replace)
	}
	return nil
}

// cutAt drops a question and the ones after it from the turn's history,
// so the new question takes its place.
func (s *Service) cutAt(t *Turn, question uuid.UUID) error {
	for i, q := range t.Session.Questions {
		if q.ID != question {
			continue
		}
		if q.Status == domain.Streaming {
			return errs.Newf(errs.Conflict, "question %s is still being answered; stop it before asking it again", question)
		}
		t.Session.Questions, t.Replaces = t.Session.Questions[:i], question
		return nil
	}
	return errs.Newf(errs.NotFound, "question %s is not in session %s", question, t.Session.ID)
}

// loadAttachments reads the text of the files the question attaches.
func (s *Service) loadAttachments(ctx context.Context, t *Turn, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	if s.files == nil {
		return errs.New(errs.Invalid, "this installation takes no attachments")
	}
	as, err := s.files.Attachments(ctx, t.Tenant, t.Caller.UserID, ids)
	if err != nil {
		return err
	}
	t.Attachments = as
	return nil
}

// guard enforces the question size, attachments, the per-minute question
// budgets of the user and the tenant and the tenant's token quota, and
// flags likely prompt injection.
func (s *Service) guard(ctx context.Context, t *Turn, in AskInput) error {
	if err := domain.CheckQuestion(in.Question, s.limits.MaxQuestionChars); err != nil {
		return err
	}
	if err := s.checkRate(ctx, t.Tenant, t.Caller.UserID); err != nil {
		return err
	}
	if err := s.checkQuota(ctx, t.Tenant); err != nil {
		return err
	}
	t.Question = domain.Question{ID: uuid.Must(uuid.NewV7()), Question: strings.TrimSpace(in.Question), Model: t.Model.ID,
		Flags: domain.Flags(in.Question), CreatedAt: s.now()}
	for _, a := range t.Attachments {
		t.Question.Files = append(t.Question.Files, a.ID)
	}
	return nil
}

// retrieve finds knowledge for the question; without a knowledge module,
// or for an assistant without knowledge, it finds nothing.
// defaultTopK is how many passages an assistant retrieves unless it says.
const defaultTopK = 30

func (s *Service) retrieve(ctx context.Context, t *Turn) error {
	if s.knowledge == nil || len(t.Assistant.Groups)+len(t.Assistant.Websites) == 0 {
		return nil
	}
	limit := t.Assistant.TopK
	if limit == 0 {
		limit = defaultTopK
	}
	srcs, err := s.knowledge.Search(ctx, t.Tenant, t.Caller.UserID, t.Assistant, s.searchQuery(ctx, t), limit)
	if err != nil {
		return fmt.Errorf("search knowledge: %w", err)
	}
	t.Sources = srcs
	return nil
}

// buildPrompt fits instructions, attachments, knowledge, history and the
// question into the model's window: the answer keeps its share, the
// question and its attachments go whole, history gets about a fifth
// (newest turns first), knowledge up to 40 %.
func (s *Service) buildPrompt(_ context.Context, t *Turn) error {
	b := domain.BudgetFor(t.Model.TokenLimit, t.Assistant.MaxTokens)
	fixed := s.models.Count(t.Assistant.Prompt) + s.models.Count(t.Question.Question) + 16
	attached := 0
	for _, a := range t.Attachments {
		attached += s.models.Count(a.Name) + s.models.Count(a.Text) + 12
	}
	if fixed+attached+b.Answer > b.Total {
		if attached > 0 {
			return errs.Newf(errs.TooLarge, "the attached files are too long for %s (about %d tokens with the question; it reads %d); attach less, or add the files to a collection",
				t.Model.Name, fixed+attached+b.Answer, b.Total)
		}
		return errs.Newf(errs.TooLarge, "the question and instructions are too long for %s (about %d tokens; it reads %d)", t.Model.Name, fixed+b.Answer, b.Total)
	}
	fixed += attached
	var sources []Source
	used := 0
	for _, src := range t.Sources {
		c := s.models.Count(src.Text) + 12
		if used+c > b.Knowledge || fixed+b.Answer+used+c > b.Total {
			break
		}
		used += c
		sources = append(sources, src)
	}
	t.Sources = sources
	room := min(b.History, b.Total-fixed-b.Answer-used)
	turns := domain.FitHistory(answered(t.Session.Questions), room, func(q domain.Question) int {
		return s.models.Count(q.Question) + s.models.Count(q.Answer) + 8
	})
	var history []Message
	for _, q := range turns {
		history = append(history, Message{Role: "user", Content: q.Question}, Message{Role: "assistant", Content: q.Answer})
	}
	t.Prompt = Prompt{Instructions: t.Assistant.Prompt, Sources: sources, Attachments: t.Attachments, History: history,
		Question: t.Question.Question, Temperature: t.Assistant.Temperature, MaxTokens: t.Assistant.MaxTokens}
	return nil
}

// answered keeps the turns that produced an answer (not one still being
// written by another request).
func answered(qs []domain.Question) []domain.Question {
	var out []domain.Question
	for _, q := range qs {
		if q.Answer != "" && q.Status != domain.Streaming {
			out = append(out, q)
		}
	}
	return out
}

// begin stores the question before its answer: the session a client
// learns of in the first event exists from then on, and an answer whose
// process dies is found streaming and marked interrupted, not lost.
func (s *Service) begin(ctx context.Context, t *Turn) error {
	q := t.Question
	q.Status = domain.Streaming
	q.PromptTokens = s.models.Count(t.Prompt.Instructions + t.Prompt.Question)
	t.kept = s.now()
	rec := TurnRecord{Session: t.Session, NewSession: t.NewSess, Question: q, Replaces: t.Replaces}
	if err := s.repo.BeginTurn(ctx, t.Tenant, rec, s.owner); err != nil {
		return fmt.Errorf("store the question: %w", err)
	}
	return nil
}

// keep stores the answer written so far, every KeepEvery, so a process
// that dies loses at most that much of it.
func (s *Service) keep(ctx context.Context, t *Turn) {
	now := s.now()
	if t.kept.IsZero() || now.Sub(t.kept) < s.keepEvery { // zero: never stored
		return
	}
	t.kept = now
	if err := s.repo.SaveAnswer(context.WithoutCancel(ctx), t.Tenant, t.Question.ID, t.answer.String()); err != nil {
		s.log.WarnContext(ctx, "partial answer not stored", "question_id", t.Question.ID, "err", err)
	}
}

// generate streams the answer into sink, recording timings, usage and how
// it ended. A client that goes away cancels the upstream request.
func (s *Service) generate(ctx context.Context, t *Turn, sink Sink) error {
	q := &t.Question
	if err := sink.Start(t); err != nil {
		q.Status = domain.Cancelled
		return err
	}
	pieces, err := s.models.Generate(ctx, t.Tenant, t.Model.ID, t.Prompt)
	if err != nil {
		return s.fail(ctx, t, sink, err)
	}
	defer pieces.Close()
	for {
		p, err := pieces.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return s.fail(ctx, t, sink, err)
		}
		if p.Delta != "" {
			if q.TTFT == 0 {
				q.TTFT = max(s.now().Sub(t.started), time.Microsecond)
			}
			t.write(p.Delta)
			if err := sink.Delta(t, p.Delta); err != nil {
				q.Status = domain.Cancelled
				return err
			}
			s.keep(ctx, t)
		}
		if p.FinishReason != "" {
			q.FinishReason = p.FinishReason
		}
		if p.HasUsage {
			q.PromptTokens, q.CompletionTokens = p.PromptTokens, p.CompletionTokens
		}
	}
	q.Status = domain.Complete
	return nil
}

func (s *Service) fail(ctx context.Context, t *Turn, sink Sink, err error) error {
	q := &t.Question
	switch {
	case ctx.Err() != nil:
		q.Status, q.FinishReason = domain.Cancelled, "cancelled"
		return err
	case t.answer.Len() > 0:
		q.Status = domain.Partial
	default:
		q.Status = domain.Failed
	}
	kind, msg := errs.KindOf(err)
	q.ErrorCode, q.FinishReason = kind.Code(), "error"
	_ = sink.Fail(t, kind, msg)
	return err
}

// persist finishes the stored question with its answer and measurements,
// touches the session and records the usage, in one transaction. It runs
// even when the client left, so a partial answer is kept, and it tries
// again for SavePatience while the database is away.
func (s *Service) persist(ctx context.Context, t *Turn) error {
	q := &t.Question
	q.Answer, q.References, q.Total = t.answer.String(), t.References(), s.now().Sub(t.started)
	if !q.HasUsage() {
		q.PromptTokens = s.models.Count(t.Prompt.Instructions + t.Prompt.Question)
		q.CompletionTokens = s.models.Count(q.Answer)
	}
	t.Session.UpdatedAt = s.now()
	a, m := t.Assistant.ID, t.Model.ID
	rec := TurnRecord{Session: t.Session, NewSession: t.NewSess, Question: *q}
	usage := UsageRecord{User: t.Caller.UserID, Assistant: &a, Model: &m, Source: "chat",
		PromptTokens: q.PromptTokens, CompletionTokens: q.CompletionTokens, At: s.now()}
	return s.patiently(ctx, func() error {
		return s.tx.InTx(ctx, func(ctx context.Context) error {
			if err := s.repo.SaveTurn(ctx, t.Tenant, rec); err != nil {
				return err
			}
			return s.meter.Record(ctx, t.Tenant, usage)
		})
	})
}

// patiently runs write until it succeeds, fails for a reason of its own
// (a classified error: the session is gone), or SavePatience has passed,
// waiting longer between tries: a database restarting takes seconds, and
// an answer the user has read must not be lost to it.
func (s *Service) patiently(ctx context.Context, write func() error) error {
	deadline := s.now().Add(s.savePatience)
	wait := 100 * time.Millisecond
	for {
		err := write()
		if kind, _ := errs.KindOf(err); err == nil || kind != errs.Internal || !s.now().Add(wait).Before(deadline) {
			return err
		}
		s.log.WarnContext(ctx, "answer not stored yet; trying again", "in", wait, "err", err)
		time.Sleep(wait)
		wait = min(2*wait, 2*time.Second)
	}
}

// analyse stores cheap signals for insights after the answer is sent.
func (s *Service) analyse(ctx context.Context, t *Turn) {
	q := t.Question
	cited := strings.Contains(q.Answer, "[") && len(t.Sources) > 0
	a := map[string]any{
		"question_words": len(strings.Fields(q.Question)),
		"answer_words":   len(strings.Fields(q.Answer)),
		"cites_sources":  cited,
		"had_knowledge":  len(t.Sources) > 0,
		"flagged":        len(q.Flags) > 0,
		"status":         string(q.Status),
	}
	if err := s.repo.SetAnalysis(ctx, t.Tenant, q.ID, a); err != nil {
		s.log.WarnContext(ctx, "answer analysis not stored", "question_id", q.ID, "err", err)
	}
}
