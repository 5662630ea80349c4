package application

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/domain"
)

// TokenPair is what a successful sign-in or refresh returns.
type TokenPair struct {
	AccessToken  string
	ExpiresIn    time.Duration
	RefreshToken string
}

// Caller is an authenticated user, as the auth middleware needs it.
type Caller struct {
	User        domain.User
	Permissions []domain.Permission
	TokenID     string
	APIKey      domain.APIKey
	// ExpiresAt is when the credential stops working (zero: never).
	ExpiresAt time.Time
}

func tooManyAttempts(wait time.Duration) error {
	return &errs.Error{Kind: errs.RateLimited, Msg: "too many sign-in attempts; try again later", RetryAfter: wait}
}

// Login signs in with e-mail and password. Every failure says the same
// thing and takes about as long, whether or not the account exists.
func (s *Service) Login(ctx context.Context, email, password string) (TokenPair, error) {
	email, _ = domain.NormalizeEmail(email)
	ip := audit.RequestFrom(ctx).IP
	if wait := s.d.Throttle.CheckLogin(ctx, email, ip); wait > 0 {
		s.d.Audit.Record(ctx, audit.Event{Action: "auth.login", TargetType: "user", Outcome: audit.Failure,
			Details: map[string]string{"email": email, "reason": "throttled"}})
		return TokenPair{}, tooManyAttempts(wait)
	}
	u, err := s.d.UsersRepo.UserByEmail(ctx, email)
	if err != nil && !isNotFound(err) {
		return TokenPair{}, fmt.Errorf("sign in: %w", err)
	}
	hash := u.PasswordHash
	if hash == "" || len(password) > 4*domain.MaxPasswordLen {
		hash = s.dummyHash
	}
	ok, rehash := s.d.Hasher.Verify(hash, password)
	if err != nil || hash == s.dummyHash || !ok || !u.CanSignIn() {
		s.d.Throttle.LoginFailed(ctx, email, ip)
		s.d.Audit.Record(ctx, audit.Event{Tenant: u.Tenant, Action: "auth.login", TargetType: "user", TargetID: idOrEmpty(u.ID),
			Outcome: audit.Failure, Details: map[string]string{"email": email, "method": "password"}})
		return TokenPair{}, domain.ErrBadCredentials
	}
	if err := s.d.Tenants.CheckActive(ctx, u.Tenant); err != nil {
		s.d.Audit.Record(ctx, audit.Event{Tenant: u.Tenant, Action: "auth.login", TargetType: "user", TargetID: u.ID.String(),
			Outcome: audit.Failure, Details: map[string]string{"reason": "tenant suspended"}})
		return TokenPair{}, err
	}
	if rehash {
		if h, err := s.d.Hasher.Hash(password); err == nil {
			if err := s.d.UsersRepo.SetPassword(ctx, u.Tenant, u.ID, h, s.now()); err != nil {
				s.d.Log.WarnContext(ctx, "password rehash not stored", "user_id", u.ID, "err", err)
			}
		}
	}
	s.d.Throttle.LoginSucceeded(ctx, email)
	return s.startSession(ctx, u, "password")
}

// SignInFederated starts a session for a user the identity provider
// vouched for (the users module's side of OIDC sign-in).
func (s *Service) SignInFederated(ctx context.Context, u domain.User) (TokenPair, error) {
	if !u.CanSignIn() {
		s.d.Audit.Record(ctx, audit.Event{Tenant: u.Tenant, Action: "auth.login", TargetType: "user", TargetID: u.ID.String(),
			Outcome: audit.Failure, Details: map[string]string{"method": "oidc", "reason": string(u.State)}})
		return TokenPair{}, domain.ErrInactive
	}
	if err := s.d.Tenants.CheckActive(ctx, u.Tenant); err != nil {
		return TokenPair{}, err
	}
	return s.startSession(ctx, u, "oidc")
}

