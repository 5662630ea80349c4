package api

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/sessions/application"
	"github.com/agora-platform/agora/internal/sessions/domain"
)

// KeepAlive is how often an idle stream gets a comment line.
var KeepAlive = 15 * time.Second

// sseSink writes an answer as server-sent events: named events
// (first_chunk, text, error, done) for /conversations/, or unnamed events
// carrying the answer object with the delta in "answer" for the legacy
// assistant session routes.
type sseSink struct {
	w     http.ResponseWriter
	rc    *http.ResponseController
	named bool
	mu    sync.Mutex
	stop  chan struct{}
	once  sync.Once
}

func newSSE(c *echo.Context, named bool) *sseSink {
	return &sseSink{w: c.Response(), rc: http.NewResponseController(c.Response()), named: named, stop: make(chan struct{})}
}

// Start opens the stream and sends the first event.
func (s *sseSink) Start(t *application.Turn) error {
	h := s.w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no")
	s.w.WriteHeader(http.StatusOK)
	go s.keepAlive()
	if s.named {
		return s.event("first_chunk", answerOf(t, false))
	}
	return s.event("", answerOf(t, false))
}

func (s *sseSink) keepAlive() {
	tick := time.NewTicker(KeepAlive)
	defer tick.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-tick.C:
			s.mu.Lock()
			_, err := fmt.Fprint(s.w, ": ping\n\n")
			if err == nil {
				err = s.rc.Flush()
			}
			s.mu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

func (s *sseSink) close() { s.once.Do(func() { close(s.stop) }) }

// Delta sends one piece of the answer.
func (s *sseSink) Delta(t *application.Turn, text string) error {
	if s.named {
		return s.event("text", textEvent{SessionID: t.Session.ID.String(), Answer: text, References: t.References()})
	}
	a := answerOf(t, false)
	a.Answer = text
	return s.event("", a)
}

// textEvent is a named "text" event: a piece and the references so far.
type textEvent struct {
	SessionID  string             `json:"session_id"`
	Answer     string             `json:"answer"`
	References []domain.Reference `json:"references"`
}

// Fail sends the error event; the stream ends.
func (s *sseSink) Fail(t *application.Turn, kind errs.Kind, msg string) error {
	defer s.close()
	return s.event("error", map[string]any{"session_id": t.Session.ID.String(), "error": msg, "error_code": kind.Code()})
}

// Done sends the whole answer with usage; the stream ends.
func (s *sseSink) Done(t *application.Turn) error {
	defer s.close()
	if !s.named {
		return nil
	}
	q := t.Question
	return s.event("done", map[string]any{"id": q.ID.String(), "session_id": t.Session.ID.String(), "answer": t.Answer(),
		"references": t.References(), "usage": UsageDTO{PromptTokens: q.PromptTokens, CompletionTokens: q.CompletionTokens},
		"finish_reason": q.FinishReason})
}

func (s *sseSink) event(name string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if name != "" {
		if _, err := fmt.Fprintf(s.w, "event: %s\n", name); err != nil {
			return err
		}
	}
	if _, err := fmt.Fprintf(s.w, "data: %s\n\n", b); err != nil {
		return err
	}
	return s.rc.Flush()
}

// collectSink gathers an answer for stream: false.
type collectSink struct {
	turn     *application.Turn
	failKind errs.Kind
	failMsg  string
	failed   bool
}

func (c *collectSink) Start(t *application.Turn) error       { c.turn = t; return nil }
func (c *collectSink) Delta(*application.Turn, string) error { return nil }
func (c *collectSink) Done(*application.Turn) error          { return nil }
func (c *collectSink) Fail(_ *application.Turn, kind errs.Kind, msg string) error {
	c.failed, c.failKind, c.failMsg = true, kind, msg
	return nil
}

// result is the answer object of a finished non-streamed answer.
func (c *collectSink) result() (AnswerResponse, error) {
	if c.failed {
		return AnswerResponse{}, errs.New(c.failKind, c.failMsg)
	}
	a := answerOf(c.turn, true)
	q := c.turn.Question
	a.Usage = &UsageDTO{PromptTokens: q.PromptTokens, CompletionTokens: q.CompletionTokens}
	a.FinishReason, a.Status = q.FinishReason, string(q.Status)
	return a, nil
}
