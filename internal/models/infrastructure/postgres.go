// Package infrastructure stores the model registry and the usage records
// in PostgreSQL, and reaches the providers (Providers: the catalogue, the
// credentials, the fallbacks and the router of platform/ai).
package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

type modelRow struct {
	bun.BaseModel `bun:"table:models,alias:m"`

	ID            uuid.UUID     `bun:"id,pk,type:uuid"`
	TenantID      uuid.NullUUID `bun:"tenant_id,type:uuid"`
	ProviderID    uuid.NullUUID `bun:"provider_id,type:uuid"`
	Kind          string        `bun:"kind"`
	Name          string        `bun:"name"`
	Description   string        `bun:"description"`
	ProviderType  string        `bun:"provider_type"`
	ProviderModel string        `bun:"provider_model"`
	TokenLimit    int           `bun:"token_limit"`
	Dimensions    int           `bun:"dimensions"`
	Vision        bool          `bun:"vision"`
	Tools         bool          `bun:"tools"`
	Region        string        `bun:"hosting_region"`
	Fallbacks     []uuid.UUID   `bun:"fallbacks,array"`
	FusionWeight  *float64      `bun:"fusion_weight"`
	CreatedAt     time.Time     `bun:"created_at"`
	UpdatedAt     time.Time     `bun:"updated_at"`
	// Filled by Visible: the tenant's setting.
	Enabled   bool `bun:"enabled,scanonly"`
	IsDefault bool `bun:"is_default,scanonly"`
}

func toRow(m domain.Model) modelRow {
	r := modelRow{ID: m.ID, Kind: string(m.Kind), Name: m.Name, Description: m.Description, ProviderType: m.ProviderType,
		ProviderModel: m.ProviderModel, TokenLimit: m.TokenLimit, Dimensions: m.Dimensions, Vision: m.Vision, Tools: m.Tools, Region: m.Region,
		Fallbacks: m.Fallbacks, FusionWeight: m.FusionWeight, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt}
	if r.Fallbacks == nil {
		r.Fallbacks = []uuid.UUID{}
	}
	if !m.Global() {
		r.TenantID = uuid.NullUUID{UUID: m.Tenant.UUID, Valid: true}
		r.ProviderID = uuid.NullUUID{UUID: m.ProviderID, Valid: true}
	}
	return r
}

func (r modelRow) toEntity() domain.Model {
	return domain.Model{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID.UUID}, ProviderID: r.ProviderID.UUID, Kind: domain.Kind(r.Kind),
		Name: r.Name, Description: r.Description, ProviderType: r.ProviderType, ProviderModel: r.ProviderModel,
		TokenLimit: r.TokenLimit, Dimensions: r.Dimensions, Vision: r.Vision, Tools: r.Tools, Region: r.Region, Fallbacks: r.Fallbacks,
		FusionWeight: r.FusionWeight, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Repo is the PostgreSQL model registry.
type Repo struct{ db *bun.DB }

// NewRepo returns a Repo on db.
func NewRepo(db *bun.DB) *Repo { return &Repo{db: db} }

// owner filters on the owning tenant: NULL for global models.
func owner(q *bun.SelectQuery, tenant tenancy.ID) *bun.SelectQuery {
	if tenant.IsZero() {
		return q.Where("m.tenant_id IS NULL")
	}
	return q.Where("m.tenant_id = ?", tenant.UUID)
}

// Global lists global models of a kind by name.
func (r *Repo) Global(ctx context.Context, kind domain.Kind) ([]domain.Model, error) {
	var rows []modelRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("m.tenant_id IS NULL").Where("m.kind = ?", string(kind)).Order("m.name").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select models: %w", err)
	}
	out := make([]domain.Model, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// Model loads a model owned by tenant (zero: global).
func (r *Repo) Model(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Model, error) {
	var row modelRow
	err := owner(postgres.Conn(ctx, r.db).NewSelect().Model(&row), tenant).Where("m.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Model{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Model{}, fmt.Errorf("select model: %w", err)
	}
	return row.toEntity(), nil
}

// visible selects the global models and the tenant's own, with the
// tenant's settings (a model without a setting is disabled).
func (r *Repo) visible(ctx context.Context, rows any, tenant tenancy.ID) *bun.SelectQuery {
	return postgres.Conn(ctx, r.db).NewSelect().Model(rows).ColumnExpr("m.*").
		ColumnExpr("coalesce(tm.enabled, false) AS enabled, coalesce(tm.is_default, false) AS is_default").
		Join("LEFT JOIN tenant_models AS tm ON tm.tenant_id = ? AND tm.model_id = m.id", tenant.UUID).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("m.tenant_id IS NULL").WhereOr("m.tenant_id = ?", tenant.UUID)
		})
}

