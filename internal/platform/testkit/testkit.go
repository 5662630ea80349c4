// Package testkit gives tests the real PostgreSQL and Redis: connections
// from TEST_DATABASE_URL and TEST_REDIS_URL (already migrated by `make test`),
// a valid test configuration, and a fresh tenant per test so tests can run in
// parallel without truncating tables. Without the variables a test is
// skipped, unless REQUIRE_SERVICES=1, which turns a missing service into a
// failure (CI sets it).
package testkit

import (
	"context"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/config"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/redisx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Test secrets: long enough to pass validation, never used outside tests.
const (
	SuperKey  = "test-super-key-0123456789abcdef0123456789"
	jwtSecret = "test-jwt-secret-0123456789abcdef0123456789"
	// EncryptionKey is the test ENCRYPTION_KEY.
	EncryptionKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
)

var (
	dbOnce  sync.Once
	db      *bun.DB
	dbErr   error
	appOnce sync.Once
	appDB   *bun.DB
	appErr  error
	rdbOnce sync.Once
	rdb     *redis.Client
	rdbErr  error
)

// missing skips the test, or fails it when REQUIRE_SERVICES=1.
func missing(t testing.TB, what string) {
	t.Helper()
	if os.Getenv("REQUIRE_SERVICES") == "1" {
		t.Fatalf("%s (REQUIRE_SERVICES=1; `make test` sets everything up)", what)
	}
	t.Skipf("%s; run `make test` to use the real services", what)
}

// setting returns the environment variable name, or skips/fails the test.
func setting(t testing.TB, name string) string {
	t.Helper()
	u := os.Getenv(name)
	if u == "" {
		missing(t, name+" is not set")
	}
	return u
}

// DatabaseURL returns TEST_DATABASE_URL or skips/fails the test.
func DatabaseURL(t testing.TB) string {
	t.Helper()
	return setting(t, "TEST_DATABASE_URL")
}

// AppDatabaseURL returns TEST_APP_DATABASE_URL: the test database as the
// application's role, which row-level security applies to (`make test`
// sets it; the owner's TEST_DATABASE_URL migrates and arranges data).
func AppDatabaseURL(t testing.TB) string {
	t.Helper()
	return setting(t, "TEST_APP_DATABASE_URL")
}

// RedisURL returns TEST_REDIS_URL or skips/fails the test.
func RedisURL(t testing.TB) string {
	t.Helper()
	return setting(t, "TEST_REDIS_URL")
}

// DB returns the shared connection to the migrated test database.
func DB(t testing.TB) *bun.DB {
	t.Helper()
	url := DatabaseURL(t)
	dbOnce.Do(func() {
		db, dbErr = postgres.Open(context.Background(), url, postgres.Options{MaxOpenConns: 20, MaxIdleConns: 10, ConnMaxLifetime: time.Hour})
	})
	if dbErr != nil {
		missing(t, "test database unreachable: "+dbErr.Error())
	}
	return db
}

// AppDB returns the shared connection to the test database as the
// application's role, with every statement scoped as the product's are:
// what the modules under test use.
func AppDB(t testing.TB) *bun.DB {
	t.Helper()
	url := AppDatabaseURL(t)
	appOnce.Do(func() {
		appDB, appErr = postgres.Open(context.Background(), url,
			postgres.Options{MaxOpenConns: 20, MaxIdleConns: 10, ConnMaxLifetime: time.Hour, Scoped: true})
	})
	if appErr != nil {
		missing(t, "test database unreachable as the application's role: "+appErr.Error())
	}
	return appDB
}

// Redis returns the shared connection to the test Redis database.
func Redis(t testing.TB) *redis.Client {
	t.Helper()
	url := RedisURL(t)
	rdbOnce.Do(func() { rdb, rdbErr = redisx.Open(context.Background(), url) })
	if rdbErr != nil {
		missing(t, "test Redis unreachable: "+rdbErr.Error())
	}
	return rdb
}

// Config returns a valid configuration for the test services, with its own
// file storage directory.
func Config(t testing.TB) config.Config {
	t.Helper()
	c, err := config.FromMap(map[string]string{
		"DATABASE_URL":           AppDatabaseURL(t),
		"MIGRATION_DATABASE_URL": DatabaseURL(t),
		"REDIS_URL":              RedisURL(t),
		"SUPER_API_KEY":          SuperKey,
		"JWT_SECRET":             jwtSecret,
		"ENCRYPTION_KEY":         EncryptionKey,
		"FILE_STORAGE_DIR":       t.TempDir(),
		// Each test's app is an installation of its own on the shared
		// database: its workers claim only its jobs.
		"JOB_QUEUE": "test-" + uuid.NewString(),
		"LOG_LEVEL": "debug",
		// Fake model providers and test sites listen on loopback.
		"FETCH_ALLOWED_HOSTS": "127.0.0.1",
		// Cheap password hashing: tests sign in often.
		"ARGON2_MEMORY_KIB": "1024",
		"ARGON2_ITERATIONS": "1",
		"EXTRACT_BIN":       ExtractBin(t),
		// Many tests send wrong super keys on purpose, all from
		// httptest's one client address and into one Redis: they must
		// not throttle each other. Tests of the throttle set their own.
		"SUPER_KEY_FAILURES_PER_IP": "1000000",
	})
	if err != nil {
		t.Fatalf("test config: %v", err)
	}
	return c
}

// Env returns the test configuration as environment variables, for tests
// that start the real binaries.
func Env(t testing.TB) []string {
	t.Helper()
	return []string{
		"DATABASE_URL=" + AppDatabaseURL(t),
		"MIGRATION_DATABASE_URL=" + DatabaseURL(t),
		"REDIS_URL=" + RedisURL(t),
		"SUPER_API_KEY=" + SuperKey,
		"JWT_SECRET=" + jwtSecret,
		"ENCRYPTION_KEY=" + EncryptionKey,
		"FILE_STORAGE_DIR=" + t.TempDir(),
		"JOB_QUEUE=test-" + uuid.NewString(),
		"FETCH_ALLOWED_HOSTS=127.0.0.1",
		"ARGON2_MEMORY_KIB=1024",
		"ARGON2_ITERATIONS=1",
		"EXTRACT_BIN=" + ExtractBin(t),
		"SUPER_KEY_FAILURES_PER_IP=1000000",
	}
}

// Tenant inserts a fresh tenant for this test and returns its id. Tests that
// use it never see each other's data, so they can run in parallel.
func Tenant(t testing.TB) tenancy.ID {
	t.Helper()
	id := tenancy.ID{UUID: uuid.Must(uuid.NewV7())}
	_, err := DB(t).ExecContext(context.Background(),
		"INSERT INTO tenants (id, name, slug, display_name) VALUES (?, ?, ?, ?)", id.UUID, "test-"+id.String(), "t-"+id.String(), t.Name())
	if err != nil {
		t.Fatalf("create test tenant: %v", err)
	}
	return id
}

// RedisDB returns a client on Redis database n of the test server, for the
// few tests that must empty a key every worker shares (`make test` empties
// databases 1 to 4 before each run).
func RedisDB(t testing.TB, n int) *redis.Client {
	t.Helper()
	opts, err := redis.ParseURL(RedisURL(t))
	if err != nil {
		t.Fatalf("parse TEST_REDIS_URL: %v", err)
	}
	opts.DB = n
	c := redis.NewClient(opts)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// Buffer collects output written from several goroutines (process output,
// log records) for a test to read.
type Buffer struct {
	mu sync.Mutex
	b  []byte
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.b = append(b.b, p...)
	return len(p), nil
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.b)
}
