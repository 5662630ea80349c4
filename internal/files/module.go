// Package files wires the files module: uploads and their storage and
// text. Chat attachments are here; collections and ingestion join it.
package files

import (
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/files/api"
	"github.com/agora-platform/agora/internal/files/application"
	"github.com/agora-platform/agora/internal/files/infrastructure"
)

// Module is the wired files module.
type Module struct {
	Service *application.Service
	HTTP    *api.Handler
}

// New builds the files module, storing bytes under storageDir.
func New(db *bun.DB, storageDir string, quotas application.Quotas, log *slog.Logger) *Module {
	svc := application.NewService(infrastructure.NewRepo(db), infrastructure.NewDisk(storageDir), infrastructure.Reader{}, quotas, log)
	return &Module{Service: svc, HTTP: api.NewHandler(svc)}
}
