// Package api serves apps, services and workflows: definitions with their
// versions, runs, and the worker task that runs them.
package api

import (
	"context"
	"net/http"
	"strconv"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/workflows/application"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// Handler serves the workflow routes; origin is the server's public
// address, which webhook URLs start with.
type Handler struct {
	svc    *application.Service
	origin string
}

// NewHandler returns a Handler.
func NewHandler(svc *application.Service, origin string) *Handler {
	return &Handler{svc: svc, origin: origin}
}

// Register adds the routes to the signed-in group.
func (h *Handler) Register(g *echo.Group) {
	g.POST("/workflows", h.create)
	g.GET("/workflows", h.list)
	g.GET("/workflows/:id", h.get)
	g.PATCH("/workflows/:id", h.update)
	g.DELETE("/workflows/:id", h.delete)
	g.GET("/workflows/:id/versions", h.versions)
	g.GET("/workflows/:id/runs", h.runs)
	g.POST("/workflows/:id/runs", h.startWorkflow)
	g.POST("/apps/:id/runs", h.startApp)
	g.GET("/app-runs/:id", h.run)
	g.POST("/app-runs/:id/cancel", h.cancel)
	g.GET("/services/:id/api-keys", h.keys)
	g.POST("/services/:id/api-keys", h.createKey)
	g.DELETE("/services/:id/api-keys/:key_id", h.revokeKey)
	h.registerTriggers(g)
}

// RegisterServiceRun adds a service's run route to a group that lets the
// service's own keys through.
func (h *Handler) RegisterServiceRun(g *echo.Group) {
	g.POST("/services/:id/run", h.runService)
}

// RegisterTasks adds the run task to the worker's mux.
func (h *Handler) RegisterTasks(mux *asynq.ServeMux) {
	mux.HandleFunc(application.TaskRun, func(ctx context.Context, t *asynq.Task) error {
		p, err := jobs.Decode[application.RunPayload](t)
		if err != nil {
			return err
		}
		return h.svc.RunJob(ctx, p)
	})
	h.registerScheduleTask(mux)
}

func caller(c *echo.Context) (tenancy.ID, actor.Caller) {
	p := auth.MustFrom(c.Request().Context())
	return p.Tenant, auth.CallerOf(p)
}

// create godoc
//
//	@Summary		Create an app, service or workflow in a space
//	@Description	Needs the apps permission and the right to create the kind in the space. The definition is checked at once; a problem is 400 naming its place (steps[2].inputs). Steps: prompt, extract (JSON of a schema), condition, http (POST to an allowed URL), retrieve (the space's collections and websites), transcribe (a recording field) and assistant (an assistant of the space, asked as the run's user). Fields: text, file and recording (the id of an upload to /files/?purpose=app). Header values of http steps are stored encrypted and shown masked.
//	@Tags			workflows
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		WorkflowRequest	true	"the workflow"
//	@Success		201		{object}	WorkflowResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/workflows/ [post]
func (h *Handler) create(c *echo.Context) error {
	var req WorkflowRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	kind, err := domain.ParseKind(req.Kind)
	if err != nil {
		return err
	}
	space, err := uuid.Parse(req.SpaceID)
	if err != nil {
		return errs.InvalidField("space_id", "space_id must be a space's UUID")
	}
	if req.Definition == nil {
		return errs.InvalidField("definition", "definition is required")
	}
	in := application.CreateInput{Space: space, Kind: kind, Definition: *req.Definition}
	if req.Name != nil {
		in.Name = *req.Name
	}
	if req.Description != nil {
		in.Description = *req.Description
	}
	if req.Published != nil {
		in.Published = *req.Published
	}
	tenant, cl := caller(c)
	v, err := h.svc.Create(c.Request().Context(), tenant, cl, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toWorkflow(v))
}

// list godoc
//
//	@Summary	Apps, services and workflows you can see
//	@Tags		workflows
//	@Produce	json
//	@Security	Bearer
//	@Param		space_id	query		string	false	"only this space's"	format(uuid)
//	@Param		kind		query		string	false	"only this kind"	Enums(app, service, workflow)
//	@Success	200			{object}	WorkflowList
//	@Failure	400			{object}	httpx.ErrorBody
//	@Router		/api/v1/workflows/ [get]
func (h *Handler) list(c *echo.Context) error {
	var space uuid.UUID
	if s := c.QueryParam("space_id"); s != "" {
		var err error
		if space, err = uuid.Parse(s); err != nil {
			return errs.InvalidField("space_id", "space_id must be a space's UUID")
		}
	}
	var kind domain.Kind
	if k := c.QueryParam("kind"); k != "" {
		var err error
		if kind, err = domain.ParseKind(k); err != nil {
			return err
		}
	}
	tenant, cl := caller(c)
	vs, err := h.svc.List(c.Request().Context(), tenant, cl, space, kind)
	if err != nil {
		return err
	}
	out := WorkflowList{Items: make([]WorkflowResponse, len(vs)), Count: len(vs)}
	for i, v := range vs {
		out.Items[i] = toWorkflow(v)
	}
	return c.JSON(http.StatusOK, out)
}

// get godoc
//
//	@Summary	An app, service or workflow
//	@Tags		workflows
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"workflow id"	format(uuid)
//	@Success	200	{object}	WorkflowResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/workflows/{id}/ [get]
func (h *Handler) get(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "workflow")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	v, err := h.svc.Get(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWorkflow(v))
}

