// Package health answers liveness, readiness and version probes.
package health

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/jobs"
)

// Version and Commit are set at build time with -ldflags "-X ...".
var (
	Version = "dev"
	Commit  = "unknown"
)

// Handler serves the probes.
type Handler struct {
	db      *bun.DB
	rdb     redis.UniversalClient
	reports map[string]Report
	now     func() time.Time
}

// Report is a part of the readiness answer that informs without deciding
// it: something an operator should look at ("ok" when nothing).
type Report func(ctx context.Context) (string, error)

// NewHandler returns the probe handler; reports add named parts to the
// readiness answer.
func NewHandler(db *bun.DB, rdb redis.UniversalClient, reports map[string]Report) *Handler {
	return &Handler{db: db, rdb: rdb, reports: reports, now: time.Now}
}

// Register adds the probe routes.
func (h *Handler) Register(e *echo.Echo) {
	e.GET("/api/healthz", h.healthz)
	e.GET("/api/readyz", h.readyz)
	e.GET("/version", h.version)
}

// StatusResponse is the liveness answer.
type StatusResponse struct {
	Status string `json:"status" example:"ok"`
} // @name Status

// ReadyResponse says whether the API can serve, and which part is down.
type ReadyResponse struct {
	Status string            `json:"status" example:"ready" enums:"ready,not ready"`
	Checks map[string]string `json:"checks"`
} // @name Readiness

// VersionResponse identifies the running build.
type VersionResponse struct {
	Version   string `json:"version" example:"0.1.0"`
	Commit    string `json:"commit" example:"3f2c1ab"`
	GoVersion string `json:"go_version" example:"go1.26.8"`
} // @name Version

// healthz godoc
//
//	@Summary	Liveness probe
//	@Tags		health
//	@Produce	json
//	@Success	200	{object}	StatusResponse
//	@Router		/api/healthz [get]
func (h *Handler) healthz(c *echo.Context) error {
	return c.JSON(http.StatusOK, StatusResponse{Status: "ok"})
}

// readyz godoc
//
//	@Summary		Readiness probe
//	@Description	Checks the database, Redis and that at least one worker sent a heartbeat recently. It also reports, under "jobs", jobs running past their deadline (JOB_TIMEOUT); those do not make the API unready.
//	@Tags			health
//	@Produce		json
//	@Success		200	{object}	ReadyResponse
//	@Failure		503	{object}	ReadyResponse	"which part is down"
//	@Router			/api/readyz [get]
func (h *Handler) readyz(c *echo.Context) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), 2*time.Second)
	defer cancel()
	checks := map[string]string{"database": "ok", "redis": "ok", "worker": "ok"}
	ready := true
	fail := func(part, msg string) { checks[part], ready = msg, false }

	dbUp := h.db.PingContext(ctx) == nil
	if !dbUp {
		fail("database", "unreachable")
	}
	if err := h.rdb.Ping(ctx).Err(); err != nil {
		fail("redis", "unreachable")
		fail("worker", "unknown: Redis is unreachable")
	} else if n, err := jobs.LiveWorkers(ctx, h.rdb, h.now()); err != nil {
		fail("worker", "unknown: heartbeat not readable")
	} else if n == 0 {
		fail("worker", fmt.Sprintf("no worker heartbeat in the last %s; is the worker running?", jobs.HeartbeatTTL))
	}
	for name, report := range h.reports {
		if !dbUp {
			checks[name] = "unknown: the database is unreachable"
			continue
		}
		msg, err := report(ctx)
		if err != nil {
			msg = "unknown: not readable right now"
		}
		checks[name] = msg
	}
	if !ready {
		return c.JSON(http.StatusServiceUnavailable, ReadyResponse{Status: "not ready", Checks: checks})
	}
	return c.JSON(http.StatusOK, ReadyResponse{Status: "ready", Checks: checks})
}

// version godoc
//
//	@Summary	Build version
//	@Tags		health
//	@Produce	json
//	@Success	200	{object}	VersionResponse
//	@Router		/version [get]
func (h *Handler) version(c *echo.Context) error {
	return c.JSON(http.StatusOK, VersionResponse{Version: Version, Commit: Commit, GoVersion: runtime.Version()})
}
