// Package postgres opens the bun database over pgx, carries transactions in
// the context so repositories of several modules can share one, and applies
// the SQL migrations.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	pgxvec "github.com/pgvector/pgvector-go/pgx"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"
)

// Options are the pool settings.
type Options struct {
	MaxOpenConns    int
	MaxIdleConns    int
	ConnMaxLifetime time.Duration
	// Scoped sends every statement behind its row-level security scope
	// (ScopeOf); the owner's connections for migrations and index builds
	// are not scoped.
	Scoped bool
}

// Open connects to the database at url, checks that it answers, and returns
// a bun handle. pgvector's types are registered on every connection once the
// extension exists (before the first migration it may not). Text the
// database cannot store (a NUL, invalid UTF-8) fails as errs.Invalid.
func Open(ctx context.Context, url string, o Options) (*bun.DB, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("parse DATABASE_URL: %w", err)
	}
	sqldb := sql.OpenDB(guard{Connector: stdlib.GetConnector(*cfg, stdlib.OptionAfterConnect(registerVector)), scoped: o.Scoped})
	sqldb.SetMaxOpenConns(o.MaxOpenConns)
	sqldb.SetMaxIdleConns(o.MaxIdleConns)
	sqldb.SetConnMaxLifetime(o.ConnMaxLifetime)
	sqldb.SetConnMaxIdleTime(5 * time.Minute)

	db := bun.NewDB(sqldb, pgdialect.New())
	pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		_ = db.Close()
		return nil, fmt.Errorf("connect to PostgreSQL at %s@%s:%d/%s (is it running? `make services` starts it): %w",
			cfg.User, cfg.Host, cfg.Port, cfg.Database, err)
	}
	return db, nil
}

func registerVector(ctx context.Context, conn *pgx.Conn) error {
	var present bool
	if err := conn.QueryRow(ctx, "SELECT to_regtype('vector') IS NOT NULL").Scan(&present); err != nil {
		return fmt.Errorf("look up the vector type: %w", err)
	}
	if !present {
		return nil
	}
	return pgxvec.RegisterTypes(ctx, conn)
}

type txKey struct{}

// Conn returns the transaction carried by ctx, or db when there is none.
// Repositories call it for every query so they join a use case's transaction.
func Conn(ctx context.Context, db *bun.DB) bun.IDB {
	if tx, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return tx
	}
	return db
}

// Transactor runs functions in a database transaction.
type Transactor struct{ db *bun.DB }

// NewTransactor returns a Transactor on db.
func NewTransactor(db *bun.DB) Transactor { return Transactor{db: db} }

// InTx runs fn in a transaction carried by the context it passes; a nested
// call joins the outer transaction. fn's error rolls everything back.
func (t Transactor) InTx(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(txKey{}).(bun.Tx); ok {
		return fn(ctx)
	}
	return t.db.RunInTx(ctx, &sql.TxOptions{}, func(ctx context.Context, tx bun.Tx) error {
		return fn(context.WithValue(ctx, txKey{}, tx))
	})
}

// IsUniqueViolation reports whether err is a unique violation of the named
// constraint (any unique constraint when constraint is empty).
func IsUniqueViolation(err error, constraint string) bool {
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	return ok && pgErr.Code == "23505" && (constraint == "" || pgErr.ConstraintName == constraint)
}

// IsForeignKeyViolation reports whether err is a foreign key violation: the
// row a write refers to is gone.
func IsForeignKeyViolation(err error) bool {
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	return ok && pgErr.Code == "23503"
}

// Affected checks the result of a write that must touch a row: it wraps a
// failure, and returns notFound when no row matched (another tenant's row
// is "not found" too).
func Affected(res sql.Result, err error, notFound error) error {
	if err != nil {
		return fmt.Errorf("write: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return notFound
	}
	return nil
}
