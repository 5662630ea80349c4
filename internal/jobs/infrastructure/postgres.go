// Package infrastructure stores jobs in PostgreSQL, where workers claim
// them, and wakes the workers through the queue in Redis.
package infrastructure

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/jobs/domain"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

type jobRow struct {
	bun.BaseModel `bun:"table:jobs,alias:j"`

	ID             uuid.UUID       `bun:"id,pk,type:uuid"`
	TenantID       uuid.UUID       `bun:"tenant_id,type:uuid"`
	UserID         uuid.UUID       `bun:"user_id,type:uuid"`
	Task           string          `bun:"task"`
	Name           string          `bun:"name"`
	Status         string          `bun:"status"`
	Progress       int             `bun:"progress"`
	Message        string          `bun:"message"`
	ResultLocation string          `bun:"result_location"`
	Payload        json.RawMessage `bun:"payload,type:jsonb"`
	Attempts       int             `bun:"attempts"`
	CreatedAt      time.Time       `bun:"created_at"`
	UpdatedAt      time.Time       `bun:"updated_at"`
	StartedAt      bun.NullTime    `bun:"started_at"`
	FinishedAt     bun.NullTime    `bun:"finished_at"`
	HeartbeatAt    bun.NullTime    `bun:"heartbeat_at"`
	// AttemptAt is when the running attempt began.
	AttemptAt bun.NullTime `bun:"attempt_started_at"`
	// RunAfter is when a job queued again may be claimed.
	RunAfter bun.NullTime `bun:"run_after"`
	// Queue names the installation whose workers run the job.
	Queue string `bun:"queue"`
}

func (r jobRow) toEntity() domain.Job {
	j := domain.Job{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, User: r.UserID, Task: r.Task, Name: r.Name, Queue: r.Queue,
		Status: domain.Status(r.Status), Progress: r.Progress, Message: r.Message, ResultLocation: r.ResultLocation,
		Payload: r.Payload, Attempts: r.Attempts, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	if !r.StartedAt.IsZero() {
		t := r.StartedAt.Time
		j.StartedAt = &t
	}
	if !r.FinishedAt.IsZero() {
		t := r.FinishedAt.Time
		j.FinishedAt = &t
	}
	return j
}

// Repo is the PostgreSQL job store.
type Repo struct{ db *bun.DB }

// NewRepo returns a Repo on db.
func NewRepo(db *bun.DB) *Repo { return &Repo{db: db} }

// Insert stores a new job.
func (r *Repo) Insert(ctx context.Context, j domain.Job) error {
	payload := json.RawMessage(j.Payload)
	if len(payload) == 0 {
		payload = json.RawMessage("{}")
	}
	row := jobRow{ID: j.ID, TenantID: j.Tenant.UUID, UserID: j.User, Task: j.Task, Name: j.Name, Status: string(j.Status),
		Payload: payload, Queue: j.Queue, CreatedAt: j.CreatedAt, UpdatedAt: j.UpdatedAt}
	if row.Queue == "" {
		row.Queue = "agora"
	}
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert job: %w", err)
	}
	return nil
}

// Get loads a job of the tenant.
func (r *Repo) Get(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Job, error) {
	var row jobRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Job{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Job{}, fmt.Errorf("select job: %w", err)
	}
	return row.toEntity(), nil
}

// List returns a user's jobs, newest first.
func (r *Repo) List(ctx context.Context, tenant tenancy.ID, user uuid.UUID, limit int) ([]domain.Job, error) {
	var rows []jobRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).
		OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select jobs: %w", err)
	}
	out := make([]domain.Job, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// update runs an UPDATE ... RETURNING on one job; false when no row matched.
func (r *Repo) update(ctx context.Context, q *bun.UpdateQuery) (domain.Job, bool, error) {
	var rows []jobRow
	if err := q.Returning("*").Scan(ctx, &rows); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return domain.Job{}, false, err
	}
	if len(rows) == 0 {
		return domain.Job{}, false, nil
	}
	return rows[0].toEntity(), true, nil
}

func (r *Repo) one(ctx context.Context, tenant tenancy.ID, id uuid.UUID) *bun.UpdateQuery {
	return postgres.Conn(ctx, r.db).NewUpdate().Model((*jobRow)(nil)).Where("tenant_id = ?", tenant.UUID).Where("id = ?", id)
}

// Start moves a queued (or abandoned running) job to in progress.
func (r *Repo) Start(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at, staleBefore time.Time) (domain.Job, bool, error) {
	j, ok, err := r.update(ctx, r.one(ctx, tenant, id).
		Set("status = 'in_progress'").Set("attempts = attempts + 1").Set("started_at = coalesce(started_at, ?)", at).
		Set("attempt_started_at = ?", at).Set("heartbeat_at = ?", at).Set("updated_at = ?", at).
		Where("(status = 'queued' OR (status = 'in_progress' AND heartbeat_at < ?))", staleBefore))
	if err != nil || ok {
		return j, ok, err
	}
	j, err = r.Get(ctx, tenant, id)
	return j, false, err
}

// Beat records progress and a heartbeat and returns the job's status.
func (r *Repo) Beat(ctx context.Context, tenant tenancy.ID, id uuid.UUID, progress int, message string, at time.Time) (domain.Status, error) {
	_, err := r.one(ctx, tenant, id).Set("progress = ?", progress).Set("message = ?", message).
		Set("heartbeat_at = ?", at).Set("updated_at = ?", at).Where("status = 'in_progress'").Exec(ctx)
	if err != nil {
		return "", fmt.Errorf("beat job: %w", err)
	}
	j, err := r.Get(ctx, tenant, id)
	return j.Status, err
}

