// Package infrastructure stores workflows in PostgreSQL and adapts the
// other modules and platform packages the workflows use cases need.
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
	"github.com/agora-platform/agora/internal/workflows/domain"
)

type workflowRow struct {
	bun.BaseModel `bun:"table:workflows,alias:w"`

	ID          uuid.UUID         `bun:"id,pk,type:uuid"`
	TenantID    uuid.UUID         `bun:"tenant_id,type:uuid"`
	SpaceID     uuid.UUID         `bun:"space_id,type:uuid"`
	Kind        string            `bun:"kind"`
	Name        string            `bun:"name"`
	Description string            `bun:"description"`
	Version     int               `bun:"version"`
	Published   bool              `bun:"published"`
	CreatedBy   uuid.UUID         `bun:"created_by,type:uuid"`
	CreatedAt   time.Time         `bun:"created_at"`
	UpdatedAt   time.Time         `bun:"updated_at"`
	Definition  domain.Definition `bun:"definition,type:jsonb,scanonly"`

	Schedule            string         `bun:"schedule"`
	ScheduleInput       map[string]any `bun:"schedule_input,type:jsonb"`
	ScheduleUser        uuid.NullUUID  `bun:"schedule_user,type:uuid"`
	SchedulePermissions []string       `bun:"schedule_permissions,array"`
	NextRunAt           *time.Time     `bun:"next_run_at"`
	HookTokenHash       []byte         `bun:"hook_token_hash,nullzero"`
	HookSecret          string         `bun:"hook_secret"`
	HookUser            uuid.NullUUID  `bun:"hook_user,type:uuid"`
	HookPermissions     []string       `bun:"hook_permissions,array"`
}

type versionRow struct {
	bun.BaseModel `bun:"table:workflow_versions,alias:v"`

	TenantID   uuid.UUID         `bun:"tenant_id,pk,type:uuid"`
	WorkflowID uuid.UUID         `bun:"workflow_id,pk,type:uuid"`
	Version    int               `bun:"version,pk"`
	Definition domain.Definition `bun:"definition,type:jsonb"`
	CreatedBy  uuid.UUID         `bun:"created_by,type:uuid"`
	CreatedAt  time.Time         `bun:"created_at"`
}

func (r workflowRow) toEntity() domain.Workflow {
	w := domain.Workflow{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Space: r.SpaceID, Kind: domain.Kind(r.Kind), Name: r.Name,
		Description: r.Description, Version: r.Version, Definition: r.Definition, Published: r.Published, CreatedBy: r.CreatedBy,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if r.Schedule != "" {
		w.Schedule = &domain.Schedule{Cron: r.Schedule, Input: r.ScheduleInput, User: r.ScheduleUser.UUID, Permissions: r.SchedulePermissions, Next: r.NextRunAt}
	}
	if len(r.HookTokenHash) > 0 {
		w.Hook = &domain.Hook{TokenHash: r.HookTokenHash, Secret: r.HookSecret, User: r.HookUser.UUID, Permissions: r.HookPermissions}
	}
	return w
}

func toRow(w domain.Workflow) workflowRow {
	return workflowRow{ID: w.ID, TenantID: w.Tenant.UUID, SpaceID: w.Space, Kind: string(w.Kind), Name: w.Name, Description: w.Description,
		Version: w.Version, Published: w.Published, CreatedBy: w.CreatedBy, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt,
		ScheduleInput: map[string]any{}, SchedulePermissions: []string{}, HookPermissions: []string{}}
}

// Repo is the PostgreSQL store of workflows and runs.
type Repo struct{ db *bun.DB }

// NewRepo returns a Repo on db.
func NewRepo(db *bun.DB) *Repo { return &Repo{db: db} }

// Insert stores a new workflow with its first version.
func (r *Repo) Insert(ctx context.Context, w domain.Workflow) error {
	db := postgres.Conn(ctx, r.db)
	row := toRow(w)
	if _, err := db.NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert workflow: %w", err)
	}
	return r.insertVersion(ctx, w)
}

