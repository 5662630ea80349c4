package application

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

var errEncryptionOff = errs.New(errs.Unavailable, "storing provider keys needs ENCRYPTION_KEY, which is not configured on this server")

// Providers lists the tenant's provider records (keys masked).
func (s *Service) Providers(ctx context.Context, tenant tenancy.ID) ([]domain.Provider, error) {
	ps, err := s.repo.Providers(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("list model providers: %w", err)
	}
	for i := range ps {
		ps[i].APIKey = s.secrets.MaskEncrypted(ps[i].APIKey)
	}
	return ps, nil
}

// Provider returns one provider record (key masked).
func (s *Service) Provider(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Provider, error) {
	p, err := s.repo.Provider(ctx, tenant, id)
	if err != nil {
		return domain.Provider{}, fmt.Errorf("get model provider %s: %w", id, err)
	}
	p.APIKey = s.secrets.MaskEncrypted(p.APIKey)
	return p, nil
}

// CreateProvider adds a provider record with its key encrypted. An
// endpoint the fetch guard would refuse is invalid.
func (s *Service) CreateProvider(ctx context.Context, tenant tenancy.ID, in domain.ProviderInput) (domain.Provider, error) {
	if err := s.checkInput(ctx, in); err != nil {
		return domain.Provider{}, err
	}
	p := domain.Provider{ID: uuid.Must(uuid.NewV7()), Tenant: tenant, CreatedAt: s.now()}
	if err := s.fill(&p, in); err != nil {
		return domain.Provider{}, err
	}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.InsertProvider(ctx, p); err != nil {
			return err
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "model_provider.created", TargetType: "model_provider", TargetID: p.ID.String(),
			Details: map[string]string{"name": p.Name, "provider_type": p.ProviderType}})
		return nil
	})
	if err != nil {
		return domain.Provider{}, fmt.Errorf("create model provider: %w", err)
	}
	p.APIKey = s.secrets.MaskEncrypted(p.APIKey)
	return p, nil
}

// UpdateProvider replaces a provider record; an empty key keeps the old
// one. An endpoint the fetch guard would refuse is invalid.
func (s *Service) UpdateProvider(ctx context.Context, tenant tenancy.ID, id uuid.UUID, in domain.ProviderInput) (domain.Provider, error) {
	if err := s.checkInput(ctx, in); err != nil {
		return domain.Provider{}, err
	}
	var p domain.Provider
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if p, err = s.repo.Provider(ctx, tenant, id); err != nil {
			return err
		}
		if err := s.fill(&p, in); err != nil {
			return err
		}
		if err := s.repo.UpdateProvider(ctx, p); err != nil {
			return err
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "model_provider.updated", TargetType: "model_provider", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return domain.Provider{}, fmt.Errorf("update model provider %s: %w", id, err)
	}
	p.APIKey = s.secrets.MaskEncrypted(p.APIKey)
	return p, nil
}

// DeleteProvider removes a provider record and its private models.
func (s *Service) DeleteProvider(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.DeleteProvider(ctx, tenant, id); err != nil {
			return err
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "model_provider.deleted", TargetType: "model_provider", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete model provider %s: %w", id, err)
	}
	return nil
}

// checkInput validates a provider record and checks its endpoint against
// the fetch guard, before any transaction: the check may resolve a name.
func (s *Service) checkInput(ctx context.Context, in domain.ProviderInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	if in.Endpoint == "" {
		return nil
	}
	return s.endpoints.Check(ctx, in.Endpoint)
}

func (s *Service) fill(p *domain.Provider, in domain.ProviderInput) error {
	if err := in.Validate(); err != nil {
		return err
	}
	p.Name, p.ProviderType, p.Endpoint, p.UpdatedAt = in.Name, in.ProviderType, in.Endpoint, s.now()
	if in.APIKey == "" {
		return nil
	}
	if !s.secrets.Enabled() {
		return errEncryptionOff
	}
	enc, err := s.secrets.Encrypt(in.APIKey)
	if err != nil {
		return fmt.Errorf("encrypt provider key: %w", err)
	}
	p.APIKey = enc
	return nil
}

