// Package infrastructure stores spaces in PostgreSQL and adapts the users
// and models modules to the spaces module's ports.
package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/spaces/domain"
)

type spaceRow struct {
	bun.BaseModel `bun:"table:spaces,alias:s"`

	ID          uuid.UUID     `bun:"id,pk,type:uuid"`
	TenantID    uuid.UUID     `bun:"tenant_id,type:uuid"`
	Kind        string        `bun:"kind"`
	Name        string        `bun:"name"`
	Description string        `bun:"description"`
	OwnerID     uuid.NullUUID `bun:"owner_id,type:uuid"`
	CreatedAt   time.Time     `bun:"created_at"`
	UpdatedAt   time.Time     `bun:"updated_at"`
}

type memberRow struct {
	SpaceID uuid.UUID `bun:"space_id"`
	ID      uuid.UUID `bun:"id"`
	Role    string    `bun:"role"`
}

// Repo is the PostgreSQL space store.
type Repo struct{ db *bun.DB }

// NewRepo returns a Repo on db.
func NewRepo(db *bun.DB) *Repo { return &Repo{db: db} }

// Insert stores a space with its members.
func (r *Repo) Insert(ctx context.Context, s domain.Space) error {
	row := spaceRow{ID: s.ID, TenantID: s.Tenant.UUID, Kind: string(s.Kind), Name: s.Name, Description: s.Description,
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	if s.Owner != uuid.Nil {
		row.OwnerID = uuid.NullUUID{UUID: s.Owner, Valid: true}
	}
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert space: %w", err)
	}
	for _, m := range s.Members {
		if err := r.PutMember(ctx, s.Tenant, s.ID, m); err != nil {
			return err
		}
	}
	return nil
}

// Get loads a space of the tenant with its members and models.
func (r *Repo) Get(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Space, error) {
	return r.one(ctx, tenant, "s.id = ?", id)
}

// Personal loads the user's personal space.
func (r *Repo) Personal(ctx context.Context, tenant tenancy.ID, user uuid.UUID) (domain.Space, error) {
	return r.one(ctx, tenant, "s.kind = 'personal' AND s.owner_id = ?", user)
}

// Organization loads the tenant's organisation space.
func (r *Repo) Organization(ctx context.Context, tenant tenancy.ID) (domain.Space, error) {
	return r.one(ctx, tenant, "s.kind = 'organization'")
}

func (r *Repo) one(ctx context.Context, tenant tenancy.ID, where string, args ...any) (domain.Space, error) {
	var row spaceRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where("s.tenant_id = ?", tenant.UUID).Where(where, args...).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Space{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Space{}, fmt.Errorf("select space: %w", err)
	}
	out, err := r.hydrate(ctx, tenant, []spaceRow{row})
	if err != nil {
		return domain.Space{}, err
	}
	return out[0], nil
}

// ListFor lists the spaces a user can enter.
func (r *Repo) ListFor(ctx context.Context, tenant tenancy.ID, user uuid.UUID, groups []uuid.UUID, orgToo bool) ([]domain.Space, error) {
	if groups == nil {
		groups = []uuid.UUID{}
	}
	var rows []spaceRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("s.tenant_id = ?", tenant.UUID).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			q = q.Where("s.kind = 'personal' AND s.owner_id = ?", user).
				WhereOr("s.kind = 'shared' AND EXISTS (SELECT 1 FROM space_members m WHERE m.tenant_id = s.tenant_id AND m.space_id = s.id AND m.user_id = ?)", user).
				WhereOr("s.kind = 'shared' AND EXISTS (SELECT 1 FROM space_group_members g WHERE g.tenant_id = s.tenant_id AND g.space_id = s.id AND g.group_id IN (?))", bun.In(append(groups, uuid.Nil)))
			if orgToo {
				q = q.WhereOr("s.kind = 'organization'")
			}
			return q
		}).
		OrderExpr("CASE s.kind WHEN 'personal' THEN 0 WHEN 'organization' THEN 1 ELSE 2 END, s.name, s.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select spaces: %w", err)
	}
	return r.hydrate(ctx, tenant, rows)
}

