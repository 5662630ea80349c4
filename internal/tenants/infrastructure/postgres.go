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
