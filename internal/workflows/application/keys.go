package application

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/workflows/domain"
)

// ServiceKeyPrefix starts every service's API key.
const ServiceKeyPrefix = "svk_"

// Key is a service's API key (its HMAC is stored, not the key).
type Key struct {
	ID        uuid.UUID
	Workflow  uuid.UUID
	Name      string
	Prefix    string
	CreatedBy uuid.UUID
	CreatedAt time.Time
	RevokedAt *time.Time
}

// Keys stores services' keys.
type Keys interface {
	InsertKey(ctx context.Context, tenant tenancy.ID, k Key, hash []byte) error
	// KeyByHash finds an unrevoked key by its HMAC, across tenants.
	KeyByHash(ctx context.Context, hash []byte) (tenancy.ID, Key, error)
	Keys(ctx context.Context, tenant tenancy.ID, workflow uuid.UUID) ([]Key, error)
	RevokeKey(ctx context.Context, tenant tenancy.ID, workflow, id uuid.UUID, at time.Time) error
}

var errBadKey = errs.New(errs.Unauthenticated, "invalid or revoked API key")

// CreateKey makes an API key that can only run this service; the secret
// is returned this once.
func (s *Service) CreateKey(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, name string) (Key, string, error) {
	w, _, err := s.load(ctx, tenant, c, id, domain.KindService, actEdit)
	if err != nil {
		return Key{}, "", err
	}
	if name = strings.TrimSpace(name); name == "" {
		name = "service key"
	}
	secret := ServiceKeyPrefix + random(32)
	k := Key{ID: uuid.Must(uuid.NewV7()), Workflow: id, Name: name, Prefix: secret[:len(ServiceKeyPrefix)+6], CreatedBy: c.UserID, CreatedAt: s.now()}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Keys.InsertKey(ctx, tenant, k, s.keyHash(secret)); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "api_key.created", TargetType: "service_api_key", TargetID: k.ID.String(),
			Details: map[string]string{"service_id": w.ID.String(), "prefix": k.Prefix}})
		return nil
	})
	if err != nil {
		return Key{}, "", fmt.Errorf("create a key of service %s: %w", id, err)
	}
	return k, secret, nil
}

// ListKeys lists a service's keys, revoked ones too (those who may edit it).
func (s *Service) ListKeys(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) ([]Key, error) {
	if _, _, err := s.load(ctx, tenant, c, id, domain.KindService, actEdit); err != nil {
		return nil, err
	}
	return s.d.Keys.Keys(ctx, tenant, id)
}

// RevokeKey stops one of a service's keys at once.
func (s *Service) RevokeKey(ctx context.Context, tenant tenancy.ID, c actor.Caller, id, key uuid.UUID) error {
	if _, _, err := s.load(ctx, tenant, c, id, domain.KindService, actEdit); err != nil {
		return err
	}
	return s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Keys.RevokeKey(ctx, tenant, id, key, s.now()); err != nil {
			return fmt.Errorf("revoke key %s of service %s: %w", key, id, err)
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "api_key.revoked", TargetType: "service_api_key", TargetID: key.String(),
			Details: map[string]string{"service_id": id.String()}})
		return nil
	})
}

// AuthenticateKey checks a service's key and returns its tenant, its
// service and the user who made it (whose access it acts with).
func (s *Service) AuthenticateKey(ctx context.Context, secret string) (tenancy.ID, Key, error) {
	if len(secret) > 200 {
		return tenancy.ID{}, Key{}, errBadKey
	}
	tenant, k, err := s.d.Keys.KeyByHash(ctx, s.keyHash(secret))
	if err != nil {
		return tenancy.ID{}, Key{}, errBadKey
	}
	return tenant, k, nil
}

func (s *Service) keyHash(secret string) []byte {
	m := hmac.New(sha256.New, s.d.Pepper)
	m.Write([]byte(secret))
	return m.Sum(nil)
}