// Finish moves a job that is not final to status.
func (r *Repo) Finish(ctx context.Context, tenant tenancy.ID, id uuid.UUID, status domain.Status, message, result string, at time.Time) (domain.Job, bool, error) {
	q := r.one(ctx, tenant, id).Set("status = ?", string(status)).
		Set("finished_at = ?", at).Set("updated_at = ?", at).Where("status IN ('queued', 'in_progress')")
	if message != "" || status != domain.Complete {
		q = q.Set("message = ?", message) // a complete job keeps its last word of progress
	}
	if status == domain.Complete {
		q = q.Set("progress = 100").Set("result_location = ?", result)
	}
	j, ok, err := r.update(ctx, q)
	if err != nil || ok {
		return j, ok, err
	}
	j, err = r.Get(ctx, tenant, id)
	return j, false, err
}

// Requeue moves a running job back to queued, to be claimed from runAfter.
func (r *Repo) Requeue(ctx context.Context, tenant tenancy.ID, id uuid.UUID, message string, at, runAfter time.Time) (domain.Job, error) {
	j, ok, err := r.update(ctx, r.one(ctx, tenant, id).Set("status = 'queued'").Set("message = ?", message).
		Set("updated_at = ?", at).Set("run_after = ?", runAfter).Where("status = 'in_progress'"))
	if err != nil {
		return domain.Job{}, err
	}
	if !ok {
		return r.Get(ctx, tenant, id)
	}
	return j, nil
}

// or is s, or def when s is empty (the default queue).
func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// claimLock serialises claims, so that two workers never both see a
// tenant under its share and both take a job of it.
const claimLock = 0x6a6f6273 // "jobs"

// Claim takes the next queued job of one of tasks for a worker: a job of
// the tenant with the fewest running jobs (tenants at their share,
// perTenant, only when no other tenant has work; 0 means no share), the
// oldest first, and moves it to in progress. Running jobs whose heartbeat
// is older than staleBefore do not count. It spans tenants; false when
// nothing is waiting.
func (r *Repo) Claim(ctx context.Context, queue string, tasks []string, perTenant int, at, staleBefore time.Time) (domain.Job, bool, error) {
	var rows []jobRow
	err := postgres.NewTransactor(r.db).InTx(ctx, func(ctx context.Context) error {
		db := postgres.Conn(ctx, r.db)
		if _, err := db.ExecContext(ctx, "SELECT pg_advisory_xact_lock(?)", claimLock); err != nil {
			return err
		}
		return db.NewRaw(`WITH running AS (
				SELECT tenant_id, count(*) AS n FROM jobs
				WHERE status = 'in_progress' AND heartbeat_at >= ? GROUP BY tenant_id),
			next AS (
				SELECT j.id FROM jobs j LEFT JOIN running r ON r.tenant_id = j.tenant_id
				WHERE j.status = 'queued' AND j.queue = ? AND j.task IN (?) AND (j.run_after IS NULL OR j.run_after <= ?)
				ORDER BY (? > 0 AND coalesce(r.n, 0) >= ?), coalesce(r.n, 0), j.created_at, j.id
				LIMIT 1 FOR UPDATE OF j SKIP LOCKED)
			UPDATE jobs SET status = 'in_progress', attempts = attempts + 1, started_at = coalesce(started_at, ?),
				attempt_started_at = ?, heartbeat_at = ?, updated_at = ?, run_after = NULL
			FROM next WHERE jobs.id = next.id
			RETURNING jobs.*`, staleBefore, or(queue, "agora"), bun.In(tasks), at, perTenant, perTenant, at, at, at, at).Scan(ctx, &rows)
	})
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return domain.Job{}, false, fmt.Errorf("claim a job: %w", err)
	}
	if len(rows) == 0 {
		return domain.Job{}, false, nil
	}
	return rows[0].toEntity(), true, nil
}

// Stale returns abandoned running jobs and long-queued ones, oldest first.
// Overdue counts running jobs, of every tenant, whose attempt began
// before startedBefore, and tells when the oldest began.
func (r *Repo) Overdue(ctx context.Context, startedBefore time.Time) (int, time.Time, error) {
	var out struct {
		N      int          `bun:"n"`
		Oldest bun.NullTime `bun:"oldest"`
	}
	err := postgres.Conn(ctx, r.db).NewSelect().Table("jobs").
		ColumnExpr("count(*) AS n, min(attempt_started_at) AS oldest").
		Where("status = 'in_progress' AND attempt_started_at < ?", startedBefore).Scan(ctx, &out)
	if err != nil {
		return 0, time.Time{}, fmt.Errorf("count overdue jobs: %w", err)
	}
	return out.N, out.Oldest.Time, nil
}

func (r *Repo) Stale(ctx context.Context, queue string, beatBefore, queuedBefore time.Time, limit int) ([]domain.Job, error) {
	var rows []jobRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("queue = ?", or(queue, "agora")).
		WhereGroup(" AND ", func(q *bun.SelectQuery) *bun.SelectQuery {
			return q.Where("status = 'in_progress' AND heartbeat_at < ?", beatBefore).
				WhereOr("status = 'queued' AND updated_at < ?", queuedBefore)
		}).OrderExpr("updated_at").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select stale jobs: %w", err)
	}
	out := make([]domain.Job, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}
