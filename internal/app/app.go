// Package app is the composition root: it opens the database, Redis and the
// task queue, builds every module, and hands the Echo instance and the task
// mux to cmd/api, cmd/worker and the HTTP tests.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/labstack/echo/v5"
	"github.com/redis/go-redis/v9"
	httpSwagger "github.com/swaggo/http-swagger/v2"
	"github.com/uptrace/bun"

	apispec "github.com/agora-platform/agora/api"
	"github.com/agora-platform/agora/internal/assistants"
	assistantsinfra "github.com/agora-platform/agora/internal/assistants/infrastructure"
	"github.com/agora-platform/agora/internal/audit"
	"github.com/agora-platform/agora/internal/files"
	filesinfra "github.com/agora-platform/agora/internal/files/infrastructure"
	jobsmod "github.com/agora-platform/agora/internal/jobs"
	jobsapp "github.com/agora-platform/agora/internal/jobs/application"
	"github.com/agora-platform/agora/internal/knowledge"
	knowledgedomain "github.com/agora-platform/agora/internal/knowledge/domain"
	knowledgeinfra "github.com/agora-platform/agora/internal/knowledge/infrastructure"
	"github.com/agora-platform/agora/internal/models"
	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/audio"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/blobstore"
	"github.com/agora-platform/agora/internal/platform/cache"
	"github.com/agora-platform/agora/internal/platform/config"
	"github.com/agora-platform/agora/internal/platform/crawl"
	"github.com/agora-platform/agora/internal/platform/extract"
	"github.com/agora-platform/agora/internal/platform/health"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/mail"
	"github.com/agora-platform/agora/internal/platform/ocr"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/ratelimit"
	"github.com/agora-platform/agora/internal/platform/realtime"
	"github.com/agora-platform/agora/internal/platform/redisx"
	"github.com/agora-platform/agora/internal/platform/safehttp"
	"github.com/agora-platform/agora/internal/platform/sandbox"
	"github.com/agora-platform/agora/internal/platform/secrets"
	"github.com/agora-platform/agora/internal/platform/spa"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions"
	sessionsapp "github.com/agora-platform/agora/internal/sessions/application"
	sessionsinfra "github.com/agora-platform/agora/internal/sessions/infrastructure"
	"github.com/agora-platform/agora/internal/spaces"
	spacesinfra "github.com/agora-platform/agora/internal/spaces/infrastructure"
	"github.com/agora-platform/agora/internal/tenants"
	tenantsdomain "github.com/agora-platform/agora/internal/tenants/domain"
	"github.com/agora-platform/agora/internal/users"
	usersdomain "github.com/agora-platform/agora/internal/users/domain"
	usersinfra "github.com/agora-platform/agora/internal/users/infrastructure"
	"github.com/agora-platform/agora/internal/workflows"
	workflowsinfra "github.com/agora-platform/agora/internal/workflows/infrastructure"
	"github.com/agora-platform/agora/web"
)

// App holds the process-wide dependencies and the modules.
type App struct {
	Config config.Config
	Log    *slog.Logger
	DB     *bun.DB
	// Owner is the tables' owner (MIGRATION_DATABASE_URL), opened on first
	// use: migrations, grants and index builds.
	Owner *postgres.Lazy
	Redis *redis.Client
	Jobs  *jobs.Client
	// JobRows is the jobs module: job state, progress, the runner.
	JobRows *jobsmod.Module
	// Hub pushes realtime events to this process's WebSocket clients.
	Hub        *realtime.Hub
	Secrets    *secrets.Box
	Audit      *audit.Service
	Tenants    *tenants.Module
	Users      *users.Module
	Models     *models.Module
	Spaces     *spaces.Module
	Assistants *assistants.Module
	Sessions   *sessions.Module
	Files      *files.Module
	Knowledge  *knowledge.Module
	Workflows  *workflows.Module
	// Router sends model requests to providers.
	Router *ai.Router
	// Limiter holds the request budgets in Redis, shared by all replicas.
	Limiter *ratelimit.Limiter
	// Caches are the process's short-lived caches, emptied together.
	Caches *cache.Set
	// Sandbox starts the child processes that read untrusted files.
	Sandbox sandbox.Runner
	authn   *cachedAuthn
}

