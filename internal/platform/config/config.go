// Package config loads Agora's one configuration struct from the environment
// (and an optional .env file) and validates it at start-up. The API, the
// worker and the agora CLI all read the same configuration.
package config

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
	"github.com/fernet/fernet-go"
	"github.com/joho/godotenv"

	"github.com/agora-platform/agora/internal/platform/safehttp"
)

// Config is the whole configuration. configs/agora.example.env documents
// every variable; keep the two in step.
type Config struct {
	// DatabaseURL is the application's role: it neither owns the tables
	// nor bypasses row-level security. MigrationDatabaseURL is the
	// owner's, used by `agora migrate` (which grants the application's
	// role its rights) and for index builds; empty means DatabaseURL.
	DatabaseURL          string `env:"DATABASE_URL" envDefault:"postgres://agora_app:agora_app@127.0.0.1:5432/agora?sslmode=disable"`
	MigrationDatabaseURL string `env:"MIGRATION_DATABASE_URL" envDefault:"postgres://agora:agora@127.0.0.1:5432/agora?sslmode=disable"`
	DBMaxOpenConns       int    `env:"DB_MAX_OPEN_CONNS" envDefault:"20"`
	// DBMaxIdleConns defaults to DBMaxOpenConns (-1): a pool that keeps
	// fewer idle closes and reopens connections under load (one
	// PostgreSQL session each), which cost most of the added time at 200
	// streams in the performance issue's measurements.
	DBMaxIdleConns     int           `env:"DB_MAX_IDLE_CONNS" envDefault:"-1"`
	DBConnMaxLifetime  time.Duration `env:"DB_CONN_MAX_LIFETIME" envDefault:"30m"`
	RedisURL           string        `env:"REDIS_URL" envDefault:"redis://127.0.0.1:6379/0"`
	HTTPAddr           string        `env:"HTTP_ADDR" envDefault:"127.0.0.1:8080"`
	PublicOrigin       string        `env:"PUBLIC_ORIGIN" envDefault:"http://127.0.0.1:8080"`
	CORSAllowedOrigins []string      `env:"CORS_ALLOWED_ORIGINS" envSeparator:","`
	HTTPBodyLimitBytes int64         `env:"HTTP_BODY_LIMIT_BYTES" envDefault:"10485760"`
	// TrustedProxies are the CIDRs of reverse proxies whose X-Forwarded-For
	// is believed; empty means the TCP peer is the client.
	TrustedProxies []string `env:"TRUSTED_PROXIES" envSeparator:","`
	// FetchAllowedHosts lets server-side fetches (the crawler) reach
	// addresses that are not public: hosts, host:port pairs or CIDRs.
	FetchAllowedHosts []string `env:"FETCH_ALLOWED_HOSTS" envSeparator:","`
	SuperAPIKey       string   `env:"SUPER_API_KEY"`
	JWTSecret         string   `env:"JWT_SECRET"`
	JWTExpirySeconds  int      `env:"JWT_EXPIRY_SECONDS" envDefault:"900"`
	EncryptionKey     string   `env:"ENCRYPTION_KEY"`
	// E-mail for invitations and password links (off without SMTP_HOST).
	SMTPHost     string `env:"SMTP_HOST"`
	SMTPPort     int    `env:"SMTP_PORT" envDefault:"587"`
	SMTPUsername string `env:"SMTP_USERNAME"`
	SMTPPassword string `env:"SMTP_PASSWORD"`
	SMTPFrom     string `env:"SMTP_FROM"`
	SMTPTLS      string `env:"SMTP_TLS" envDefault:"starttls"`
	// InviteTTL is how long an invitation link works.
	InviteTTL      time.Duration `env:"INVITE_TTL" envDefault:"168h"`
	FileStorageDir string        `env:"FILE_STORAGE_DIR" envDefault:"./data/files"`
	LogFormat      string        `env:"LOG_FORMAT" envDefault:"text"`
	LogLevel       string        `env:"LOG_LEVEL" envDefault:"info"`
	// Ingestion: chunk size and overlap in tokens, and chunks per embedding
	// request.
	ChunkTokens  int `env:"CHUNK_TOKENS" envDefault:"400"`
	ChunkOverlap int `env:"CHUNK_OVERLAP" envDefault:"60"`
	EmbedBatch   int `env:"EMBED_BATCH" envDefault:"64"`
	// JobsPerTenant is a tenant's share of the running jobs across
	// workers: a tenant running this many gets another only when no other
	// tenant's job waits (0: tenants take turns by how many they run).
	JobsPerTenant int `env:"JOBS_PER_TENANT" envDefault:"2"`
	// JobQueue names the installation's queue in Redis and its jobs in
	// the database: workers serve only their queue and claim only its
	// jobs, so installations (or test runs) sharing Redis or a database
	// keep to their own tasks and files.
	JobQueue string `env:"JOB_QUEUE" envDefault:"agora"`
	// JobHeartbeat is how often a running job reports that it is alive; a
	// job silent for 12 beats is taken from its dead worker and queued again.
	JobHeartbeat time.Duration `env:"JOB_HEARTBEAT" envDefault:"5s"`
	// AnswerSaveInterval is how often a streaming answer is stored, so a
	// process that dies loses at most that much of it.
	AnswerSaveInterval time.Duration `env:"ANSWER_SAVE_INTERVAL" envDefault:"2s"`
	// JobTimeout bounds one attempt of a job; past it the job fails for
	// good, and readiness reports a job that is still running.
	JobTimeout        time.Duration `env:"JOB_TIMEOUT" envDefault:"30m"`
	WorkerConcurrency int           `env:"WORKER_CONCURRENCY" envDefault:"4"`
	// Crawling: the installation's limits on one crawl (a tenant's settings
	// may override them), the pause between two requests to a site, and how
	// often the worker's scheduler looks for websites that are due.
	CrawlMaxPages     int           `env:"CRAWL_MAX_PAGES" envDefault:"500"`
	CrawlMaxDepth     int           `env:"CRAWL_MAX_DEPTH" envDefault:"5"`
	CrawlMaxPageBytes int64         `env:"CRAWL_MAX_PAGE_BYTES" envDefault:"10485760"`
	CrawlMaxDuration  time.Duration `env:"CRAWL_MAX_DURATION" envDefault:"20m"`
	CrawlDelay        time.Duration `env:"CRAWL_DELAY" envDefault:"200ms"`
	CrawlPageTimeout  time.Duration `env:"CRAWL_PAGE_TIMEOUT" envDefault:"30s"`
	CrawlSchedule     time.Duration `env:"CRAWL_SCHEDULE_EVERY" envDefault:"1m"`
	// FFmpegPath is the ffmpeg that splits recordings too long for one
	// transcription request (a name looked up in PATH, or a path).
	FFmpegPath string `env:"FFMPEG_PATH" envDefault:"ffmpeg"`
	// FFmpegTimeout bounds one ffmpeg run (CPU time too).
	FFmpegTimeout time.Duration `env:"FFMPEG_TIMEOUT" envDefault:"10m"`
	// OCR of scanned PDF pages and images: Tesseract and poppler's
	// pdftoppm (names looked up in PATH, or paths; "off" turns OCR off),
	// the time one page may take, the most pages of a document read and
	// the largest image (width × height).
	OCRPath      string        `env:"OCR_PATH" envDefault:"tesseract"`
	PDFToPPMPath string        `env:"PDFTOPPM_PATH" envDefault:"pdftoppm"`
	OCRTimeout   time.Duration `env:"OCR_TIMEOUT" envDefault:"60s"`
	OCRMaxPages  int           `env:"OCR_MAX_PAGES" envDefault:"100"`
	OCRMaxPixels int64         `env:"OCR_MAX_PIXELS" envDefault:"100000000"`
	// The sandbox of untrusted files: PDF, Office and HTML files are read,
	// and ffmpeg runs, in a child process (the extract program; empty: the
	// extract next to the running binary) within a wall-clock and CPU
	// deadline and an address-space limit.
	ExtractBin       string        `env:"EXTRACT_BIN"`
	ExtractTimeout   time.Duration `env:"EXTRACT_TIMEOUT" envDefault:"60s"`
	ExtractMaxMemory int64         `env:"EXTRACT_MAX_MEMORY_BYTES" envDefault:"536870912"`
	ShutdownTimeout  time.Duration `env:"SHUTDOWN_TIMEOUT" envDefault:"15s"`
	// CacheTTL bounds how long an API process reuses what it read about
	// callers, models and credentials (0: not at all).
	CacheTTL time.Duration `env:"CACHE_TTL" envDefault:"10s"`
	// WebSocketCheckEvery is how often each WebSocket is pinged and its
	// credential checked again: a revoked key's or a deactivated user's
	// socket closes within it even if the change's signal is lost.
	WebSocketCheckEvery time.Duration `env:"WEBSOCKET_CHECK_INTERVAL" envDefault:"30s"`
	// DebugAddr serves Go's profiler (/debug/pprof/) when set; keep it on
	// loopback.
	DebugAddr string `env:"DEBUG_ADDR"`

	// APIKeyPepper keys the HMAC of stored API keys; derived from
	// JWT_SECRET when empty.
	APIKeyPepper    string        `env:"API_KEY_PEPPER"`
	RefreshTokenTTL time.Duration `env:"REFRESH_TOKEN_TTL" envDefault:"720h"`
	// Argon2 password hashing cost.
	Argon2MemoryKiB  int `env:"ARGON2_MEMORY_KIB" envDefault:"65536"`
	Argon2Iterations int `env:"ARGON2_ITERATIONS" envDefault:"3"`
	// DemoAdminPassword is the password `agora seed` gives the demo admin
	// (make run writes one into .env).
	DemoAdminPassword string `env:"DEMO_ADMIN_PASSWORD"`

	// Single-tenant OIDC: one identity provider for the tenant OIDCTenant.
	OIDCDiscoveryEndpoint string   `env:"OIDC_DISCOVERY_ENDPOINT"`
	OIDCClientID          string   `env:"OIDC_CLIENT_ID"`
	OIDCClientSecret      string   `env:"OIDC_CLIENT_SECRET"`
	OIDCTenant            string   `env:"OIDC_TENANT"`
	OIDCScopes            []string `env:"OIDC_SCOPES" envSeparator:"," envDefault:"openid,email,profile"`
	OIDCAllowedDomains    []string `env:"OIDC_ALLOWED_DOMAINS" envSeparator:","`
	// FederationPerTenant turns on per-tenant identity providers managed
	// through the sysadmin API.
	FederationPerTenant bool `env:"FEDERATION_PER_TENANT_ENABLED" envDefault:"false"`

	// TenantCredentials is strict mode: every tenant must bring its own
	// provider keys. Off (shared mode), a tenant without a key uses the
	// global one below.
	TenantCredentials            bool   `env:"TENANT_CREDENTIALS_ENABLED" envDefault:"false"`
	TenantSelfServiceCredentials bool   `env:"TENANT_SELF_SERVICE_CREDENTIALS_ENABLED" envDefault:"false"`
	OpenAIAPIKey                 string `env:"OPENAI_API_KEY"`
	AnthropicAPIKey              string `env:"ANTHROPIC_API_KEY"`
	MistralAPIKey                string `env:"MISTRAL_API_KEY"`
	BergetAPIKey                 string `env:"BERGET_API_KEY"`
	AzureAPIKey                  string `env:"AZURE_API_KEY"`
	AzureEndpoint                string `env:"AZURE_ENDPOINT"`
	AzureAPIVersion              string `env:"AZURE_API_VERSION"`
	AzureDeploymentName          string `env:"AZURE_DEPLOYMENT_NAME"`
	VLLMAPIKey                   string `env:"VLLM_API_KEY"`
	VLLMBaseURL                  string `env:"VLLM_BASE_URL"`

	// Chat limits: the longest question, a tenant's daily tokens (0: no
	// quota), and questions a minute per user and per tenant (0: no bound).
	MaxQuestionChars   int `env:"MAX_QUESTION_CHARS" envDefault:"20000"`
	TenantTokensPerDay int `env:"TENANT_TOKENS_PER_DAY" envDefault:"0"`
	QuestionsPerUser   int `env:"QUESTIONS_PER_MINUTE_PER_USER" envDefault:"30"`
	QuestionsPerTenant int `env:"QUESTIONS_PER_MINUTE_PER_TENANT" envDefault:"1200"`
	// Model providers: how long to wait for the first token (after which
	// the router tries the next endpoint), and how many requests one API
	// process sends to one model endpoint at once (0: no bound).
	ModelFirstTokenTimeout time.Duration `env:"MODEL_FIRST_TOKEN_TIMEOUT" envDefault:"60s"`
	ModelMaxConcurrency    int           `env:"MODEL_MAX_CONCURRENCY" envDefault:"0"`

	// Rate limits, per minute, enforced in Redis across API replicas.
	RateLimitPerKey      int           `env:"RATE_LIMIT_PER_KEY" envDefault:"600"`
	RateLimitPerUser     int           `env:"RATE_LIMIT_PER_USER" envDefault:"600"`
	RateLimitPerTenant   int           `env:"RATE_LIMIT_PER_TENANT" envDefault:"6000"`
	LoginLimitPerAccount int           `env:"LOGIN_LIMIT_PER_ACCOUNT" envDefault:"5"`
	LoginLimitPerIP      int           `env:"LOGIN_LIMIT_PER_IP" envDefault:"30"`
	LoginLimitWindow     time.Duration `env:"LOGIN_LIMIT_WINDOW" envDefault:"15m"`
	// Failed super-key attempts per client address within the window,
	// after which the address is refused (429) until the window ends.
	SuperKeyFailuresPerIP int           `env:"SUPER_KEY_FAILURES_PER_IP" envDefault:"10"`
	SuperKeyFailureWindow time.Duration `env:"SUPER_KEY_FAILURE_WINDOW" envDefault:"1m"`
}

