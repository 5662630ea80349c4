// Package api serves the jobs routes.
package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/jobs/application"
	"github.com/agora-platform/agora/internal/jobs/domain"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/httpx"
)

// JobResponse is a job as clients see it, over HTTP and WebSocket alike.
type JobResponse struct {
	ID             string     `json:"id" format:"uuid"`
	Status         string     `json:"status" enums:"queued,in_progress,complete,failed,cancelled"`
	Progress       int        `json:"progress" example:"40"`
	Message        string     `json:"message" example:"embedded 12 of 30 chunks"`
	Task           string     `json:"task" example:"files:ingest"`
	Name           string     `json:"name" example:"budget-2026.pdf"`
	ResultLocation string     `json:"result_location" example:"/api/v1/info-blobs/0192.../"`
	CreatedAt      time.Time  `json:"created_at"`
	UpdatedAt      time.Time  `json:"updated_at"`
	StartedAt      *time.Time `json:"started_at"`
	FinishedAt     *time.Time `json:"finished_at"`
} // @name Job

// JobList is the caller's jobs, newest first.
type JobList struct {
	Items []JobResponse `json:"items"`
	Count int           `json:"count"`
} // @name JobList

// ToJob is the client view of a job.
func ToJob(j domain.Job) JobResponse {
	return JobResponse{ID: j.ID.String(), Status: string(j.Status), Progress: j.Progress, Message: j.Message, Task: j.Task,
		Name: j.Name, ResultLocation: j.ResultLocation, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt,
		StartedAt: j.StartedAt, FinishedAt: j.FinishedAt}
}

// Handler serves the jobs routes.
type Handler struct{ svc *application.Service }

// NewHandler returns a Handler.
func NewHandler(svc *application.Service) *Handler { return &Handler{svc: svc} }

// Register adds the routes to an authenticated group.
func (h *Handler) Register(g *echo.Group) {
	g.GET("/jobs", h.list)
	g.GET("/jobs/:id", h.get)
	g.POST("/jobs/:id/cancel", h.cancel)
}

// list godoc
//
//	@Summary	Your jobs, newest first: running, queued and recent
//	@Tags		jobs
//	@Produce	json
//	@Security	Bearer
//	@Param		limit	query		int	false	"at most this many (default 50, at most 200)"
//	@Success	200		{object}	JobList
//	@Router		/api/v1/jobs/ [get]
func (h *Handler) list(c *echo.Context) error {
	limit, err := httpx.QueryInt(c, "limit", 0)
	if err != nil {
		return err
	}
	p := auth.MustFrom(c.Request().Context())
	js, err := h.svc.List(c.Request().Context(), p.Tenant, p.UserID, limit)
	if err != nil {
		return err
	}
	out := JobList{Items: make([]JobResponse, len(js)), Count: len(js)}
	for i, j := range js {
		out.Items[i] = ToJob(j)
	}
	return c.JSON(http.StatusOK, out)
}

// get godoc
//
//	@Summary	One of your jobs
//	@Tags		jobs
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"job id"	format(uuid)
//	@Success	200	{object}	JobResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/jobs/{id}/ [get]
func (h *Handler) get(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "job")
	if err != nil {
		return err
	}
	p := auth.MustFrom(c.Request().Context())
	j, err := h.svc.Get(c.Request().Context(), p.Tenant, p.UserID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ToJob(j))
}

// cancel godoc
//
//	@Summary		Cancel one of your jobs
//	@Description	A queued job never starts; a running one stops at its next step. What it had done is removed.
//	@Tags			jobs
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		string	true	"job id"	format(uuid)
//	@Success		200	{object}	JobResponse
//	@Failure		404	{object}	httpx.ErrorBody
//	@Failure		409	{object}	httpx.ErrorBody	"the job has already ended"
//	@Router			/api/v1/jobs/{id}/cancel/ [post]
func (h *Handler) cancel(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "job")
	if err != nil {
		return err
	}
	p := auth.MustFrom(c.Request().Context())
	j, err := h.svc.Cancel(c.Request().Context(), p.Tenant, p.UserID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ToJob(j))
}