// Open connects to PostgreSQL and Redis and builds the modules.
func Open(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	db, err := postgres.Open(ctx, cfg.DatabaseURL, postgres.Options{
		MaxOpenConns: cfg.DBMaxOpenConns, MaxIdleConns: cfg.DBMaxIdleConns, ConnMaxLifetime: cfg.DBConnMaxLifetime, Scoped: true,
	})
	if err != nil {
		return nil, err
	}
	rdb, err := redisx.Open(ctx, cfg.RedisURL)
	if err != nil {
		_ = db.Close()
		return nil, err
	}
	a, err := New(cfg, log, db, rdb)
	if err != nil {
		_ = rdb.Close()
		_ = db.Close()
		return nil, err
	}
	a.warnIfUnguarded(ctx)
	return a, nil
}

// warnIfUnguarded logs when row-level security cannot do its work: the
// application's role is exempt from it, or full-text search could not
// use its index under it.
func (a *App) warnIfUnguarded(ctx context.Context) {
	why, err := postgres.Exemption(ctx, a.DB)
	if err != nil {
		a.Log.Warn("could not check the database role", "err", err)
		return
	}
	if why != "" {
		a.Log.Warn("row-level security does not apply to this process: "+why+"; set DATABASE_URL to a role that neither owns "+
			"the tables nor bypasses RLS, and MIGRATION_DATABASE_URL to the owner (see README, Security)", "reason", why)
		return
	}
	if ok, err := postgres.FullTextIndexUsable(ctx, a.DB); err == nil && !ok {
		a.Log.Warn("full-text search cannot use its index under row-level security: as a superuser, run " +
			"ALTER FUNCTION ts_match_vq(tsvector, tsquery) LEAKPROOF (configs/postgres-init.sql; `make services` does this locally)")
	}
}

// ownerPool is the owner's connection pool: index builds take turns.
var ownerPool = postgres.Options{MaxOpenConns: 2, MaxIdleConns: 1, ConnMaxLifetime: 30 * time.Minute}

