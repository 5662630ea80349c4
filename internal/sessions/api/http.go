// Package api serves chat: assistant sessions (legacy unnamed SSE events),
// /conversations/ (named SSE events), feedback, titles and token usage.
package api

import (
	"context"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/application"
	"github.com/agora-platform/agora/internal/sessions/domain"
)

// Handler serves the chat routes.
type Handler struct{ svc *application.Service }

// NewHandler returns a Handler.
func NewHandler(svc *application.Service) *Handler { return &Handler{svc: svc} }

// RegisterAssistantSessions adds the assistant session routes to a group
// that also accepts assistant-scoped API keys.
func (h *Handler) RegisterAssistantSessions(g *echo.Group) {
	g.POST("/assistants/:id/sessions", h.askNew)
	g.GET("/assistants/:id/sessions", h.assistantSessions)
	g.POST("/assistants/:id/sessions/:session_id", h.askFollowUp)
	g.GET("/assistants/:id/sessions/:session_id", h.assistantSession)
	g.DELETE("/assistants/:id/sessions/:session_id", h.deleteAssistantSession)
	g.POST("/assistants/:id/sessions/:session_id/feedback", h.assistantFeedback)
}

// Register adds the user routes.
func (h *Handler) Register(g *echo.Group) {
	g.POST("/conversations", h.converse)
	g.GET("/conversations", h.conversations)
	g.GET("/conversations/:session_id", h.conversation)
	g.DELETE("/conversations/:session_id", h.deleteConversation)
	g.POST("/conversations/:session_id/feedback", h.conversationFeedback)
	g.POST("/conversations/:session_id/title", h.title)
	g.GET("/chat/limits", h.limits)
}

// limits godoc
//
//	@Summary	What a question may hold
//	@Tags		chat
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	ChatLimits
//	@Router		/api/v1/chat/limits/ [get]
func (h *Handler) limits(c *echo.Context) error {
	return c.JSON(http.StatusOK, ChatLimits{MaxQuestionChars: h.svc.Limits().MaxQuestionChars})
}

func caller(c *echo.Context) (tenancy.ID, actor.Caller) {
	p := auth.MustFrom(c.Request().Context())
	return p.Tenant, auth.CallerOf(p)
}

func files(fs []FileRef) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(fs))
	for _, f := range fs {
		id, err := uuid.Parse(f.ID)
		if err != nil {
			return nil, errs.New(errs.Invalid, "files must hold {\"id\": \"<uuid>\"} objects")
		}
		out = append(out, id)
	}
	return out, nil
}

// ask runs the pipeline and answers with a stream or one JSON object.
func (h *Handler) ask(c *echo.Context, in application.AskInput, stream, named bool) error {
	tenant, cl := caller(c)
	if !stream {
		sink := &collectSink{}
		if err := h.svc.Ask(c.Request().Context(), tenant, cl, in, sink); err != nil {
			return err
		}
		a, err := sink.result()
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, a)
	}
	// Read the body to its end: only then does the server watch the
	// connection and cancel the request (and the model call) when the
	// client goes away.
	_, _ = io.Copy(io.Discard, io.LimitReader(c.Request().Body, 1<<20))
	sink := newSSE(c, named)
	defer sink.close()
	err := h.svc.Ask(c.Request().Context(), tenant, cl, in, sink)
	if r, uerr := echo.UnwrapResponse(c.Response()); uerr == nil && r.Committed {
		return nil // the stream carried the outcome
	}
	return err
}

// askNew godoc
//
//	@Summary		Ask an assistant in a new session
//	@Description	stream: true answers text/event-stream with unnamed events whose data is the answer object with the next piece in "answer" (Eneo's format); an error ends with an "error" event. stream: false returns the answer object. Assistant-scoped API keys work here.
//	@Tags			chat
//	@Accept			json
//	@Produce		json,text/event-stream
//	@Security		Bearer
//	@Param			id		path		string		true	"assistant id"	format(uuid)
//	@Param			body	body		AskRequest	true	"the question"
//	@Success		200		{object}	AnswerResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Failure		413		{object}	httpx.ErrorBody	"question too long"
//	@Failure		429		{object}	httpx.ErrorBody
//	@Router			/api/v1/assistants/{id}/sessions/ [post]
func (h *Handler) askNew(c *echo.Context) error {
	return h.askAssistant(c, nil)
}

