// Package infrastructure stores tenants in PostgreSQL and prepares their
// file storage on disk.
package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/application"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

type tenantRow struct {
	bun.BaseModel `bun:"table:tenants"`

	ID            uuid.UUID    `bun:"id,pk,type:uuid"`
	Name          string       `bun:"name"`
	Slug          string       `bun:"slug"`
	DisplayName   string       `bun:"display_name"`
	State         string       `bun:"state"`
	QuotaLimit    int64        `bun:"quota_limit"`
	Settings      settingsJSON `bun:"settings,type:jsonb"`
	ProvisionedAt bun.NullTime `bun:"provisioned_at"`
	CreatedAt     time.Time    `bun:"created_at"`
	UpdatedAt     time.Time    `bun:"updated_at"`
}

// settingsJSON is domain.Settings as stored.
type settingsJSON struct {
	JITProvisioning bool      `json:"jit_provisioning"`
	Language        string    `json:"language"`
	Crawl           crawlJSON `json:"crawl"`
}

type crawlJSON struct {
	MaxPages           int   `json:"max_pages,omitempty"`
	MaxDepth           int   `json:"max_depth,omitempty"`
	MaxPageBytes       int64 `json:"max_page_bytes,omitempty"`
	MaxDurationSeconds int   `json:"max_duration_seconds,omitempty"`
	DelayMillis        int   `json:"delay_ms,omitempty"`
}

func toSettingsJSON(s domain.Settings) settingsJSON {
	return settingsJSON{JITProvisioning: s.JITProvisioning, Language: s.Language, Crawl: crawlJSON(s.Crawl)}
}

func (s settingsJSON) toEntity() domain.Settings {
	return domain.Settings{JITProvisioning: s.JITProvisioning, Language: s.Language, Crawl: domain.CrawlLimits(s.Crawl)}
}

func toRow(t domain.Tenant) tenantRow {
	r := tenantRow{
		ID: t.ID.UUID, Name: t.Name, Slug: t.Slug, DisplayName: t.DisplayName, State: string(t.State),
		QuotaLimit: t.QuotaLimit, Settings: toSettingsJSON(t.Settings),
		CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
	if t.Provisioned() {
		r.ProvisionedAt = bun.NullTime{Time: t.ProvisionedAt}
	}
	return r
}

func (r tenantRow) toEntity() domain.Tenant {
	settings := r.Settings.toEntity()
	if settings.Language == "" {
		settings.Language = "simple"
	}
	return domain.Tenant{
		ID: tenancy.ID{UUID: r.ID}, Name: r.Name, Slug: r.Slug, DisplayName: r.DisplayName, State: domain.State(r.State),
		QuotaLimit: r.QuotaLimit, Settings: settings,
		ProvisionedAt: r.ProvisionedAt.Time, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt,
	}
}

// Repo is the PostgreSQL tenant store.
type Repo struct{ db *bun.DB }

// NewRepo returns a Repo on db.
func NewRepo(db *bun.DB) *Repo { return &Repo{db: db} }

// Insert stores a new tenant; domain.ErrNameTaken when the name is used.
func (r *Repo) Insert(ctx context.Context, t domain.Tenant) error {
	row := toRow(t)
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx)
	if err := uniqueError(err); err != nil {
		return fmt.Errorf("insert tenant: %w", err)
	}
	return nil
}

// uniqueError turns the tenants' unique violations into domain errors.
func uniqueError(err error) error {
	switch {
	case postgres.IsUniqueViolation(err, "tenants_name_key"):
		return domain.ErrNameTaken
	case postgres.IsUniqueViolation(err, "tenants_slug_key"):
		return domain.ErrSlugTaken
	}
	return err
}

// Get loads a tenant; domain.ErrNotFound when there is none.
func (r *Repo) Get(ctx context.Context, id tenancy.ID) (domain.Tenant, error) {
	return r.getWhere(ctx, "id = ?", id.UUID)
}

// GetBySlug loads a tenant by slug; domain.ErrNotFound when there is none.
func (r *Repo) GetBySlug(ctx context.Context, slug string) (domain.Tenant, error) {
	return r.getWhere(ctx, "slug = ?", slug)
}

func (r *Repo) getWhere(ctx context.Context, where string, arg any) (domain.Tenant, error) {
	var row tenantRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where(where, arg).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Tenant{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("select tenant: %w", err)
	}
	return row.toEntity(), nil
}

