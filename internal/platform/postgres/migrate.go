package postgres

import (
	"context"
	"fmt"

	"github.com/uptrace/bun"
	"github.com/uptrace/bun/migrate"
)

// migrateLockID is the advisory lock key that serialises `agora migrate` runs.
const migrateLockID = 0x61676f7261 // "agora"

// Migrate applies every pending migration and returns the names applied.
//
// It holds a PostgreSQL session advisory lock for the whole run instead of
// bun's lock table: a process that dies mid-run releases an advisory lock
// with its connection, while a stale row in bun's table would block every
// later run until someone deleted it by hand.
func Migrate(ctx context.Context, db *bun.DB, migrations *migrate.Migrations) ([]string, error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: take a connection: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(?)", migrateLockID); err != nil {
		return nil, fmt.Errorf("migrate: take the migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(?)", migrateLockID) //nolint:errcheck // released with the connection anyway

	m := migrate.NewMigrator(db, migrations, migrate.WithMarkAppliedOnSuccess(true))
	if err := m.Init(ctx); err != nil {
		return nil, fmt.Errorf("migrate: create the migrations table: %w", err)
	}
	group, err := m.Migrate(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	var names []string
	for _, mig := range group.Migrations {
		names = append(names, mig.String())
	}
	return names, nil
}