// askFollowUp godoc
//
//	@Summary	Ask a follow-up in a session
//	@Tags		chat
//	@Accept		json
//	@Produce	json,text/event-stream
//	@Security	Bearer
//	@Param		id			path		string		true	"assistant id"	format(uuid)
//	@Param		session_id	path		string		true	"session id"	format(uuid)
//	@Param		body		body		AskRequest	true	"the question"
//	@Success	200			{object}	AnswerResponse
//	@Failure	400			{object}	httpx.ErrorBody
//	@Failure	404			{object}	httpx.ErrorBody
//	@Router		/api/v1/assistants/{id}/sessions/{session_id}/ [post]
func (h *Handler) askFollowUp(c *echo.Context) error {
	sid, err := httpx.PathUUID(c, "session_id", "session")
	if err != nil {
		return err
	}
	return h.askAssistant(c, &sid)
}

func (h *Handler) askAssistant(c *echo.Context, session *uuid.UUID) error {
	aid, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	var req AskRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	fs, err := files(req.Files)
	if err != nil {
		return err
	}
	return h.ask(c, application.AskInput{Assistant: aid, Session: session, Question: req.Question, Files: fs}, req.Stream, false)
}

// converse godoc
//
//	@Summary		Ask in a conversation (named SSE events)
//	@Description	Give assistant_id to start a conversation or session_id to continue one. stream: true answers text/event-stream with events first_chunk (the answer object, empty answer), text ({session_id, answer: delta, references}), then done ({id, session_id, answer, references, usage, finish_reason}) or error ({session_id, error, error_code}). ": ping" comments keep idle streams open; leaving cancels the model call and keeps the partial answer.
//	@Tags			chat
//	@Accept			json
//	@Produce		json,text/event-stream
//	@Security		Bearer
//	@Param			body	body		ConversationRequest	true	"the question"
//	@Success		200		{object}	AnswerResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Failure		413		{object}	httpx.ErrorBody
//	@Failure		429		{object}	httpx.ErrorBody
//	@Router			/api/v1/conversations/ [post]
func (h *Handler) converse(c *echo.Context) error {
	var req ConversationRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	fs, err := files(req.Files)
	if err != nil {
		return err
	}
	in := application.AskInput{Question: req.Question, Files: fs}
	if req.ReplaceQuestionID != "" {
		id, err := uuid.Parse(req.ReplaceQuestionID)
		if err != nil || req.SessionID == "" {
			return errs.New(errs.Invalid, "replace_question_id must be the UUID of a question of the session given as session_id")
		}
		in.Replace = &id
	}
	ctx := c.Request().Context()
	tenant, cl := caller(c)
	switch {
	case req.SessionID != "":
		sid, err := uuid.Parse(req.SessionID)
		if err != nil {
			return errs.New(errs.Invalid, "session_id must be a session's UUID")
		}
		sess, err := h.svc.Session(ctx, tenant, cl, sid, nil)
		if err != nil {
			return err
		}
		in.Session, in.Assistant = &sid, sess.Assistant
	case req.AssistantID != "":
		aid, err := uuid.Parse(req.AssistantID)
		if err != nil {
			return errs.New(errs.Invalid, "assistant_id must be an assistant's UUID")
		}
		in.Assistant = aid
	default:
		return errs.New(errs.Invalid, "give assistant_id to start a conversation or session_id to continue one")
	}
	return h.ask(c, in, req.Stream, true)
}

// assistantSessions godoc
//
//	@Summary		Your sessions with an assistant
//	@Description	Through an assistant-scoped API key: only the sessions that key started. The same holds for reading, continuing, rating and deleting a session: another session is 404 to the key.
//	@Tags			chat
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string	true	"assistant id"	format(uuid)
//	@Param			limit	query		int		false	"page size (1-100, default 20)"
//	@Param			cursor	query		string	false	"next_cursor of the previous page"
//	@Success		200		{object}	SessionList
//	@Failure		404		{object}	httpx.ErrorBody	"no such assistant, or one you cannot chat with"
//	@Router			/api/v1/assistants/{id}/sessions/ [get]
func (h *Handler) assistantSessions(c *echo.Context) error {
	aid, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	return h.list(c, func(ctx context.Context, tenant tenancy.ID, cl actor.Caller, after *application.Cursor, limit int) ([]domain.Session, error) {
		return h.svc.AssistantSessions(ctx, tenant, cl, aid, after, limit)
	})
}