// minSecretLen is the shortest accepted JWT secret and super key.
const minSecretLen = 32

// Load reads a .env file from envFile when it exists (variables already set in
// the environment win), then the environment, and validates the result.
func Load(envFile string) (Config, error) {
	if envFile != "" {
		if err := godotenv.Load(envFile); err != nil && !errors.Is(err, os.ErrNotExist) {
			return Config{}, fmt.Errorf("config: read %s: %w", envFile, err)
		}
	}
	return FromMap(envMap(os.Environ()))
}

// FromMap builds and validates a Config from the given variables only.
func FromMap(vars map[string]string) (Config, error) {
	var c Config
	if err := env.ParseWithOptions(&c, env.Options{Environment: vars}); err != nil {
		return Config{}, fmt.Errorf("config: invalid configuration (see configs/agora.example.env):\n  - %s", describeParseError(err))
	}
	if c.DBMaxIdleConns == -1 {
		c.DBMaxIdleConns = c.DBMaxOpenConns
	}
	if err := c.Validate(); err != nil {
		return Config{}, err
	}
	return c, nil
}

// JWTExpiry returns JWT_EXPIRY_SECONDS as a duration (seconds, as documented).
func (c Config) JWTExpiry() time.Duration {
	return time.Duration(c.JWTExpirySeconds) * time.Second
}

