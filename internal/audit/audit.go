// Package audit stores the audit log: every security-relevant action with
// actor, tenant, target, IP, user agent, request id and outcome, and lets
// tenant owners read their tenant's entries. It is a flat module: storing
// and listing rows has no rules of its own.
package audit

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Entry is one stored audit record.
type Entry struct {
	bun.BaseModel `bun:"table:audit_logs"`

	ID         uuid.UUID         `bun:"id,pk,type:uuid"`
	TenantID   uuid.NullUUID     `bun:"tenant_id,type:uuid"`
	ActorType  string            `bun:"actor_type"`
	ActorID    string            `bun:"actor_id"`
	Action     string            `bun:"action"`
	TargetType string            `bun:"target_type"`
	TargetID   string            `bun:"target_id"`
	Outcome    string            `bun:"outcome"`
	IP         string            `bun:"ip"`
	UserAgent  string            `bun:"user_agent"`
	RequestID  string            `bun:"request_id"`
	Details    map[string]string `bun:"details,type:jsonb"`
	CreatedAt  time.Time         `bun:"created_at"`
}

// Filter narrows List; empty fields do not filter.
type Filter struct {
	Action     string
	ActorID    string
	TargetType string
	TargetID   string
	Outcome    string
	Since      time.Time
	Until      time.Time
	Limit      int
	Offset     int
}

// Page limits for List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Service records and lists audit entries.
type Service struct {
	db  *bun.DB
	log *slog.Logger
	now func() time.Time
}

// NewService returns the audit service.
func NewService(db *bun.DB, log *slog.Logger) *Service {
	return &Service{db: db, log: log, now: time.Now}
}

// Record stores e with the actor and request carried by ctx. It joins the
// caller's transaction when there is one, so the entry commits with the
// change it describes. A failure is logged, never returned.
func (s *Service) Record(ctx context.Context, e audit.Event) {
	actor, req := audit.ActorFrom(ctx), audit.RequestFrom(ctx)
	row := Entry{
		ID: uuid.Must(uuid.NewV7()), ActorType: actor.Type, ActorID: actor.ID,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, Outcome: string(e.Outcome),
		IP: req.IP, UserAgent: truncate(req.UserAgent, 400), RequestID: req.RequestID,
		Details: e.Details, CreatedAt: s.now().UTC(),
	}
	if row.Outcome == "" {
		row.Outcome = string(audit.Success)
	}
	if row.Details == nil {
		row.Details = map[string]string{}
	}
	if !e.Tenant.IsZero() {
		row.TenantID = uuid.NullUUID{UUID: e.Tenant.UUID, Valid: true}
	}
	if _, err := postgres.Conn(ctx, s.db).NewInsert().Model(&row).Exec(ctx); err != nil {
		s.log.ErrorContext(ctx, "audit entry not stored", "action", e.Action, "target_id", e.TargetID, "err", err)
	}
}

// List returns a tenant's entries, newest first, and the total matching.
func (s *Service) List(ctx context.Context, tenant tenancy.ID, f Filter) ([]Entry, int, error) {
	if f.Limit == 0 {
		f.Limit = DefaultPageSize
	}
	if f.Limit < 1 || f.Limit > MaxPageSize || f.Offset < 0 {
		return nil, 0, errs.Newf(errs.Invalid, "limit must be between 1 and %d and offset not negative", MaxPageSize)
	}
	return s.list(ctx, tenant, f)
}

// list lists without the page-size bound (the CSV export sets its own).
func (s *Service) list(ctx context.Context, tenant tenancy.ID, f Filter) ([]Entry, int, error) {
	if f.Outcome != "" && f.Outcome != string(audit.Success) && f.Outcome != string(audit.Failure) {
		return nil, 0, errs.New(errs.Invalid, "outcome must be success or failure")
	}
	var rows []Entry
	q := postgres.Conn(ctx, s.db).NewSelect().Model(&rows).Where("tenant_id = ?", tenant.UUID)
	for col, v := range map[string]string{"action": f.Action, "actor_id": f.ActorID, "target_type": f.TargetType, "target_id": f.TargetID, "outcome": f.Outcome} {
		if v != "" {
			q = q.Where("? = ?", bun.Ident(col), v)
		}
	}
	if !f.Since.IsZero() {
		q = q.Where("created_at >= ?", f.Since)
	}
	if !f.Until.IsZero() {
		q = q.Where("created_at < ?", f.Until)
	}
	n, err := q.OrderExpr("created_at DESC, id DESC").Limit(int64(f.Limit)).Offset(int64(f.Offset)).ScanAndCount(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list audit entries: %w", err)
	}
	return rows, int(n), nil
}

// Actions lists the actions that occur in a tenant's log, for filters.
func (s *Service) Actions(ctx context.Context, tenant tenancy.ID) ([]string, error) {
	var out []string
	err := postgres.Conn(ctx, s.db).NewSelect().Table("audit_logs").ColumnExpr("DISTINCT action").
		Where("tenant_id = ?", tenant.UUID).OrderExpr("action").Scan(ctx, &out)
	if err != nil {
		return nil, fmt.Errorf("list audit actions: %w", err)
	}
	return out, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n]
}