// update godoc
//
//	@Summary		Change an app, service or workflow
//	@Description	A new definition becomes a new version; runs already started keep theirs. A masked header value keeps the stored one.
//	@Tags			workflows
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string			true	"workflow id"	format(uuid)
//	@Param			body	body		WorkflowRequest	true	"fields to change"
//	@Success		200		{object}	WorkflowResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/workflows/{id}/ [patch]
func (h *Handler) update(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "workflow")
	if err != nil {
		return err
	}
	var req WorkflowRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	if req.Kind != "" || req.SpaceID != "" {
		return errs.New(errs.Invalid, "kind and space_id cannot change")
	}
	tenant, cl := caller(c)
	v, err := h.svc.Update(c.Request().Context(), tenant, cl, id, application.Patch{Name: req.Name, Description: req.Description,
		Definition: req.Definition, Published: req.Published})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWorkflow(v))
}

// delete godoc
//
//	@Summary	Delete an app, service or workflow with its versions and runs
//	@Tags		workflows
//	@Security	Bearer
//	@Param		id	path	string	true	"workflow id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/workflows/{id}/ [delete]
func (h *Handler) delete(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "workflow")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	if err := h.svc.Delete(c.Request().Context(), tenant, cl, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// versions godoc
//
//	@Summary	A workflow's versions, newest first (those who may edit it)
//	@Tags		workflows
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"workflow id"	format(uuid)
//	@Success	200	{object}	VersionList
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/workflows/{id}/versions/ [get]
func (h *Handler) versions(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "workflow")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	vs, err := h.svc.Versions(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	out := VersionList{Items: make([]VersionResponse, len(vs))}
	for i, v := range vs {
		out.Items[i] = VersionResponse{Version: v.Version, Definition: v.Definition, CreatedBy: v.CreatedBy.String(), CreatedAt: v.CreatedAt}
	}
	return c.JSON(http.StatusOK, out)
}

// runs godoc
//
//	@Summary	A workflow's recent runs: yours, or all for those who may edit it
//	@Tags		workflows
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string	true	"workflow id"	format(uuid)
//	@Param		limit	query		int		false	"at most (1-100, default 20)"
//	@Success	200		{object}	RunList
//	@Failure	404		{object}	httpx.ErrorBody
//	@Router		/api/v1/workflows/{id}/runs/ [get]
func (h *Handler) runs(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "workflow")
	if err != nil {
		return err
	}
	limit := 20
	if s := c.QueryParam("limit"); s != "" {
		if limit, err = strconv.Atoi(s); err != nil || limit < 1 || limit > 100 {
			return errs.InvalidField("limit", "limit must be 1 to 100")
		}
	}
	tenant, cl := caller(c)
	rs, err := h.svc.Runs(c.Request().Context(), tenant, cl, id, limit)
	if err != nil {
		return err
	}
	out := RunList{Items: make([]RunResponse, len(rs))}
	for i, r := range rs {
		out.Items[i] = toRun(r)
	}
	return c.JSON(http.StatusOK, out)
}