// hydrate loads members, group members and models of the spaces in three
// queries, whatever their number.
func (r *Repo) hydrate(ctx context.Context, tenant tenancy.ID, rows []spaceRow) ([]domain.Space, error) {
	out := make([]domain.Space, len(rows))
	index := map[uuid.UUID]int{}
	ids := make([]uuid.UUID, len(rows))
	for i, row := range rows {
		out[i] = domain.Space{ID: row.ID, Tenant: tenancy.ID{UUID: row.TenantID}, Kind: domain.Kind(row.Kind), Name: row.Name,
			Description: row.Description, Owner: row.OwnerID.UUID, CreatedAt: row.CreatedAt, UpdatedAt: row.UpdatedAt}
		index[row.ID], ids[i] = i, row.ID
	}
	if len(rows) == 0 {
		return out, nil
	}
	db := postgres.Conn(ctx, r.db)
	for _, q := range []struct {
		table, col string
		add        func(*domain.Space, memberRow)
	}{
		{"space_members", "user_id", func(s *domain.Space, m memberRow) {
			s.Members = append(s.Members, domain.Member{UserID: m.ID, Role: domain.Role(m.Role)})
		}},
		{"space_group_members", "group_id", func(s *domain.Space, m memberRow) {
			s.GroupMembers = append(s.GroupMembers, domain.GroupMember{GroupID: m.ID, Role: domain.Role(m.Role)})
		}},
		{"space_models", "model_id", func(s *domain.Space, m memberRow) {
			s.Models = append(s.Models, m.ID)
			if m.Role == "default" {
				s.DefaultModels = append(s.DefaultModels, m.ID)
			}
		}},
	} {
		var ms []memberRow
		role := "role"
		if q.table == "space_models" {
			role = "CASE WHEN is_default THEN 'default' ELSE '' END"
		}
		err := db.NewSelect().TableExpr(q.table).ColumnExpr("space_id, "+q.col+" AS id, "+role+" AS role").
			Where("tenant_id = ?", tenant.UUID).Where("space_id IN (?)", bun.In(ids)).OrderExpr(q.col).Scan(ctx, &ms)
		if err != nil {
			return nil, fmt.Errorf("select %s: %w", q.table, err)
		}
		for _, m := range ms {
			q.add(&out[index[m.SpaceID]], m)
		}
	}
	return out, nil
}

// Update stores a space's name and description.
func (r *Repo) Update(ctx context.Context, s domain.Space) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("spaces").
		Set("name = ?", s.Name).Set("description = ?", s.Description).Set("updated_at = ?", s.UpdatedAt).
		Where("tenant_id = ?", s.Tenant.UUID).Where("id = ?", s.ID).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// SetModels replaces the space's enabled models and defaults.
func (r *Repo) SetModels(ctx context.Context, tenant tenancy.ID, space uuid.UUID, kinds map[uuid.UUID]string, defaults []uuid.UUID) error {
	db := postgres.Conn(ctx, r.db)
	if _, err := db.NewDelete().TableExpr("space_models").Where("tenant_id = ?", tenant.UUID).Where("space_id = ?", space).Exec(ctx); err != nil {
		return fmt.Errorf("clear space models: %w", err)
	}
	for m, kind := range kinds {
		_, err := db.NewRaw("INSERT INTO space_models (tenant_id, space_id, model_id, kind, is_default) VALUES (?, ?, ?, ?, ?)",
			tenant.UUID, space, m, kind, slices.Contains(defaults, m)).Exec(ctx)
		if err != nil {
			return fmt.Errorf("add space model: %w", err)
		}
	}
	return nil
}

// Delete removes a space; everything in it goes with it (ON DELETE CASCADE).
func (r *Repo) Delete(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	res, err := postgres.Conn(ctx, r.db).NewDelete().TableExpr("spaces").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// PutMember adds or changes a member.
func (r *Repo) PutMember(ctx context.Context, tenant tenancy.ID, space uuid.UUID, m domain.Member) error {
	_, err := postgres.Conn(ctx, r.db).NewRaw(`INSERT INTO space_members (tenant_id, space_id, user_id, role) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id, space_id, user_id) DO UPDATE SET role = EXCLUDED.role`, tenant.UUID, space, m.UserID, string(m.Role)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("put member: %w", err)
	}
	return nil
}

// DeleteMember removes a member; false when there was none.
func (r *Repo) DeleteMember(ctx context.Context, tenant tenancy.ID, space, user uuid.UUID) (bool, error) {
	return deleted(postgres.Conn(ctx, r.db).NewDelete().TableExpr("space_members").
		Where("tenant_id = ?", tenant.UUID).Where("space_id = ?", space).Where("user_id = ?", user).Exec(ctx))
}

// PutGroupMember adds or changes a group member.
func (r *Repo) PutGroupMember(ctx context.Context, tenant tenancy.ID, space uuid.UUID, g domain.GroupMember) error {
	_, err := postgres.Conn(ctx, r.db).NewRaw(`INSERT INTO space_group_members (tenant_id, space_id, group_id, role) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant_id, space_id, group_id) DO UPDATE SET role = EXCLUDED.role`, tenant.UUID, space, g.GroupID, string(g.Role)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("put group member: %w", err)
	}
	return nil
}

// DeleteGroupMember removes a group member; false when there was none.
func (r *Repo) DeleteGroupMember(ctx context.Context, tenant tenancy.ID, space, group uuid.UUID) (bool, error) {
	return deleted(postgres.Conn(ctx, r.db).NewDelete().TableExpr("space_group_members").
		Where("tenant_id = ?", tenant.UUID).Where("space_id = ?", space).Where("group_id = ?", group).Exec(ctx))
}

func deleted(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, fmt.Errorf("delete: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}
