// Package models wires the models module: the model registry (completion,
// embedding and transcription models, tenants' provider records and
// enablement), the model gateway every other module reaches models
// through, and the metering of token usage.
package models

import (
	"log/slog"
	"time"

	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/models/api"
	"github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/models/infrastructure"
	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/audio"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/cache"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/secrets"
)

// Deps are what the models module needs.
type Deps struct {
	DB      *bun.DB
	Secrets *secrets.Box
	Audit   audit.Recorder
	// Endpoints checks provider endpoints before they are saved.
	Endpoints application.Endpoints
	// Router sends requests to providers; Tenants resolves the tenants'
	// (or the installation's) credentials for them.
	Router *ai.Router
	// Splitter cuts recordings too long for one request into segments.
	Splitter audio.Splitter
	Tenants  infrastructure.Credentials
	// Caches holds the resolved catalogues and endpoints for CacheTTL.
	Caches   *cache.Set
	CacheTTL time.Duration
	// TokensPerDay is every tenant's daily token quota (0: none).
	TokensPerDay int
	Log          *slog.Logger
}

// Module is the wired models module.
type Module struct {
	Service *application.Service
	// Gateway is the one way to a model; Metering records what model work
	// costs.
	Gateway  *application.Gateway
	Metering *application.Metering
	HTTP     *api.Handler
}

// New builds the models module.
func New(d Deps) *Module {
	svc := application.NewService(infrastructure.NewRepo(d.DB), postgres.NewTransactor(d.DB), d.Secrets, d.Audit, d.Endpoints)
	meter := application.NewMetering(infrastructure.NewUsage(d.DB), d.TokensPerDay)
	gw := application.NewGateway(infrastructure.NewProviders(d.Router, d.Splitter, svc, d.Tenants, d.Caches, d.CacheTTL), svc, meter, d.Log)
	return &Module{Service: svc, Gateway: gw, Metering: meter, HTTP: api.NewHandler(svc, meter, gw)}
}
