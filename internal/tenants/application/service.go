// Package application holds the tenant use cases. The tenants module is the
// one module whose data is not scoped by tenant: it owns the tenants.
package application

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/txn"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

// Page limits for List.
const (
	DefaultPageSize = 50
	MaxPageSize     = 200
)

// Deps are the Service's collaborators.
type Deps struct {
	Repo    Repo
	Tx      txn.Transactor
	Jobs    Enqueuer
	Storage Storage
	Secrets Secrets
	Audit   audit.Recorder
	Log     *slog.Logger
	// Strict is strict credential mode: a tenant must bring its own keys.
	Strict bool
	// Global are the installation's own provider credentials (shared mode).
	Global map[domain.Provider]domain.CredentialInput
	// Endpoints checks a credential's endpoint before it is saved.
	Endpoints Endpoints
}

// Service runs the tenant use cases.
type Service struct {
	// d are the collaborators, kept to the service.
	d   Deps
	now func() time.Time
}

// NewService returns a Service.
func NewService(d Deps) *Service { return &Service{d: d, now: now} }

// now is the current time at PostgreSQL's precision, so what a create
// returns equals what a later read returns.
func now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }

// CreateInput is what a sysadmin gives to create a tenant.
type CreateInput struct {
	Name        string
	DisplayName string
	Slug        string
}

// Create stores a new tenant and queues its provisioning after commit.
// A failed enqueue does not undo the tenant: it is logged, and Provision can
// be queued again for tenants that are not provisioned.
func (s *Service) Create(ctx context.Context, in CreateInput) (domain.Tenant, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("new tenant id: %w", err)
	}
	t, err := domain.New(tenancy.ID{UUID: id}, in.Name, in.DisplayName, in.Slug, s.now())
	if err != nil {
		return domain.Tenant{}, err
	}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Repo.Insert(ctx, t); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: t.ID, Action: "tenant.created", TargetType: "tenant", TargetID: t.ID.String(),
			Details: map[string]string{"name": t.Name, "slug": t.Slug}})
		return nil
	})
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("create tenant %q: %w", t.Name, err)
	}
	if err := s.d.Jobs.Enqueue(ctx, TypeProvision, ProvisionPayload{TenantID: t.ID}, t.ID.String()); err != nil {
		s.d.Log.WarnContext(ctx, "tenant created but provisioning not queued", "tenant_id", t.ID, "err", err)
	}
	return t, nil
}

// Get returns the tenant with id, or domain.ErrNotFound.
func (s *Service) Get(ctx context.Context, id tenancy.ID) (domain.Tenant, error) {
	t, err := s.d.Repo.Get(ctx, id)
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("get tenant %s: %w", id, err)
	}
	return t, nil
}

// GetBySlug returns the tenant with slug, or domain.ErrNotFound.
func (s *Service) GetBySlug(ctx context.Context, slug string) (domain.Tenant, error) {
	t, err := s.d.Repo.GetBySlug(ctx, slug)
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("get tenant %q: %w", slug, err)
	}
	return t, nil
}

// CheckActive returns domain.ErrSuspended when the tenant is suspended and
// domain.ErrNotFound when it no longer exists.
func (s *Service) CheckActive(ctx context.Context, id tenancy.ID) error {
	t, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	return t.CheckActive()
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
	ts, n, err := s.d.Repo.List(ctx, limit, offset)
	if err != nil {
		return nil, 0, fmt.Errorf("list tenants: %w", err)
	}
	return ts, n, nil
}

// Update applies a partial change to a tenant.
func (s *Service) Update(ctx context.Context, id tenancy.ID, p domain.Patch) (domain.Tenant, error) {
	var t domain.Tenant
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if t, err = s.d.Repo.Get(ctx, id); err != nil {
			return err
		}
		before := t.State
		if err := t.Apply(p, s.now()); err != nil {
			return err
		}
		if err := s.d.Repo.Update(ctx, t); err != nil {
			return err
		}
		details := map[string]string{"state": string(t.State)}
		if before != t.State {
			details["previous_state"] = string(before)
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: id, Action: "tenant.updated", TargetType: "tenant", TargetID: id.String(), Details: details})
		return nil
	})
	if err != nil {
		return domain.Tenant{}, fmt.Errorf("update tenant %s: %w", id, err)
	}
	return t, nil
}

// Delete removes a tenant with everything it owns, then its files.
func (s *Service) Delete(ctx context.Context, id tenancy.ID) error {
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Repo.Delete(ctx, id); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: id, Action: "tenant.deleted", TargetType: "tenant", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete tenant %s: %w", id, err)
	}
	if err := s.d.Jobs.Enqueue(ctx, TypePurge, ProvisionPayload{TenantID: id}, id.String()); err != nil {
		s.d.Log.WarnContext(ctx, "tenant deleted but file purge not queued", "tenant_id", id, "err", err)
	}
	return nil
}

// Provision prepares a tenant's storage and marks it provisioned. Running it
// twice is harmless.
func (s *Service) Provision(ctx context.Context, id tenancy.ID) error {
	t, err := s.d.Repo.Get(ctx, id)
	if err != nil {
		return fmt.Errorf("provision tenant %s: %w", id, err)
	}
	if t.Provisioned() {
		return nil
	}
	if err := s.d.Storage.Prepare(ctx, id); err != nil {
		return fmt.Errorf("provision tenant %s: %w", id, err)
	}
	if err := s.d.Repo.MarkProvisioned(ctx, id, s.now()); err != nil {
		return fmt.Errorf("provision tenant %s: %w", id, err)
	}
	return nil
}

// Purge removes a deleted tenant's files; a tenant that still exists is
// left alone.
func (s *Service) Purge(ctx context.Context, id tenancy.ID) error {
	if _, err := s.d.Repo.Get(ctx, id); !errors.Is(err, domain.ErrNotFound) {
		if err == nil {
			return errs.Newf(errs.Invalid, "tenant %s still exists; not purging its files", id)
		}
		return fmt.Errorf("purge tenant %s: %w", id, err)
	}
	return s.d.Storage.Remove(ctx, id)
}
