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

// Deps are what the assistants module needs.
type Deps struct {
	DB        *bun.DB
	Spaces    application.Spaces
	Models    application.Models
	Knowledge application.Knowledge
	Audit     audit.Recorder
	// Pepper is mixed into the hashes of assistant-scoped API keys.
	Pepper []byte
}

// New builds the assistants module.
func New(d Deps) *Module {
	svc := application.NewService(application.Deps{Repo: infrastructure.NewRepo(d.DB), Tx: postgres.NewTransactor(d.DB),
		Spaces: d.Spaces, Models: d.Models, Knowledge: d.Knowledge, Audit: d.Audit, Pepper: d.Pepper})
	return &Module{Service: svc, HTTP: api.NewHandler(svc)}
}
