package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
)

// WebsiteHandler serves websites and their crawl runs.
type WebsiteHandler struct{ w *application.Websites }

// NewWebsiteHandler returns the handler.
func NewWebsiteHandler(w *application.Websites) *WebsiteHandler { return &WebsiteHandler{w: w} }

// Register adds the routes to an authenticated group.
func (h *WebsiteHandler) Register(g *echo.Group) {
	g.GET("/websites", h.list)
	g.POST("/websites", h.create)
	g.GET("/websites/:id", h.get)
	g.POST("/websites/:id", h.update)
	g.DELETE("/websites/:id", h.delete)
	g.POST("/websites/:id/run", h.run)
	g.GET("/websites/:id/runs", h.runs)
	g.GET("/crawl-runs/:id", h.crawlRun)
	g.POST("/spaces/:id/knowledge/websites", h.createInSpace)
}

// list godoc
//
//	@Summary	Websites of the spaces you can enter (or of one space)
//	@Tags		websites
//	@Produce	json
//	@Security	Bearer
//	@Param		space_id	query		string	false	"only this space's"	format(uuid)
//	@Success	200			{object}	WebsiteList
//	@Router		/api/v1/websites/ [get]
func (h *WebsiteHandler) list(c *echo.Context) error {
	tenant, caller := knowledgeCaller(c)
	space, err := spaceFilter(c)
	if err != nil {
		return err
	}
	ws, err := h.w.Websites(c.Request().Context(), tenant, caller, space)
	if err != nil {
		return err
	}
	out := WebsiteList{Items: make([]WebsiteResponse, len(ws)), Count: len(ws)}
	for i, w := range ws {
		out.Items[i] = toWebsite(w)
	}
	return c.JSON(http.StatusOK, out)
}

// create godoc
//
//	@Summary		Add a website to a space and crawl it
//	@Description	Needs the websites permission and the right to create websites in the space. The first crawl is queued at once (latest_crawl); its job's progress is pushed on job_updates and the run on crawl_run_updates. update_interval schedules later crawls a true interval after the last successful one. The basic auth password is stored encrypted and never shown.
//	@Tags			websites
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		WebsiteRequest	true	"the website (space_id and url required)"
//	@Success		201		{object}	WebsiteResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Router			/api/v1/websites/ [post]
func (h *WebsiteHandler) create(c *echo.Context) error {
	var req WebsiteRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	space, err := uuid.Parse(req.SpaceID)
	if err != nil {
		return errs.New(errs.Invalid, "space_id must be a space's UUID")
	}
	return h.add(c, space, req)
}

// createInSpace godoc
//
//	@Summary	Add a website to a space and crawl it
//	@Tags		websites
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string			true	"space id"	format(uuid)
//	@Param		body	body		WebsiteRequest	true	"the website (url required)"
//	@Success	201		{object}	WebsiteResponse
//	@Router		/api/v1/spaces/{id}/knowledge/websites/ [post]
func (h *WebsiteHandler) createInSpace(c *echo.Context) error {
	space, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	var req WebsiteRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	return h.add(c, space, req)
}

func (h *WebsiteHandler) add(c *echo.Context, space uuid.UUID, req WebsiteRequest) error {
	if req.URL == nil {
		return errs.New(errs.Invalid, "url is required")
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	in.Space = space
	tenant, caller := knowledgeCaller(c)
	w, run, err := h.w.CreateWebsite(c.Request().Context(), tenant, caller, in)
	if err != nil {
		return err
	}
	out := toWebsite(w)
	r := toRun(run)
	out.LatestRun = &r
	return c.JSON(http.StatusCreated, out)
}

// get godoc
//
//	@Summary	A website
//	@Tags		websites
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"website id"	format(uuid)
//	@Success	200	{object}	WebsiteResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/websites/{id}/ [get]
func (h *WebsiteHandler) get(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "website")
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	w, err := h.w.Website(c.Request().Context(), tenant, caller, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWebsite(w))
}

// update godoc
//
//	@Summary	Change a website's settings
//	@Tags		websites
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string			true	"website id"	format(uuid)
//	@Param		body	body		WebsiteRequest	true	"the fields to change"
//	@Success	200		{object}	WebsiteResponse
//	@Router		/api/v1/websites/{id}/ [post]
func (h *WebsiteHandler) update(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "website")
	if err != nil {
		return err
	}
	var req WebsiteRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	in, err := req.input()
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	w, err := h.w.UpdateWebsite(c.Request().Context(), tenant, caller, id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWebsite(w))
}

// delete godoc
//
//	@Summary	Delete a website with its pages and runs (a running crawl is cancelled)
//	@Tags		websites
//	@Security	Bearer
//	@Param		id	path	string	true	"website id"	format(uuid)
//	@Success	204
//	@Router		/api/v1/websites/{id}/ [delete]
func (h *WebsiteHandler) delete(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "website")
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	if err := h.w.DeleteWebsite(c.Request().Context(), tenant, caller, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// run godoc
//
//	@Summary		Crawl a website now
//	@Description	Queues a crawl run; 409 when one is queued or running. Cancel a run through its job (POST /jobs/{id}/cancel/).
//	@Tags			websites
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		string	true	"website id"	format(uuid)
//	@Success		202	{object}	CrawlRunResponse
//	@Failure		409	{object}	httpx.ErrorBody	"a crawl is queued or running"
//	@Router			/api/v1/websites/{id}/run/ [post]
func (h *WebsiteHandler) run(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "website")
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	r, err := h.w.RunWebsite(c.Request().Context(), tenant, caller, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, toRun(r))
}

// runs godoc
//
//	@Summary	A website's crawl runs, newest first
//	@Tags		websites
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string	true	"website id"	format(uuid)
//	@Param		limit	query		int		false	"at most this many (default 50, at most 500)"
//	@Success	200		{object}	CrawlRunList
//	@Router		/api/v1/websites/{id}/runs/ [get]
func (h *WebsiteHandler) runs(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "website")
	if err != nil {
		return err
	}
	limit, err := httpx.QueryInt(c, "limit", 0)
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	rs, err := h.w.Runs(c.Request().Context(), tenant, caller, id, limit)
	if err != nil {
		return err
	}
	out := CrawlRunList{Items: make([]CrawlRunResponse, len(rs)), Count: len(rs)}
	for i, r := range rs {
		out.Items[i] = toRun(r)
	}
	return c.JSON(http.StatusOK, out)
}

// crawlRun godoc
//
//	@Summary	A crawl run
//	@Tags		websites
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"crawl run id"	format(uuid)
//	@Success	200	{object}	CrawlRunResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/crawl-runs/{id}/ [get]
func (h *WebsiteHandler) crawlRun(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "crawl run")
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	r, err := h.w.Run(c.Request().Context(), tenant, caller, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRun(r))
}