// New builds the modules on already open connections (tests share theirs),
// each after the modules it needs: tenants, models, users, spaces, files,
// jobs, knowledge, assistants, sessions.
func New(cfg config.Config, log *slog.Logger, db *bun.DB, rdb *redis.Client) (*App, error) {
	jc := jobs.NewClient(rdb, cfg.JobQueue, cfg.JobTimeout+5*time.Minute)
	box := secrets.NewBox(cfg.EncryptionKeys())
	auditor := audit.NewService(db, log)
	// A provider endpoint the fetch guard would refuse at use is refused
	// when it is saved, with the reason.
	endpoints := safehttp.EndpointGuard{Allow: cfg.FetchAllowList()}
	a := &App{
		Config: cfg, Log: log, DB: db, Redis: rdb, Owner: postgres.NewLazy(cfg.OwnerDatabaseURL(), ownerPool), Jobs: jc, Secrets: box, Audit: auditor,
		Sandbox: sandbox.Runner{Bin: cfg.ExtractPath()}, Caches: cache.NewSet(rdb),
		Router: ai.NewRouter(modelHTTPClient(cfg.FetchAllowList()), ai.RouterOptions{DefaultTimeout: cfg.ModelFirstTokenTimeout,
			DefaultMaxConcurrency: cfg.ModelMaxConcurrency}),
		Limiter: ratelimit.New(rdb, ratelimit.Limits{PerKey: cfg.RateLimitPerKey, PerUser: cfg.RateLimitPerUser, PerTenant: cfg.RateLimitPerTenant}, log),
		Hub:     realtime.NewHub(rdb, realtime.Options{CheckEvery: cfg.WebSocketCheckEvery}),
		JobRows: jobsmod.New(jobsmod.Deps{DB: db, Redis: rdb, Queue: jc, Log: log,
			Options: jobsapp.Options{Queue: cfg.JobQueue, PerTenant: cfg.JobsPerTenant, Heartbeat: cfg.JobHeartbeat, Deadline: cfg.JobTimeout}}),
	}
	// A change through the API (here, or in another process through Redis)
	// may have revoked a socket's credential: every socket checks again.
	a.Caches.OnInvalidate(a.Hub.Recheck)
	a.Tenants = tenants.New(tenants.Deps{DB: db, Jobs: jc, StorageDir: cfg.FileStorageDir, Secrets: box, Audit: auditor, Log: log,
		Strict: cfg.TenantCredentials, Global: globalCredentials(cfg), Endpoints: endpoints})
	a.Models = models.New(models.Deps{DB: db, Secrets: box, Audit: auditor, Endpoints: endpoints, Router: a.Router, Tenants: a.Tenants.Service,
		Caches: a.Caches, CacheTTL: cfg.CacheTTL, TokensPerDay: cfg.TenantTokensPerDay, Log: log, Splitter: a.splitter()})
	personal := spaces.NewPersonal(db)
	var err error
	a.Users, err = users.New(users.Deps{DB: db, Redis: rdb, Config: cfg, Tenants: usersinfra.NewTenants(a.Tenants.Service),
		Federation: usersinfra.NewFederation(a.Tenants.Service, cfg.FederationPerTenant, singleIdP(cfg)), Spaces: personal,
		Mailer: mail.NewQueue(jc, box, mailConfig(cfg)), Audit: auditor, Log: log})
	if err != nil {
		return nil, err
	}
	a.Spaces = spaces.New(spaces.Deps{DB: db, Personal: personal, Users: spacesinfra.NewUsers(a.Users.Service),
		Models: spacesinfra.NewModels(a.Models.Service), Audit: auditor})
	a.Files = files.New(files.Deps{DB: db, Store: blobstore.NewDisk(cfg.FileStorageDir), Reader: a.reader(), Quotas: filesinfra.NewQuotas(a.Tenants.Service),
		Transcriber: filesinfra.NewTranscriber(a.Models.Gateway), Log: log})
	a.Knowledge = a.knowledge()
	a.Assistants = assistants.New(assistants.Deps{DB: db, Spaces: assistantsinfra.NewSpaces(a.Spaces.Service),
		Models: assistantsinfra.NewModels(a.Models.Service), Knowledge: assistantsinfra.NewKnowledge(a.Knowledge.Websites), Audit: auditor,
		Pepper: cfg.APIKeyPepperBytes()})
	a.Sessions = sessions.New(sessions.Deps{DB: db, Redis: rdb, Assistants: sessionsinfra.NewAssistants(a.Assistants.Service, a.Caches, cfg.CacheTTL),
		Models: sessionsinfra.NewModels(a.Models.Gateway), Meter: sessionsinfra.NewMeter(a.Models.Metering),
		Knowledge: sessionsinfra.NewKnowledge(a.Knowledge.Knowledge), Files: sessionsinfra.NewFiles(a.Files.Service), Rate: a.Limiter, Log: log,
		SaveEvery: cfg.AnswerSaveInterval,
		Limits:    sessionsapp.Limits{MaxQuestionChars: cfg.MaxQuestionChars, QuestionsPerUser: cfg.QuestionsPerUser, QuestionsPerTenant: cfg.QuestionsPerTenant}})
	a.Workflows = workflows.New(workflows.Deps{DB: db, Redis: rdb, Spaces: workflowsinfra.NewSpaces(a.Spaces.Service),
		Models: workflowsinfra.NewModels(a.Models.Gateway, a.Models.Service, a.Models.Metering), Jobs: workflowsinfra.NewJobs(a.JobRows.Service), Files: workflowsinfra.NewFiles(a.Files.Service),
		Knowledge: workflowsinfra.NewKnowledge(a.Knowledge.Knowledge, a.Knowledge.Websites), Assistants: workflowsinfra.NewAssistants(a.Assistants.Service, a.Sessions.Service),
		Secrets: box, Audit: auditor, Allow: cfg.FetchAllowList(), HTTPTimeout: 30 * time.Second,
		PublicOrigin: cfg.PublicOrigin, Pepper: cfg.APIKeyPepperBytes(), Log: log})
	a.authn = newCachedAuthn(authenticator{users: a.Users.Authenticator, usersSvc: a.Users.Service, assistants: a.Assistants.Service,
		workflows: a.Workflows.Service}, a.Caches, cfg.CacheTTL)
	return a, nil
}