func toView(r modelRow) domain.View {
	return domain.View{Model: r.toEntity(), Setting: domain.Setting{Enabled: r.Enabled, Default: r.IsDefault}}
}

// Visible lists what the tenant can see of a kind.
func (r *Repo) Visible(ctx context.Context, tenant tenancy.ID, kind domain.Kind) ([]domain.View, error) {
	var rows []modelRow
	if err := r.visible(ctx, &rows, tenant).Where("m.kind = ?", string(kind)).Order("m.name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("select models: %w", err)
	}
	out := make([]domain.View, len(rows))
	for i, row := range rows {
		out[i] = toView(row)
	}
	return out, nil
}

// VisibleOne loads one model the tenant can see.
func (r *Repo) VisibleOne(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.View, error) {
	var row modelRow
	err := r.visible(ctx, &row, tenant).Where("m.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.View{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.View{}, fmt.Errorf("select model: %w", err)
	}
	return toView(row), nil
}

// InsertModel stores a new model.
func (r *Repo) InsertModel(ctx context.Context, m domain.Model) error {
	row := toRow(m)
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx)
	if postgres.IsUniqueViolation(err, "") {
		return domain.ErrNameTaken
	}
	if err != nil {
		return fmt.Errorf("insert model: %w", err)
	}
	return nil
}

