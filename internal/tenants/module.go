// Package tenants wires the tenants module: the organisations sharing the
// installation, managed through the sysadmin API.
package tenants

import (
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/tenants/api"
	"github.com/agora-platform/agora/internal/tenants/application"
	"github.com/agora-platform/agora/internal/tenants/infrastructure"
)

// Deps are what the module needs from the composition root.
type Deps struct {
	DB         *bun.DB
	Jobs       *jobs.Client
	StorageDir string
	Log        *slog.Logger
}

// Module is the wired tenants module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
	Tasks   *api.Tasks
}

// New builds the tenants module.
func New(d Deps) *Module {
	svc := application.NewService(infrastructure.NewRepo(d.DB), postgres.NewTransactor(d.DB), d.Jobs,
		infrastructure.NewDirStorage(d.StorageDir), d.Log)
	return &Module{Service: svc, HTTP: api.NewHandler(svc), Tasks: api.NewTasks(svc)}
}
