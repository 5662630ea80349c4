package application

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// UsageRecord is the cost of one piece of model work.
type UsageRecord struct {
	User      uuid.UUID
	Assistant *uuid.UUID
	Model     *uuid.UUID
	// Workflow is the app, service or workflow a step ran for.
	Workflow         *uuid.UUID
	Source           string // chat, openai, embeddings, ingestion, …
	PromptTokens     int
	CompletionTokens int
	// At is when the work was done (zero: now).
	At time.Time
}

// UsageRow is usage summed per day, user, assistant, model and workflow.
type UsageRow struct {
	Day              time.Time
	User             uuid.UUID
	Assistant        *uuid.UUID
	Model            *uuid.UUID
	Workflow         *uuid.UUID
	Requests         int
	PromptTokens     int
	CompletionTokens int
}

// UsageStore stores usage records. InsertUsage joins the transaction the
// context carries.
type UsageStore interface {
	InsertUsage(ctx context.Context, tenant tenancy.ID, u UsageRecord) error
	// TokensSince sums the tenant's tokens since a time.
	TokensSince(ctx context.Context, tenant tenancy.ID, since time.Time) (int, error)
	Usage(ctx context.Context, tenant tenancy.ID, from, to time.Time) ([]UsageRow, error)
}

// Metering records what model work costs and holds tenants to their daily
// token quota.
type Metering struct {
	store UsageStore
	// perDay is a tenant's daily token quota (0: none).
	perDay int
	now    func() time.Time
}

// NewMetering returns the metering use case; tokensPerDay is every
// tenant's daily quota (0: none).
func NewMetering(store UsageStore, tokensPerDay int) *Metering {
	return &Metering{store: store, perDay: tokensPerDay, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Record stores a usage record, in the transaction the context carries
// when there is one.
func (m *Metering) Record(ctx context.Context, tenant tenancy.ID, u UsageRecord) error {
	if u.At.IsZero() {
		u.At = m.now()
	}
	if err := m.store.InsertUsage(ctx, tenant, u); err != nil {
		return fmt.Errorf("record %s usage: %w", u.Source, err)
	}
	return nil
}

// CheckQuota refuses work when the tenant has used its tokens for today.
func (m *Metering) CheckQuota(ctx context.Context, tenant tenancy.ID) error {
	if m.perDay <= 0 {
		return nil
	}
	day := m.now().Truncate(24 * time.Hour)
	used, err := m.store.TokensSince(ctx, tenant, day)
	if err != nil {
		return fmt.Errorf("read token usage: %w", err)
	}
	if used >= m.perDay {
		return &errs.Error{Kind: errs.QuotaExceeded, Msg: "your organisation has used its tokens for today; try again tomorrow or ask your administrator",
			RetryAfter: time.Until(day.Add(24 * time.Hour))}
	}
	return nil
}

// Usage sums the tenant's usage per day, user, assistant and model.
func (m *Metering) Usage(ctx context.Context, tenant tenancy.ID, from, to time.Time) ([]UsageRow, error) {
	if !to.After(from) || to.Sub(from) > 366*24*time.Hour {
		return nil, errs.New(errs.Invalid, "end must be after start and at most a year later")
	}
	rows, err := m.store.Usage(ctx, tenant, from, to)
	if err != nil {
		return nil, fmt.Errorf("usage: %w", err)
	}
	return rows, nil
}
