package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Scope limits what an API key may do.
type Scope string

// The scopes: read allows safe methods only, write also changes, admin also
// the admin routes (when its user holds the admin permission).
const (
	ScopeRead  Scope = "read"
	ScopeWrite Scope = "write"
	ScopeAdmin Scope = "admin"
)

// APIKey is a user's key for programs. Only its hash is stored.
type APIKey struct {
	ID     uuid.UUID
	Tenant tenancy.ID
	UserID uuid.UUID
	Name   string
	Prefix string
	Scopes []Scope
	// Models limits the OpenAI-compatible API to these model names or ids
	// (empty: every model of the tenant).
	Models     []string
	ExpiresAt  time.Time // zero: never
	LastUsedAt time.Time
	RevokedAt  time.Time
	CreatedAt  time.Time
}

// Errors about API keys.
var (
	ErrAPIKeyNotFound = errs.New(errs.NotFound, "API key not found")
	ErrInvalidAPIKey  = errs.New(errs.Unauthenticated, "invalid, expired or revoked API key")
	ErrScope          = errs.New(errs.Forbidden, "this API key's scopes do not allow this request")
)

// MaxAPIKeysPerUser protects the table from unbounded growth.
const MaxAPIKeysPerUser = 100

// NewAPIKey validates and returns a key record for the given prefix.
func NewAPIKey(id uuid.UUID, tenant tenancy.ID, user uuid.UUID, name, prefix string, scopes []string, expiresAt, now time.Time) (APIKey, error) {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return APIKey{}, errs.New(errs.Invalid, "name must be 1 to 100 characters")
	}
	if len(scopes) == 0 {
		return APIKey{}, errs.New(errs.Invalid, "scopes must list at least one of read, write, admin")
	}
	var ss []Scope
	for _, s := range scopes {
		sc := Scope(strings.ToLower(strings.TrimSpace(s)))
		if sc != ScopeRead && sc != ScopeWrite && sc != ScopeAdmin {
			return APIKey{}, errs.Newf(errs.Invalid, "unknown scope %q; use read, write or admin", s)
		}
		if !slices.Contains(ss, sc) {
			ss = append(ss, sc)
		}
	}
	if !expiresAt.IsZero() && !expiresAt.After(now) {
		return APIKey{}, errs.New(errs.Invalid, "expires_at must be in the future")
	}
	return APIKey{ID: id, Tenant: tenant, UserID: user, Name: name, Prefix: prefix, Scopes: ss, ExpiresAt: expiresAt, CreatedAt: now}, nil
}

// Usable reports whether the key may authenticate at now.
func (k APIKey) Usable(now time.Time) bool {
	return k.RevokedAt.IsZero() && (k.ExpiresAt.IsZero() || now.Before(k.ExpiresAt))
}

// Allows reports whether the key's scopes permit a request: safe methods
// need any scope, others write or admin, admin routes admin.
func (k APIKey) Allows(safeMethod, adminRoute bool) bool {
	switch {
	case adminRoute:
		return slices.Contains(k.Scopes, ScopeAdmin)
	case safeMethod:
		return len(k.Scopes) > 0
	}
	return slices.Contains(k.Scopes, ScopeWrite) || slices.Contains(k.Scopes, ScopeAdmin)
}