// TrustedProxyNets returns TRUSTED_PROXIES parsed.
func (c Config) TrustedProxyNets() []*net.IPNet {
	var out []*net.IPNet
	for _, p := range c.TrustedProxies {
		if _, n, err := net.ParseCIDR(strings.TrimSpace(p)); err == nil {
			out = append(out, n)
		}
	}
	return out
}

// APIKeyPepperBytes returns the HMAC key for stored API keys.
func (c Config) APIKeyPepperBytes() []byte {
	if c.APIKeyPepper != "" {
		return []byte(c.APIKeyPepper)
	}
	h := sha256.Sum256([]byte("agora api key pepper\x00" + c.JWTSecret))
	return h[:]
}

// EncryptionKeys returns the Fernet keys of ENCRYPTION_KEY; the first encrypts.
func (c Config) EncryptionKeys() []*fernet.Key {
	keys, _ := fernet.DecodeKeys(splitList(c.EncryptionKey)...)
	return keys
}

// ExtractPath is EXTRACT_BIN, or the extract program next to the running
// binary (where make build and the container image put it).
func (c Config) ExtractPath() string {
	if c.ExtractBin != "" {
		return c.ExtractBin
	}
	exe, err := os.Executable()
	if err != nil {
		return "extract"
	}
	return filepath.Join(filepath.Dir(exe), "extract")
}

