package app

import (
	"context"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/google/uuid"

	assistantsapp "github.com/agora-platform/agora/internal/assistants/application"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/cache"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/realtime"
	usersapi "github.com/agora-platform/agora/internal/users/api"
	usersapp "github.com/agora-platform/agora/internal/users/application"
	workflowsapp "github.com/agora-platform/agora/internal/workflows/application"
)

// authenticator checks access tokens and user API keys with the users
// module, and assistant-scoped keys with the assistants module (acting as
// the user who made the key, with no tenant permissions of their own).
type authenticator struct {
	users      usersapi.Authenticator
	usersSvc   *usersapp.Service
	assistants *assistantsapp.Service
	workflows  *workflowsapp.Service
}

func (a authenticator) AuthenticateToken(ctx context.Context, token string) (auth.Principal, error) {
	return a.users.AuthenticateToken(ctx, token)
}

func (a authenticator) AuthenticateAPIKey(ctx context.Context, key string) (auth.Principal, error) {
	if strings.HasPrefix(key, workflowsapp.ServiceKeyPrefix) {
		return a.serviceKey(ctx, key)
	}
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

// serviceKey checks a service's key: it acts as the user who made it, with
// their permissions, and may only run its service.
func (a authenticator) serviceKey(ctx context.Context, key string) (auth.Principal, error) {
	tenant, k, err := a.workflows.AuthenticateKey(ctx, key)
	if err != nil {
		return auth.Principal{}, err
	}
	c, err := a.usersSvc.CallerFor(ctx, tenant, k.CreatedBy)
	if err != nil {
		return auth.Principal{}, err
	}
	perms := make([]string, len(c.Permissions))
	for i, p := range c.Permissions {
		perms[i] = string(p)
	}
	return auth.Principal{UserID: c.User.ID, Tenant: tenant, Email: c.User.Email, APIKeyID: k.ID, Permissions: perms,
		Scopes: []string{"read", "write"}, ServiceID: k.Workflow}, nil
}

var (
	errNoSocketCredential = errs.New(errs.Unauthenticated, "missing credentials")
	// An assistant-scoped key sits in a web page; the socket would give
	// anyone who reads it every job update of the user who made it.
	errAssistantKeySocket = errs.New(errs.Forbidden,
		"assistant and service API keys cannot open the WebSocket; use a user's access token or user API key")
	errSocketUserChanged = errs.New(errs.Unauthenticated, "the credential now belongs to another user; sign in again")
)

// realtimeIdentity checks the credential a WebSocket connection brings: an
// access token, or a user API key (assistant-scoped keys are refused). The
// identity rechecks the same credential while the socket is open: through
// the cache (emptied by the change that asked for the recheck) or, fresh,
// from the database, so a socket never outlives its credential by more
// than WEBSOCKET_CHECK_INTERVAL even if the cache's signal is lost.
func (a *App) realtimeIdentity(ctx context.Context, token string) (realtime.Identity, error) {
	if token == "" {
		return realtime.Identity{}, errNoSocketCredential
	}
	p, err := socketPrincipal(ctx, a.authn, token)
	if err != nil {
		return realtime.Identity{}, err
	}
	if p.AssistantID != uuid.Nil || p.ServiceID != uuid.Nil {
		return realtime.Identity{}, errAssistantKeySocket
	}
	user := p.UserID
	recheck := func(ctx context.Context, fresh bool) error {
		var from auth.Authenticator = a.authn
		if fresh {
			from = a.authn.next
		}
		q, err := socketPrincipal(ctx, from, token)
		if err == nil && q.UserID != user {
			return errSocketUserChanged
		}
		return err
	}
	return realtime.Identity{User: user, Expires: p.Expires, Recheck: recheck}, nil
}

// socketPrincipal authenticates a socket's credential by its shape, as
// auth.Middleware does: a JWT has two dots, an API key none. Trying one
// kind after the other would turn a database outage while checking a
// token into "invalid API key", and close the socket.
func socketPrincipal(ctx context.Context, from auth.Authenticator, token string) (auth.Principal, error) {
	if strings.Count(token, ".") == 2 {
		return from.AuthenticateToken(ctx, token)
	}
	return from.AuthenticateAPIKey(ctx, token)
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
