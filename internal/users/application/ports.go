package application

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/domain"
)

// UserStore stores the tenant's people.
type UserStore interface {
	InsertUser(ctx context.Context, u domain.User) error
	GetUser(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.User, error)
	// UserByEmail finds the one non-deleted user with an e-mail, in any
	// tenant: sign-in by e-mail is how the tenant is found.
	UserByEmail(ctx context.Context, email string) (domain.User, error)
	// TenantOfUser finds a non-deleted user's tenant, for the sysadmin API.
	TenantOfUser(ctx context.Context, id uuid.UUID) (tenancy.ID, error)
	ListUsers(ctx context.Context, tenant tenancy.ID, search string, limit, offset int) ([]domain.User, int, error)
	// UsersByID returns the tenant's users among ids, deleted ones too.
	UsersByID(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) ([]domain.User, error)
	UpdateUser(ctx context.Context, u domain.User) error
	SetPassword(ctx context.Context, tenant tenancy.ID, id uuid.UUID, hash string, at time.Time) error
	SoftDeleteUser(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error
	// ActiveOwners counts the tenant's active users with the Owner role.
	ActiveOwners(ctx context.Context, tenant tenancy.ID) (int, error)
}

// RoleStore stores roles.
type RoleStore interface {
	ListRoles(ctx context.Context, tenant tenancy.ID) ([]domain.Role, error)
	RolesByID(ctx context.Context, tenant tenancy.ID, ids []uuid.UUID) ([]domain.Role, error)
	GetRole(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Role, error)
	InsertRole(ctx context.Context, r domain.Role) error
	UpdateRole(ctx context.Context, r domain.Role) error
	DeleteRole(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error
}

// GroupStore stores user groups and their members.
type GroupStore interface {
	ListGroups(ctx context.Context, tenant tenancy.ID) ([]domain.Group, error)
	GetGroup(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Group, error)
	InsertGroup(ctx context.Context, g domain.Group) error
	UpdateGroup(ctx context.Context, g domain.Group) error
	DeleteGroup(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error
	AddGroupMember(ctx context.Context, tenant tenancy.ID, group, user uuid.UUID) error
	GroupsOf(ctx context.Context, tenant tenancy.ID, user uuid.UUID) ([]uuid.UUID, error)
	RemoveGroupMember(ctx context.Context, tenant tenancy.ID, group, user uuid.UUID) (bool, error)
}

// RefreshStore stores refresh tokens.
type RefreshStore interface {
	InsertRefreshToken(ctx context.Context, t RefreshToken) error
	// RefreshTokenByHash loads and locks a refresh token; ErrInvalidToken.
	RefreshTokenByHash(ctx context.Context, hash []byte) (RefreshToken, error)
	MarkRefreshTokenUsed(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error
	RevokeRefreshFamily(ctx context.Context, tenant tenancy.ID, family uuid.UUID, at time.Time) error
	// RevokeUserRefreshTokens revokes every live refresh token of a user
	// and returns the families it ended.
	RevokeUserRefreshTokens(ctx context.Context, tenant tenancy.ID, user uuid.UUID, at time.Time) ([]uuid.UUID, error)
}

// KeyStore stores API keys.
type KeyStore interface {
	InsertAPIKey(ctx context.Context, k domain.APIKey, hash []byte) error
	ListAPIKeys(ctx context.Context, tenant tenancy.ID, user uuid.UUID) ([]domain.APIKey, error)
	CountAPIKeys(ctx context.Context, tenant tenancy.ID, user uuid.UUID) (int, error)
	RevokeAPIKey(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID, at time.Time) error
	// APIKeyByHash finds a key by the HMAC of its secret; ErrInvalidAPIKey.
	APIKeyByHash(ctx context.Context, hash []byte) (domain.APIKey, error)
	TouchAPIKey(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error
}

// Repo is every store of the module; one PostgreSQL type implements them all.
type Repo interface {
	UserStore
	RoleStore
	GroupStore
	RefreshStore
	KeyStore
}

// RefreshToken is a stored refresh token (its hash only).
type RefreshToken struct {
	ID        uuid.UUID
	Tenant    tenancy.ID
	UserID    uuid.UUID
	Family    uuid.UUID
	Hash      []byte
	ExpiresAt time.Time
	UsedAt    time.Time
	RevokedAt time.Time
	CreatedAt time.Time
}

// Hasher hashes passwords (argon2id) and verifies stored hashes, including
// bcrypt hashes imported from Eneo; rehash asks for an argon2id upgrade.
type Hasher interface {
	Hash(password string) (string, error)
	Verify(hash, password string) (ok, rehash bool)
}

// Claims are what an access token says.
type Claims struct {
	UserID  uuid.UUID
	Tenant  tenancy.ID
	TokenID string
	// Family is the sign-in the token belongs to (its refresh token
	// family), so a logout can end every access token of it.
	Family    string
	ExpiresAt time.Time
}

// Tokens signs and checks access tokens.
type Tokens interface {
	Issue(c Claims) (string, error)
	Parse(token string) (Claims, error)
}

// Throttle keeps sign-in failure counters and revoked access tokens.
// Implementations degrade when their store is down: they allow and log.
type Throttle interface {
	// CheckLogin returns how long sign-in is blocked for the account or IP.
	CheckLogin(ctx context.Context, account, ip string) time.Duration
	LoginFailed(ctx context.Context, account, ip string)
	LoginSucceeded(ctx context.Context, account string)
	RevokeAccessToken(ctx context.Context, tokenID string, until time.Time)
	// AccessTokenRevoked reports whether any of the ids (a token's own id
	// and its sign-in's family) was revoked, in one round trip.
	AccessTokenRevoked(ctx context.Context, ids ...string) bool
}

// Tenants is what the users module asks of the tenants module.
type Tenants interface {
	// CheckActive fails with a Forbidden error for a suspended tenant and
	// NotFound for a missing one.
	CheckActive(ctx context.Context, id tenancy.ID) error
	// Info describes a tenant.
	Info(ctx context.Context, id tenancy.ID) (TenantInfo, error)
}

// TenantInfo is what users see of their tenant.
type TenantInfo struct {
	ID          tenancy.ID
	Name        string
	Slug        string
	DisplayName string
	State       string
}

// Spaces is what the users module asks of the spaces module.
type Spaces interface {
	// EnsurePersonal creates the user's personal space unless it exists; it
	// joins the caller's transaction.
	EnsurePersonal(ctx context.Context, tenant tenancy.ID, user uuid.UUID) error
}

// IdentityProvider is a tenant's OpenID Connect provider, secret in plain
// text, with the tenant's sign-on rules.
type IdentityProvider struct {
	Tenant         tenancy.ID
	DiscoveryURL   string
	ClientID       string
	ClientSecret   string
	Scopes         []string
	AllowedDomains []string
	// JIT creates unknown users on their first sign-in.
	JIT bool
}

// Federation finds identity providers: per tenant (sysadmin-configured) or
// the single one from the configuration.
type Federation interface {
	// Mode says which sign-in modes this installation offers.
	Mode() FederationMode
	// BySlug returns the provider of the tenant with slug (empty: the
	// single-tenant provider); NotFound when there is none.
	BySlug(ctx context.Context, slug string) (IdentityProvider, error)
	// ByTenant returns the provider of a tenant.
	ByTenant(ctx context.Context, tenant tenancy.ID) (IdentityProvider, error)
	// Tenants lists the tenants users can pick at sign-in.
	Tenants(ctx context.Context) ([]TenantInfo, error)
}

// FederationMode says which single sign-on modes are on.
type FederationMode struct {
	Single    bool
	PerTenant bool
}

// IdentityClaims are the verified claims of an ID token.
type IdentityClaims struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified *bool
	Name          string
	Nonce         string
}

// ProviderCheck is the result of probing a provider's discovery and keys.
type ProviderCheck struct {
	Issuer                string
	AuthorizationEndpoint string
	TokenEndpoint         string
	JWKSURI               string
	Keys                  int
}

// OIDC talks to identity providers (coreos/go-oidc).
type OIDC interface {
	// AuthURL is where the browser goes to sign in; the PKCE challenge is
	// derived from verifier.
	AuthURL(ctx context.Context, idp IdentityProvider, redirectURI, state, nonce, verifier string) (string, error)
	// Exchange trades a code for an ID token and verifies its signature
	// (JWKS), issuer, audience and expiry.
	Exchange(ctx context.Context, idp IdentityProvider, redirectURI, code, verifier string) (IdentityClaims, error)
	// Probe fetches discovery and the signing keys.
	Probe(ctx context.Context, discoveryURL string) (ProviderCheck, error)
}

// LoginState is what a sign-in remembers between initiate and callback.
type LoginState struct {
	Tenant      tenancy.ID `json:"tenant"`
	Nonce       string     `json:"nonce"`
	Verifier    string     `json:"verifier"`
	ClientState string     `json:"client_state"`
}

// LoginStates keeps sign-in state for a short time; Take removes it, so
// each state works once.
type LoginStates interface {
	Save(ctx context.Context, id string, s LoginState, ttl time.Duration) error
	Take(ctx context.Context, id string) (LoginState, bool, error)
	// Debug reports whether verbose OIDC logging is on; SetDebug switches it
	// on until a time, or off.
	Debug(ctx context.Context) (DebugState, error)
	SetDebug(ctx context.Context, d DebugState) error
}

// DebugState is the OIDC debug switch.
type DebugState struct {
	Enabled bool      `json:"enabled"`
	Until   time.Time `json:"until"`
	Reason  string    `json:"reason"`
}
