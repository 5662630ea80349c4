package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/workflows/application"
)

type keyRow struct {
	bun.BaseModel `bun:"table:workflow_api_keys,alias:k"`

	ID         uuid.UUID  `bun:"id,pk,type:uuid"`
	TenantID   uuid.UUID  `bun:"tenant_id,type:uuid"`
	WorkflowID uuid.UUID  `bun:"workflow_id,type:uuid"`
	Name       string     `bun:"name"`
	Prefix     string     `bun:"prefix"`
	KeyHash    []byte     `bun:"key_hash"`
	CreatedBy  uuid.UUID  `bun:"created_by,type:uuid"`
	CreatedAt  time.Time  `bun:"created_at"`
	RevokedAt  *time.Time `bun:"revoked_at"`
}

func (r keyRow) toKey() application.Key {
	return application.Key{ID: r.ID, Workflow: r.WorkflowID, Name: r.Name, Prefix: r.Prefix, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, RevokedAt: r.RevokedAt}
}

var errKeyNotFound = errs.New(errs.NotFound, "API key not found")

// InsertKey stores a service's key.
func (r *Repo) InsertKey(ctx context.Context, tenant tenancy.ID, k application.Key, hash []byte) error {
	row := keyRow{ID: k.ID, TenantID: tenant.UUID, WorkflowID: k.Workflow, Name: k.Name, Prefix: k.Prefix, KeyHash: hash, CreatedBy: k.CreatedBy, CreatedAt: k.CreatedAt}
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert service key: %w", err)
	}
	return nil
}

// KeyByHash finds an unrevoked key by its HMAC, across tenants.
func (r *Repo) KeyByHash(ctx context.Context, hash []byte) (tenancy.ID, application.Key, error) {
	var row keyRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where("k.key_hash = ?", hash).Where("k.revoked_at IS NULL").Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return tenancy.ID{}, application.Key{}, errKeyNotFound
	}
	if err != nil {
		return tenancy.ID{}, application.Key{}, fmt.Errorf("select service key: %w", err)
	}
	return tenancy.ID{UUID: row.TenantID}, row.toKey(), nil
}

// Keys lists a service's keys, newest first.
func (r *Repo) Keys(ctx context.Context, tenant tenancy.ID, workflow uuid.UUID) ([]application.Key, error) {
	var rows []keyRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("k.tenant_id = ?", tenant.UUID).Where("k.workflow_id = ?", workflow).
		Order("k.created_at DESC").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select service keys: %w", err)
	}
	out := make([]application.Key, len(rows))
	for i, row := range rows {
		out[i] = row.toKey()
	}
	return out, nil
}

// RevokeKey revokes a live key of the service.
func (r *Repo) RevokeKey(ctx context.Context, tenant tenancy.ID, workflow, id uuid.UUID, at time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("workflow_api_keys").Set("revoked_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("workflow_id = ?", workflow).Where("id = ?", id).Where("revoked_at IS NULL").Exec(ctx)
	return postgres.Affected(res, err, errKeyNotFound)
}
