package infrastructure

import (
	"context"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
	"github.com/agora-platform/agora/internal/users/application"
)

// Tenants adapts the tenants module's service to the users module's port.
type Tenants struct{ svc *tenantsapp.Service }

// NewTenants returns the adapter.
func NewTenants(svc *tenantsapp.Service) Tenants { return Tenants{svc: svc} }

// CheckActive fails for suspended or missing tenants.
func (t Tenants) CheckActive(ctx context.Context, id tenancy.ID) error {
	return t.svc.CheckActive(ctx, id)
}

// Info describes a tenant.
func (t Tenants) Info(ctx context.Context, id tenancy.ID) (application.TenantInfo, error) {
	tn, err := t.svc.Get(ctx, id)
	if err != nil {
		return application.TenantInfo{}, err
	}
	return application.TenantInfo{ID: tn.ID, Name: tn.Name, Slug: tn.Slug, DisplayName: tn.DisplayName, State: string(tn.State)}, nil
}
