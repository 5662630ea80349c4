package app

import (
	"context"
	"errors"
	"fmt"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/tenants/application"
	"github.com/agora-platform/agora/internal/tenants/domain"
	"github.com/agora-platform/agora/migrations"
)

// DemoTenantName is the tenant `agora seed` creates.
const DemoTenantName = "Demo"

// Migrate applies pending migrations and returns their names.
func (a *App) Migrate(ctx context.Context) ([]string, error) {
	all, err := migrations.All()
	if err != nil {
		return nil, err
	}
	return postgres.Migrate(ctx, a.DB, all)
}

// Seed creates the demo data unless it exists and describes what it did.
func (a *App) Seed(ctx context.Context) ([]string, error) {
	t, err := a.Tenants.Service.Create(ctx, application.CreateInput{Name: DemoTenantName, DisplayName: "Demo organisation", Slug: "demo"})
	switch {
	case errors.Is(err, domain.ErrNameTaken):
		return []string{fmt.Sprintf("tenant %q already exists", DemoTenantName)}, nil
	case err != nil:
		return nil, fmt.Errorf("seed: %w", err)
	}
	return []string{fmt.Sprintf("created tenant %q (%s)", t.Name, t.ID)}, nil
}

// RotateKeys re-encrypts every stored secret under the first ENCRYPTION_KEY
// and returns how many changed.
func (a *App) RotateKeys(ctx context.Context) (int, error) {
	return a.Tenants.Service.RotateSecrets(ctx)
}

// CreateTenant creates a tenant and returns its id.
func (a *App) CreateTenant(ctx context.Context, name, displayName, slug string) (string, error) {
	t, err := a.Tenants.Service.Create(ctx, application.CreateInput{Name: name, DisplayName: displayName, Slug: slug})
	if err != nil {
		return "", err
	}
	return t.ID.String(), nil
}
