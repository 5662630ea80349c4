// Package auth carries the authenticated caller (Principal) through a
// request, authenticates requests with a bearer token or an API key, and is
// the one place that checks tenant permissions and API key scopes.
package auth

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Principal is who a request acts for.
type Principal struct {
	UserID      uuid.UUID
	Tenant      tenancy.ID
	Email       string
	Permissions []string
	// TokenID is the access token's id (JWT sign-in).
	TokenID string
	// APIKeyID and Scopes are set when an API key authenticated the request.
	APIKeyID uuid.UUID
	Scopes   []string
	// Models limits an API key to some models on the OpenAI-compatible API
	// (empty: all).
	Models []string
	// AssistantID is set for an assistant-scoped key: it may only use that
	// assistant's session routes, as the user who made the key.
	AssistantID uuid.UUID
	// ServiceID is set for a service's key: it may only run that service,
	// as the user who made the key.
	ServiceID uuid.UUID
	// Expires is when the credential stops working (zero: never); a cached
	// principal is not used past it.
	Expires time.Time
}

// ViaAPIKey reports whether an API key authenticated the request.
func (p Principal) ViaAPIKey() bool { return p.APIKeyID != uuid.Nil }

// Has reports whether the principal holds a permission; an API key also
// needs the admin scope for the admin permission.
func (p Principal) Has(perm string) bool {
	if !slices.Contains(p.Permissions, perm) {
		return false
	}
	return perm != "admin" || !p.ViaAPIKey() || slices.Contains(p.Scopes, "admin")
}

type principalKey struct{}

// With returns a context carrying p, its tenant and its audit actor.
func With(ctx context.Context, p Principal) context.Context {
	ctx = context.WithValue(ctx, principalKey{}, p)
	ctx = tenancy.With(ctx, p.Tenant)
	actor := audit.Actor{Type: "user", ID: p.UserID.String()}
	if p.ViaAPIKey() {
		actor = audit.Actor{Type: "api_key", ID: p.APIKeyID.String()}
	}
	return audit.WithActor(ctx, actor)
}

// CallerOf is who p is, for the modules' use cases.
func CallerOf(p Principal) actor.Caller {
	c := actor.Caller{UserID: p.UserID, TenantAdmin: p.Has("admin"), Permissions: p.Permissions, AssistantKey: p.AssistantID, ServiceKey: p.ServiceID}
	if p.AssistantID != uuid.Nil {
		c.AssistantKeyID = p.APIKeyID
	}
	return c
}

// From returns the principal in ctx.
func From(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}

// MustFrom returns the principal in ctx; it panics when the route lacks the
// authentication middleware, which is a wiring bug, never a client error.
func MustFrom(ctx context.Context) Principal {
	p, ok := From(ctx)
	if !ok {
		panic("auth: no principal in context; route is missing auth.Middleware")
	}
	return p
}

// Authenticator resolves credentials to a principal.
type Authenticator interface {
	// AuthenticateToken checks an access token.
	AuthenticateToken(ctx context.Context, token string) (Principal, error)
	// AuthenticateAPIKey checks an API key.
	AuthenticateAPIKey(ctx context.Context, key string) (Principal, error)
}

// APIKeyHeader carries API keys.
const APIKeyHeader = "X-API-Key"

// Option changes what Middleware accepts.
type Option int

// The options.
const (
	// AllowAssistantKeys lets assistant-scoped keys through (session routes).
	AllowAssistantKeys Option = 1
	// AllowServiceKeys lets services' keys through (a service's run route).
	AllowServiceKeys Option = 2
)

var (
	errAssistantKey = errs.New(errs.Unauthenticated, "this API key works only on its assistant's session routes")
	errServiceKey   = errs.New(errs.Unauthenticated, "this API key works only on its service's run route: POST /api/v1/services/{id}/run/")
	errMissing      = errs.New(errs.Unauthenticated, "missing credentials: send Authorization: Bearer <token> or X-API-Key: <key>")
	errScope        = errs.New(errs.Forbidden, "this API key's scopes do not allow this request")
	errDenied       = errs.New(errs.Forbidden, "you do not have permission to do this")
)

// Middleware authenticates every request of the group it guards: a bearer
// access token, or an API key in X-API-Key (or as the bearer value, which
// the OpenAI-compatible API needs). A read-scoped key may only use safe
// methods.
func Middleware(a Authenticator, opts ...Option) echo.MiddlewareFunc {
	allowAssistant, allowService := slices.Contains(opts, AllowAssistantKeys), slices.Contains(opts, AllowServiceKeys)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			req := c.Request()
			ctx := req.Context()
			var (
				p   Principal
				err error
			)
			bearer, hasBearer := strings.CutPrefix(req.Header.Get("Authorization"), "Bearer ")
			switch key := req.Header.Get(APIKeyHeader); {
			case key != "":
				p, err = a.AuthenticateAPIKey(ctx, key)
			case hasBearer && strings.Count(bearer, ".") == 2:
				p, err = a.AuthenticateToken(ctx, strings.TrimSpace(bearer))
			case hasBearer && bearer != "":
				p, err = a.AuthenticateAPIKey(ctx, strings.TrimSpace(bearer))
			default:
				err = errMissing
			}
			if err != nil {
				return err
			}
			if p.AssistantID != uuid.Nil && !allowAssistant {
				return errAssistantKey
			}
			if p.ServiceID != uuid.Nil && !allowService {
				return errServiceKey
			}
			if p.ViaAPIKey() && !safe(req.Method) && !slices.Contains(p.Scopes, "write") && !slices.Contains(p.Scopes, "admin") {
				return errScope
			}
			c.SetRequest(req.WithContext(With(ctx, p)))
			return next(c)
		}
	}
}

// Require allows the request only when the principal holds perm. It is the
// one place tenant permissions are checked.
func Require(perm string) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			p := MustFrom(c.Request().Context())
			if !p.Has(perm) {
				if p.ViaAPIKey() && slices.Contains(p.Permissions, perm) {
					return errScope
				}
				return errDenied
			}
			return next(c)
		}
	}
}

func safe(method string) bool {
	return method == http.MethodGet || method == http.MethodHead || method == http.MethodOptions
}