// conversations godoc
//
//	@Summary	Your conversations, newest first (cursor pagination)
//	@Tags		chat
//	@Produce	json
//	@Security	Bearer
//	@Param		assistant_id	query		string	false	"only this assistant's"	format(uuid)
//	@Param		search			query		string	false	"only those whose title contains this (any case)"
//	@Param		limit			query		int		false	"page size (1-100, default 20)"
//	@Param		cursor			query		string	false	"next_cursor of the previous page"
//	@Success	200				{object}	SessionList
//	@Router		/api/v1/conversations/ [get]
func (h *Handler) conversations(c *echo.Context) error {
	var aid *uuid.UUID
	if s := c.QueryParam("assistant_id"); s != "" {
		id, err := uuid.Parse(s)
		if err != nil {
			return errs.New(errs.Invalid, "assistant_id must be a UUID")
		}
		aid = &id
	}
	f := application.SessionFilter{Assistant: aid, Search: strings.TrimSpace(c.QueryParam("search"))}
	return h.list(c, func(ctx context.Context, tenant tenancy.ID, cl actor.Caller, after *application.Cursor, limit int) ([]domain.Session, error) {
		return h.svc.Sessions(ctx, tenant, cl, f, after, limit)
	})
}

// lister is the service call a session list makes.
type lister func(ctx context.Context, tenant tenancy.ID, c actor.Caller, after *application.Cursor, limit int) ([]domain.Session, error)

func (h *Handler) list(c *echo.Context, sessions lister) error {
	limit, err := httpx.QueryInt(c, "limit", 0)
	if err != nil {
		return err
	}
	after, err := decodeCursor(c.QueryParam("cursor"))
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	ss, err := sessions(c.Request().Context(), tenant, cl, after, limit)
	if err != nil {
		return err
	}
	out := SessionList{Items: make([]SessionSummary, len(ss)), Count: len(ss)}
	for i, s := range ss {
		out.Items[i] = SessionSummary{ID: s.ID.String(), Name: s.Title, AssistantID: s.Assistant.String(), CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	}
	if n := len(ss); n > 0 && (limit == 0 && n == application.DefaultPageSize || n == limit) {
		out.NextCursor = encodeCursor(ss[n-1].CreatedAt, ss[n-1].ID)
	}
	return c.JSON(http.StatusOK, out)
}

func encodeCursor(t time.Time, id uuid.UUID) string {
	return base64.RawURLEncoding.EncodeToString([]byte(t.Format(time.RFC3339Nano) + "|" + id.String()))
}

func decodeCursor(s string) (*application.Cursor, error) {
	if s == "" {
		return nil, nil
	}
	bad := errs.New(errs.Invalid, "cursor is not one this API gave out")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, bad
	}
	ts, id, ok := strings.Cut(string(b), "|")
	t, terr := time.Parse(time.RFC3339Nano, ts)
	u, uerr := uuid.Parse(id)
	if !ok || terr != nil || uerr != nil {
		return nil, bad
	}
	return &application.Cursor{CreatedAt: t, ID: u}, nil
}

// assistantSession godoc
//
//	@Summary	A session with its questions and answers
//	@Tags		chat
//	@Produce	json
//	@Security	Bearer
//	@Param		id			path		string	true	"assistant id"	format(uuid)
//	@Param		session_id	path		string	true	"session id"	format(uuid)
//	@Success	200			{object}	SessionResponse
//	@Failure	404			{object}	httpx.ErrorBody
//	@Router		/api/v1/assistants/{id}/sessions/{session_id}/ [get]
func (h *Handler) assistantSession(c *echo.Context) error {
	aid, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	return h.get(c, &aid)
}

// conversation godoc
//
//	@Summary	A conversation with its questions and answers
//	@Tags		chat
//	@Produce	json
//	@Security	Bearer
//	@Param		session_id	path		string	true	"session id"	format(uuid)
//	@Success	200			{object}	SessionResponse
//	@Failure	404			{object}	httpx.ErrorBody
//	@Router		/api/v1/conversations/{session_id}/ [get]
func (h *Handler) conversation(c *echo.Context) error { return h.get(c, nil) }

