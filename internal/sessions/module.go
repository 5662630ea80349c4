// Package sessions wires the chat module: the message pipeline, sessions,
// feedback, titles and token usage.
package sessions

import (
	"log/slog"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/sessions/api"
	"github.com/agora-platform/agora/internal/sessions/application"
	"github.com/agora-platform/agora/internal/sessions/infrastructure"
)

// Module is the wired sessions module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
	// Owners keeps this process's claim on the answers it writes alive.
	Owners infrastructure.Owners
}

// New builds the sessions module. knowledge may be nil until the knowledge
// module exists.
func New(db *bun.DB, rdb redis.UniversalClient, assistants application.Assistants, gen application.Generator, knowledge application.Knowledge,
	files application.Files, rate application.Rate, limits application.Limits, log *slog.Logger) *Module {
	owners := infrastructure.NewOwners(rdb)
	svc := application.NewService(application.Deps{Repo: infrastructure.NewRepo(db),
		Assistants: assistants, Generator: gen, Knowledge: knowledge, Files: files, Rate: rate, Log: log, Limits: limits,
		Owner: uuid.NewString(), Owners: owners})
	return &Module{Service: svc, HTTP: api.NewHandler(svc), Owners: owners}
}
