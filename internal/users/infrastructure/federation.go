package infrastructure

import (
	"context"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
	"github.com/agora-platform/agora/internal/users/application"
)

// SingleIdP is the one identity provider of single-tenant mode (config).
type SingleIdP struct {
	DiscoveryURL   string
	ClientID       string
	ClientSecret   string
	TenantSlug     string
	Scopes         []string
	AllowedDomains []string
}

// Federation finds identity providers through the tenants module: the
// tenant's own when FEDERATION_PER_TENANT_ENABLED is true, else the single
// provider from the configuration (nil when none is configured).
type Federation struct {
	tenants   *tenantsapp.Service
	perTenant bool
	single    *SingleIdP
}

// NewFederation returns the adapter.
func NewFederation(tenants *tenantsapp.Service, perTenant bool, single *SingleIdP) Federation {
	return Federation{tenants: tenants, perTenant: perTenant, single: single}
}

var errNoSSO = errs.New(errs.NotFound, "single sign-on is not configured for this organisation")

// Mode says which modes are on.
func (f Federation) Mode() application.FederationMode {
	return application.FederationMode{PerTenant: f.perTenant, Single: !f.perTenant && f.single != nil}
}

// BySlug returns the provider of the tenant with slug.
func (f Federation) BySlug(ctx context.Context, slug string) (application.IdentityProvider, error) {
	switch {
	case f.perTenant:
		if slug == "" {
			return application.IdentityProvider{}, errs.New(errs.Invalid, "tenant is required: pick your organisation")
		}
		t, err := f.tenants.GetBySlug(ctx, slug)
		if err != nil {
			return application.IdentityProvider{}, errNoSSO
		}
		return f.ByTenant(ctx, t.ID)
	case f.single != nil && (slug == "" || slug == f.single.TenantSlug):
		t, err := f.tenants.GetBySlug(ctx, f.single.TenantSlug)
		if err != nil {
			return application.IdentityProvider{}, errNoSSO
		}
		return f.ByTenant(ctx, t.ID)
	}
	return application.IdentityProvider{}, errNoSSO
}

// ByTenant returns the provider of a tenant; a suspended tenant fails.
func (f Federation) ByTenant(ctx context.Context, id tenancy.ID) (application.IdentityProvider, error) {
	t, err := f.tenants.Get(ctx, id)
	if err != nil {
		return application.IdentityProvider{}, err
	}
	if err := t.CheckActive(); err != nil {
		return application.IdentityProvider{}, err
	}
	if !f.perTenant {
		if f.single == nil || t.Slug != f.single.TenantSlug {
			return application.IdentityProvider{}, errNoSSO
		}
		s := f.single
		return application.IdentityProvider{Tenant: t.ID, DiscoveryURL: s.DiscoveryURL, ClientID: s.ClientID, ClientSecret: s.ClientSecret,
			Scopes: s.Scopes, AllowedDomains: s.AllowedDomains, JIT: t.Settings.JITProvisioning}, nil
	}
	fed, err := f.tenants.FederationSecret(ctx, id)
	if kind, _ := errs.KindOf(err); kind == errs.NotFound {
		// The tenant exists (loaded above), so what is missing is its provider.
		return application.IdentityProvider{}, errNoSSO
	}
	if err != nil {
		return application.IdentityProvider{}, err
	}
	return application.IdentityProvider{Tenant: t.ID, DiscoveryURL: fed.DiscoveryEndpoint, ClientID: fed.ClientID,
		ClientSecret: fed.ClientSecret, Scopes: fed.Scopes, AllowedDomains: fed.AllowedDomains, JIT: t.Settings.JITProvisioning}, nil
}

// Tenants lists the tenants offered at sign-in.
func (f Federation) Tenants(ctx context.Context) ([]application.TenantInfo, error) {
	var out []application.TenantInfo
	switch {
	case f.perTenant:
		ts, err := f.tenants.Federated(ctx)
		if err != nil {
			return nil, err
		}
		for _, t := range ts {
			out = append(out, application.TenantInfo{ID: t.ID, Name: t.Name, Slug: t.Slug, DisplayName: t.DisplayName, State: string(t.State)})
		}
	case f.single != nil:
		t, err := f.tenants.GetBySlug(ctx, f.single.TenantSlug)
		if err != nil {
			return nil, err
		}
		out = append(out, application.TenantInfo{ID: t.ID, Name: t.Name, Slug: t.Slug, DisplayName: t.DisplayName, State: string(t.State)})
	}
	return out, nil
}
