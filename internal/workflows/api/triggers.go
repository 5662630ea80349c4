package api

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"

	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/workflows/application"
)

// maxHookBody bounds a webhook request's body.
const maxHookBody = 1 << 20

// RegisterPublic adds the inbound webhook route, which needs no sign-in:
// its URL is the secret and its requests are signed.
func (h *Handler) RegisterPublic(g *echo.Group) {
	g.POST("/hooks/:token", h.hooked)
}

// registerTriggers adds the schedule and webhook routes.
func (h *Handler) registerTriggers(g *echo.Group) {
	g.PUT("/workflows/:id/schedule", h.schedule)
	g.POST("/workflows/:id/webhook", h.createHook)
	g.DELETE("/workflows/:id/webhook", h.deleteHook)
}

// registerScheduleTask adds the periodic schedule task.
func (h *Handler) registerScheduleTask(mux *asynq.ServeMux) {
	mux.HandleFunc(application.TaskSchedule, func(ctx context.Context, _ *asynq.Task) error {
		_, err := h.svc.RunSchedules(ctx)
		return err
	})
}

// schedule godoc
//
//	@Summary		Run an app or workflow on a schedule (those who may edit it)
//	@Description	The runs act as you, with the rights you have now, and take input. An empty cron removes the schedule. Schedules are claimed once across workers.
//	@Tags			workflows
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string			true	"workflow id"	format(uuid)
//	@Param			body	body		ScheduleRequest	true	"the schedule"
//	@Success		200		{object}	WorkflowResponse
//	@Failure		400		{object}	httpx.ErrorBody	"a cron expression that cannot be read, or an input that does not fit the form"
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/workflows/{id}/schedule/ [put]
func (h *Handler) schedule(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "workflow")
	if err != nil {
		return err
	}
	var req ScheduleRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, cl := caller(c)
	v, err := h.svc.SetSchedule(c.Request().Context(), tenant, cl, id, req.Cron, req.Input)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWorkflow(v))
}

// createHook godoc
//
//	@Summary		Make (or replace) an app's or workflow's inbound webhook
//	@Description	The URL and secret are shown once; a new one replaces the old. Requests POST {"input": {...}} with X-Agora-Timestamp (Unix seconds, within 5 minutes) and X-Agora-Signature: sha256=<hex HMAC-SHA256 under the secret of "<timestamp>.<body>">; each signed request is accepted once. Runs act as you, with the rights you have now.
//	@Tags			workflows
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		string	true	"workflow id"	format(uuid)
//	@Success		201	{object}	WebhookResponse
//	@Failure		400	{object}	httpx.ErrorBody
//	@Failure		403	{object}	httpx.ErrorBody
//	@Failure		404	{object}	httpx.ErrorBody
//	@Router			/api/v1/workflows/{id}/webhook/ [post]
func (h *Handler) createHook(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "workflow")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	s, err := h.svc.SetHook(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, WebhookResponse{URL: h.origin + "/api/v1/hooks/" + s.Token, Secret: s.Secret})
}

// deleteHook godoc
//
//	@Summary	Remove an app's or workflow's webhook
//	@Tags		workflows
//	@Security	Bearer
//	@Param		id	path	string	true	"workflow id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/workflows/{id}/webhook/ [delete]
func (h *Handler) deleteHook(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "workflow")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	if err := h.svc.DeleteHook(c.Request().Context(), tenant, cl, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// hooked godoc
//
//	@Summary		Start a run through a webhook
//	@Description	No sign-in: the URL is the secret and the request is signed (see POST /workflows/{id}/webhook/). 401 for an unknown URL, a wrong signature or a timestamp outside the window; 409 for a request received already.
//	@Tags			workflows
//	@Accept			json
//	@Produce		json
//	@Param			token				path		string		true	"the webhook's token"
//	@Param			X-Agora-Timestamp	header		string		true	"Unix seconds"
//	@Param			X-Agora-Signature	header		string		true	"sha256=<hex>"
//	@Param			body				body		RunRequest	true	"the inputs"
//	@Success		202					{object}	HookAccepted
//	@Failure		400					{object}	httpx.ErrorBody
//	@Failure		401					{object}	httpx.ErrorBody
//	@Failure		409					{object}	httpx.ErrorBody
//	@Router			/api/v1/hooks/{token}/ [post]
func (h *Handler) hooked(c *echo.Context) error {
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxHookBody+1))
	if err != nil {
		return errs.New(errs.Invalid, "the body could not be read")
	}
	if len(body) > maxHookBody {
		return errs.Newf(errs.TooLarge, "the body is larger than %d bytes", maxHookBody)
	}
	var req RunRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&req); err != nil {
		return errs.New(errs.Invalid, `the body must be JSON: {"input": {...}}`)
	}
	r, err := h.svc.Hooked(c.Request().Context(), c.Param("token"), c.Request().Header.Get(application.TimestampHeader),
		c.Request().Header.Get(application.SignatureHeader), body, req.Input)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, HookAccepted{RunID: r.ID.String(), Status: string(r.Status)})
}