// startSession activates an invited user and issues a new token family.
func (s *Service) startSession(ctx context.Context, u domain.User, method string) (TokenPair, error) {
	var pair TokenPair
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if u.State == domain.StateInvited {
			active := domain.StateActive
			if err := u.Apply(domain.Patch{State: &active}, s.now()); err != nil {
				return err
			}
			if err := s.d.UsersRepo.UpdateUser(ctx, u); err != nil {
				return err
			}
		}
		var err error
		if pair, err = s.issue(ctx, u, uuid.Must(uuid.NewV7())); err != nil {
			return err
		}
		s.d.Audit.Record(audit.WithActor(ctx, audit.Actor{Type: "user", ID: u.ID.String()}), audit.Event{Tenant: u.Tenant,
			Action: "auth.login", TargetType: "user", TargetID: u.ID.String(), Details: map[string]string{"method": method}})
		return nil
	})
	if err != nil {
		return TokenPair{}, fmt.Errorf("start session for user %s: %w", u.ID, err)
	}
	return pair, nil
}

// issue signs an access token and stores a new refresh token of family.
func (s *Service) issue(ctx context.Context, u domain.User, family uuid.UUID) (TokenPair, error) {
	at := s.now()
	access, err := s.d.Tokens.Issue(Claims{UserID: u.ID, Tenant: u.Tenant, TokenID: uuid.NewString(), Family: family.String(),
		ExpiresAt: at.Add(s.d.AccessTTL)})
	if err != nil {
		return TokenPair{}, fmt.Errorf("sign access token: %w", err)
	}
	refresh := "rt_" + randomString(32)
	sum := sha256.Sum256([]byte(refresh))
	err = s.d.RefreshRepo.InsertRefreshToken(ctx, RefreshToken{ID: uuid.Must(uuid.NewV7()), Tenant: u.Tenant, UserID: u.ID, Family: family,
		Hash: sum[:], ExpiresAt: at.Add(s.d.RefreshTTL), CreatedAt: at})
	if err != nil {
		return TokenPair{}, err
	}
	return TokenPair{AccessToken: access, ExpiresIn: s.d.AccessTTL, RefreshToken: refresh}, nil
}

// errReused stops the refresh transaction when a used token comes back;
// the family is then revoked in a transaction of its own that commits.
var errReused = errors.New("refresh token reused")

// ReuseGrace is how long after its use a browser session's refresh token
// still works. Tabs share one refresh cookie, and two that wake together
// both present it; without the grace the second would revoke the sign-in.
const ReuseGrace = 20 * time.Second

// Refresh trades a refresh token for a new pair. Each refresh token works
// once; presenting a used one revokes its whole family, since either the
// user or a thief holds a copy. Within grace of its first use (browser
// sessions: ReuseGrace; zero for other clients) a used token works again.
func (s *Service) Refresh(ctx context.Context, token string, grace time.Duration) (TokenPair, error) {
	sum := sha256.Sum256([]byte(token))
	var pair TokenPair
	var reused RefreshToken
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		rt, err := s.d.RefreshRepo.RefreshTokenByHash(ctx, sum[:])
		if err != nil {
			return err
		}
		at := s.now()
		if !rt.RevokedAt.IsZero() || !at.Before(rt.ExpiresAt) {
			return domain.ErrInvalidToken
		}
		switch {
		case rt.UsedAt.IsZero():
			if err := s.d.RefreshRepo.MarkRefreshTokenUsed(ctx, rt.Tenant, rt.ID, at); err != nil {
				return err
			}
		case at.Sub(rt.UsedAt) > grace:
			reused = rt
			return errReused
		}
		u, err := s.d.UsersRepo.GetUser(ctx, rt.Tenant, rt.UserID)
		if err != nil {
			return domain.ErrInvalidToken
		}
		if u.State != domain.StateActive {
			return domain.ErrInactive
		}
		if err := s.d.Tenants.CheckActive(ctx, u.Tenant); err != nil {
			return err
		}
		pair, err = s.issue(ctx, u, rt.Family)
		return err
	})
	if errors.Is(err, errReused) {
		err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
			if err := s.d.RefreshRepo.RevokeRefreshFamily(ctx, reused.Tenant, reused.Family, s.now()); err != nil {
				return err
			}
			s.d.Audit.Record(ctx, audit.Event{Tenant: reused.Tenant, Action: "auth.refresh_reuse", TargetType: "user",
				TargetID: reused.UserID.String(), Outcome: audit.Failure, Details: map[string]string{"family": reused.Family.String()}})
			return nil
		})
		if err != nil {
			return TokenPair{}, fmt.Errorf("revoke reused token family: %w", err)
		}
		return TokenPair{}, domain.ErrInvalidToken
	}
	if err != nil {
		return TokenPair{}, fmt.Errorf("refresh: %w", err)
	}
	return pair, nil
}