// FetchAllowList is FETCH_ALLOWED_HOSTS parsed (Validate has checked it).
func (c Config) FetchAllowList() safehttp.AllowList {
	a, _ := safehttp.ParseAllowList(c.FetchAllowedHosts)
	return a
}

// OwnerDatabaseURL is the URL of the tables' owner: MIGRATION_DATABASE_URL,
// or DATABASE_URL when that is empty.
func (c Config) OwnerDatabaseURL() string {
	if c.MigrationDatabaseURL != "" {
		return c.MigrationDatabaseURL
	}
	return c.DatabaseURL
}

// Validate checks every variable and reports all problems at once, each with
// what to do about it.
func (c Config) Validate() error {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	if u, err := url.Parse(c.DatabaseURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		add("DATABASE_URL must be a postgres:// URL, e.g. postgres://agora_app:agora_app@127.0.0.1:5432/agora?sslmode=disable")
	}
	if u, err := url.Parse(c.MigrationDatabaseURL); c.MigrationDatabaseURL != "" && (err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql")) {
		add("MIGRATION_DATABASE_URL must be a postgres:// URL, e.g. postgres://agora:agora@127.0.0.1:5432/agora?sslmode=disable")
	}
	if u, err := url.Parse(c.RedisURL); err != nil || (u.Scheme != "redis" && u.Scheme != "rediss") {
		add("REDIS_URL must be a redis:// URL, e.g. redis://127.0.0.1:6379/0")
	}
	if !strings.Contains(c.HTTPAddr, ":") {
		add("HTTP_ADDR must be host:port, e.g. 127.0.0.1:8080")
	}
	if u, err := url.Parse(c.PublicOrigin); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") {
		add("PUBLIC_ORIGIN must be an origin like https://agora.example.org (scheme and host, no path)")
	}
	for _, o := range c.CORSAllowedOrigins {
		if u, err := url.Parse(strings.TrimSpace(o)); o != "*" && (err != nil || u.Host == "") {
			add("CORS_ALLOWED_ORIGINS has %q, which is not an origin like https://app.example.org", o)
		}
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(strings.TrimSpace(p)); err != nil {
			add("TRUSTED_PROXIES has %q, which is not a CIDR like 10.0.0.0/8", p)
		}
	}
	if _, err := safehttp.ParseAllowList(c.FetchAllowedHosts); err != nil {
		add("FETCH_ALLOWED_HOSTS has %v; list hosts, host:port pairs or CIDRs, comma-separated", err)
	}
	if c.HTTPBodyLimitBytes < 1024 {
		add("HTTP_BODY_LIMIT_BYTES must be at least 1024")
	}
	if c.SuperAPIKey != "" && len(c.SuperAPIKey) < minSecretLen {
		add("SUPER_API_KEY must be at least %d characters (or empty to turn the sysadmin API off); generate one with: head -c 32 /dev/urandom | base64", minSecretLen)
	}
	if len(c.JWTSecret) < minSecretLen {
		add("JWT_SECRET must be set to at least %d characters; generate one with: head -c 32 /dev/urandom | base64", minSecretLen)
	}
	if c.JWTExpirySeconds < 30 || c.JWTExpirySeconds > 86400 {
		add("JWT_EXPIRY_SECONDS must be between 30 and 86400 (it is in seconds)")
	}
	if c.EncryptionKey != "" {
		if _, err := fernet.DecodeKeys(splitList(c.EncryptionKey)...); err != nil {
			add("ENCRYPTION_KEY must be one or more comma-separated Fernet keys (32 bytes, url-safe base64); generate one with: head -c 32 /dev/urandom | base64 | tr '+/' '-_'")
		}
	} else if c.TenantCredentials || c.TenantSelfServiceCredentials || c.FederationPerTenant {
		add("ENCRYPTION_KEY is required when TENANT_CREDENTIALS_ENABLED, TENANT_SELF_SERVICE_CREDENTIALS_ENABLED or FEDERATION_PER_TENANT_ENABLED is true (stored secrets are encrypted with it); generate one with: head -c 32 /dev/urandom | base64 | tr '+/' '-_'")
	}
	c.validateMail(add)
	if c.OIDCDiscoveryEndpoint != "" {
		if u, err := url.Parse(c.OIDCDiscoveryEndpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			add("OIDC_DISCOVERY_ENDPOINT must be the URL of the provider's .well-known/openid-configuration")
		}
		if c.OIDCClientID == "" || c.OIDCClientSecret == "" || c.OIDCTenant == "" {
			add("OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_TENANT (the tenant slug its users belong to) are required with OIDC_DISCOVERY_ENDPOINT")
		}
	}
	if c.APIKeyPepper != "" && len(c.APIKeyPepper) < minSecretLen {
		add("API_KEY_PEPPER must be at least %d characters (or empty to derive it from JWT_SECRET)", minSecretLen)
	}
	if c.Argon2MemoryKiB < 1024 || c.Argon2MemoryKiB > 1<<20 || c.Argon2Iterations < 1 || c.Argon2Iterations > 20 {
		add("ARGON2_MEMORY_KIB must be between 1024 and 1048576 and ARGON2_ITERATIONS between 1 and 20")
	}
	if c.RefreshTokenTTL < time.Minute {
		add("REFRESH_TOKEN_TTL must be at least 1m")
	}
	for name, v := range map[string]int{"RATE_LIMIT_PER_KEY": c.RateLimitPerKey, "RATE_LIMIT_PER_USER": c.RateLimitPerUser,
		"RATE_LIMIT_PER_TENANT": c.RateLimitPerTenant, "LOGIN_LIMIT_PER_ACCOUNT": c.LoginLimitPerAccount, "LOGIN_LIMIT_PER_IP": c.LoginLimitPerIP,
		"SUPER_KEY_FAILURES_PER_IP": c.SuperKeyFailuresPerIP} {
		if v < 1 {
			add("%s must be at least 1", name)
		}
	}
	if c.MaxQuestionChars < 100 || c.MaxQuestionChars > 1_000_000 {
		add("MAX_QUESTION_CHARS must be between 100 and 1000000")
	}
	if c.TenantTokensPerDay < 0 {
		add("TENANT_TOKENS_PER_DAY must be 0 (no quota) or positive")
	}
	if c.JobHeartbeat < 100*time.Millisecond || c.JobHeartbeat > time.Minute {
		add("JOB_HEARTBEAT must be between 100ms and 1m")
	}
	if c.AnswerSaveInterval < 50*time.Millisecond || c.AnswerSaveInterval > time.Minute {
		add("ANSWER_SAVE_INTERVAL must be between 50ms and 1m")
	}
	if c.CacheTTL < 0 || c.CacheTTL > 5*time.Minute {
		add("CACHE_TTL must be between 0 (no caching) and 5m")
	}
	if c.WebSocketCheckEvery < time.Second || c.WebSocketCheckEvery > 30*time.Second {
		add("WEBSOCKET_CHECK_INTERVAL must be between 1s and 30s (a socket must close within 30 s of its credential's revocation)")
	}
	if c.ModelFirstTokenTimeout < time.Second || c.ModelFirstTokenTimeout > 10*time.Minute {
		add("MODEL_FIRST_TOKEN_TIMEOUT must be between 1s and 10m")
	}
	if c.ModelMaxConcurrency < 0 {
		add("MODEL_MAX_CONCURRENCY must be 0 (no bound) or positive")
	}
	if c.QuestionsPerUser < 0 || c.QuestionsPerTenant < 0 {
		add("QUESTIONS_PER_MINUTE_PER_USER and QUESTIONS_PER_MINUTE_PER_TENANT must be 0 (no bound) or positive")
	}
	if c.LoginLimitWindow < time.Second {
		add("LOGIN_LIMIT_WINDOW must be at least 1s")
	}
	if c.SuperKeyFailureWindow < time.Second || c.SuperKeyFailureWindow > 24*time.Hour {
		add("SUPER_KEY_FAILURE_WINDOW must be between 1s and 24h")
	}
	if strings.TrimSpace(c.FileStorageDir) == "" {
		add("FILE_STORAGE_DIR must name a directory")
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		add("LOG_FORMAT must be text or json, not %q", c.LogFormat)
	}
	switch strings.ToLower(c.LogLevel) {
	case "debug", "info", "warn", "error":
	default:
		add("LOG_LEVEL must be debug, info, warn or error, not %q", c.LogLevel)
	}
	if c.DBMaxOpenConns < 1 || c.DBMaxIdleConns < 0 || c.DBMaxIdleConns > c.DBMaxOpenConns {
		add("DB_MAX_OPEN_CONNS must be at least 1 and DB_MAX_IDLE_CONNS between 0 and DB_MAX_OPEN_CONNS")
	}
	if c.ChunkTokens < 50 || c.ChunkTokens > 8000 || c.ChunkOverlap < 0 || c.ChunkOverlap >= c.ChunkTokens {
		add("CHUNK_TOKENS must be between 50 and 8000 and CHUNK_OVERLAP at least 0 and below CHUNK_TOKENS")
	}
	if c.EmbedBatch < 1 || c.EmbedBatch > 2048 {
		add("EMBED_BATCH must be between 1 and 2048")
	}
	if c.JobsPerTenant < 0 {
		add("JOBS_PER_TENANT must be 0 (no bound) or positive")
	}
	if c.WorkerConcurrency < 1 || c.WorkerConcurrency > 256 {
		add("WORKER_CONCURRENCY must be between 1 and 256")
	}
	if c.CrawlMaxPages < 1 || c.CrawlMaxPages > 100_000 || c.CrawlMaxDepth < 0 || c.CrawlMaxDepth > 50 {
		add("CRAWL_MAX_PAGES must be between 1 and 100000 and CRAWL_MAX_DEPTH between 0 and 50")
	}
	if c.JobTimeout < time.Minute || c.JobTimeout > 24*time.Hour {
		add("JOB_TIMEOUT must be between 1m and 24h (how long one attempt of a job may take)")
	}
	if c.ExtractTimeout < time.Second || c.ExtractTimeout > time.Hour {
		add("EXTRACT_TIMEOUT must be between 1s and 1h (how long one document may take to read)")
	}
	if c.ExtractMaxMemory < 64<<20 || c.ExtractMaxMemory > 64<<30 {
		add("EXTRACT_MAX_MEMORY_BYTES must be between 67108864 (64 MiB) and 68719476736 (64 GiB)")
	}
	if c.FFmpegTimeout < time.Second || c.FFmpegTimeout > 24*time.Hour {
		add("FFMPEG_TIMEOUT must be between 1s and 24h")
	}
	if c.OCRTimeout < time.Millisecond || c.OCRTimeout > time.Hour {
		add("OCR_TIMEOUT must be between 1ms and 1h")
	}
	if c.OCRMaxPages < 1 || c.OCRMaxPages > 10000 {
		add("OCR_MAX_PAGES must be between 1 and 10000")
	}
	if c.OCRMaxPixels < 1_000_000 || c.OCRMaxPixels > 1_000_000_000 {
		add("OCR_MAX_PIXELS must be between 1000000 and 1000000000")
	}
	if c.CrawlMaxPageBytes < 1024 || c.CrawlMaxPageBytes > 100<<20 {
		add("CRAWL_MAX_PAGE_BYTES must be between 1024 and 104857600")
	}
	if c.CrawlMaxDuration < time.Second || c.CrawlMaxDuration > 25*time.Minute {
		add("CRAWL_MAX_DURATION must be between 1s and 25m (a worker task may run 30m)")
	}
	if c.CrawlDelay < time.Millisecond || c.CrawlDelay > time.Minute {
		add("CRAWL_DELAY must be between 1ms and 1m")
	}
	if c.CrawlPageTimeout < 10*time.Millisecond || c.CrawlPageTimeout > 5*time.Minute {
		add("CRAWL_PAGE_TIMEOUT must be between 10ms and 5m")
	}
	if c.CrawlSchedule < 100*time.Millisecond || c.CrawlSchedule > time.Hour {
		add("CRAWL_SCHEDULE_EVERY must be between 100ms and 1h")
	}
	if c.ShutdownTimeout <= 0 {
		add("SHUTDOWN_TIMEOUT must be a positive duration, e.g. 15s")
	}
	if len(problems) > 0 {
		return fmt.Errorf("config: invalid configuration (see configs/agora.example.env):\n  - %s", strings.Join(problems, "\n  - "))
	}
	return nil
}

