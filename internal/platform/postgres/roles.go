package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/uptrace/bun"
)

// Two roles use the database: the owner of the tables, which migrations
// and index builds run as, and the application's role, which the API and
// the worker run as. Row-level security applies to the second only when
// it neither owns the tables nor has BYPASSRLS (nor is a superuser).

// Target names a database URL's role and database, for messages and checks.
type Target struct {
	User, Host, Database string
	Port                 uint16
}

// TargetOf parses url.
func TargetOf(url string) (Target, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return Target{}, fmt.Errorf("parse the database URL: %w", err)
	}
	return Target{User: cfg.User, Host: cfg.Host, Port: cfg.Port, Database: cfg.Database}, nil
}

// Roles parses the application's and the owner's URLs and checks that
// they name one database, so `agora migrate` cannot change a database the
// application does not use.
func Roles(appURL, ownerURL string) (app, owner Target, err error) {
	if app, err = TargetOf(appURL); err != nil {
		return app, owner, fmt.Errorf("DATABASE_URL: %w", err)
	}
	if owner, err = TargetOf(ownerURL); err != nil {
		return app, owner, fmt.Errorf("MIGRATION_DATABASE_URL: %w", err)
	}
	if app.Host != owner.Host || app.Port != owner.Port || app.Database != owner.Database {
		return app, owner, fmt.Errorf("DATABASE_URL names database %s on %s:%d but MIGRATION_DATABASE_URL names %s on %s:%d; "+
			"both must name the same database (with different roles)", app.Database, app.Host, app.Port, owner.Database, owner.Host, owner.Port)
	}
	return app, owner, nil
}

// Grant gives role what the application needs on every table and
// sequence, after migrations have created them. It is idempotent.
func Grant(ctx context.Context, owner *bun.DB, role string) error {
	var exists bool
	if err := owner.NewRaw("SELECT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ?)", role).Scan(ctx, &exists); err != nil {
		return fmt.Errorf("look up role %s: %w", role, err)
	}
	if !exists {
		return fmt.Errorf("the application's role %q (the user of DATABASE_URL) does not exist; a superuser creates it: "+
			"CREATE ROLE %s LOGIN PASSWORD '...' NOBYPASSRLS (`make services` does this locally)", role, role)
	}
	for _, q := range []string{
		"GRANT USAGE ON SCHEMA public TO ?",
		"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ?",
		"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ?",
		"GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO ?",
	} {
		if _, err := owner.ExecContext(ctx, q, bun.Ident(role)); err != nil {
			return fmt.Errorf("grant %s its rights: %w", role, err)
		}
	}
	return nil
}

// Exemption says why row-level security does not apply to the role db
// connects as, or "" when it does.
func Exemption(ctx context.Context, db *bun.DB) (string, error) {
	var r struct {
		User   string `bun:"usr"`
		Super  bool   `bun:"rolsuper"`
		Bypass bool   `bun:"rolbypassrls"`
		Owns   bool   `bun:"owns"`
	}
	err := db.NewRaw(`SELECT current_user AS usr, rolsuper, rolbypassrls,
		EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = 'public' AND tablename = 'spaces' AND pg_has_role(tableowner, 'USAGE')) AS owns
		FROM pg_roles WHERE rolname = current_user`).Scan(ctx, &r)
	if err != nil {
		return "", fmt.Errorf("look up the database role: %w", err)
	}
	switch {
	case r.Super:
		return fmt.Sprintf("role %s is a superuser", r.User), nil
	case r.Bypass:
		return fmt.Sprintf("role %s has BYPASSRLS", r.User), nil
	case r.Owns:
		return fmt.Sprintf("role %s owns the tables", r.User), nil
	}
	return "", nil
}

// FullTextIndexUsable reports whether full-text matching (ts_match_vq,
// the @@ of a search) is marked leakproof. PostgreSQL evaluates a
// function that is not after the row-level security policy, so it cannot
// use the GIN index under it, and every search reads the whole scope.
func FullTextIndexUsable(ctx context.Context, db *bun.DB) (bool, error) {
	var leakproof bool
	err := db.NewRaw("SELECT proleakproof FROM pg_proc WHERE oid = 'ts_match_vq(tsvector,tsquery)'::regprocedure").Scan(ctx, &leakproof)
	return leakproof, err
}

// Lazy is a database opened on first use: the owner's connection, which
// the API and the worker need only for index builds.
type Lazy struct {
	url string
	o   Options
	mu  sync.Mutex
	db  *bun.DB
}

// NewLazy returns a database that Get opens.
func NewLazy(url string, o Options) *Lazy { return &Lazy{url: url, o: o} }

// Get opens the database the first time and returns it.
func (l *Lazy) Get(ctx context.Context) (*bun.DB, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.db != nil {
		return l.db, nil
	}
	db, err := Open(ctx, l.url, l.o)
	if err != nil {
		return nil, fmt.Errorf("open the owner's connection (MIGRATION_DATABASE_URL): %w", err)
	}
	l.db = db
	return db, nil
}

// Close closes the database if it was opened.
func (l *Lazy) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.db == nil {
		return nil
	}
	err := l.db.Close()
	l.db = nil
	return err
}
