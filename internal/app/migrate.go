package app

import (
	"context"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/migrations"
)

// Migrate applies pending migrations as the tables' owner
// (MIGRATION_DATABASE_URL), grants the application's role (the user of
// DATABASE_URL) its rights on them, and returns the names applied.
func (a *App) Migrate(ctx context.Context) ([]string, error) {
	all, err := migrations.All()
	if err != nil {
		return nil, err
	}
	app, own, err := postgres.Roles(a.Config.DatabaseURL, a.Config.OwnerDatabaseURL())
	if err != nil {
		return nil, err
	}
	owner, err := a.Owner.Get(ctx)
	if err != nil {
		return nil, err
	}
	applied, err := postgres.Migrate(ctx, owner, all)
	if err != nil {
		return nil, err
	}
	if app.User != own.User {
		if err := postgres.Grant(ctx, owner, app.User); err != nil {
			return applied, err
		}
	}
	return applied, nil
}