func (r *Repo) insertVersion(ctx context.Context, w domain.Workflow) error {
	v := versionRow{TenantID: w.Tenant.UUID, WorkflowID: w.ID, Version: w.Version, Definition: w.Definition, CreatedBy: w.CreatedBy, CreatedAt: w.UpdatedAt}
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(&v).Exec(ctx); err != nil {
		return fmt.Errorf("insert workflow version: %w", err)
	}
	return nil
}

// Update stores the describing fields, and a new version when asked.
func (r *Repo) Update(ctx context.Context, w domain.Workflow, newVersion bool) error {
	row := toRow(w)
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Model(&row).Column("name", "description", "version", "published", "updated_at").
		Where("tenant_id = ?", w.Tenant.UUID).WherePK().Exec(ctx)
	if err := postgres.Affected(res, err, domain.ErrNotFound); err != nil {
		return err
	}
	if newVersion {
		return r.insertVersion(ctx, w)
	}
	return nil
}

// selectWorkflows selects workflows with their current definition.
func (r *Repo) selectWorkflows(ctx context.Context, rows any, tenant tenancy.ID) *bun.SelectQuery {
	return postgres.Conn(ctx, r.db).NewSelect().Model(rows).ColumnExpr("w.*").
		ColumnExpr("(SELECT v.definition FROM workflow_versions v WHERE v.tenant_id = w.tenant_id AND v.workflow_id = w.id AND v.version = w.version) AS definition").
		Where("w.tenant_id = ?", tenant.UUID)
}

// Get loads a workflow.
func (r *Repo) Get(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Workflow, error) {
	var row workflowRow
	err := r.selectWorkflows(ctx, &row, tenant).Where("w.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Workflow{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Workflow{}, fmt.Errorf("select workflow: %w", err)
	}
	return row.toEntity(), nil
}

// List returns the workflows of spaces, of a kind ("": all), by name.
func (r *Repo) List(ctx context.Context, tenant tenancy.ID, spaces []uuid.UUID, kind domain.Kind) ([]domain.Workflow, error) {
	if len(spaces) == 0 {
		return nil, nil
	}
	var rows []workflowRow
	q := r.selectWorkflows(ctx, &rows, tenant).Where("w.space_id IN (?)", bun.In(spaces)).Order("w.name", "w.id")
	if kind != "" {
		q = q.Where("w.kind = ?", string(kind))
	}
	if err := q.Scan(ctx); err != nil {
		return nil, fmt.Errorf("select workflows: %w", err)
	}
	out := make([]domain.Workflow, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// Delete removes a workflow; its versions and runs go with it.
func (r *Repo) Delete(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	res, err := postgres.Conn(ctx, r.db).NewDelete().TableExpr("workflows").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// Versions lists a workflow's versions, newest first.
func (r *Repo) Versions(ctx context.Context, tenant tenancy.ID, id uuid.UUID) ([]domain.Version, error) {
	var rows []versionRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("v.tenant_id = ?", tenant.UUID).Where("v.workflow_id = ?", id).
		Order("v.version DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select workflow versions: %w", err)
	}
	out := make([]domain.Version, len(rows))
	for i, v := range rows {
		out[i] = domain.Version{Workflow: v.WorkflowID, Version: v.Version, Definition: v.Definition, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt}
	}
	return out, nil
}

// Version loads one version.
func (r *Repo) Version(ctx context.Context, tenant tenancy.ID, id uuid.UUID, version int) (domain.Version, error) {
	var v versionRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&v).Where("v.tenant_id = ?", tenant.UUID).Where("v.workflow_id = ?", id).
		Where("v.version = ?", version).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Version{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Version{}, fmt.Errorf("select workflow version: %w", err)
	}
	return domain.Version{Workflow: v.WorkflowID, Version: v.Version, Definition: v.Definition, CreatedBy: v.CreatedBy, CreatedAt: v.CreatedAt}, nil
}
