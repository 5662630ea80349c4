// Package assistants wires the assistants module: assistants in spaces,
// their prompts, knowledge attachments and assistant-scoped keys.
package assistants

import (
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/assistants/api"
	"github.com/agora-platform/agora/internal/assistants/application"
	"github.com/agora-platform/agora/internal/assistants/infrastructure"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/postgres"
)

// Module is the wired assistants module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
}

// New builds the assistants module. knowledge may be nil until the
// knowledge module exists.
func New(db *bun.DB, spaces application.Spaces, models application.Models, knowledge application.Knowledge, auditor audit.Recorder, pepper []byte) *Module {
	svc := application.NewService(application.Deps{Repo: infrastructure.NewRepo(db), Tx: postgres.NewTransactor(db),
		Spaces: spaces, Models: models, Knowledge: knowledge, Audit: auditor, Pepper: pepper})
	return &Module{Service: svc, HTTP: api.NewHandler(svc)}
}
