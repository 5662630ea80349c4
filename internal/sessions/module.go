// Package sessions wires the chat module: the message pipeline, the
// OpenAI-compatible API, sessions, feedback and titles.
package sessions

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/sessions/api"
	"github.com/agora-platform/agora/internal/sessions/application"
	"github.com/agora-platform/agora/internal/sessions/infrastructure"
)

// Deps are what the sessions module needs.
type Deps struct {
	DB         *bun.DB
	Redis      redis.UniversalClient
	Assistants application.Assistants
	// Models reaches models through the models module's gateway; Meter
	// records their usage through its metering.
	Models application.Models
	Meter  application.Meter
	// Knowledge searches an assistant's knowledge.
	Knowledge application.Knowledge
	Files     application.Files
	Rate      application.Rate
	Limits    application.Limits
	// SaveEvery is how often a streaming answer is stored (0: 2 s).
	SaveEvery time.Duration
	Log       *slog.Logger
}

// Module is the wired sessions module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
	owners  infrastructure.Owners
}

// New builds the sessions module.
func New(d Deps) *Module {
	owners := infrastructure.NewOwners(d.Redis)
	svc := application.NewService(application.Deps{Repo: infrastructure.NewRepo(d.DB), Tx: postgres.NewTransactor(d.DB),
		Assistants: d.Assistants, Models: d.Models, Meter: d.Meter,
		Knowledge: d.Knowledge, Files: d.Files, Rate: d.Rate, Log: d.Log, Limits: d.Limits, KeepEvery: d.SaveEvery, Owner: uuid.NewString(), Owners: owners})
	return &Module{Service: svc, HTTP: api.NewHandler(svc), owners: owners}
}

// KeepAlive keeps this process's claim on the answers it writes alive
// until ctx ends, telling onErr when a renewal fails.
func (m *Module) KeepAlive(ctx context.Context, onErr func(error)) {
	m.owners.Run(ctx, m.Service.Owner(), onErr)
}
