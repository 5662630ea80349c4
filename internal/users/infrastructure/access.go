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

type groupRow struct {
	bun.BaseModel `bun:"table:user_groups,alias:g"`

	ID          uuid.UUID   `bun:"id,pk,type:uuid"`
	TenantID    uuid.UUID   `bun:"tenant_id,type:uuid"`
	Name        string      `bun:"name"`
	Description string      `bun:"description"`
	Members     []uuid.UUID `bun:"members,array,scanonly"`
	CreatedAt   time.Time   `bun:"created_at"`
	UpdatedAt   time.Time   `bun:"updated_at"`
}

func (r groupRow) toEntity() domain.Group {
	return domain.Group{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Name: r.Name, Description: r.Description,
		Members: r.Members, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// selectGroups selects groups with their live members.
func (r *Repo) selectGroups(ctx context.Context, rows any, tenant tenancy.ID) *bun.SelectQuery {
	return postgres.Conn(ctx, r.db).NewSelect().Model(rows).ColumnExpr("g.*").
		ColumnExpr(`ARRAY(SELECT m.user_id FROM user_group_members m JOIN users u ON u.tenant_id = m.tenant_id AND u.id = m.user_id
			WHERE m.tenant_id = g.tenant_id AND m.group_id = g.id AND u.deleted_at IS NULL ORDER BY m.user_id) AS members`).
		Where("g.tenant_id = ?", tenant.UUID)
}

// ListGroups returns the tenant's groups by name.
func (r *Repo) ListGroups(ctx context.Context, tenant tenancy.ID) ([]domain.Group, error) {
	var rows []groupRow
	if err := r.selectGroups(ctx, &rows, tenant).Order("g.name").Scan(ctx); err != nil {
		return nil, fmt.Errorf("select user groups: %w", err)
	}
	out := make([]domain.Group, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// GetGroup loads a group of the tenant; domain.ErrGroupNotFound otherwise.
func (r *Repo) GetGroup(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Group, error) {
	var row groupRow
	err := r.selectGroups(ctx, &row, tenant).Where("g.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Group{}, domain.ErrGroupNotFound
	}
	if err != nil {
		return domain.Group{}, fmt.Errorf("select user group: %w", err)
	}
	return row.toEntity(), nil
}

// InsertGroup stores a new group.
func (r *Repo) InsertGroup(ctx context.Context, g domain.Group) error {
	row := groupRow{ID: g.ID, TenantID: g.Tenant.UUID, Name: g.Name, Description: g.Description, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx)
	if postgres.IsUniqueViolation(err, "user_groups_name_key") {
		return domain.ErrGroupNameTaken
	}
	if err != nil {
		return fmt.Errorf("insert user group: %w", err)
	}
	return nil
}

// UpdateGroup stores a group's name and description.
func (r *Repo) UpdateGroup(ctx context.Context, g domain.Group) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("user_groups").
		Set("name = ?", g.Name).Set("description = ?", g.Description).Set("updated_at = ?", g.UpdatedAt).
		Where("tenant_id = ?", g.Tenant.UUID).Where("id = ?", g.ID).Exec(ctx)
	if postgres.IsUniqueViolation(err, "user_groups_name_key") {
		return domain.ErrGroupNameTaken
	}
	return postgres.Affected(res, err, domain.ErrGroupNotFound)
}

// DeleteGroup removes a group and its memberships.
func (r *Repo) DeleteGroup(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	res, err := postgres.Conn(ctx, r.db).NewDelete().Table("user_groups").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrGroupNotFound)
}

// AddGroupMember adds a membership; an existing one is kept.
func (r *Repo) AddGroupMember(ctx context.Context, tenant tenancy.ID, group, user uuid.UUID) error {
	_, err := postgres.Conn(ctx, r.db).NewRaw(
		"INSERT INTO user_group_members (tenant_id, group_id, user_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
		tenant.UUID, group, user).Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert group member: %w", err)
	}
	return nil
}

// RemoveGroupMember removes a membership; false when there was none.
func (r *Repo) RemoveGroupMember(ctx context.Context, tenant tenancy.ID, group, user uuid.UUID) (bool, error) {
	res, err := postgres.Conn(ctx, r.db).NewDelete().Table("user_group_members").
		Where("tenant_id = ?", tenant.UUID).Where("group_id = ?", group).Where("user_id = ?", user).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("delete group member: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// GroupsOf lists the groups a user belongs to.
func (r *Repo) GroupsOf(ctx context.Context, tenant tenancy.ID, user uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := postgres.Conn(ctx, r.db).NewSelect().Table("user_group_members").Column("group_id").
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Scan(ctx, &ids)
	if err != nil {
		return nil, fmt.Errorf("select groups of user: %w", err)
	}
	return ids, nil
}
