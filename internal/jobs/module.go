// Package jobs wires the jobs module: job rows and their progress, the
// worker-side runner with heartbeats, cancellation and recovery.
package jobs

import (
	"log/slog"

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
}

// New builds the jobs module.
func New(db *bun.DB, rdb redis.UniversalClient, queue *platformjobs.Client, opts application.Options, log *slog.Logger) *Module {
	pub := infrastructure.NewPublisher(rdb, func(j domain.Job) any { return api.ToJob(j) })
	svc := application.NewService(infrastructure.NewRepo(db), pub, infrastructure.NewQueue(queue), infrastructure.NewSlots(rdb), opts, log)
	return &Module{Service: svc, HTTP: api.NewHandler(svc)}
}
