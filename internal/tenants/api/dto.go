package api

import (
	"time"

	"github.com/agora-platform/agora/internal/tenants/domain"
)

// CreateTenantRequest is the body of POST /api/v1/sysadmin/tenants/.
type CreateTenantRequest struct {
	Name        string `json:"name" example:"Sundsvalls kommun" minLength:"2" maxLength:"100"`
	DisplayName string `json:"display_name,omitempty" example:"Sundsvall" maxLength:"200"`
	Slug        string `json:"slug,omitempty" example:"sundsvall" maxLength:"63"`
} // @name CreateTenantRequest

// SettingsDTO are a tenant's switches.
type SettingsDTO struct {
	JITProvisioning bool   `json:"jit_provisioning"`
	Language        string `json:"language" enums:"simple,english,swedish" example:"swedish"`
	// Crawl overrides the installation's crawl limits (CRAWL_*) for the
	// tenant; 0 or absent keeps the installation's value.
	Crawl CrawlLimitsDTO `json:"crawl"`
} // @name TenantSettings

// CrawlLimitsDTO are a tenant's crawl limits.
type CrawlLimitsDTO struct {
	MaxPages           int   `json:"max_pages" minimum:"0" maximum:"100000"`
	MaxDepth           int   `json:"max_depth" minimum:"0" maximum:"50"`
	MaxPageBytes       int64 `json:"max_page_bytes" minimum:"0" maximum:"104857600"`
	MaxDurationSeconds int   `json:"max_duration_seconds" minimum:"0" maximum:"1500"`
	DelayMillis        int   `json:"delay_ms" minimum:"0" maximum:"60000"`
} // @name TenantCrawlLimits

func toSettingsDTO(s domain.Settings) SettingsDTO {
	return SettingsDTO{JITProvisioning: s.JITProvisioning, Language: s.Language, Crawl: CrawlLimitsDTO(s.Crawl)}
}

func (s SettingsDTO) toEntity() domain.Settings {
	return domain.Settings{JITProvisioning: s.JITProvisioning, Language: s.Language, Crawl: domain.CrawlLimits(s.Crawl)}
}

// UpdateTenantRequest is the body of POST /api/v1/sysadmin/tenants/{id}/;
// omitted fields stay as they are.
type UpdateTenantRequest struct {
	Name        *string      `json:"name,omitempty"`
	DisplayName *string      `json:"display_name,omitempty"`
	Slug        *string      `json:"slug,omitempty"`
	State       *string      `json:"state,omitempty" enums:"active,suspended"`
	QuotaLimit  *int64       `json:"quota_limit,omitempty"`
	Settings    *SettingsDTO `json:"settings,omitempty"`
} // @name UpdateTenantRequest