// knowledge builds the knowledge module: documents, ingestion, search and
// crawling.
func (a *App) knowledge() *knowledge.Module {
	cfg := a.Config
	return knowledge.New(knowledge.Deps{DB: a.DB, Owner: a.Owner, Store: blobstore.NewDisk(cfg.FileStorageDir), Reader: a.reader(),
		Room: knowledgeinfra.NewRoom(a.Files.Service), Spaces: knowledgeinfra.NewSpaces(a.Spaces.Service), Models: knowledgeinfra.NewModels(a.Models.Service),
		Embedder: knowledgeinfra.NewEmbedder(a.Models.Gateway), Reranker: knowledgeinfra.NewReranker(a.Models.Gateway), Tokens: knowledgeinfra.NewTokens(a.Models.Gateway), Languages: knowledgeinfra.NewLanguages(a.Tenants.Service),
		Jobs: knowledgeinfra.NewJobs(a.JobRows.Service), Chunking: knowledgedomain.ChunkOptions{Size: cfg.ChunkTokens, Overlap: cfg.ChunkOverlap},
		EmbedBatch: cfg.EmbedBatch, Log: a.Log, Secrets: a.Secrets,
		Crawler:    knowledgeinfra.NewCrawler(cfg.FetchAllowList(), cfg.CrawlPageTimeout, crawl.Isolated(a.Sandbox, a.extractLimits())),
		RunUpdates: knowledgeinfra.NewRunUpdates(a.Redis),
		CrawlLimits: knowledgeinfra.NewCrawlLimits(a.Tenants.Service, knowledgedomain.CrawlLimits{MaxPages: cfg.CrawlMaxPages, MaxDepth: cfg.CrawlMaxDepth,
			MaxPageBytes: cfg.CrawlMaxPageBytes, MaxDuration: cfg.CrawlMaxDuration, Delay: cfg.CrawlDelay}),
		Transcriber: knowledgeinfra.NewTranscriber(a.Spaces.Service, a.Models.Gateway),
		OCR: ocr.New(ocr.Config{Tesseract: cfg.OCRPath, PDFToPPM: cfg.PDFToPPMPath, Timeout: cfg.OCRTimeout, MaxPages: cfg.OCRMaxPages,
			MaxPixels: cfg.OCRMaxPixels})})
}

// extractLimits bound each child process that reads an untrusted file.
func (a *App) extractLimits() sandbox.Limits {
	return sandbox.Limits{Timeout: a.Config.ExtractTimeout, CPU: a.Config.ExtractTimeout, Memory: a.Config.ExtractMaxMemory}
}

// reader reads uploaded files' text in sandbox children.
func (a *App) reader() extract.Reader {
	return extract.Reader{Isolated: extract.Isolated{Runner: a.Sandbox, Limits: a.extractLimits()}}
}

// splitter cuts long recordings with ffmpeg in sandbox children.
func (a *App) splitter() audio.Splitter {
	c := a.Config
	return audio.Splitter{FFmpeg: c.FFmpegPath, Seconds: 600, Sandbox: a.Sandbox,
		Limits: sandbox.Limits{Timeout: c.FFmpegTimeout, CPU: c.FFmpegTimeout, Memory: c.ExtractMaxMemory}}
}

// modelHTTPClient talks to model providers: pooled connections, bounded
// connect and header waits; no overall timeout, since answers stream.
// Endpoints come from tenants' credentials too, so connections go through
// the same address checks as the crawler: a provider on a private address
// (a vLLM in the machine room) must be in FETCH_ALLOWED_HOSTS.
func modelHTTPClient(allow safehttp.AllowList) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.Proxy = nil
	t.DialContext = allow.DialContext(30*time.Second, nil)
	t.MaxIdleConnsPerHost = 256
	t.ResponseHeaderTimeout = 120 * time.Second
	return &http.Client{Transport: t}
}

