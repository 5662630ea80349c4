// Package files wires the files module: chat attachments, and knowledge:
// collections, documents and their ingestion, chunks and hybrid search.
package files

import (
	"log/slog"

	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/files/api"
	"github.com/agora-platform/agora/internal/files/application"
	"github.com/agora-platform/agora/internal/files/domain"
	"github.com/agora-platform/agora/internal/files/infrastructure"
	"github.com/agora-platform/agora/internal/platform/postgres"
)

// Module is the wired files module.
type Module struct {
	Service   *application.Service
	Knowledge *application.Knowledge
	HTTP      *api.Handler
	Documents *api.KnowledgeHandler
}

// Deps are what the module needs of the rest of the system.
type Deps struct {
	DB         *bun.DB
	StorageDir string
	Quotas     application.Quotas
	Spaces     application.Spaces
	Models     application.Models
	Embedder   application.Embedder
	Languages  application.Languages
	Jobs       application.Jobs
	Chunking   domain.ChunkOptions
	EmbedBatch int
	Log        *slog.Logger
}

// New builds the files module.
func New(d Deps) *Module {
	repo, store := infrastructure.NewRepo(d.DB), infrastructure.NewDisk(d.StorageDir)
	svc := application.NewService(repo, store, infrastructure.Reader{}, d.Quotas, d.Log)
	k := application.NewKnowledge(application.KnowledgeDeps{Repo: infrastructure.NewKnowledge(d.DB), Tx: postgres.NewTransactor(d.DB),
		Store: store, Reader: infrastructure.Reader{}, Quotas: d.Quotas, Use: repo, Spaces: d.Spaces, Models: d.Models, Embedder: d.Embedder,
		Tokens: infrastructure.Tokens{}, Languages: d.Languages, Jobs: d.Jobs, Log: d.Log, Chunking: d.Chunking, EmbedBatch: d.EmbedBatch})
	return &Module{Service: svc, Knowledge: k, HTTP: api.NewHandler(svc), Documents: api.NewKnowledgeHandler(k)}
}