// TenantResponse is a tenant as the sysadmin API shows it.
type TenantResponse struct {
	ID            string      `json:"id" format:"uuid" example:"01936d2e-8c4b-7a3e-9f1d-2b5c7e8a9d01"`
	Name          string      `json:"name" example:"Sundsvalls kommun"`
	Slug          string      `json:"slug" example:"sundsvalls-kommun"`
	DisplayName   string      `json:"display_name" example:"Sundsvall"`
	State         string      `json:"state" enums:"active,suspended" example:"active"`
	QuotaLimit    int64       `json:"quota_limit" example:"0"`
	Settings      SettingsDTO `json:"settings"`
	Provisioned   bool        `json:"provisioned"`
	ProvisionedAt *time.Time  `json:"provisioned_at"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
} // @name Tenant

// TenantList is a page of tenants with the total count.
type TenantList struct {
	Items []TenantResponse `json:"items"`
	Count int              `json:"count" example:"2"`
} // @name TenantList

// CredentialRequest is the body of PUT .../credentials/{provider}.
type CredentialRequest struct {
	APIKey         string `json:"api_key" example:"sk-..."`
	Endpoint       string `json:"endpoint,omitempty" example:"https://myorg.openai.azure.com"`
	APIVersion     string `json:"api_version,omitempty" example:"2024-10-21"`
	DeploymentName string `json:"deployment_name,omitempty" example:"gpt-4o"`
} // @name CredentialRequest

// CredentialResponse is a stored credential; the key is masked.
type CredentialResponse struct {
	Provider       string    `json:"provider" example:"openai"`
	APIKey         string    `json:"api_key" example:"sk-p...x9Qz"`
	Endpoint       string    `json:"endpoint"`
	APIVersion     string    `json:"api_version"`
	DeploymentName string    `json:"deployment_name"`
	UpdatedAt      time.Time `json:"updated_at"`
} // @name Credential

// CredentialList is a tenant's credentials.
type CredentialList struct {
	Items []CredentialResponse `json:"items"`
	Count int                  `json:"count"`
} // @name CredentialList

// FederationRequest is the body of PUT .../federation.
type FederationRequest struct {
	Provider          string   `json:"provider" example:"entra_id"`
	DiscoveryEndpoint string   `json:"discovery_endpoint" example:"https://login.microsoftonline.com/{tenant}/v2.0/.well-known/openid-configuration"`
	ClientID          string   `json:"client_id"`
	ClientSecret      string   `json:"client_secret"`
	AllowedDomains    []string `json:"allowed_domains" example:"sundsvall.se"`
	Scopes            []string `json:"scopes,omitempty" example:"openid,email,profile"`
} // @name FederationRequest

// FederationResponse is a tenant's identity provider; the secret is masked.
type FederationResponse struct {
	Provider          string    `json:"provider"`
	DiscoveryEndpoint string    `json:"discovery_endpoint"`
	ClientID          string    `json:"client_id"`
	ClientSecret      string    `json:"client_secret" example:"abcd...wxyz"`
	AllowedDomains    []string  `json:"allowed_domains"`
	Scopes            []string  `json:"scopes"`
	UpdatedAt         time.Time `json:"updated_at"`
} // @name Federation

func toResponse(t domain.Tenant) TenantResponse {
	r := TenantResponse{
		ID: t.ID.String(), Name: t.Name, Slug: t.Slug, DisplayName: t.DisplayName, State: string(t.State),
		QuotaLimit: t.QuotaLimit, Settings: toSettingsDTO(t.Settings),
		Provisioned: t.Provisioned(), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
	if t.Provisioned() {
		at := t.ProvisionedAt
		r.ProvisionedAt = &at
	}
	return r
}

func toCredential(c domain.Credential) CredentialResponse {
	return CredentialResponse{Provider: string(c.Provider), APIKey: c.APIKey, Endpoint: c.Endpoint,
		APIVersion: c.APIVersion, DeploymentName: c.Deployment, UpdatedAt: c.UpdatedAt}
}

func toCredentialList(cs []domain.Credential) CredentialList {
	out := CredentialList{Items: make([]CredentialResponse, len(cs)), Count: len(cs)}
	for i, c := range cs {
		out.Items[i] = toCredential(c)
	}
	return out
}

func toFederation(f domain.Federation) FederationResponse {
	return FederationResponse{Provider: f.Provider, DiscoveryEndpoint: f.DiscoveryEndpoint, ClientID: f.ClientID,
		ClientSecret: f.ClientSecret, AllowedDomains: nonNil(f.AllowedDomains), Scopes: nonNil(f.Scopes), UpdatedAt: f.UpdatedAt}
}

func (r UpdateTenantRequest) patch() domain.Patch {
	p := domain.Patch{Name: r.Name, DisplayName: r.DisplayName, Slug: r.Slug, QuotaLimit: r.QuotaLimit}
	if r.State != nil {
		s := domain.State(*r.State)
		p.State = &s
	}
	if r.Settings != nil {
		s := r.Settings.toEntity()
		p.Settings = &s
	}
	return p
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
