package application

import (
	"context"
	"fmt"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

// Federation returns a tenant's identity provider with a masked secret.
func (s *Service) Federation(ctx context.Context, id tenancy.ID) (domain.Federation, error) {
	if _, err := s.d.Repo.Get(ctx, id); err != nil {
		return domain.Federation{}, fmt.Errorf("get federation of tenant %s: %w", id, err)
	}
	f, err := s.d.Repo.Federation(ctx, id)
	if err != nil {
		return domain.Federation{}, fmt.Errorf("get federation of tenant %s: %w", id, err)
	}
	f.ClientSecret = s.d.Secrets.MaskEncrypted(f.ClientSecret)
	return f, nil
}

// SetFederation validates, encrypts and stores a tenant's identity provider.
func (s *Service) SetFederation(ctx context.Context, id tenancy.ID, in domain.FederationInput) (domain.Federation, error) {
	in, err := in.Normalize()
	if err != nil {
		return domain.Federation{}, err
	}
	if !s.d.Secrets.Enabled() {
		return domain.Federation{}, errEncryptionOff
	}
	enc, err := s.d.Secrets.Encrypt(in.ClientSecret)
	if err != nil {
		return domain.Federation{}, fmt.Errorf("encrypt client secret: %w", err)
	}
	f := domain.Federation{Provider: in.Provider, DiscoveryEndpoint: in.DiscoveryEndpoint, ClientID: in.ClientID,
		ClientSecret: enc, AllowedDomains: in.AllowedDomains, Scopes: in.Scopes, UpdatedAt: s.now()}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.d.Repo.Get(ctx, id); err != nil {
			return err
		}
		if err := s.d.Repo.PutFederation(ctx, id, f); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: id, Action: "federation.set", TargetType: "federation", TargetID: id.String(),
			Details: map[string]string{"provider": f.Provider, "discovery_endpoint": f.DiscoveryEndpoint, "client_id": f.ClientID}})
		return nil
	})
	if err != nil {
		return domain.Federation{}, fmt.Errorf("set federation of tenant %s: %w", id, err)
	}
	f.ClientSecret = s.d.Secrets.MaskEncrypted(f.ClientSecret)
	return f, nil
}

// DeleteFederation removes a tenant's identity provider.
func (s *Service) DeleteFederation(ctx context.Context, id tenancy.ID) error {
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.d.Repo.Get(ctx, id); err != nil {
			return err
		}
		found, err := s.d.Repo.DeleteFederation(ctx, id)
		if err != nil {
			return err
		}
		if !found {
			return domain.ErrNoFederation
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: id, Action: "federation.removed", TargetType: "federation", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete federation of tenant %s: %w", id, err)
	}
	return nil
}

// Federated returns the active tenants with an identity provider, for the
// sign-in tenant picker.
func (s *Service) Federated(ctx context.Context) ([]domain.Tenant, error) {
	ts, err := s.d.Repo.Federated(ctx)
	if err != nil {
		return nil, fmt.Errorf("list federated tenants: %w", err)
	}
	return ts, nil
}

// FederationSecret returns the tenant's identity provider with its client
// secret decrypted, for the sign-in flow only.
func (s *Service) FederationSecret(ctx context.Context, id tenancy.ID) (domain.Federation, error) {
	f, err := s.d.Repo.Federation(ctx, id)
	if err != nil {
		return domain.Federation{}, fmt.Errorf("load federation of tenant %s: %w", id, err)
	}
	if f.ClientSecret, err = s.d.Secrets.Decrypt(f.ClientSecret); err != nil {
		return domain.Federation{}, fmt.Errorf("decrypt client secret of tenant %s: %w", id, err)
	}
	return f, nil
}
