// Package application holds the models module's use cases: the registry
// (the sysadmin's global models, tenants' provider records and private
// models, each tenant's enablement and defaults), the Gateway every other
// module reaches a model through, and the Metering of token usage.
package application

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/txn"
)

// Service runs the registry's use cases.
type Service struct {
	repo      Repo
	tx        txn.Transactor
	secrets   Secrets
	audit     audit.Recorder
	endpoints Endpoints
	now       func() time.Time
}

// NewService returns a Service.
func NewService(repo Repo, tx txn.Transactor, secrets Secrets, auditor audit.Recorder, endpoints Endpoints) *Service {
	return &Service{repo: repo, tx: tx, secrets: secrets, audit: auditor, endpoints: endpoints,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// Global lists the installation's models of a kind.
func (s *Service) Global(ctx context.Context, kind domain.Kind) ([]domain.Model, error) {
	ms, err := s.repo.Global(ctx, kind)
	if err != nil {
		return nil, fmt.Errorf("list %s models: %w", kind, err)
	}
	return ms, nil
}

// GlobalModel returns one global model.
func (s *Service) GlobalModel(ctx context.Context, id uuid.UUID) (domain.Model, error) {
	m, err := s.repo.Model(ctx, tenancy.ID{}, id)
	if err != nil {
		return domain.Model{}, fmt.Errorf("get model %s: %w", id, err)
	}
	return m, nil
}

// CreateGlobal registers an installation-wide model.
func (s *Service) CreateGlobal(ctx context.Context, spec domain.Spec) (domain.Model, error) {
	m := domain.Model{ID: uuid.Must(uuid.NewV7()), CreatedAt: s.now()}
	if err := m.Apply(spec, s.now()); err != nil {
		return domain.Model{}, err
	}
	if err := s.checkFallbacks(ctx, m); err != nil {
		return domain.Model{}, err
	}
	if err := s.repo.InsertModel(ctx, m); err != nil {
		return domain.Model{}, fmt.Errorf("create model %q: %w", spec.Name, err)
	}
	return m, nil
}

// UpdateGlobal replaces a global model's description (its kind stays).
func (s *Service) UpdateGlobal(ctx context.Context, id uuid.UUID, spec domain.Spec) (domain.Model, error) {
	var m domain.Model
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.repo.Model(ctx, tenancy.ID{}, id); err != nil {
			return err
		}
		if err := m.Apply(spec, s.now()); err != nil {
			return err
		}
		if err := s.checkFallbacks(ctx, m); err != nil {
			return err
		}
		return s.repo.UpdateModel(ctx, m)
	})
	if err != nil {
		return domain.Model{}, fmt.Errorf("update model %s: %w", id, err)
	}
	return m, nil
}

// checkFallbacks makes sure each fallback is a model of the same kind that
// the model's owner can see: global models for a global model, global or
// the tenant's own for a private one.
func (s *Service) checkFallbacks(ctx context.Context, m domain.Model) error {
	for _, id := range m.Fallbacks {
		var f domain.Model
		var err error
		if m.Global() {
			f, err = s.repo.Model(ctx, tenancy.ID{}, id)
		} else {
			var v domain.View
			v, err = s.repo.VisibleOne(ctx, m.Tenant, id)
			f = v.Model
		}
		if errors.Is(err, domain.ErrNotFound) {
			return errs.Newf(errs.Invalid, "fallback model %s does not exist or cannot serve a model of this owner", id)
		}
		if err != nil {
			return err
		}
		if f.Kind != m.Kind {
			return errs.Newf(errs.Invalid, "fallback model %s is a %s model, not a %s model", id, f.Kind, m.Kind)
		}
	}
	return nil
}

