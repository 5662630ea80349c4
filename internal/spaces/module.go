// Package spaces wires the spaces module: personal, shared and organisation
// spaces, their members, and the permission matrix for what is inside them.
package spaces

import (
	"github.com/labstack/echo/v5"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/spaces/api"
	"github.com/agora-platform/agora/internal/spaces/application"
	"github.com/agora-platform/agora/internal/spaces/infrastructure"
)

// Deps are what the spaces module needs.
type Deps struct {
	DB *bun.DB
	// Personal creates personal spaces (NewPersonal), built before the
	// users module that Users reads.
	Personal *application.PersonalSpaces
	Users    application.Users
	Models   application.Models
	Audit    audit.Recorder
}

// Module is the wired spaces module.
type Module struct {
	Service *application.Service
	http    *api.Handler
}

// NewPersonal returns the personal-space use case the users module calls
// when it creates a user; spaces.New takes the same one.
func NewPersonal(db *bun.DB) *application.PersonalSpaces {
	return application.NewPersonalSpaces(infrastructure.NewRepo(db))
}

// New builds the spaces module.
func New(d Deps) *Module {
	svc := application.NewService(infrastructure.NewRepo(d.DB), postgres.NewTransactor(d.DB), d.Personal, d.Users, d.Models, d.Audit)
	return &Module{Service: svc, http: api.NewHandler(svc)}
}

// Register adds the routes for signed-in users.
func (m *Module) Register(g *echo.Group) { m.http.Register(g) }