func (h *Handler) get(c *echo.Context, assistant *uuid.UUID) error {
	sid, err := httpx.PathUUID(c, "session_id", "session")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	s, err := h.svc.Session(c.Request().Context(), tenant, cl, sid, assistant)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSession(s, h.svc.ModelsOf(c.Request().Context(), tenant, s)))
}

// deleteAssistantSession godoc
//
//	@Summary	Delete a session
//	@Tags		chat
//	@Security	Bearer
//	@Param		id			path	string	true	"assistant id"	format(uuid)
//	@Param		session_id	path	string	true	"session id"	format(uuid)
//	@Success	204
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/assistants/{id}/sessions/{session_id}/ [delete]
func (h *Handler) deleteAssistantSession(c *echo.Context) error {
	aid, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	return h.delete(c, &aid)
}

// deleteConversation godoc
//
//	@Summary	Delete a conversation
//	@Tags		chat
//	@Security	Bearer
//	@Param		session_id	path	string	true	"session id"	format(uuid)
//	@Success	204
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/conversations/{session_id}/ [delete]
func (h *Handler) deleteConversation(c *echo.Context) error { return h.delete(c, nil) }

func (h *Handler) delete(c *echo.Context, assistant *uuid.UUID) error {
	sid, err := httpx.PathUUID(c, "session_id", "session")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	if err := h.svc.DeleteSession(c.Request().Context(), tenant, cl, sid, assistant); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// assistantFeedback godoc
//
//	@Summary	Rate an answer in a session
//	@Tags		chat
//	@Accept		json
//	@Security	Bearer
//	@Param		id			path	string			true	"assistant id"	format(uuid)
//	@Param		session_id	path	string			true	"session id"	format(uuid)
//	@Param		body		body	FeedbackRequest	true	"-1 or 1, and an optional text"
//	@Success	204
//	@Failure	400	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/assistants/{id}/sessions/{session_id}/feedback/ [post]
func (h *Handler) assistantFeedback(c *echo.Context) error {
	aid, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	return h.feedback(c, &aid)
}

// conversationFeedback godoc
//
//	@Summary	Rate an answer in a conversation
//	@Tags		chat
//	@Accept		json
//	@Security	Bearer
//	@Param		session_id	path	string			true	"session id"	format(uuid)
//	@Param		body		body	FeedbackRequest	true	"-1 or 1, and an optional text"
//	@Success	204
//	@Failure	400	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/conversations/{session_id}/feedback/ [post]
func (h *Handler) conversationFeedback(c *echo.Context) error { return h.feedback(c, nil) }

func (h *Handler) feedback(c *echo.Context, assistant *uuid.UUID) error {
	sid, err := httpx.PathUUID(c, "session_id", "session")
	if err != nil {
		return err
	}
	var req FeedbackRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	var qid *uuid.UUID
	if req.QuestionID != "" {
		id, err := uuid.Parse(req.QuestionID)
		if err != nil {
			return errs.New(errs.Invalid, "question_id must be a UUID")
		}
		qid = &id
	}
	tenant, cl := caller(c)
	if err := h.svc.Feedback(c.Request().Context(), tenant, cl, sid, assistant, qid, req.Value, req.Text); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// title godoc
//
//	@Summary	Name a conversation (empty title: from its first question)
//	@Tags		chat
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		session_id	path		string			true	"session id"	format(uuid)
//	@Param		body		body		TitleRequest	true	"the title"
//	@Success	200			{object}	SessionResponse
//	@Failure	400			{object}	httpx.ErrorBody
//	@Failure	404			{object}	httpx.ErrorBody
//	@Router		/api/v1/conversations/{session_id}/title/ [post]
func (h *Handler) title(c *echo.Context) error {
	sid, err := httpx.PathUUID(c, "session_id", "session")
	if err != nil {
		return err
	}
	var req TitleRequest
	if c.Request().ContentLength > 0 {
		if err := c.Bind(&req); err != nil {
			return err
		}
	}
	tenant, cl := caller(c)
	s, err := h.svc.Retitle(c.Request().Context(), tenant, cl, sid, req.Title)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSession(s, h.svc.ModelsOf(c.Request().Context(), tenant, s)))
}