// UpdateModel stores a model's describing fields.
func (r *Repo) UpdateModel(ctx context.Context, m domain.Model) error {
	row := toRow(m)
	q := postgres.Conn(ctx, r.db).NewUpdate().Model(&row).
		Column("name", "description", "provider_type", "provider_model", "token_limit", "dimensions", "vision", "tools", "hosting_region", "fallbacks", "fusion_weight", "updated_at").
		WherePK()
	if m.Global() {
		q = q.Where("tenant_id IS NULL")
	} else {
		q = q.Where("tenant_id = ?", m.Tenant.UUID)
	}
	res, err := q.Exec(ctx)
	if postgres.IsUniqueViolation(err, "") {
		return domain.ErrNameTaken
	}
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// DeleteModel removes a model owned by tenant (zero: global).
func (r *Repo) DeleteModel(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	q := postgres.Conn(ctx, r.db).NewDelete().TableExpr("models").Where("id = ?", id)
	if tenant.IsZero() {
		q = q.Where("tenant_id IS NULL")
	} else {
		q = q.Where("tenant_id = ?", tenant.UUID)
	}
	res, err := q.Exec(ctx)
	if err := postgres.Affected(res, err, domain.ErrNotFound); err != nil {
		return err
	}
	// Models that fell back to it stop naming it.
	_, err = postgres.Conn(ctx, r.db).NewRaw("UPDATE models SET fallbacks = array_remove(fallbacks, ?) WHERE ? = ANY(fallbacks)", id, id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("drop model %s from fallbacks: %w", id, err)
	}
	return nil
}

// PutSetting stores a tenant's setting; a new default clears the old one.
func (r *Repo) PutSetting(ctx context.Context, tenant tenancy.ID, m domain.Model, s domain.Setting) error {
	db := postgres.Conn(ctx, r.db)
	if s.Default {
		_, err := db.NewUpdate().Table("tenant_models").Set("is_default = false").
			Where("tenant_id = ?", tenant.UUID).Where("kind = ?", string(m.Kind)).Where("model_id <> ?", m.ID).Exec(ctx)
		if err != nil {
			return fmt.Errorf("clear default: %w", err)
		}
	}
	_, err := db.NewRaw(`INSERT INTO tenant_models (tenant_id, model_id, kind, enabled, is_default, updated_at)
		VALUES (?, ?, ?, ?, ?, now())
		ON CONFLICT (tenant_id, model_id) DO UPDATE SET enabled = EXCLUDED.enabled, is_default = EXCLUDED.is_default, updated_at = now()`,
		tenant.UUID, m.ID, string(m.Kind), s.Enabled, s.Default).Exec(ctx)
	if err != nil {
		return fmt.Errorf("store model setting: %w", err)
	}
	return nil
}

type providerRow struct {
	bun.BaseModel `bun:"table:model_providers"`

	ID           uuid.UUID `bun:"id,pk,type:uuid"`
	TenantID     uuid.UUID `bun:"tenant_id,type:uuid"`
	Name         string    `bun:"name"`
	ProviderType string    `bun:"provider_type"`
	Endpoint     string    `bun:"endpoint"`
	APIKey       string    `bun:"api_key"`
	CreatedAt    time.Time `bun:"created_at"`
	UpdatedAt    time.Time `bun:"updated_at"`
}

func (r providerRow) toEntity() domain.Provider {
	return domain.Provider{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Name: r.Name, ProviderType: r.ProviderType,
		Endpoint: r.Endpoint, APIKey: r.APIKey, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Providers lists the tenant's provider records by name.
func (r *Repo) Providers(ctx context.Context, tenant tenancy.ID) ([]domain.Provider, error) {
	var rows []providerRow
	if err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("tenant_id = ?", tenant.UUID).Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("select model providers: %w", err)
	}
	out := make([]domain.Provider, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// Provider loads one of the tenant's provider records.
func (r *Repo) Provider(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Provider, error) {
	var row providerRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Provider{}, domain.ErrProviderNotFound
	}
	if err != nil {
		return domain.Provider{}, fmt.Errorf("select model provider: %w", err)
	}
	return row.toEntity(), nil
}

// InsertProvider stores a new provider record.
func (r *Repo) InsertProvider(ctx context.Context, p domain.Provider) error {
	row := providerRow{ID: p.ID, TenantID: p.Tenant.UUID, Name: p.Name, ProviderType: p.ProviderType, Endpoint: p.Endpoint,
		APIKey: p.APIKey, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx)
	if postgres.IsUniqueViolation(err, "model_providers_name_key") {
		return domain.ErrProviderTaken
	}
	if err != nil {
		return fmt.Errorf("insert model provider: %w", err)
	}
	return nil
}

// UpdateProvider stores a provider record's fields.
func (r *Repo) UpdateProvider(ctx context.Context, p domain.Provider) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("model_providers").
		Set("name = ?", p.Name).Set("provider_type = ?", p.ProviderType).Set("endpoint = ?", p.Endpoint).
		Set("api_key = ?", p.APIKey).Set("updated_at = ?", p.UpdatedAt).
		Where("tenant_id = ?", p.Tenant.UUID).Where("id = ?", p.ID).Exec(ctx)
	if postgres.IsUniqueViolation(err, "model_providers_name_key") {
		return domain.ErrProviderTaken
	}
	return postgres.Affected(res, err, domain.ErrProviderNotFound)
}

// DeleteProvider removes a provider record; its models go with it.
func (r *Repo) DeleteProvider(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	res, err := postgres.Conn(ctx, r.db).NewDelete().Table("model_providers").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrProviderNotFound)
}

// ProviderKeys returns every provider record with a key, locked for update.
func (r *Repo) ProviderKeys(ctx context.Context) ([]domain.Provider, error) {
	var rows []providerRow
	if err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("api_key <> ''").For("UPDATE").Scan(ctx); err != nil {
		return nil, fmt.Errorf("select provider keys: %w", err)
	}
	out := make([]domain.Provider, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// ReplaceProviderKey stores a re-encrypted key.
func (r *Repo) ReplaceProviderKey(ctx context.Context, tenant tenancy.ID, id uuid.UUID, value string) error {
	_, err := postgres.Conn(ctx, r.db).NewUpdate().Table("model_providers").Set("api_key = ?", value).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("replace provider key: %w", err)
	}
	return nil
}
