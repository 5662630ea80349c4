// Package infrastructure stores users, roles, groups, refresh tokens and API
// keys in PostgreSQL, hashes passwords, signs tokens and throttles sign-in
// in Redis.
package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/application"
	"github.com/agora-platform/agora/internal/users/domain"
)

type userRow struct {
	bun.BaseModel `bun:"table:users"`

	ID              uuid.UUID    `bun:"id,pk,type:uuid"`
	TenantID        uuid.UUID    `bun:"tenant_id,type:uuid"`
	Email           string       `bun:"email"`
	Username        string       `bun:"username"`
	PasswordHash    string       `bun:"password_hash"`
	State           string       `bun:"state"`
	PredefinedRoles []string     `bun:"predefined_roles,array"`
	RoleIDs         []uuid.UUID  `bun:"role_ids,array,scanonly"`
	CreatedAt       time.Time    `bun:"created_at"`
	UpdatedAt       time.Time    `bun:"updated_at"`
	DeletedAt       bun.NullTime `bun:"deleted_at"`
}

func (r userRow) toEntity() domain.User {
	return domain.User{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Email: r.Email, Username: r.Username,
		PasswordHash: r.PasswordHash, State: domain.State(r.State), PredefinedRoles: r.PredefinedRoles,
		RoleIDs: r.RoleIDs, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Repo is the PostgreSQL store of the users module.
type Repo struct{ db *bun.DB }

// NewRepo returns a Repo on db.
func NewRepo(db *bun.DB) *Repo { return &Repo{db: db} }

// selectUsers selects live users with their custom role ids.
func (r *Repo) selectUsers(ctx context.Context, rows any) *bun.SelectQuery {
	return postgres.Conn(ctx, r.db).NewSelect().Model(rows).
		ColumnExpr("u.*").
		ColumnExpr("ARRAY(SELECT ur.role_id FROM user_roles ur WHERE ur.tenant_id = u.tenant_id AND ur.user_id = u.id ORDER BY ur.role_id) AS role_ids").
		ModelTableExpr("users AS u").
		Where("u.deleted_at IS NULL")
}

// InsertUser stores a new user with its custom roles.
func (r *Repo) InsertUser(ctx context.Context, u domain.User) error {
	row := userRow{ID: u.ID, TenantID: u.Tenant.UUID, Email: u.Email, Username: u.Username, PasswordHash: u.PasswordHash,
		State: string(u.State), PredefinedRoles: nonNilStrings(u.PredefinedRoles), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx)
	if postgres.IsUniqueViolation(err, "users_email_key") {
		return domain.ErrEmailTaken
	}
	if err != nil {
		return fmt.Errorf("insert user: %w", err)
	}
	return r.setRoles(ctx, u.Tenant, u.ID, u.RoleIDs)
}

func (r *Repo) setRoles(ctx context.Context, tenant tenancy.ID, user uuid.UUID, roles []uuid.UUID) error {
	db := postgres.Conn(ctx, r.db)
	if _, err := db.NewDelete().TableExpr("user_roles").Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Exec(ctx); err != nil {
		return fmt.Errorf("clear user roles: %w", err)
	}
	for _, role := range roles {
		_, err := db.NewRaw("INSERT INTO user_roles (tenant_id, user_id, role_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
			tenant.UUID, user, role).Exec(ctx)
		if err != nil {
			return fmt.Errorf("add user role: %w", err)
		}
	}
	return nil
}

// GetUser loads a live user of the tenant; domain.ErrNotFound otherwise.
func (r *Repo) GetUser(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.User, error) {
	var row userRow
	err := r.selectUsers(ctx, &row).Where("u.tenant_id = ?", tenant.UUID).Where("u.id = ?", id).Scan(ctx)
	return oneUser(row, err)
}

// UserByEmail finds the live user with an e-mail in any tenant.
func (r *Repo) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	var row userRow
	err := r.selectUsers(ctx, &row).Where("u.email = ?", email).Scan(ctx)
	return oneUser(row, err)
}

func oneUser(row userRow, err error) (domain.User, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.User{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.User{}, fmt.Errorf("select user: %w", err)
	}
	return row.toEntity(), nil
}

// TenantOfUser finds a live user's tenant (sysadmin API only).
func (r *Repo) TenantOfUser(ctx context.Context, id uuid.UUID) (tenancy.ID, error) {
	var t uuid.UUID
	err := postgres.Conn(ctx, r.db).NewSelect().Table("users").Column("tenant_id").
		Where("id = ?", id).Where("deleted_at IS NULL").Scan(ctx, &t)
	if errors.Is(err, sql.ErrNoRows) {
		return tenancy.ID{}, domain.ErrNotFound
	}
	if err != nil {
		return tenancy.ID{}, fmt.Errorf("select user tenant: %w", err)
	}
	return tenancy.ID{UUID: t}, nil
}

// ListUsers returns a page of the tenant's live users, oldest first.
func (r *Repo) ListUsers(ctx context.Context, tenant tenancy.ID, search string, limit, offset int) ([]domain.User, int, error) {
	var rows []userRow
	q := r.selectUsers(ctx, &rows).Where("u.tenant_id = ?", tenant.UUID)
	if search = strings.TrimSpace(search); search != "" {
		like := "%" + strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(search) + "%"
		q = q.WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("u.email ILIKE ?", like).WhereOr("u.username ILIKE ?", like)
		})
	}
	n, err := q.OrderExpr("u.created_at, u.id").Limit(int64(limit)).Offset(int64(offset)).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("select users: %w", err)
	}
	out := make([]domain.User, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, int(n), nil
}

