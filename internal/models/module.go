// Package models wires the model registry: completion, embedding and
// transcription models, tenants' provider records, and enablement.
package models

import (
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/models/api"
	"github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/models/infrastructure"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/secrets"
)

// Module is the wired models module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
}

// New builds the models module; endpoints checks provider endpoints
// before they are saved.
func New(db *bun.DB, box *secrets.Box, auditor audit.Recorder, endpoints application.Endpoints) *Module {
	svc := application.NewService(infrastructure.NewRepo(db), postgres.NewTransactor(db), box, auditor, endpoints)
	return &Module{Service: svc, HTTP: api.NewHandler(svc)}
}
