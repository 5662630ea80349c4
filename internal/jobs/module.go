// Package jobs wires the jobs module: job rows and their progress, the
// worker-side runner with heartbeats, cancellation and recovery.
package jobs

import (
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/jobs/api"
	"github.com/agora-platform/agora/internal/jobs/application"
	"github.com/agora-platform/agora/internal/jobs/domain"
	"github.com/agora-platform/agora/internal/jobs/infrastructure"
	platformjobs "github.com/agora-platform/agora/internal/platform/jobs"
)

// Module is the wired jobs module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
	log     *slog.Logger
}

// Deps are what the jobs module needs.
type Deps struct {
	DB    *bun.DB
	Redis redis.UniversalClient
	// Queue hands jobs to the worker.
	Queue   *platformjobs.Client
	Options application.Options
	Log     *slog.Logger
}

// New builds the jobs module.
func New(d Deps) *Module {
	pub := infrastructure.NewPublisher(d.Redis, func(j domain.Job) any { return api.ToJob(j) })
	svc := application.NewService(infrastructure.NewRepo(d.DB), pub, infrastructure.NewQueue(d.Queue), d.Options, d.Log)
	return &Module{Service: svc, HTTP: api.NewHandler(svc), log: d.Log}
}

// Claiming is the worker's middleware that runs the job tasks named by
// claiming the next job fairly (see api.Claiming).
func (m *Module) Claiming(tasks ...string) asynq.MiddlewareFunc {
	return api.Claiming(m.Service, m.log, tasks...)
}
