package app

import (
	"context"
	"crypto/sha256"
	"strings"
	"time"

	assistantsapp "github.com/agora-platform/agora/internal/assistants/application"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/cache"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/realtime"
	usersapi "github.com/agora-platform/agora/internal/users/api"
	usersapp "github.com/agora-platform/agora/internal/users/application"
)

// authenticator checks access tokens and user API keys with the users
// module, and assistant-scoped keys with the assistants module (acting as
// the user who made the key, with no tenant permissions of their own).
type authenticator struct {
	users      usersapi.Authenticator
	usersSvc   *usersapp.Service
	assistants *assistantsapp.Service
}

func (a authenticator) AuthenticateToken(ctx context.Context, token string) (auth.Principal, error) {
	return a.users.AuthenticateToken(ctx, token)
}

func (a authenticator) AuthenticateAPIKey(ctx context.Context, key string) (auth.Principal, error) {
	if !strings.HasPrefix(key, assistantsapp.AssistantKeyPrefix) {
		return a.users.AuthenticateAPIKey(ctx, key)
	}
	tenant, k, err := a.assistants.AuthenticateKey(ctx, key)
	if err != nil {
		return auth.Principal{}, err
	}
	c, err := a.usersSvc.CallerFor(ctx, tenant, k.CreatedBy)
	if err != nil {
		return auth.Principal{}, err
	}
	return auth.Principal{UserID: c.User.ID, Tenant: tenant, Email: c.User.Email, APIKeyID: k.ID,
		Scopes: []string{"read", "write"}, AssistantID: k.Assistant}, nil
}

// realtimeIdentity checks the credential a WebSocket connection brings: an
// access token, or an API key.
func (a *App) realtimeIdentity(ctx context.Context, token string) (realtime.Identity, error) {
	if token == "" {
		return realtime.Identity{}, errs.New(errs.Unauthenticated, "missing credentials")
	}
	p, err := a.authn.AuthenticateToken(ctx, token)
	if err != nil {
		p, err = a.authn.AuthenticateAPIKey(ctx, token)
	}
	if err != nil {
		return realtime.Identity{}, err
	}
	return realtime.Identity{User: p.UserID, Expires: p.Expires}, nil
}

// cachedAuthn remembers who a credential is for a short time (CACHE_TTL),
// so most requests skip the key, user and tenant lookups. Any change made
// through the API empties the cache in every process (see invalidate), and
// a principal is never used past its credential's own expiry.
type cachedAuthn struct {
	next   auth.Authenticator
	tokens *cache.Cache[[32]byte, auth.Principal]
	keys   *cache.Cache[[32]byte, auth.Principal]
	now    func() time.Time
}

func newCachedAuthn(next auth.Authenticator, set *cache.Set, ttl time.Duration) *cachedAuthn {
	return &cachedAuthn{next: next, now: time.Now,
		tokens: cache.Add(set, cache.New[[32]byte, auth.Principal](50_000, ttl)),
		keys:   cache.Add(set, cache.New[[32]byte, auth.Principal](50_000, ttl))}
}

func (a *cachedAuthn) AuthenticateToken(ctx context.Context, token string) (auth.Principal, error) {
	return a.get(ctx, a.tokens, token, func(ctx context.Context) (auth.Principal, error) { return a.next.AuthenticateToken(ctx, token) })
}

func (a *cachedAuthn) AuthenticateAPIKey(ctx context.Context, key string) (auth.Principal, error) {
	return a.get(ctx, a.keys, key, func(ctx context.Context) (auth.Principal, error) { return a.next.AuthenticateAPIKey(ctx, key) })
}

// get keys the cache by the credential's SHA-256, so no secret is kept.
func (a *cachedAuthn) get(ctx context.Context, c *cache.Cache[[32]byte, auth.Principal], secret string,
	load func(context.Context) (auth.Principal, error)) (auth.Principal, error) {
	k := sha256.Sum256([]byte(secret))
	p, err := c.Get(ctx, k, load)
	if err != nil {
		return p, err
	}
	if !p.Expires.IsZero() && !a.now().Before(p.Expires) {
		c.Remove(k)
		return load(ctx)
	}
	return p, nil
}
