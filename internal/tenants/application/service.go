// Package application holds the tenant use cases. The tenants module is the
// one module whose data is not scoped by tenant: it owns the tenants.
package application

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

// Page limits for List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Service runs the tenant use cases.
type Service struct {
	repo    Repo
	tx      Transactor
	jobs    Enqueuer
	storage Storage
	log     *slog.Logger
	now     func() time.Time
}

// NewService returns a Service.
func NewService(repo Repo, tx Transactor, jobs Enqueuer, storage Storage, log *slog.Logger) *Service {
	return &Service{repo: repo, tx: tx, jobs: jobs, storage: storage, log: log, now: now}
}

// now is the current time at PostgreSQL's precision, so what a create
// returns equals what a later read returns.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// CreateInput is what a sysadmin gives to create a tenant.
type CreateInput struct {
	Name        string
	DisplayName string
}

// Create stores a new tenant and queues its provisioning after commit.
// A failed enqueue does not undo the tenant: it is logged, and Provision can
// be queued again for tenants that are not provisioned.
func (s *Service) Create(ctx context.Context, in CreateInput) (domain.Tenant, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("new tenant id: %w", err)
	}
	t, err := domain.New(tenancy.ID{UUID: id}, in.Name, in.DisplayName, s.now())
	if err != nil {
		return domain.Tenant{}, err
	}
	if err := s.tx.InTx(ctx, func(ctx context.Context) error { return s.repo.Insert(ctx, t) }); err != nil {
		return domain.Tenant{}, fmt.Errorf("create tenant %q: %w", t.Name, err)
	}
	if err := s.jobs.Enqueue(ctx, TypeProvision, ProvisionPayload{TenantID: t.ID}, t.ID.String()); err != nil {
		s.log.WarnContext(ctx, "tenant created but provisioning not queued", "tenant_id", t.ID, "err", err)
	}
	return t, nil
}

// Get returns the tenant with id, or domain.ErrNotFound.
func (s *Service) Get(ctx context.Context, id tenancy.ID) (domain.Tenant, error) {
	t, err := s.repo.Get(ctx, id)
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("get tenant %s: %w", id, err)
	}
	return t, nil
}

// List returns a page of tenants and the total count. A limit of 0 means the
// default page size.
func (s *Service) List(ctx context.Context, limit, offset int) ([]domain.Tenant, int, error) {
	if limit == 0 {
		limit = DefaultPageSize
	}
	if limit < 1 || limit > MaxPageSize {
		return nil, 0, errs.Newf(errs.Invalid, "limit must be between 1 and %d", MaxPageSize)
	}
	if offset < 0 {
		return nil, 0, errs.New(errs.Invalid, "offset must not be negative")
	}
	ts, n, err := s.repo.List(ctx, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list tenants: %w", err)
	}
	return ts, n, nil
}

// Provision prepares a tenant's storage and marks it provisioned. Running it
// twice is harmless.
func (s *Service) Provision(ctx context.Context, id tenancy.ID) error {
	t, err := s.repo.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("provision tenant %s: %w", id, err)
	}
	if t.Provisioned() {
		return nil
	}
	if err := s.storage.Prepare(ctx, id); err != nil {
		return fmt.Errorf("provision tenant %s: %w", id, err)
	}
	if err := s.repo.MarkProvisioned(ctx, id, s.now()); err != nil {
		return fmt.Errorf("provision tenant %s: %w", id, err)
	}
	return nil
}
