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
	"github.com/agora-platform/agora/internal/platform/extract"
	"github.com/agora-platform/agora/internal/platform/postgres"
)

// Module is the wired files module.
type Module struct {
	Service   *application.Service
	Knowledge *application.Knowledge
	HTTP      *api.Handler
	Documents *api.KnowledgeHandler
	// Websites crawls websites into knowledge.
	Websites    *application.Websites
	WebsiteHTTP *api.WebsiteHandler
}

// Deps are what the module needs of the rest of the system.
type Deps struct {
	DB *bun.DB
	// Owner is the tables' owner, for index builds (nil: DB).
	Owner      *postgres.Lazy
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
	// Crawling: the sealing of passwords, the fetcher, the tenant's limits
	// and the live updates of runs.
	Secrets     application.Secrets
	Crawler     application.Crawler
	CrawlLimits application.CrawlLimits
	RunUpdates  application.RunUpdates
	// Transcriber turns recordings into text (nil: recordings refused).
	Transcriber application.Transcriber
	// Extract reads documents in a sandbox child.
	Extract extract.Isolated
}

// New builds the files module.
func New(d Deps) *Module {
	repo, store := infrastructure.NewRepo(d.DB), infrastructure.NewDisk(d.StorageDir)
	reader := infrastructure.Reader{Isolated: d.Extract}
	svc := application.NewService(repo, store, reader, d.Quotas, d.Log)
	svc.Transcriber = d.Transcriber
	kr := infrastructure.NewKnowledge(d.DB)
	kr.Owner = d.Owner
	k := application.NewKnowledge(application.KnowledgeDeps{Repo: kr, Tx: postgres.NewTransactor(d.DB),
		Store: store, Reader: reader, Quotas: d.Quotas, Use: repo, Spaces: d.Spaces, Models: d.Models, Embedder: d.Embedder,
		Tokens: infrastructure.Tokens{}, Languages: d.Languages, Jobs: d.Jobs, Transcriber: d.Transcriber, Log: d.Log, Chunking: d.Chunking, EmbedBatch: d.EmbedBatch})
	w := application.NewWebsites(k, application.WebsiteDeps{Sites: infrastructure.NewWebsites(d.DB, kr), Secrets: d.Secrets, Crawler: d.Crawler,
		Limits: d.CrawlLimits, Updates: d.RunUpdates})
	return &Module{Service: svc, Knowledge: k, HTTP: api.NewHandler(svc), Documents: api.NewKnowledgeHandler(k),
		Websites: w, WebsiteHTTP: api.NewWebsiteHandler(w)}
}
