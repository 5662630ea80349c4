package application

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/domain"
)

// APIKeyPrefix starts every user API key, so leaked keys are easy to find.
const APIKeyPrefix = "agk_"

// touchInterval limits last-used writes to one per key per minute.
const touchInterval = time.Minute

// CreateAPIKey makes a key for the user and returns it with its secret,
// which is shown this once and stored only as an HMAC.
func (s *Service) CreateAPIKey(ctx context.Context, tenant tenancy.ID, user uuid.UUID, name string, scopes, models []string, expiresAt time.Time) (domain.APIKey, string, error) {
	secret := APIKeyPrefix + randomString(32)
	k, err := domain.NewAPIKey(uuid.Must(uuid.NewV7()), tenant, user, name, secret[:len(APIKeyPrefix)+6], scopes, expiresAt, s.now())
	if err != nil {
		return domain.APIKey{}, "", err
	}
	if len(models) > 50 {
		return domain.APIKey{}, "", errs.New(errs.Invalid, "models may list at most 50 models")
	}
	k.Models = models
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		n, err := s.d.KeysRepo.CountAPIKeys(ctx, tenant, user)
		if err != nil {
			return err
		}
		if n >= domain.MaxAPIKeysPerUser {
			return errs.Newf(errs.Conflict, "you have %d API keys, the most allowed; revoke one first", n)
		}
		if err := s.d.KeysRepo.InsertAPIKey(ctx, k, s.hashKey(secret)); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "api_key.created", TargetType: "api_key", TargetID: k.ID.String(),
			Details: map[string]string{"name": k.Name, "prefix": k.Prefix, "scopes": fmt.Sprint(k.Scopes)}})
		return nil
	})
	if err != nil {
		return domain.APIKey{}, "", fmt.Errorf("create API key: %w", err)
	}
	return k, secret, nil
}

// APIKeys lists the user's keys (never their secrets).
func (s *Service) APIKeys(ctx context.Context, tenant tenancy.ID, user uuid.UUID) ([]domain.APIKey, error) {
	ks, err := s.d.KeysRepo.ListAPIKeys(ctx, tenant, user)
	if err != nil {
		return nil, fmt.Errorf("list API keys: %w", err)
	}
	return ks, nil
}

// RevokeAPIKey revokes one of the user's keys.
func (s *Service) RevokeAPIKey(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) error {
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.KeysRepo.RevokeAPIKey(ctx, tenant, user, id, s.now()); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "api_key.revoked", TargetType: "api_key", TargetID: id.String()})
		return nil
	})
	if err != nil {
		return fmt.Errorf("revoke API key %s: %w", id, err)
	}
	return nil
}

// AuthenticateAPIKey checks a key and loads its user.
func (s *Service) AuthenticateAPIKey(ctx context.Context, secret string) (Caller, error) {
	if !strings.HasPrefix(secret, APIKeyPrefix) || len(secret) > 200 {
		return Caller{}, domain.ErrInvalidAPIKey
	}
	k, err := s.d.KeysRepo.APIKeyByHash(ctx, s.hashKey(secret))
	if err != nil {
		return Caller{}, err
	}
	at := s.now()
	if !k.Usable(at) {
		return Caller{}, domain.ErrInvalidAPIKey
	}
	c, err := s.caller(ctx, k.Tenant, k.UserID)
	if err != nil {
		if err == domain.ErrInvalidToken {
			return Caller{}, domain.ErrInvalidAPIKey
		}
		return Caller{}, err
	}
	if at.Sub(k.LastUsedAt) > touchInterval {
		if err := s.d.KeysRepo.TouchAPIKey(ctx, k.Tenant, k.ID, at); err != nil {
			s.d.Log.WarnContext(ctx, "API key last-used time not stored", "api_key_id", k.ID, "err", err)
		}
	}
	c.APIKey, c.ExpiresAt = k, k.ExpiresAt
	return c, nil
}

func (s *Service) hashKey(secret string) []byte {
	m := hmac.New(sha256.New, s.d.Pepper)
	m.Write([]byte(secret))
	return m.Sum(nil)
}
