// Package tenants wires the tenants module: the organisations sharing the
// installation, managed through the sysadmin API.
package tenants

import (
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/secrets"
	"github.com/agora-platform/agora/internal/tenants/api"
	"github.com/agora-platform/agora/internal/tenants/application"
	"github.com/agora-platform/agora/internal/tenants/domain"
	"github.com/agora-platform/agora/internal/tenants/infrastructure"
)

// Deps are what the module needs from the composition root.
type Deps struct {
	DB         *bun.DB
	Jobs       *jobs.Client
	StorageDir string
	Secrets    *secrets.Box
	Audit      audit.Recorder
	Log        *slog.Logger
	// Strict is strict credential mode (TENANT_CREDENTIALS_ENABLED).
	Strict bool
	// Global are the installation's provider credentials for shared mode.
	Global map[domain.Provider]domain.CredentialInput
	// Endpoints checks credentials' endpoints before they are saved.
	Endpoints application.Endpoints
}

// Module is the wired tenants module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
	Tasks   *api.Tasks
}

// New builds the tenants module.
func New(d Deps) *Module {
	svc := application.NewService(application.Deps{
		Repo: infrastructure.NewRepo(d.DB), Tx: postgres.NewTransactor(d.DB), Jobs: d.Jobs,
		Storage: infrastructure.NewDirStorage(d.StorageDir), Secrets: d.Secrets, Audit: d.Audit, Log: d.Log,
		Strict: d.Strict, Global: d.Global, Endpoints: d.Endpoints,
	})
	return &Module{Service: svc, HTTP: api.NewHandler(svc), Tasks: api.NewTasks(svc)}
}
