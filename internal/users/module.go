// Package users wires the users module: people, roles, groups, sign-in,
// tokens and API keys.
package users

import (
	"crypto/sha256"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/config"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/users/api"
	"github.com/agora-platform/agora/internal/users/application"
	"github.com/agora-platform/agora/internal/users/infrastructure"
)

// Deps are what the module needs from the composition root.
type Deps struct {
	DB      *bun.DB
	Redis   redis.UniversalClient
	Config  config.Config
	Tenants application.Tenants
	// Federation finds identity providers (built by the composition root
	// over the tenants module).
	Federation application.Federation
	// Spaces creates personal spaces for new users.
	Spaces application.Spaces
	// Mailer queues the e-mail with invitations and password links.
	Mailer application.Mailer
	Audit  audit.Recorder
	Log    *slog.Logger
}

// Module is the wired users module.
type Module struct {
	Service       *application.Service
	HTTP          *api.Handler
	Authenticator api.Authenticator
}

// stateKey derives the OIDC state signing key from JWT_SECRET.
func stateKey(secret string) []byte {
	h := sha256.Sum256([]byte("agora oidc state\x00" + secret))
	return h[:]
}

// New builds the users module.
func New(d Deps) (*Module, error) {
	c := d.Config
	params := infrastructure.Argon2Params{Memory: uint32(c.Argon2MemoryKiB), Time: uint32(c.Argon2Iterations), Threads: 2}
	repo := infrastructure.NewRepo(d.DB)
	svc, err := application.NewService(application.Deps{
		UsersRepo: repo, RolesRepo: repo, GroupsRepo: repo, RefreshRepo: repo, KeysRepo: repo, Tx: postgres.NewTransactor(d.DB),
		Hasher: infrastructure.NewPasswordHasher(params), Tokens: infrastructure.NewJWT(c.JWTSecret),
		Throttle: infrastructure.NewThrottle(d.Redis, d.Log, c.LoginLimitPerAccount, c.LoginLimitPerIP, c.LoginLimitWindow),
		Tenants:  d.Tenants, Audit: d.Audit, Log: d.Log,
		AccessTTL: time.Duration(c.JWTExpirySeconds) * time.Second, RefreshTTL: c.RefreshTokenTTL, Pepper: c.APIKeyPepperBytes(),
		Federation: d.Federation, OIDC: infrastructure.NewOIDCClient(10 * time.Second), States: infrastructure.NewLoginStates(d.Redis),
		RedirectURI: strings.TrimRight(c.PublicOrigin, "/") + "/login/callback", StateKey: stateKey(c.JWTSecret),
		Spaces: d.Spaces, Links: repo, Mailer: d.Mailer, PublicOrigin: c.PublicOrigin, InviteTTL: c.InviteTTL,
	})
	if err != nil {
		return nil, fmt.Errorf("users module: %w", err)
	}
	return &Module{Service: svc, HTTP: api.NewHandler(svc, api.Cookies{
		Secure: strings.HasPrefix(c.PublicOrigin, "https://"), Origin: c.PublicOrigin, TTL: c.RefreshTokenTTL, Features: features(c)}), Authenticator: api.NewAuthenticator(svc)}, nil
}

// features lists the optional parts of the installation that are on.
func features(c config.Config) []string {
	var out []string
	if c.TenantSelfServiceCredentials {
		out = append(out, "tenant_credentials")
	}
	if c.SMTPHost != "" {
		out = append(out, "email")
	}
	return out
}