// startApp godoc
//
//	@Summary		Run an app
//	@Description	Answers 202 with the queued run; the worker runs its steps. Progress per step is pushed on the WebSocket channel app_run_updates (and the job's on job_updates); GET /app-runs/{id}/ polls it. A run stopped by a crash is taken up at its first unfinished step.
//	@Tags			workflows
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string		true	"app id"	format(uuid)
//	@Param			body	body		RunRequest	true	"the form's values"
//	@Success		202		{object}	RunResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/apps/{id}/runs/ [post]
func (h *Handler) startApp(c *echo.Context) error { return h.start(c, domain.KindApp) }

// startWorkflow godoc
//
//	@Summary		Run a workflow
//	@Description	As an app's run: 202 with the queued run, progress on app_run_updates.
//	@Tags			workflows
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string		true	"workflow id"	format(uuid)
//	@Param			body	body		RunRequest	true	"the inputs"
//	@Success		202		{object}	RunResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/workflows/{id}/runs/ [post]
func (h *Handler) startWorkflow(c *echo.Context) error { return h.start(c, domain.KindWorkflow) }

func (h *Handler) start(c *echo.Context, kind domain.Kind) error {
	id, err := httpx.PathUUID(c, "id", string(kind))
	if err != nil {
		return err
	}
	var req RunRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, cl := caller(c)
	r, err := h.svc.StartRun(c.Request().Context(), tenant, cl, id, kind, req.Input, "manual")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, toRun(r))
}

// run godoc
//
//	@Summary	A run of an app or workflow, with its steps
//	@Tags		workflows
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"run id"	format(uuid)
//	@Success	200	{object}	RunResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/app-runs/{id}/ [get]
func (h *Handler) run(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "run")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	r, err := h.svc.GetRun(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRun(r))
}

// cancel godoc
//
//	@Summary		Cancel a run of an app or workflow
//	@Description	A queued run never starts; a running one stops at its next heartbeat, and the steps it finished stay stored. 409 when it has ended.
//	@Tags			workflows
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		string	true	"run id"	format(uuid)
//	@Success		200	{object}	RunResponse
//	@Failure		404	{object}	httpx.ErrorBody
//	@Failure		409	{object}	httpx.ErrorBody
//	@Router			/api/v1/app-runs/{id}/cancel/ [post]
func (h *Handler) cancel(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "run")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	r, err := h.svc.CancelRun(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRun(r))
}

// runService godoc
//
//	@Summary		Run a service and get its output
//	@Description	Runs the service's one step in the request and stores the run. An extract step's output satisfies its schema: the model is asked once more with the problem when it does not, and a second failure is 400 naming the schema path.
//	@Tags			workflows
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string		true	"service id"	format(uuid)
//	@Param			body	body		RunRequest	true	"the input"
//	@Success		200		{object}	ServiceResult
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Failure		503		{object}	httpx.ErrorBody	"the model is unavailable"
//	@Router			/api/v1/services/{id}/run/ [post]
func (h *Handler) runService(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "service")
	if err != nil {
		return err
	}
	var req RunRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, cl := caller(c)
	r, err := h.svc.RunService(c.Request().Context(), tenant, cl, id, req.Input)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ServiceResult{Output: r.Output, RunID: r.ID.String(), Tokens: r.Tokens})
}
