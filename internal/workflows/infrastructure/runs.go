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

type runRow struct {
	bun.BaseModel `bun:"table:workflow_runs,alias:r"`

	ID         uuid.UUID      `bun:"id,pk,type:uuid"`
	TenantID   uuid.UUID      `bun:"tenant_id,type:uuid"`
	WorkflowID uuid.UUID      `bun:"workflow_id,type:uuid"`
	Version    int            `bun:"version"`
	UserID     uuid.UUID      `bun:"user_id,type:uuid"`
	Trigger    string         `bun:"trigger"`
	Status     string         `bun:"status"`
	Input      map[string]any `bun:"input,type:jsonb"`
	Output     any            `bun:"output,type:jsonb,nullzero"`
	Error      string         `bun:"error"`
	JobID      uuid.NullUUID  `bun:"job_id,type:uuid"`
	Tokens     int            `bun:"tokens"`
	CreatedAt  time.Time      `bun:"created_at"`
	StartedAt  *time.Time     `bun:"started_at"`
	FinishedAt *time.Time     `bun:"finished_at"`
}

type stepRow struct {
	bun.BaseModel `bun:"table:workflow_run_steps,alias:s"`

	TenantID   uuid.UUID  `bun:"tenant_id,pk,type:uuid"`
	RunID      uuid.UUID  `bun:"run_id,pk,type:uuid"`
	StepID     string     `bun:"step_id,pk"`
	Position   int        `bun:"position"`
	Kind       string     `bun:"kind"`
	Status     string     `bun:"status"`
	Input      any        `bun:"input,type:jsonb,nullzero"`
	Output     any        `bun:"output,type:jsonb,nullzero"`
	Error      string     `bun:"error"`
	Tokens     int        `bun:"tokens"`
	Attempts   int        `bun:"attempts"`
	StartedAt  *time.Time `bun:"started_at"`
	FinishedAt *time.Time `bun:"finished_at"`
}

func toRunRow(r domain.Run) runRow {
	in := r.Input
	if in == nil {
		in = map[string]any{}
	}
	row := runRow{ID: r.ID, TenantID: r.Tenant.UUID, WorkflowID: r.Workflow, Version: r.Version, UserID: r.User, Trigger: r.Trigger,
		Status: string(r.Status), Input: in, Output: r.Output, Error: r.Error, Tokens: r.Tokens, CreatedAt: r.Created,
		StartedAt: r.Started, FinishedAt: r.Finished}
	if r.Job != uuid.Nil {
		row.JobID = uuid.NullUUID{UUID: r.Job, Valid: true}
	}
	return row
}

func (row runRow) toEntity() domain.Run {
	return domain.Run{ID: row.ID, Tenant: tenancy.ID{UUID: row.TenantID}, Workflow: row.WorkflowID, Version: row.Version, User: row.UserID,
		Trigger: row.Trigger, Status: domain.RunStatus(row.Status), Input: row.Input, Output: row.Output, Error: row.Error, Job: row.JobID.UUID,
		Tokens: row.Tokens, Created: row.CreatedAt, Started: row.StartedAt, Finished: row.FinishedAt}
}

// InsertRun stores a new run.
func (r *Repo) InsertRun(ctx context.Context, run domain.Run) error {
	row := toRunRow(run)
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert run: %w", err)
	}
	return nil
}

// SetRun stores a run's status, output, error, tokens and times.
func (r *Repo) SetRun(ctx context.Context, run domain.Run) error {
	row := toRunRow(run)
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Model(&row).Column("status", "output", "error", "tokens", "started_at", "finished_at").
		Where("tenant_id = ?", run.Tenant.UUID).WherePK().Exec(ctx)
	return postgres.Affected(res, err, domain.ErrRunNotFound)
}

// Run loads a run with its steps in order.
func (r *Repo) Run(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Run, error) {
	db := postgres.Conn(ctx, r.db)
	var row runRow
	err := db.NewSelect().Model(&row).Where("r.tenant_id = ?", tenant.UUID).Where("r.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Run{}, domain.ErrRunNotFound
	}
	if err != nil {
		return domain.Run{}, fmt.Errorf("select run: %w", err)
	}
	var steps []stepRow
	if err := db.NewSelect().Model(&steps).Where("s.tenant_id = ?", tenant.UUID).Where("s.run_id = ?", id).Order("s.position").Scan(ctx); err != nil {
		return domain.Run{}, fmt.Errorf("select run steps: %w", err)
	}
	out := row.toEntity()
	for _, s := range steps {
		out.Steps = append(out.Steps, domain.StepRun{Step: s.StepID, Position: s.Position, Kind: domain.StepKind(s.Kind), Status: domain.RunStatus(s.Status),
			Input: s.Input, Output: s.Output, Error: s.Error, Tokens: s.Tokens, Attempts: s.Attempts, Started: s.StartedAt, Finished: s.FinishedAt})
	}
	return out, nil
}

// Runs lists a workflow's runs, newest first (without their steps).
func (r *Repo) Runs(ctx context.Context, tenant tenancy.ID, workflow uuid.UUID, limit int) ([]domain.Run, error) {
	var rows []runRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Where("r.tenant_id = ?", tenant.UUID).Where("r.workflow_id = ?", workflow).
		Order("r.created_at DESC", "r.id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select runs: %w", err)
	}
	out := make([]domain.Run, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// PutStep stores one step of a run.
func (r *Repo) PutStep(ctx context.Context, tenant tenancy.ID, run uuid.UUID, s domain.StepRun) error {
	row := stepRow{TenantID: tenant.UUID, RunID: run, StepID: s.Step, Position: s.Position, Kind: string(s.Kind), Status: string(s.Status),
		Input: s.Input, Output: s.Output, Error: s.Error, Tokens: s.Tokens, Attempts: s.Attempts, StartedAt: s.Started, FinishedAt: s.Finished}
	_, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).
		On("CONFLICT (tenant_id, run_id, step_id) DO UPDATE").
		Set("status = EXCLUDED.status, input = EXCLUDED.input, output = EXCLUDED.output, error = EXCLUDED.error").
		Set("tokens = EXCLUDED.tokens, attempts = EXCLUDED.attempts, started_at = EXCLUDED.started_at, finished_at = EXCLUDED.finished_at").
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("store step %s of run %s: %w", s.Step, run, err)
	}
	return nil
}