// describeParseError names the variable behind each parse failure, which the
// library reports by Go field name only.
func describeParseError(err error) string {
	agg, ok := errors.AsType[env.AggregateError](err)
	if !ok {
		return err.Error()
	}
	var lines []string
	for _, e := range agg.Errors {
		if pe, ok := errors.AsType[env.ParseError](e); ok {
			if f, found := reflect.TypeFor[Config]().FieldByName(pe.Name); found {
				lines = append(lines, fmt.Sprintf("%s is not a valid %s: %s", f.Tag.Get("env"), pe.Type, pe.Err))
				continue
			}
		}
		lines = append(lines, e.Error())
	}
	return strings.Join(lines, "\n  - ")
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}

// validateMail checks the SMTP settings when e-mail is on.
func (c Config) validateMail(add func(string, ...any)) {
	if c.InviteTTL < time.Hour || c.InviteTTL > 30*24*time.Hour {
		add("INVITE_TTL must be between 1h and 720h (30 days)")
	}
	if c.SMTPHost == "" {
		return
	}
	if c.SMTPFrom == "" || !strings.Contains(c.SMTPFrom, "@") {
		add("SMTP_FROM must be the sender's e-mail address when SMTP_HOST is set")
	}
	if c.SMTPPort < 1 || c.SMTPPort > 65535 {
		add("SMTP_PORT must be a port number (587 for STARTTLS, 465 for TLS)")
	}
	if c.SMTPTLS != "starttls" && c.SMTPTLS != "tls" && c.SMTPTLS != "none" {
		add("SMTP_TLS must be starttls, tls or none")
	}
	if c.EncryptionKey == "" {
		add("ENCRYPTION_KEY is required when SMTP_HOST is set (queued e-mails, which carry password links, are encrypted with it)")
	}
}