// CreatePrivate adds a model served by one of the tenant's provider
// records; it is enabled for the tenant at once.
func (s *Service) CreatePrivate(ctx context.Context, tenant tenancy.ID, provider uuid.UUID, spec domain.Spec) (domain.View, error) {
	var v domain.View
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		p, err := s.repo.Provider(ctx, tenant, provider)
		if err != nil {
			return err
		}
		spec.ProviderType = p.ProviderType
		m := domain.Model{ID: uuid.Must(uuid.NewV7()), Tenant: tenant, ProviderID: provider, CreatedAt: s.now()}
		if err := m.Apply(spec, s.now()); err != nil {
			return err
		}
		if err := s.checkFallbacks(ctx, m); err != nil {
			return err
		}
		if err := s.repo.InsertModel(ctx, m); err != nil {
			return err
		}
		set := domain.Setting{Enabled: true}
		if err := s.repo.PutSetting(ctx, tenant, m, set); err != nil {
			return err
		}
		v = domain.View{Model: m, Setting: set}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "model.created", TargetType: "model", TargetID: m.ID.String(),
			Details: map[string]string{"kind": string(m.Kind), "name": m.Name}})
		return nil
	})
	if err != nil {
		return domain.View{}, fmt.Errorf("create private model: %w", err)
	}
	return v, nil
}

// PrivateModel loads one of the tenant's private models served by
// provider.
func (s *Service) PrivateModel(ctx context.Context, tenant tenancy.ID, provider, id uuid.UUID) (domain.Model, error) {
	if tenant.IsZero() {
		return domain.Model{}, domain.ErrNotFound
	}
	m, err := s.repo.Model(ctx, tenant, id)
	if err == nil && m.ProviderID != provider {
		err = domain.ErrNotFound
	}
	if err != nil {
		return domain.Model{}, fmt.Errorf("get model %s of provider %s: %w", id, provider, err)
	}
	return m, nil
}

// UpdatePrivate replaces a private model's description; its kind and
// provider stay (the spec's are ignored).
func (s *Service) UpdatePrivate(ctx context.Context, tenant tenancy.ID, provider, id uuid.UUID, spec domain.Spec) (domain.View, error) {
	var m domain.Model
	var v domain.View
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if m, err = s.PrivateModel(ctx, tenant, provider, id); err != nil {
			return err
		}
		spec.Kind, spec.ProviderType = m.Kind, m.ProviderType
		if err := m.Apply(spec, s.now()); err != nil {
			return err
		}
		if err := s.checkFallbacks(ctx, m); err != nil {
			return err
		}
		if err := s.repo.UpdateModel(ctx, m); err != nil {
			return err
		}
		if v, err = s.repo.VisibleOne(ctx, tenant, id); err != nil {
			return err
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "model.updated", TargetType: "model", TargetID: m.ID.String(),
			Details: map[string]string{"kind": string(m.Kind), "name": m.Name}})
		return nil
	})
	if err != nil {
		return domain.View{}, fmt.Errorf("update private model %s: %w", id, err)
	}
	return v, nil
}

// DeletePrivate removes one of the tenant's private models.
func (s *Service) DeletePrivate(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	if tenant.IsZero() {
		return domain.ErrNotFound
	}
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.repo.DeleteModel(ctx, tenant, id); err != nil {
			return err
		}
		s.audit.Record(ctx, audit.Event{Tenant: tenant, Action: "model.deleted", TargetType: "model", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete model %s: %w", id, err)
	}
	return nil
}

// RotateSecrets re-encrypts every provider key under the first
// ENCRYPTION_KEY and returns how many changed.
func (s *Service) RotateSecrets(ctx context.Context) (int, error) {
	if !s.secrets.Enabled() {
		return 0, errEncryptionOff
	}
	changed := 0
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		ps, err := s.repo.ProviderKeys(ctx)
		if err != nil {
			return err
		}
		for _, p := range ps {
			out, did, err := s.secrets.Rotate(p.APIKey)
			if err != nil {
				return fmt.Errorf("model provider %s of tenant %s: %w", p.ID, p.Tenant, err)
			}
			if did {
				if err := s.repo.ReplaceProviderKey(ctx, p.Tenant, p.ID, out); err != nil {
					return err
				}
				changed++
			}
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rotate model provider keys: %w", err)
	}
	return changed, nil
}

// ProviderCredential returns a provider record's endpoint and plain key,
// for calling the provider only.
func (s *Service) ProviderCredential(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (endpoint, key string, err error) {
	p, err := s.repo.Provider(ctx, tenant, id)
	if err != nil {
		return "", "", err
	}
	if p.APIKey == "" {
		return p.Endpoint, "", nil
	}
	key, err = s.secrets.Decrypt(p.APIKey)
	if err != nil {
		return "", "", fmt.Errorf("decrypt key of model provider %s: %w", id, err)
	}
	return p.Endpoint, key, nil
}
