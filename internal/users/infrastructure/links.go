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

type linkRow struct {
	bun.BaseModel `bun:"table:user_links,alias:l"`

	ID        uuid.UUID     `bun:"id,pk,type:uuid"`
	TenantID  uuid.UUID     `bun:"tenant_id,type:uuid"`
	UserID    uuid.UUID     `bun:"user_id,type:uuid"`
	Kind      string        `bun:"kind"`
	TokenHash []byte        `bun:"token_hash"`
	ExpiresAt time.Time     `bun:"expires_at"`
	UsedAt    bun.NullTime  `bun:"used_at"`
	RevokedAt bun.NullTime  `bun:"revoked_at"`
	CreatedBy uuid.NullUUID `bun:"created_by,type:uuid"`
	CreatedAt time.Time     `bun:"created_at"`
}

// InsertLink stores a password link.
func (r *Repo) InsertLink(ctx context.Context, l domain.Link) error {
	row := &linkRow{ID: l.ID, TenantID: l.Tenant.UUID, UserID: l.User, Kind: string(l.Kind), TokenHash: l.Hash, ExpiresAt: l.ExpiresAt,
		CreatedBy: uuid.NullUUID{UUID: l.CreatedBy, Valid: l.CreatedBy != uuid.Nil}, CreatedAt: l.CreatedAt}
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(row).ExcludeColumn("used_at", "revoked_at").Exec(ctx); err != nil {
		return fmt.Errorf("insert %s link of user %s: %w", l.Kind, l.User, err)
	}
	return nil
}

// RevokeLinks ends a user's live links of a kind.
func (r *Repo) RevokeLinks(ctx context.Context, tenant tenancy.ID, user uuid.UUID, kind domain.LinkKind, at time.Time) error {
	_, err := postgres.Conn(ctx, r.db).NewUpdate().Table("user_links").Set("revoked_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Where("kind = ?", string(kind)).
		Where("used_at IS NULL").Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke %s links of user %s: %w", kind, user, err)
	}
	return nil
}

// LinkByHash loads and locks a link by its token's hash.
func (r *Repo) LinkByHash(ctx context.Context, hash []byte) (domain.Link, error) {
	var row linkRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where("token_hash = ?", hash).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Link{}, domain.ErrLinkUnknown
	}
	if err != nil {
		return domain.Link{}, fmt.Errorf("select password link: %w", err)
	}
	return domain.Link{ID: row.ID, Tenant: tenancy.ID{UUID: row.TenantID}, User: row.UserID, Kind: domain.LinkKind(row.Kind), Hash: row.TokenHash,
		ExpiresAt: row.ExpiresAt, UsedAt: row.UsedAt.Time, RevokedAt: row.RevokedAt.Time, CreatedBy: row.CreatedBy.UUID, CreatedAt: row.CreatedAt}, nil
}

// UseLink marks a link used.
func (r *Repo) UseLink(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("user_links").Set("used_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Where("used_at IS NULL").Exec(ctx)
	return postgres.Affected(res, err, domain.ErrLinkUsed)
}
