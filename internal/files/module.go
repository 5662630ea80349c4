// Package files wires the files module: chat attachments, whose text is
// read (or transcribed) when they are uploaded and given whole to the
// questions that attach them.
package files

import (
	"log/slog"

	"github.com/labstack/echo/v5"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/files/api"
	"github.com/agora-platform/agora/internal/files/application"
	"github.com/agora-platform/agora/internal/files/infrastructure"
	"github.com/agora-platform/agora/internal/platform/blobstore"
	"github.com/agora-platform/agora/internal/platform/extract"
	"github.com/agora-platform/agora/internal/platform/upload"
)

// Deps are what the module needs of the rest of the system.
type Deps struct {
	DB     *bun.DB
	Store  *blobstore.Disk
	Reader extract.Reader
	Quotas application.Quotas
	// Transcriber turns recorded attachments into text (nil: refused).
	Transcriber upload.Transcriber
	Log         *slog.Logger
}

// Module is the wired files module.
type Module struct {
	Service *application.Service
	http    *api.Handler
}

// New builds the files module.
func New(d Deps) *Module {
	svc := application.NewService(infrastructure.NewRepo(d.DB), d.Store, d.Reader, d.Quotas, d.Transcriber, d.Log)
	return &Module{Service: svc, http: api.NewHandler(svc)}
}

// Register adds the routes for signed-in users.
func (m *Module) Register(g *echo.Group) { m.http.Register(g) }
