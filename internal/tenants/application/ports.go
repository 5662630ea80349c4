package application

import (
	"context"
	"time"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

// Repo stores tenants.
type Repo interface {
	// Insert stores a new tenant; domain.ErrNameTaken when the name is used.
	Insert(ctx context.Context, t domain.Tenant) error
	// Get loads a tenant; domain.ErrNotFound when there is none.
	Get(ctx context.Context, id tenancy.ID) (domain.Tenant, error)
	// List returns a page of tenants, oldest first, and the total count.
	List(ctx context.Context, limit, offset int) ([]domain.Tenant, int, error)
	// MarkProvisioned records when the tenant was provisioned.
	MarkProvisioned(ctx context.Context, id tenancy.ID, at time.Time) error
}

// Transactor runs a function in a database transaction carried by ctx.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}

// Enqueuer queues background tasks; an id makes the task unique while queued.
type Enqueuer interface {
	Enqueue(ctx context.Context, taskType string, payload any, id string) error
}

// Storage prepares a tenant's file storage.
type Storage interface {
	Prepare(ctx context.Context, tenant tenancy.ID) error
}
