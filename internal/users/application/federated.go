package application

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/domain"
)

// LoginStateTTL is how long a started sign-in may take.
const LoginStateTTL = 10 * time.Minute

// Errors of single sign-on; each says what the person can do.
var (
	ErrBadState        = errs.New(errs.Unauthenticated, "this sign-in link is invalid, expired or already used; start signing in again")
	ErrNotVerified     = errs.New(errs.Unauthenticated, "the identity provider's answer could not be verified; start signing in again or contact your administrator")
	ErrNoEmail         = errs.New(errs.Unauthenticated, "the identity provider sent no verified e-mail address; ask your administrator to release the email claim")
	ErrDomain          = errs.New(errs.Forbidden, "your e-mail domain is not allowed to sign in to this organisation")
	ErrOtherTenant     = errs.New(errs.Forbidden, "your e-mail address belongs to another organisation in Agora")
	ErrNoAccount       = errs.New(errs.Forbidden, "you have no Agora account in this organisation yet; ask your administrator to invite you")
	ErrSSONotAvailable = errs.New(errs.NotFound, "single sign-on is not configured for this organisation")
)

// FederationStatus says which sign-in modes exist.
func (s *Service) FederationStatus() FederationMode { return s.d.Federation.Mode() }

// SignInTenants lists the tenants offered at sign-in.
func (s *Service) SignInTenants(ctx context.Context) ([]TenantInfo, error) {
	ts, err := s.d.Federation.Tenants(ctx)
	if err != nil {
		return nil, fmt.Errorf("list sign-in tenants: %w", err)
	}
	return ts, nil
}

// Initiate starts a sign-in with the identity provider of the tenant with
// slug: it keeps a nonce and a PKCE verifier in Redis under a random id and
// returns the authorization URL and the server-signed state carrying the id.
func (s *Service) Initiate(ctx context.Context, slug, clientState string) (authURL, state string, err error) {
	if len(clientState) > 512 {
		return "", "", errs.New(errs.Invalid, "state must be at most 512 characters")
	}
	idp, err := s.d.Federation.BySlug(ctx, slug)
	if err != nil {
		return "", "", err
	}
	id, nonce, verifier := randomString(24), randomString(24), randomString(48)
	if err := s.d.States.Save(ctx, id, LoginState{Tenant: idp.Tenant, Nonce: nonce, Verifier: verifier, ClientState: clientState}, LoginStateTTL); err != nil {
		return "", "", fmt.Errorf("keep sign-in state: %w", err)
	}
	state = s.signState(id)
	authURL, err = s.d.OIDC.AuthURL(ctx, idp, s.d.RedirectURI, state, nonce, verifier)
	if err != nil {
		return "", "", errs.Wrap(errs.Unavailable, "your organisation's sign-in service cannot be reached right now; try again later or sign in with a password",
			fmt.Errorf("reach the identity provider of tenant %s: %w", idp.Tenant, err))
	}
	s.debug(ctx, "oidc initiate", "tenant_id", idp.Tenant, "discovery", idp.DiscoveryURL, "client_id", idp.ClientID, "redirect_uri", s.d.RedirectURI)
	return authURL, state, nil
}

// Callback completes a sign-in: the state must be ours, unexpired and
// unused; the ID token must verify and carry our nonce and an allowed
// e-mail; the user must exist in the tenant or be created just in time.
func (s *Service) Callback(ctx context.Context, code, state string) (TokenPair, string, error) {
	id, ok := s.verifyState(state)
	if !ok || code == "" {
		return TokenPair{}, "", ErrBadState
	}
	ls, found, err := s.d.States.Take(ctx, id)
	if err != nil {
		return TokenPair{}, "", fmt.Errorf("read sign-in state: %w", err)
	}
	if !found {
		s.fail(ctx, tenancy.ID{}, "", "state unknown, expired or replayed")
		return TokenPair{}, "", ErrBadState
	}
	idp, err := s.d.Federation.ByTenant(ctx, ls.Tenant)
	if err != nil {
		return TokenPair{}, "", err
	}
	claims, err := s.d.OIDC.Exchange(ctx, idp, s.d.RedirectURI, code, ls.Verifier)
	if err != nil {
		s.debug(ctx, "oidc exchange failed", "tenant_id", ls.Tenant, "err", err.Error())
		s.fail(ctx, ls.Tenant, "", "token exchange or verification failed")
		return TokenPair{}, "", ErrNotVerified
	}
	s.debug(ctx, "oidc id token verified", "tenant_id", ls.Tenant, "iss", claims.Issuer, "sub", claims.Subject, "email", claims.Email)
	if claims.Nonce != ls.Nonce {
		s.fail(ctx, ls.Tenant, claims.Email, "nonce mismatch")
		return TokenPair{}, "", ErrNotVerified
	}
	u, err := s.federatedUser(ctx, idp, claims)
	if err != nil {
		return TokenPair{}, "", err
	}
	pair, err := s.SignInFederated(ctx, u)
	return pair, ls.ClientState, err
}

