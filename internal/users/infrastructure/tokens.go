package infrastructure

import (
	"bytes"
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
	"github.com/agora-platform/agora/internal/users/application"
	"github.com/agora-platform/agora/internal/users/domain"
)

type refreshRow struct {
	bun.BaseModel `bun:"table:refresh_tokens"`

	ID        uuid.UUID    `bun:"id,pk,type:uuid"`
	TenantID  uuid.UUID    `bun:"tenant_id,type:uuid"`
	UserID    uuid.UUID    `bun:"user_id,type:uuid"`
	FamilyID  uuid.UUID    `bun:"family_id,type:uuid"`
	TokenHash []byte       `bun:"token_hash"`
	ExpiresAt time.Time    `bun:"expires_at"`
	UsedAt    bun.NullTime `bun:"used_at"`
	RevokedAt bun.NullTime `bun:"revoked_at"`
	CreatedAt time.Time    `bun:"created_at"`
}

// InsertRefreshToken stores a refresh token's hash.
func (r *Repo) InsertRefreshToken(ctx context.Context, t application.RefreshToken) error {
	row := refreshRow{ID: t.ID, TenantID: t.Tenant.UUID, UserID: t.UserID, FamilyID: t.Family, TokenHash: t.Hash,
		ExpiresAt: t.ExpiresAt, CreatedAt: t.CreatedAt}
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert refresh token: %w", err)
	}
	return nil
}

// RefreshTokenByHash loads and locks a refresh token. The token itself is
// the credential, so this lookup is by hash alone; the row names its tenant.
func (r *Repo) RefreshTokenByHash(ctx context.Context, hash []byte) (application.RefreshToken, error) {
	var row refreshRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where("token_hash = ?", hash).For("UPDATE").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return application.RefreshToken{}, domain.ErrInvalidToken
	}
	if err != nil {
		return application.RefreshToken{}, fmt.Errorf("select refresh token: %w", err)
	}
	return application.RefreshToken{ID: row.ID, Tenant: tenancy.ID{UUID: row.TenantID}, UserID: row.UserID, Family: row.FamilyID,
		Hash: row.TokenHash, ExpiresAt: row.ExpiresAt, UsedAt: row.UsedAt.Time, RevokedAt: row.RevokedAt.Time, CreatedAt: row.CreatedAt}, nil
}

// MarkRefreshTokenUsed records that a refresh token was traded.
func (r *Repo) MarkRefreshTokenUsed(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("refresh_tokens").Set("used_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrInvalidToken)
}

// RevokeRefreshFamily revokes every token of a family.
func (r *Repo) RevokeRefreshFamily(ctx context.Context, tenant tenancy.ID, family uuid.UUID, at time.Time) error {
	_, err := postgres.Conn(ctx, r.db).NewUpdate().Table("refresh_tokens").Set("revoked_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("family_id = ?", family).Where("revoked_at IS NULL").Exec(ctx)
	if err != nil {
		return fmt.Errorf("revoke token family: %w", err)
	}
	return nil
}

// RevokeUserRefreshTokens revokes every refresh token of a user and
// returns the families of those that were still live.
func (r *Repo) RevokeUserRefreshTokens(ctx context.Context, tenant tenancy.ID, user uuid.UUID, at time.Time) ([]uuid.UUID, error) {
	var families []uuid.UUID
	err := postgres.Conn(ctx, r.db).NewUpdate().Table("refresh_tokens").Set("revoked_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Where("revoked_at IS NULL").
		Returning("family_id").Scan(ctx, &families)
	if err != nil {
		return nil, fmt.Errorf("revoke user tokens: %w", err)
	}
	slices.SortFunc(families, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	return slices.Compact(families), nil
}

type apiKeyRow struct {
	bun.BaseModel `bun:"table:api_keys"`

	ID         uuid.UUID    `bun:"id,pk,type:uuid"`
	TenantID   uuid.UUID    `bun:"tenant_id,type:uuid"`
	UserID     uuid.UUID    `bun:"user_id,type:uuid"`
	Name       string       `bun:"name"`
	Prefix     string       `bun:"prefix"`
	KeyHash    []byte       `bun:"key_hash"`
	Scopes     []string     `bun:"scopes,array"`
	Models     []string     `bun:"models,array"`
	ExpiresAt  bun.NullTime `bun:"expires_at"`
	LastUsedAt bun.NullTime `bun:"last_used_at"`
	RevokedAt  bun.NullTime `bun:"revoked_at"`
	CreatedAt  time.Time    `bun:"created_at"`
}

func (r apiKeyRow) toEntity() domain.APIKey {
	ss := make([]domain.Scope, len(r.Scopes))
	for i, s := range r.Scopes {
		ss[i] = domain.Scope(s)
	}
	return domain.APIKey{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, UserID: r.UserID, Name: r.Name, Prefix: r.Prefix,
		Scopes: ss, Models: r.Models, ExpiresAt: r.ExpiresAt.Time, LastUsedAt: r.LastUsedAt.Time, RevokedAt: r.RevokedAt.Time, CreatedAt: r.CreatedAt}
}

// InsertAPIKey stores a key record with the HMAC of its secret.
func (r *Repo) InsertAPIKey(ctx context.Context, k domain.APIKey, hash []byte) error {
	ss := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		ss[i] = string(s)
	}
	models := k.Models
	if models == nil {
		models = []string{}
	}
	row := apiKeyRow{ID: k.ID, TenantID: k.Tenant.UUID, UserID: k.UserID, Name: k.Name, Prefix: k.Prefix, KeyHash: hash,
		Scopes: ss, Models: models, CreatedAt: k.CreatedAt}
	if !k.ExpiresAt.IsZero() {
		row.ExpiresAt = bun.NullTime{Time: k.ExpiresAt}
	}
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert API key: %w", err)
	}
	return nil
}

// ListAPIKeys returns a user's keys, newest first.
func (r *Repo) ListAPIKeys(ctx context.Context, tenant tenancy.ID, user uuid.UUID) ([]domain.APIKey, error) {
	var rows []apiKeyRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).ExcludeColumn("key_hash").
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Order("created_at DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select API keys: %w", err)
	}
	out := make([]domain.APIKey, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// CountAPIKeys counts a user's unrevoked keys.
func (r *Repo) CountAPIKeys(ctx context.Context, tenant tenancy.ID, user uuid.UUID) (int, error) {
	n, err := postgres.Conn(ctx, r.db).NewSelect().Table("api_keys").
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Where("revoked_at IS NULL").Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("count API keys: %w", err)
	}
	return int(n), nil
}

// RevokeAPIKey revokes one of a user's keys; domain.ErrAPIKeyNotFound.
func (r *Repo) RevokeAPIKey(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID, at time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("api_keys").Set("revoked_at = coalesce(revoked_at, ?)", at).
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrAPIKeyNotFound)
}

// APIKeyByHash finds a key by its HMAC. The key is the credential, so this
// lookup is by hash alone; the row names its tenant.
func (r *Repo) APIKeyByHash(ctx context.Context, hash []byte) (domain.APIKey, error) {
	var row apiKeyRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where("key_hash = ?", hash).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.APIKey{}, domain.ErrInvalidAPIKey
	}
	if err != nil {
		return domain.APIKey{}, fmt.Errorf("select API key: %w", err)
	}
	return row.toEntity(), nil
}

// TouchAPIKey records the key's last use.
func (r *Repo) TouchAPIKey(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error {
	_, err := postgres.Conn(ctx, r.db).NewUpdate().Table("api_keys").Set("last_used_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("touch API key: %w", err)
	}
	return nil
}
