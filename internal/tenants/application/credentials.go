package application

import (
	"context"
	"fmt"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

var errEncryptionOff = errs.New(errs.Unavailable, "storing secrets needs ENCRYPTION_KEY, which is not configured on this server")

// Credentials returns a tenant's credentials with masked keys.
func (s *Service) Credentials(ctx context.Context, id tenancy.ID) ([]domain.Credential, error) {
	if _, err := s.d.Repo.Get(ctx, id); err != nil {
		return nil, fmt.Errorf("list credentials of tenant %s: %w", id, err)
	}
	cs, err := s.d.Repo.Credentials(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("list credentials of tenant %s: %w", id, err)
	}
	for i := range cs {
		cs[i].APIKey = s.d.Secrets.MaskEncrypted(cs[i].APIKey)
	}
	return cs, nil
}

// SetCredential validates, encrypts and stores a provider credential. An
// endpoint the fetch guard would refuse is invalid.
func (s *Service) SetCredential(ctx context.Context, id tenancy.ID, p domain.Provider, in domain.CredentialInput) (domain.Credential, error) {
	if err := in.Validate(p); err != nil {
		return domain.Credential{}, err
	}
	if in.Endpoint != "" {
		if err := s.d.Endpoints.Check(ctx, in.Endpoint); err != nil {
			return domain.Credential{}, err
		}
	}
	if !s.d.Secrets.Enabled() {
		return domain.Credential{}, errEncryptionOff
	}
	c := domain.Credential{Provider: p, Endpoint: in.Endpoint, APIVersion: in.APIVersion, Deployment: in.Deployment, UpdatedAt: s.now()}
	if in.APIKey != "" {
		enc, err := s.d.Secrets.Encrypt(in.APIKey)
		if err != nil {
			return domain.Credential{}, fmt.Errorf("encrypt %s key: %w", p, err)
		}
		c.APIKey = enc
	}
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.d.Repo.Get(ctx, id); err != nil {
			return err
		}
		if err := s.d.Repo.PutCredential(ctx, id, c); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: id, Action: "credentials.set", TargetType: "credential", TargetID: string(p)})
		return nil
	})
	if err != nil {
		return domain.Credential{}, fmt.Errorf("set %s credential of tenant %s: %w", p, id, err)
	}
	c.APIKey = s.d.Secrets.MaskEncrypted(c.APIKey)
	return c, nil
}

// DeleteCredential removes a provider credential.
func (s *Service) DeleteCredential(ctx context.Context, id tenancy.ID, p domain.Provider) error {
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if _, err := s.d.Repo.Get(ctx, id); err != nil {
			return err
		}
		found, err := s.d.Repo.DeleteCredential(ctx, id, p)
		if err != nil {
			return err
		}
		if !found {
			return errs.Newf(errs.NotFound, "no %s credential is set for this tenant", p)
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: id, Action: "credentials.removed", TargetType: "credential", TargetID: string(p)})
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete %s credential of tenant %s: %w", p, id, err)
	}
	return nil
}

// Resolved is the credential to call a provider with, key in plain text.
type Resolved struct {
	APIKey     string
	Endpoint   string
	APIVersion string
	Deployment string
	// Source is "tenant" or "global".
	Source string
}

// ResolveCredential returns the credential to use for (tenant, provider):
// the tenant's own when set; otherwise, in shared mode, the global one, and
// in strict mode domain.ErrNoCredential.
func (s *Service) ResolveCredential(ctx context.Context, id tenancy.ID, p domain.Provider) (Resolved, error) {
	cs, err := s.d.Repo.Credentials(ctx, id)
	if err != nil {
		return Resolved{}, fmt.Errorf("resolve %s credential of tenant %s: %w", p, id, err)
	}
	for _, c := range cs {
		if c.Provider != p {
			continue
		}
		r := Resolved{Endpoint: c.Endpoint, APIVersion: c.APIVersion, Deployment: c.Deployment, Source: "tenant"}
		if c.APIKey != "" {
			if r.APIKey, err = s.d.Secrets.Decrypt(c.APIKey); err != nil {
				return Resolved{}, fmt.Errorf("resolve %s credential of tenant %s: %w", p, id, err)
			}
		}
		return r, nil
	}
	if g, ok := s.d.Global[p]; ok && !s.d.Strict && g.Validate(p) == nil {
		return Resolved{APIKey: g.APIKey, Endpoint: g.Endpoint, APIVersion: g.APIVersion, Deployment: g.Deployment, Source: "global"}, nil
	}
	return Resolved{}, domain.ErrNoCredential
}

// RotateSecrets re-encrypts every stored secret under the first
// ENCRYPTION_KEY and returns how many changed. It stops at the first secret
// no configured key opens, naming it.
func (s *Service) RotateSecrets(ctx context.Context) (int, error) {
	if !s.d.Secrets.Enabled() {
		return 0, errEncryptionOff
	}
	changed := 0
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		all, err := s.d.Repo.EncryptedSecrets(ctx)
		if err != nil {
			return err
		}
		for _, sec := range all {
			out, did, err := s.d.Secrets.Rotate(sec.Value)
			if err != nil {
				return fmt.Errorf("%s %s of tenant %s: %w", sec.Kind, sec.Provider, sec.Tenant, err)
			}
			if !did {
				continue
			}
			if err := s.d.Repo.ReplaceSecret(ctx, sec, out); err != nil {
				return err
			}
			changed++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("rotate secrets: %w", err)
	}
	return changed, nil
}

// ResolveCredentialFor is ResolveCredential with the provider by name, for
// other modules' adapters.
func (s *Service) ResolveCredentialFor(ctx context.Context, id tenancy.ID, provider string) (Resolved, error) {
	p, err := domain.ParseProvider(provider)
	if err != nil {
		return Resolved{}, err
	}
	return s.ResolveCredential(ctx, id, p)
}