// DeleteGlobal removes a global model and every tenant's setting for it.
func (s *Service) DeleteGlobal(ctx context.Context, id uuid.UUID) error {
	err := s.tx.InTx(ctx, func(ctx context.Context) error { return s.repo.DeleteModel(ctx, tenancy.ID{}, id) })
	if err != nil {
		return fmt.Errorf("delete model %s: %w", id, err)
	}
	return nil
}

// Visible lists the models of a kind the tenant can see, with its settings.
func (s *Service) Visible(ctx context.Context, tenant tenancy.ID, kind domain.Kind) ([]domain.View, error) {
	vs, err := s.repo.Visible(ctx, tenant, kind)
	if err != nil {
		return nil, fmt.Errorf("list %s models: %w", kind, err)
	}
	return vs, nil
}

// Configure sets a tenant's enablement and default for a model it can see.
func (s *Service) Configure(ctx context.Context, tenant tenancy.ID, id uuid.UUID, set domain.Setting) (domain.View, error) {
	set = set.Normalize()
	var v domain.View
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if v, err = s.repo.VisibleOne(ctx, tenant, id); err != nil {
			return err
		}
		if err := s.repo.PutSetting(ctx, tenant, v.Model, set); err != nil {
			return err
		}
		v.Setting = set
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "model.enablement_changed", TargetType: "model", TargetID: id.String(),
			Details: map[string]string{"kind": string(v.Kind), "name": v.Name, "enabled": fmt.Sprint(set.Enabled), "default": fmt.Sprint(set.Default)}})
		return nil
	})
	if err != nil {
		return domain.View{}, fmt.Errorf("configure model %s: %w", id, err)
	}
	return v, nil
}

// Enabled returns a model the tenant can use: visible and enabled. Other
// modules ask it before they store a model choice.
func (s *Service) Enabled(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Model, error) {
	v, err := s.repo.VisibleOne(ctx, tenant, id)
	if err != nil {
		return domain.Model{}, err
	}
	if !v.Enabled {
		return domain.Model{}, domain.ErrNotEnabled
	}
	return v.Model, nil
}

// Default returns the tenant's default model of a kind.
func (s *Service) Default(ctx context.Context, tenant tenancy.ID, kind domain.Kind) (domain.Model, error) {
	vs, err := s.repo.Visible(ctx, tenant, kind)
	if err != nil {
		return domain.Model{}, fmt.Errorf("find default %s model: %w", kind, err)
	}
	for _, v := range vs {
		if v.Default {
			return v.Model, nil
		}
	}
	return domain.Model{}, errs.Newf(errs.NotFound, "your organisation has no default %s model; ask an administrator to choose one", kind)
}

// EnsureGlobal returns the global model of the spec's kind and name,
// creating it when missing.
func (s *Service) EnsureGlobal(ctx context.Context, spec domain.Spec) (domain.Model, bool, error) {
	ms, err := s.repo.Global(ctx, spec.Kind)
	if err != nil {
		return domain.Model{}, false, err
	}
	for _, m := range ms {
		if strings.EqualFold(m.Name, spec.Name) {
			return m, false, nil
		}
	}
	m, err := s.CreateGlobal(ctx, spec)
	return m, err == nil, err
}

// EnsureSetting configures a model for the tenant unless it already has
// that setting; it reports whether anything changed.
func (s *Service) EnsureSetting(ctx context.Context, tenant tenancy.ID, id uuid.UUID, set domain.Setting) (bool, error) {
	v, err := s.repo.VisibleOne(ctx, tenant, id)
	if err != nil {
		return false, err
	}
	if v.Setting == set.Normalize() {
		return false, nil
	}
	_, err = s.Configure(ctx, tenant, id, set)
	return err == nil, err
}

// VisibleKind is Visible with the kind by name, for other modules' adapters.
func (s *Service) VisibleKind(ctx context.Context, tenant tenancy.ID, kind string) ([]domain.View, error) {
	k, err := domain.ParseKind(kind)
	if err != nil {
		return nil, err
	}
	return s.Visible(ctx, tenant, k)
}