// List returns a page of tenants, oldest first, and the total count.
func (r *Repo) List(ctx context.Context, limit, offset int) ([]domain.Tenant, int, error) {
	var rows []tenantRow
	n, err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).
		OrderExpr("created_at, id").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("select tenants: %w", err)
	}
	out := make([]domain.Tenant, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, int(n), nil
}

// Update stores a tenant's changeable fields.
func (r *Repo) Update(ctx context.Context, t domain.Tenant) error {
	row := toRow(t)
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Model(&row).
		Column("name", "slug", "display_name", "state", "quota_limit", "settings", "updated_at").
		WherePK().Exec(ctx)
	if err := uniqueError(err); err != nil {
		return fmt.Errorf("update tenant: %w", err)
	}
	return postgres.Affected(res, nil, domain.ErrNotFound)
}

// Delete removes a tenant; its credentials, federation and (later) every
// tenant-owned row go with it through ON DELETE CASCADE.
func (r *Repo) Delete(ctx context.Context, id tenancy.ID) error {
	res, err := postgres.Conn(ctx, r.db).NewDelete().Model((*tenantRow)(nil)).Where("id = ?", id.UUID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete tenant: %w", err)
	}
	return postgres.Affected(res, nil, domain.ErrNotFound)
}

// MarkProvisioned records when the tenant was provisioned; domain.ErrNotFound
// when it no longer exists.
func (r *Repo) MarkProvisioned(ctx context.Context, id tenancy.ID, at time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Model((*tenantRow)(nil)).
		Set("provisioned_at = ?", at).Set("updated_at = ?", at).
		Where("id = ?", id.UUID).Exec(ctx)
	if err != nil {
		return fmt.Errorf("update tenant: %w", err)
	}
	return postgres.Affected(res, nil, domain.ErrNotFound)
}

type credentialRow struct {
	bun.BaseModel `bun:"table:tenant_credentials"`

	TenantID   uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	Provider   string    `bun:"provider,pk"`
	APIKey     string    `bun:"api_key"`
	Endpoint   string    `bun:"endpoint"`
	APIVersion string    `bun:"api_version"`
	Deployment string    `bun:"deployment_name"`
	UpdatedAt  time.Time `bun:"updated_at"`
}

type federationRow struct {
	bun.BaseModel `bun:"table:tenant_federations"`

	TenantID          uuid.UUID `bun:"tenant_id,pk,type:uuid"`
	Provider          string    `bun:"provider"`
	DiscoveryEndpoint string    `bun:"discovery_endpoint"`
	ClientID          string    `bun:"client_id"`
	ClientSecret      string    `bun:"client_secret"`
	AllowedDomains    []string  `bun:"allowed_domains,array"`
	Scopes            []string  `bun:"scopes,array"`
	UpdatedAt         time.Time `bun:"updated_at"`
}

// Credentials returns a tenant's provider credentials ordered by provider.
func (r *Repo) Credentials(ctx context.Context, id tenancy.ID) ([]domain.Credential, error) {
	var rows []credentialRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("tenant_id = ?", id.UUID).Order("provider").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select credentials: %w", err)
	}
	out := make([]domain.Credential, len(rows))
	for i, row := range rows {
		out[i] = domain.Credential{Provider: domain.Provider(row.Provider), APIKey: row.APIKey, Endpoint: row.Endpoint,
			APIVersion: row.APIVersion, Deployment: row.Deployment, UpdatedAt: row.UpdatedAt}
	}
	return out, nil
}

// PutCredential creates or replaces one provider's credential.
func (r *Repo) PutCredential(ctx context.Context, id tenancy.ID, c domain.Credential) error {
	row := credentialRow{TenantID: id.UUID, Provider: string(c.Provider), APIKey: c.APIKey, Endpoint: c.Endpoint,
		APIVersion: c.APIVersion, Deployment: c.Deployment, UpdatedAt: c.UpdatedAt}
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).
		On("CONFLICT (tenant_id, provider) DO UPDATE").
		Set("api_key = EXCLUDED.api_key, endpoint = EXCLUDED.endpoint, api_version = EXCLUDED.api_version").
		Set("deployment_name = EXCLUDED.deployment_name, updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("upsert credential: %w", err)
	}
	return nil
}