// federatedUser finds (or, with JIT, creates) the user the claims name.
func (s *Service) federatedUser(ctx context.Context, idp IdentityProvider, c IdentityClaims) (domain.User, error) {
	email, err := domain.NormalizeEmail(c.Email)
	if err != nil || (c.EmailVerified != nil && !*c.EmailVerified) {
		s.fail(ctx, idp.Tenant, c.Email, "no verified e-mail")
		return domain.User{}, ErrNoEmail
	}
	if !domain.EmailInDomains(idp.AllowedDomains, email) {
		s.fail(ctx, idp.Tenant, email, "e-mail domain not allowed")
		return domain.User{}, ErrDomain
	}
	u, err := s.d.UsersRepo.UserByEmail(ctx, email)
	switch {
	case err == nil && u.Tenant != idp.Tenant:
		s.fail(ctx, idp.Tenant, email, "e-mail belongs to another tenant")
		return domain.User{}, ErrOtherTenant
	case err == nil:
		return u, nil
	case !errors.Is(err, domain.ErrNotFound):
		return domain.User{}, fmt.Errorf("find user: %w", err)
	case !idp.JIT:
		s.fail(ctx, idp.Tenant, email, "no account and just-in-time provisioning is off")
		return domain.User{}, ErrNoAccount
	}
	name := strings.TrimSpace(c.Name)
	u, err = domain.New(uuid.Must(uuid.NewV7()), idp.Tenant, domain.NewInput{Email: email, Username: name, Active: true}, s.now())
	if err != nil {
		return domain.User{}, err
	}
	err = s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.insertUser(ctx, u); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: idp.Tenant, Action: "user.created", TargetType: "user", TargetID: u.ID.String(),
			Details: map[string]string{"email": email, "via": "oidc just-in-time"}})
		return nil
	})
	if err != nil {
		return domain.User{}, fmt.Errorf("create user just in time: %w", err)
	}
	return u, nil
}

func (s *Service) fail(ctx context.Context, tenant tenancy.ID, email, reason string) {
	s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "auth.login", TargetType: "user", Outcome: audit.Failure,
		Details: map[string]string{"method": "oidc", "email": email, "reason": reason}})
}

// TestFederation probes a tenant's provider: discovery reachable, keys
// fetched.
func (s *Service) TestFederation(ctx context.Context, tenant tenancy.ID) (ProviderCheck, error) {
	idp, err := s.d.Federation.ByTenant(ctx, tenant)
	if err != nil {
		return ProviderCheck{}, err
	}
	return s.d.OIDC.Probe(ctx, idp.DiscoveryURL)
}

// OIDCDebug returns the OIDC debug switch.
func (s *Service) OIDCDebug(ctx context.Context) (DebugState, error) {
	d, err := s.d.States.Debug(ctx)
	if err != nil {
		return DebugState{}, fmt.Errorf("read OIDC debug switch: %w", err)
	}
	return d, nil
}

// SetOIDCDebug turns verbose, secret-free OIDC logging on for minutes (it
// turns itself off), or off.
func (s *Service) SetOIDCDebug(ctx context.Context, enabled bool, minutes int, reason string) (DebugState, error) {
	d := DebugState{Enabled: enabled, Reason: strings.TrimSpace(reason)}
	if enabled {
		if minutes < 1 || minutes > 240 {
			return DebugState{}, errs.New(errs.Invalid, "duration_minutes must be between 1 and 240")
		}
		d.Until = s.now().Add(time.Duration(minutes) * time.Minute)
	}
	if err := s.d.States.SetDebug(ctx, d); err != nil {
		return DebugState{}, fmt.Errorf("set OIDC debug switch: %w", err)
	}
	s.d.Audit.Record(ctx, audit.Event{Action: "oidc_debug.toggled", TargetType: "oidc_debug",
		Details: map[string]string{"enabled": fmt.Sprint(enabled), "minutes": fmt.Sprint(minutes), "reason": d.Reason}})
	return d, nil
}

// debug logs an OIDC step when the debug switch is on. Callers pass no
// secrets, codes or tokens.
func (s *Service) debug(ctx context.Context, msg string, args ...any) {
	if d, err := s.d.States.Debug(ctx); err == nil && d.Enabled {
		s.d.Log.InfoContext(ctx, msg, append(args, "oidc_debug", true)...)
	}
}

// signState returns "<id>.<mac>" so a callback can tell our states apart
// from forged ones before touching Redis.
func (s *Service) signState(id string) string {
	m := hmac.New(sha256.New, s.d.StateKey)
	m.Write([]byte(id))
	return id + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func (s *Service) verifyState(state string) (string, bool) {
	id, _, ok := strings.Cut(state, ".")
	if !ok || len(state) > 200 {
		return "", false
	}
	return id, hmac.Equal([]byte(s.signState(id)), []byte(state))
}
