package infrastructure

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Usage stores usage records in PostgreSQL.
type Usage struct{ db *bun.DB }

// NewUsage returns the usage store.
func NewUsage(db *bun.DB) *Usage { return &Usage{db: db} }

type usageRow struct {
	bun.BaseModel `bun:"table:usage_records"`

	ID               uuid.UUID     `bun:"id,pk,type:uuid"`
	TenantID         uuid.UUID     `bun:"tenant_id,type:uuid"`
	UserID           uuid.UUID     `bun:"user_id,type:uuid"`
	AssistantID      uuid.NullUUID `bun:"assistant_id,type:uuid"`
	ModelID          uuid.NullUUID `bun:"model_id,type:uuid"`
	WorkflowID       uuid.NullUUID `bun:"workflow_id,type:uuid"`
	Source           string        `bun:"source"`
	PromptTokens     int           `bun:"prompt_tokens"`
	CompletionTokens int           `bun:"completion_tokens"`
	CreatedAt        time.Time     `bun:"created_at"`
}

func newUsageRow(tenant tenancy.ID, u application.UsageRecord) *usageRow {
	row := &usageRow{ID: uuid.Must(uuid.NewV7()), TenantID: tenant.UUID, UserID: u.User, Source: u.Source,
		PromptTokens: u.PromptTokens, CompletionTokens: u.CompletionTokens, CreatedAt: u.At}
	if u.Assistant != nil {
		row.AssistantID = uuid.NullUUID{UUID: *u.Assistant, Valid: true}
	}
	if u.Model != nil {
		row.ModelID = uuid.NullUUID{UUID: *u.Model, Valid: true}
	}
	if u.Workflow != nil {
		row.WorkflowID = uuid.NullUUID{UUID: *u.Workflow, Valid: true}
	}
	return row
}

// InsertUsage stores a usage record, in the context's transaction when
// there is one.
func (r *Usage) InsertUsage(ctx context.Context, tenant tenancy.ID, u application.UsageRecord) error {
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(newUsageRow(tenant, u)).Exec(ctx); err != nil {
		return fmt.Errorf("insert usage: %w", err)
	}
	return nil
}

// TokensSince sums the tenant's tokens since a time.
func (r *Usage) TokensSince(ctx context.Context, tenant tenancy.ID, since time.Time) (int, error) {
	var n int
	err := postgres.Conn(ctx, r.db).NewSelect().Table("usage_records").ColumnExpr("coalesce(sum(prompt_tokens + completion_tokens), 0)").
		Where("tenant_id = ?", tenant.UUID).Where("created_at >= ?", since).Scan(ctx, &n)
	return n, err
}

// Usage sums the tenant's usage per day, user, assistant and model.
func (r *Usage) Usage(ctx context.Context, tenant tenancy.ID, from, to time.Time) ([]application.UsageRow, error) {
	var rows []struct {
		Day              time.Time     `bun:"day"`
		UserID           uuid.UUID     `bun:"user_id"`
		AssistantID      uuid.NullUUID `bun:"assistant_id"`
		ModelID          uuid.NullUUID `bun:"model_id"`
		WorkflowID       uuid.NullUUID `bun:"workflow_id"`
		Requests         int           `bun:"requests"`
		PromptTokens     int           `bun:"prompt_tokens"`
		CompletionTokens int           `bun:"completion_tokens"`
	}
	err := postgres.Conn(ctx, r.db).NewSelect().Table("usage_records").
		ColumnExpr("date_trunc('day', created_at) AS day, user_id, assistant_id, model_id, workflow_id").
		ColumnExpr("sum(requests)::int AS requests, sum(prompt_tokens)::int AS prompt_tokens, sum(completion_tokens)::int AS completion_tokens").
		Where("tenant_id = ?", tenant.UUID).Where("created_at >= ?", from).Where("created_at < ?", to).
		GroupExpr("1, 2, 3, 4, 5").OrderExpr("1, 2").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("select usage: %w", err)
	}
	out := make([]application.UsageRow, len(rows))
	for i, x := range rows {
		out[i] = application.UsageRow{Day: x.Day, User: x.UserID, Requests: x.Requests, PromptTokens: x.PromptTokens, CompletionTokens: x.CompletionTokens}
		if x.AssistantID.Valid {
			a := x.AssistantID.UUID
			out[i].Assistant = &a
		}
		if x.ModelID.Valid {
			m := x.ModelID.UUID
			out[i].Model = &m
		}
		if x.WorkflowID.Valid {
			w := x.WorkflowID.UUID
			out[i].Workflow = &w
		}
	}
	return out, nil
}