// Logout ends the caller's session: the access token stops working at once
// and the refresh token's family (or, without one, all the user's refresh
// tokens) is revoked.
func (s *Service) Logout(ctx context.Context, tenant tenancy.ID, user uuid.UUID, tokenID, refresh string) error {
	at := s.now()
	until := at.Add(s.d.AccessTTL)
	if tokenID != "" {
		s.d.Throttle.RevokeAccessToken(ctx, tokenID, until)
	}
	var ended []uuid.UUID
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if refresh != "" {
			sum := sha256.Sum256([]byte(refresh))
			rt, err := s.d.RefreshRepo.RefreshTokenByHash(ctx, sum[:])
			if err == nil && rt.UserID == user && rt.Tenant == tenant {
				ended = []uuid.UUID{rt.Family}
				return s.d.RefreshRepo.RevokeRefreshFamily(ctx, tenant, rt.Family, at)
			}
		}
		var err error
		ended, err = s.d.RefreshRepo.RevokeUserRefreshTokens(ctx, tenant, user, at)
		return err
	})
	if err != nil {
		return fmt.Errorf("logout: %w", err)
	}
	// The access tokens of the ended sign-ins (other browser tabs, other
	// devices) stop working at their next request.
	for _, f := range ended {
		s.d.Throttle.RevokeAccessToken(ctx, familyKey(f.String()), until)
	}
	s.d.Audit.Record(ctx, audit.Event{Tenant: tenant, Action: "auth.logout", TargetType: "user", TargetID: user.String()})
	return nil
}

// AuthenticateToken checks an access token and loads its user.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Caller, error) {
	c, err := s.d.Tokens.Parse(token)
	if err != nil {
		return Caller{}, domain.ErrInvalidToken
	}
	if s.d.Throttle.AccessTokenRevoked(ctx, c.TokenID, familyKey(c.Family)) {
		return Caller{}, domain.ErrInvalidToken
	}
	caller, err := s.caller(ctx, c.Tenant, c.UserID)
	if err != nil {
		return Caller{}, err
	}
	caller.TokenID, caller.ExpiresAt = c.TokenID, c.ExpiresAt
	return caller, nil
}

// CallerFor loads an active user of an active tenant with its permissions,
// for credentials other modules check (assistant-scoped keys).
func (s *Service) CallerFor(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (Caller, error) {
	return s.caller(ctx, tenant, id)
}

// caller loads an active user of an active tenant with its permissions.
func (s *Service) caller(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (Caller, error) {
	u, err := s.d.UsersRepo.GetUser(ctx, tenant, id)
	if isNotFound(err) {
		return Caller{}, domain.ErrInvalidToken
	}
	if err != nil {
		return Caller{}, fmt.Errorf("authenticate: %w", err)
	}
	if u.State != domain.StateActive {
		return Caller{}, domain.ErrInactive
	}
	if err := s.d.Tenants.CheckActive(ctx, tenant); err != nil {
		return Caller{}, err
	}
	perms, err := s.Permissions(ctx, u)
	if err != nil {
		return Caller{}, err
	}
	return Caller{User: u, Permissions: perms}, nil
}

// familyKey is the revocation id of a whole sign-in ("" for none).
func familyKey(family string) string {
	if family == "" {
		return ""
	}
	return "family:" + family
}

func idOrEmpty(id uuid.UUID) string {
	if id == uuid.Nil {
		return ""
	}
	return id.String()
}