// DeleteCredential removes one; false when there was none.
func (r *Repo) DeleteCredential(ctx context.Context, id tenancy.ID, p domain.Provider) (bool, error) {
	res, err := postgres.Conn(ctx, r.db).NewDelete().Model((*credentialRow)(nil)).
		Where("tenant_id = ?", id.UUID).Where("provider = ?", string(p)).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("delete credential: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Federation returns a tenant's identity provider; domain.ErrNoFederation.
func (r *Repo) Federation(ctx context.Context, id tenancy.ID) (domain.Federation, error) {
	var row federationRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where("tenant_id = ?", id.UUID).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Federation{}, domain.ErrNoFederation
	}
	if err != nil {
		return domain.Federation{}, fmt.Errorf("select federation: %w", err)
	}
	return domain.Federation{Provider: row.Provider, DiscoveryEndpoint: row.DiscoveryEndpoint, ClientID: row.ClientID,
		ClientSecret: row.ClientSecret, AllowedDomains: row.AllowedDomains, Scopes: row.Scopes, UpdatedAt: row.UpdatedAt}, nil
}

// PutFederation creates or replaces the identity provider.
func (r *Repo) PutFederation(ctx context.Context, id tenancy.ID, f domain.Federation) error {
	row := federationRow{TenantID: id.UUID, Provider: f.Provider, DiscoveryEndpoint: f.DiscoveryEndpoint, ClientID: f.ClientID,
		ClientSecret: f.ClientSecret, AllowedDomains: nonNil(f.AllowedDomains), Scopes: nonNil(f.Scopes), UpdatedAt: f.UpdatedAt}
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).
		On("CONFLICT (tenant_id) DO UPDATE").
		Set("provider = EXCLUDED.provider, discovery_endpoint = EXCLUDED.discovery_endpoint, client_id = EXCLUDED.client_id").
		Set("client_secret = EXCLUDED.client_secret, allowed_domains = EXCLUDED.allowed_domains, scopes = EXCLUDED.scopes").
		Set("updated_at = EXCLUDED.updated_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("upsert federation: %w", err)
	}
	return nil
}

// DeleteFederation removes it; false when there was none.
func (r *Repo) DeleteFederation(ctx context.Context, id tenancy.ID) (bool, error) {
	res, err := postgres.Conn(ctx, r.db).NewDelete().Model((*federationRow)(nil)).Where("tenant_id = ?", id.UUID).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("delete federation: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Federated returns the active tenants that have an identity provider.
func (r *Repo) Federated(ctx context.Context) ([]domain.Tenant, error) {
	var rows []tenantRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).
		Where("state = 'active'").
		Where("id IN (SELECT tenant_id FROM tenant_federations)").
		Order("display_name").Limit(1000).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select federated tenants: %w", err)
	}
	out := make([]domain.Tenant, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// EncryptedSecrets returns every stored secret, locked for update so a
// rotation cannot race a concurrent change.
func (r *Repo) EncryptedSecrets(ctx context.Context) ([]application.StoredSecret, error) {
	var creds []credentialRow
	db := postgres.Conn(ctx, r.db)
	if err := db.NewSelect().Model(&creds).Where("api_key <> ''").For("UPDATE").Scan(ctx); err != nil {
		return nil, fmt.Errorf("select credentials: %w", err)
	}
	var feds []federationRow
	if err := db.NewSelect().Model(&feds).For("UPDATE").Scan(ctx); err != nil {
		return nil, fmt.Errorf("select federations: %w", err)
	}
	out := make([]application.StoredSecret, 0, len(creds)+len(feds))
	for _, c := range creds {
		out = append(out, application.StoredSecret{Tenant: tenancy.ID{UUID: c.TenantID}, Kind: "credential", Provider: c.Provider, Value: c.APIKey})
	}
	for _, f := range feds {
		out = append(out, application.StoredSecret{Tenant: tenancy.ID{UUID: f.TenantID}, Kind: "federation", Value: f.ClientSecret})
	}
	return out, nil
}

// ReplaceSecret swaps one stored secret for its re-encrypted form.
func (r *Repo) ReplaceSecret(ctx context.Context, s application.StoredSecret, value string) error {
	db := postgres.Conn(ctx, r.db)
	var err error
	if s.Kind == "credential" {
		_, err = db.NewUpdate().Model((*credentialRow)(nil)).Set("api_key = ?", value).
			Where("tenant_id = ?", s.Tenant.UUID).Where("provider = ?", s.Provider).Exec(ctx)
	} else {
		_, err = db.NewUpdate().Model((*federationRow)(nil)).Set("client_secret = ?", value).
			Where("tenant_id = ?", s.Tenant.UUID).Exec(ctx)
	}
	if err != nil {
		return fmt.Errorf("replace %s secret of tenant %s: %w", s.Kind, s.Tenant, err)
	}
	return nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
