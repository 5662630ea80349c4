// Package spaces wires the spaces module: personal, shared and organisation
// spaces, their members, and the permission matrix for what is inside them.
package spaces

import (
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/spaces/api"
	"github.com/agora-platform/agora/internal/spaces/application"
	"github.com/agora-platform/agora/internal/spaces/infrastructure"
)

// Module is the wired spaces module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
}

// New builds the spaces module on the users and models ports.
func New(db *bun.DB, users application.Users, models application.Models, auditor audit.Recorder) *Module {
	svc := application.NewService(infrastructure.NewRepo(db), postgres.NewTransactor(db), users, models, auditor)
	return &Module{Service: svc, HTTP: api.NewHandler(svc)}
}