// singleIdP is the single-tenant identity provider from the configuration,
// or nil.
func singleIdP(c config.Config) *usersinfra.SingleIdP {
	if c.OIDCDiscoveryEndpoint == "" {
		return nil
	}
	return &usersinfra.SingleIdP{DiscoveryURL: c.OIDCDiscoveryEndpoint, ClientID: c.OIDCClientID, ClientSecret: c.OIDCClientSecret,
		TenantSlug: c.OIDCTenant, Scopes: c.OIDCScopes, AllowedDomains: lower(c.OIDCAllowedDomains)}
}

func lower(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = strings.ToLower(strings.TrimSpace(s))
	}
	return out
}

// globalCredentials are the installation's provider keys from the
// configuration, used in shared credential mode.
func globalCredentials(c config.Config) map[tenantsdomain.Provider]tenantsdomain.CredentialInput {
	all := map[tenantsdomain.Provider]tenantsdomain.CredentialInput{
		tenantsdomain.OpenAI:    {APIKey: c.OpenAIAPIKey},
		tenantsdomain.Anthropic: {APIKey: c.AnthropicAPIKey},
		tenantsdomain.Mistral:   {APIKey: c.MistralAPIKey},
		tenantsdomain.Berget:    {APIKey: c.BergetAPIKey},
		tenantsdomain.Azure:     {APIKey: c.AzureAPIKey, Endpoint: c.AzureEndpoint, APIVersion: c.AzureAPIVersion, Deployment: c.AzureDeploymentName},
		tenantsdomain.VLLM:      {APIKey: c.VLLMAPIKey, Endpoint: c.VLLMBaseURL},
	}
	for p, in := range all {
		if in.Validate(p) != nil {
			delete(all, p)
		}
	}
	return all
}

// Close releases the connections.
func (a *App) Close() error {
	return errors.Join(a.Jobs.Close(), a.Redis.Close(), a.DB.Close(), a.Owner.Close())
}

// HTTP returns the Echo instance with every route.
func (a *App) HTTP() *echo.Echo {
	e := httpx.New(a.Log, httpx.Options{
		CORSAllowedOrigins: a.Config.CORSAllowedOrigins,
		BodyLimitBytes:     a.Config.HTTPBodyLimitBytes,
		HSTS:               strings.HasPrefix(a.Config.PublicOrigin, "https://"),
		TrustedProxies:     a.Config.TrustedProxyNets(),
	})
	e.Use(a.invalidateOnWrite)
	health.NewHandler(a.DB, a.Redis, map[string]health.Report{"jobs": a.overdueJobs}).Register(e)
	registerDocs(e)
	registerWeb(e)

	v1 := e.Group("/api/v1")
	sysadmin := v1.Group("/sysadmin", httpx.SuperKey(httpx.SuperKeyOptions{Key: a.Config.SuperAPIKey, Audit: a.Audit,
		Throttle: a.Limiter.Failures("sysadmin:ip", a.Config.SuperKeyFailuresPerIP, a.Config.SuperKeyFailureWindow),
		Limit:    a.Config.SuperKeyFailuresPerIP}))
	a.Tenants.HTTP.Register(sysadmin)
	a.Users.HTTP.RegisterSysadmin(sysadmin)
	a.Models.HTTP.RegisterSysadmin(sysadmin)

	a.Users.HTTP.RegisterPublic(v1)
	a.Workflows.RegisterPublic(v1)
	a.Users.HTTP.RegisterAuth(v1)
	limiter := a.Limiter
	authn := a.authn
	authed := v1.Group("", auth.Middleware(authn), limiter.Middleware)
	chat := v1.Group("", auth.Middleware(authn, auth.AllowAssistantKeys), limiter.Middleware)
	a.Sessions.HTTP.RegisterAssistantSessions(chat)
	a.Workflows.RegisterServiceRun(v1.Group("", auth.Middleware(authn, auth.AllowServiceKeys), limiter.Middleware))
	a.Sessions.HTTP.RegisterOpenAI(e.Group("/v1", auth.Middleware(authn), limiter.Middleware))
	a.Users.HTTP.Register(authed)
	adminOnly := auth.Require(string(usersdomain.PermAdmin))
	audit.NewHandler(a.Audit, a.auditPeople).Register(authed, adminOnly)
	a.Spaces.Register(authed)
	a.Assistants.HTTP.Register(authed)
	a.Files.Register(authed)
	a.Knowledge.Register(authed)
	a.Workflows.Register(authed)
	a.JobRows.HTTP.Register(authed)
	v1.GET("/ws", echo.WrapHandler(a.Hub.Handler(a.realtimeIdentity, a.Config.CORSAllowedOrigins)))
	a.Sessions.HTTP.Register(authed)
	a.Models.HTTP.Register(authed, auth.Require(string(usersdomain.PermAI)), adminOnly)
	if a.Config.TenantSelfServiceCredentials {
		a.Tenants.HTTP.RegisterSelfService(authed, adminOnly)
	}
	return e
}

