// Package knowledge wires the knowledge module: collections and their
// documents (info blobs), ingestion into chunks with embeddings, hybrid
// search, and websites crawled into knowledge on a schedule, with the
// worker tasks that ingest and crawl.
package knowledge

import (
	"log/slog"

	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v5"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/knowledge/infrastructure"
	"github.com/agora-platform/agora/internal/platform/blobstore"
	"github.com/agora-platform/agora/internal/platform/extract"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/upload"
)

// Deps are what the module needs of the rest of the system.
type Deps struct {
	DB *bun.DB
	// Owner is the tables' owner, for index builds (nil: DB).
	Owner  *postgres.Lazy
	Store  *blobstore.Disk
	Reader extract.Reader
	// Room checks the storage quota attachments and documents share.
	Room       application.Room
	Spaces     application.Spaces
	Models     application.Models
	Embedder   application.Embedder
	Reranker   application.Reranker
	Tokens     application.Tokens
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
	Transcriber upload.Transcriber
	// OCR reads scanned PDF pages and images (nil: neither is read).
	OCR application.OCR
}

// Module is the wired knowledge module.
type Module struct {
	Knowledge *application.Knowledge
	// Websites crawls websites into knowledge.
	Websites  *application.Websites
	documents *api.KnowledgeHandler
	sites     *api.WebsiteHandler
	spaces    *api.SpaceHandler
}

// New builds the knowledge module.
func New(d Deps) *Module {
	kr := infrastructure.NewKnowledge(d.DB)
	kr.Owner = d.Owner
	k := application.NewKnowledge(application.KnowledgeDeps{Repo: kr, Tx: postgres.NewTransactor(d.DB), Store: d.Store, Reader: d.Reader,
		Room: d.Room, Spaces: d.Spaces, Models: d.Models, Embedder: d.Embedder, Reranker: d.Reranker, Tokens: d.Tokens, Languages: d.Languages,
		Jobs: d.Jobs, Transcriber: d.Transcriber, OCR: d.OCR, Log: d.Log, Chunking: d.Chunking, EmbedBatch: d.EmbedBatch})
	w := application.NewWebsites(k, application.WebsiteDeps{Sites: infrastructure.NewWebsites(d.DB, kr), Secrets: d.Secrets, Crawler: d.Crawler,
		Limits: d.CrawlLimits, Updates: d.RunUpdates})
	return &Module{Knowledge: k, Websites: w, documents: api.NewKnowledgeHandler(k), sites: api.NewWebsiteHandler(w), spaces: api.NewSpaceHandler(w)}
}

// Register adds the routes for signed-in users.
func (m *Module) Register(g *echo.Group) {
	m.documents.Register(g)
	m.sites.Register(g)
	m.spaces.Register(g)
}

// RegisterTasks adds the ingestion, crawl and schedule tasks to the
// worker's mux.
func (m *Module) RegisterTasks(mux *asynq.ServeMux) {
	m.documents.RegisterTasks(mux)
	m.sites.RegisterTasks(mux)
}

// JobTasks are the module's tasks that run jobs (ingestion and crawls),
// which workers claim fairly between tenants.
func (m *Module) JobTasks() []string {
	return []string{application.TaskIngest, application.TaskIngestTexts, application.TaskCrawl}
}
