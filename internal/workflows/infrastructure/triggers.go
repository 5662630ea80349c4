package infrastructure

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/robfig/cron/v3"
	"github.com/uptrace/bun/dialect/pgdialect"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// SetSchedule stores a workflow's schedule (nil: none).
func (r *Repo) SetSchedule(ctx context.Context, tenant tenancy.ID, id uuid.UUID, s *domain.Schedule) error {
	q := postgres.Conn(ctx, r.db).NewUpdate().Table("workflows").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id)
	if s == nil {
		q = q.Set("schedule = ''").Set("schedule_input = '{}'").Set("schedule_user = NULL").Set("schedule_permissions = '{}'").Set("next_run_at = NULL")
	} else {
		perms := s.Permissions
		if perms == nil {
			perms = []string{}
		}
		q = q.Set("schedule = ?", s.Cron).Set("schedule_input = ?::jsonb", jsonb(s.Input)).Set("schedule_user = ?", s.User).
			Set("schedule_permissions = ?", pgArray(perms)).Set("next_run_at = ?", s.Next)
	}
	res, err := q.Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// ClaimDue takes up to limit due schedules across tenants, pushing their
// next run to lease in the same statement.
func (r *Repo) ClaimDue(ctx context.Context, now, lease time.Time, limit int) ([]domain.Workflow, error) {
	var rows []workflowRow
	err := postgres.Conn(ctx, r.db).NewRaw(`WITH claimed AS (
			UPDATE workflows SET next_run_at = ? WHERE id IN (
				SELECT id FROM workflows WHERE next_run_at <= ? AND schedule <> '' ORDER BY next_run_at LIMIT ? FOR UPDATE SKIP LOCKED)
			RETURNING *)
		SELECT w.*, (SELECT v.definition FROM workflow_versions v WHERE v.tenant_id = w.tenant_id AND v.workflow_id = w.id AND v.version = w.version) AS definition
		FROM claimed w`, lease, now, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("claim due schedules: %w", err)
	}
	out := make([]domain.Workflow, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// SetNext stores when a schedule runs next.
func (r *Repo) SetNext(ctx context.Context, tenant tenancy.ID, id uuid.UUID, next time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("workflows").Set("next_run_at = ?", next).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Where("schedule <> ''").Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// SetHook stores a workflow's webhook (nil: none).
func (r *Repo) SetHook(ctx context.Context, tenant tenancy.ID, id uuid.UUID, h *domain.Hook) error {
	q := postgres.Conn(ctx, r.db).NewUpdate().Table("workflows").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id)
	if h == nil {
		q = q.Set("hook_token_hash = NULL").Set("hook_secret = ''").Set("hook_user = NULL").Set("hook_permissions = '{}'")
	} else {
		perms := h.Permissions
		if perms == nil {
			perms = []string{}
		}
		q = q.Set("hook_token_hash = ?", h.TokenHash).Set("hook_secret = ?", h.Secret).Set("hook_user = ?", h.User).
			Set("hook_permissions = ?", pgArray(perms))
	}
	res, err := q.Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// ByHook finds a webhook's workflow by its token's hash, across tenants.
func (r *Repo) ByHook(ctx context.Context, tokenHash []byte) (domain.Workflow, error) {
	var row workflowRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).ColumnExpr("w.*").
		ColumnExpr("(SELECT v.definition FROM workflow_versions v WHERE v.tenant_id = w.tenant_id AND v.workflow_id = w.id AND v.version = w.version) AS definition").
		Where("w.hook_token_hash = ?", tokenHash).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Workflow{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Workflow{}, fmt.Errorf("select webhook: %w", err)
	}
	return row.toEntity(), nil
}

// Cron reads standard five-field cron expressions and descriptors
// (@daily, @every 1h) with robfig/cron.
type Cron struct{}

var cronParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// Next is the first time after after that expr names.
func (Cron) Next(expr string, after time.Time) (time.Time, error) {
	s, err := cronParser.Parse(expr)
	if err != nil {
		return time.Time{}, err
	}
	next := s.Next(after)
	if next.IsZero() {
		return time.Time{}, errors.New("the expression names no time to come")
	}
	return next, nil
}

// Replays remembers signed webhook requests in Redis.
type Replays struct{ rdb redis.UniversalClient }

// NewReplays returns the adapter.
func NewReplays(rdb redis.UniversalClient) Replays { return Replays{rdb: rdb} }

// Seen records key for ttl and reports whether it was there already.
func (r Replays) Seen(ctx context.Context, key string, ttl time.Duration) (bool, error) {
	ok, err := r.rdb.SetNX(ctx, "agora:"+key, 1, ttl).Result()
	if err != nil {
		return false, fmt.Errorf("record the webhook request: %w", err)
	}
	return !ok, nil
}

func pgArray(s []string) any { return pgdialect.Array(s) }

// jsonb is a value stored as JSON.
func jsonb(v map[string]any) string {
	if v == nil {
		return "{}"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "{}"
	}
	return string(b)
}