// TaskMux returns the worker's task routes.
func (a *App) TaskMux() *asynq.ServeMux {
	mux := asynq.NewServeMux()
	mux.Use(jobs.Classify, a.JobRows.Claiming(append(a.Knowledge.JobTasks(), a.Workflows.JobTasks()...)...))
	a.Tenants.Tasks.Register(mux)
	a.Knowledge.RegisterTasks(mux)
	a.Workflows.RegisterTasks(mux)
	mail.NewTasks(mail.NewSMTP(mailConfig(a.Config)), a.Secrets).Register(mux)
	return mux
}

// auditPeople names the users an audit page mentions, through the users
// module.
func (a *App) auditPeople(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) (map[uuid.UUID]audit.Person, error) {
	users, err := a.Users.Service.People(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	out := make(map[uuid.UUID]audit.Person, len(users))
	for _, u := range users {
		out[u.ID] = audit.Person{Name: u.Username, Email: u.Email}
	}
	return out, nil
}

// mailConfig is the SMTP server of SMTP_*.
func mailConfig(c config.Config) mail.Config {
	return mail.Config{Host: c.SMTPHost, Port: c.SMTPPort, Username: c.SMTPUsername, Password: c.SMTPPassword, From: c.SMTPFrom, TLS: c.SMTPTLS}
}

// overdueJobs reports jobs running past their deadline: work that did not
// heed its context, holding a worker slot an operator may want back.
func (a *App) overdueJobs(ctx context.Context) (string, error) {
	n, oldest, err := a.JobRows.Service.Overdue(ctx)
	if err != nil || n == 0 {
		return "ok", err
	}
	return fmt.Sprintf("%d jobs running past their deadline of %s (the oldest for %s); the worker's log names them",
		n, a.Config.JobTimeout, oldest.Round(time.Second)), nil
}

// docsCSP lets Swagger UI run its inline start-up script and styles.
const docsCSP = "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"

func registerDocs(e *echo.Echo) {
	e.GET("/api/openapi.json", func(c *echo.Context) error {
		return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, apispec.SwaggerJSON)
	})
	ui := echo.WrapHandler(httpSwagger.Handler(httpSwagger.URL("/api/openapi.json")))
	toIndex := func(c *echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/api/docs/index.html") }
	e.GET("/api/docs", toIndex)
	e.GET("/api/docs/", toIndex)
	e.GET("/api/docs/*", ui, httpx.SecureHeaders(docsCSP, false))
}

// registerWeb serves the web UI at / with deep links falling back to it,
// or the page saying it was not built.
func registerWeb(e *echo.Echo) {
	h := spa.Handler(spa.Options{App: web.App(), NotBuilt: web.NotBuilt(), APIPrefixes: []string{"/api/", "/v1/"}, ImmutableDir: "assets"})
	e.GET("/", h)
	e.GET("/*", h)
}
