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
	"github.com/agora-platform/agora/internal/users/domain"
)

type roleRow struct {
	bun.BaseModel `bun:"table:roles"`

	ID          uuid.UUID `bun:"id,pk,type:uuid"`
	TenantID    uuid.UUID `bun:"tenant_id,type:uuid"`
	Name        string    `bun:"name"`
	Permissions []string  `bun:"permissions,array"`
	CreatedAt   time.Time `bun:"created_at"`
	UpdatedAt   time.Time `bun:"updated_at"`
}

func (r roleRow) toEntity() domain.Role {
	ps := make([]domain.Permission, len(r.Permissions))
	for i, p := range r.Permissions {
		ps[i] = domain.Permission(p)
	}
	return domain.Role{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Name: r.Name, Permissions: ps, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func toRoleRow(r domain.Role) roleRow {
	ps := make([]string, len(r.Permissions))
	for i, p := range r.Permissions {
		ps[i] = string(p)
	}
	return roleRow{ID: r.ID, TenantID: r.Tenant.UUID, Name: r.Name, Permissions: ps, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func roles(rows []roleRow) []domain.Role {
	out := make([]domain.Role, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out
}

// ListRoles returns the tenant's custom roles by name.
func (r *Repo) ListRoles(ctx context.Context, tenant tenancy.ID) ([]domain.Role, error) {
	var rows []roleRow
	if err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("tenant_id = ?", tenant.UUID).Order("name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("select roles: %w", err)
	}
	return roles(rows), nil
}

// RolesByID returns the tenant's roles among ids (missing ones are left out).
func (r *Repo) RolesByID(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) ([]domain.Role, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []roleRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("tenant_id = ?", tenant.UUID).
		Where("id IN (?)", bun.In(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select roles: %w", err)
	}
	return roles(rows), nil
}

// GetRole loads a role of the tenant; domain.ErrRoleNotFound otherwise.
func (r *Repo) GetRole(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Role, error) {
	var row roleRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Role{}, domain.ErrRoleNotFound
	}
	if err != nil {
		return domain.Role{}, fmt.Errorf("select role: %w", err)
	}
	return row.toEntity(), nil
}

// InsertRole stores a new role.
func (r *Repo) InsertRole(ctx context.Context, role domain.Role) error {
	row := toRoleRow(role)
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx)
	if postgres.IsUniqueViolation(err, "roles_name_key") {
		return domain.ErrRoleNameTaken
	}
	if err != nil {
		return fmt.Errorf("insert role: %w", err)
	}
	return nil
}

// UpdateRole stores a role's name and permissions.
func (r *Repo) UpdateRole(ctx context.Context, role domain.Role) error {
	row := toRoleRow(role)
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Model(&row).Column("name", "permissions", "updated_at").
		Where("tenant_id = ?", row.TenantID).WherePK().Exec(ctx)
	if postgres.IsUniqueViolation(err, "roles_name_key") {
		return domain.ErrRoleNameTaken
	}
	return postgres.Affected(res, err, domain.ErrRoleNotFound)
}

// DeleteRole removes a role; user_roles rows go with it.
func (r *Repo) DeleteRole(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	res, err := postgres.Conn(ctx, r.db).NewDelete().Model((*roleRow)(nil)).Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrRoleNotFound)
}
