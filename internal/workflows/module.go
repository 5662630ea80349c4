// Package workflows wires the workflows module: apps, services and
// multi-step workflows of a space, their versions, and their runs (apps'
// and workflows' by the worker, as jobs; services' in the request).
package workflows

import (
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v5"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/safehttp"
	"github.com/agora-platform/agora/internal/platform/secrets"
	"github.com/agora-platform/agora/internal/workflows/api"
	"github.com/agora-platform/agora/internal/workflows/application"
	"github.com/agora-platform/agora/internal/workflows/infrastructure"
)

// Deps are what the module needs.
type Deps struct {
	DB    *bun.DB
	Redis redis.UniversalClient
	// Spaces, Models, Files and Jobs are the other modules, through adapters
	// (workflows/infrastructure) the composition root builds.
	Spaces application.Spaces
	Models application.Models
	Files  application.Files
	// Knowledge and Assistants serve retrieve and assistant steps.
	Knowledge  application.Knowledge
	Assistants application.Assistants
	Jobs       application.Jobs
	Secrets    *secrets.Box
	Audit      audit.Recorder
	// Allow is the fetch guard's allow-list for http steps.
	Allow safehttp.AllowList
	// HTTPTimeout bounds an http step's request.
	HTTPTimeout time.Duration
	// PublicOrigin starts webhook URLs.
	PublicOrigin string
	// Pepper keys the HMAC services' API keys are stored as.
	Pepper []byte
	Log    *slog.Logger
}

// Module is the wired workflows module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
}

// New builds the module.
func New(d Deps) *Module {
	repo := infrastructure.NewRepo(d.DB)
	svc := application.NewService(application.Deps{Repo: repo, Keys: repo, Pepper: d.Pepper, Tx: postgres.NewTransactor(d.DB),
		Spaces: d.Spaces, Models: d.Models, Files: d.Files, Knowledge: d.Knowledge, Assistants: d.Assistants,
		Compiler: infrastructure.Compiler{Guard: safehttp.EndpointGuard{Allow: d.Allow}}, Secrets: d.Secrets,
		Poster: infrastructure.NewPoster(d.Allow, d.HTTPTimeout), Jobs: d.Jobs, Updates: infrastructure.NewUpdates(d.Redis),
		Cron: infrastructure.Cron{}, Replays: infrastructure.NewReplays(d.Redis),
		Audit: d.Audit, Log: d.Log})
	return &Module{Service: svc, HTTP: api.NewHandler(svc, d.PublicOrigin)}
}

// Register adds the routes for signed-in users.
func (m *Module) Register(g *echo.Group) { m.HTTP.Register(g) }

// RegisterServiceRun adds a service's run route, which services' keys
// may call too.
func (m *Module) RegisterServiceRun(g *echo.Group) { m.HTTP.RegisterServiceRun(g) }

// RegisterPublic adds the inbound webhook route (no sign-in).
func (m *Module) RegisterPublic(g *echo.Group) { m.HTTP.RegisterPublic(g) }

// RegisterTasks adds the run task to the worker's mux.
func (m *Module) RegisterTasks(mux *asynq.ServeMux) { m.HTTP.RegisterTasks(mux) }

// JobTasks are the module's tasks that run jobs, claimed fairly between
// tenants with the others.
func (m *Module) JobTasks() []string { return []string{application.TaskRun} }
