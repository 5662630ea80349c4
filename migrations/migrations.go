// Package migrations embeds the SQL migrations that `agora migrate` applies.
// Files are named <timestamp>_<what>.up.sql (and .down.sql); statements are
// separated by "--bun:split". Only the agora CLI applies them.
package migrations

import (
	"embed"
	"fmt"

	"github.com/uptrace/bun/migrate"
)

//go:embed *.sql
var files embed.FS

// All returns the ordered set of migrations.
func All() (*migrate.Migrations, error) {
	m := migrate.NewMigrations()
	if err := m.Discover(files); err != nil {
		return nil, fmt.Errorf("discover migrations: %w", err)
	}
	return m, nil
}