// UsersByID returns the tenant's users among ids, deleted ones too (an
// audit row may name someone since removed).
func (r *Repo) UsersByID(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) ([]domain.User, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []userRow
	if err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("tenant_id = ?", tenant.UUID).Where("id IN (?)", bun.In(ids)).Scan(ctx); err != nil {
		return nil, fmt.Errorf("select users by id: %w", err)
	}
	out := make([]domain.User, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// UpdateUser stores a user's changeable fields and custom roles.
func (r *Repo) UpdateUser(ctx context.Context, u domain.User) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("users").
		Set("username = ?", u.Username).Set("state = ?", string(u.State)).
		Set("predefined_roles = ?", pgArray(u.PredefinedRoles)).Set("updated_at = ?", u.UpdatedAt).
		Where("tenant_id = ?", u.Tenant.UUID).Where("id = ?", u.ID).Where("deleted_at IS NULL").Exec(ctx)
	if err := postgres.Affected(res, err, domain.ErrNotFound); err != nil {
		return err
	}
	return r.setRoles(ctx, u.Tenant, u.ID, u.RoleIDs)
}

// SetPassword stores a new password hash and activates an invited user.
func (r *Repo) SetPassword(ctx context.Context, tenant tenancy.ID, id uuid.UUID, hash string, at time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("users").
		Set("password_hash = ?", hash).Set("updated_at = ?", at).
		Set("state = CASE WHEN state = 'invited' THEN 'active' ELSE state END").
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Where("deleted_at IS NULL").Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// SoftDeleteUser marks a user deleted and clears the password.
func (r *Repo) SoftDeleteUser(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("users").
		Set("state = 'deleted'").Set("deleted_at = ?", at).Set("updated_at = ?", at).Set("password_hash = ''").
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Where("deleted_at IS NULL").Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// ActiveOwners counts the tenant's active Owners, locking them so two
// concurrent demotions cannot both pass the last-owner check.
func (r *Repo) ActiveOwners(ctx context.Context, tenant tenancy.ID) (int, error) {
	var ids []uuid.UUID
	err := postgres.Conn(ctx, r.db).NewSelect().Table("users").Column("id").
		Where("tenant_id = ?", tenant.UUID).Where("deleted_at IS NULL").Where("state = 'active'").
		Where("? = ANY(predefined_roles)", domain.RoleOwner).For("UPDATE").Scan(ctx, &ids)
	if err != nil {
		return 0, fmt.Errorf("count owners: %w", err)
	}
	return len(ids), nil
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// pgArray passes a Go slice as a PostgreSQL array parameter.
func pgArray(s []string) any { return pgdialect.Array(nonNilStrings(s)) }

var _ application.Repo = (*Repo)(nil)
