package application

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/domain"
)

// How long the links a person asks for and an administrator makes work.
const (
	ForgotLinkTTL = time.Hour
	ResetLinkTTL  = 24 * time.Hour
)

// LinkStore stores password links.
type LinkStore interface {
	InsertLink(ctx context.Context, l domain.Link) error
	// RevokeLinks ends the user's live links of a kind (a new one
	// replaces them).
	RevokeLinks(ctx context.Context, tenant tenancy.ID, user uuid.UUID, kind domain.LinkKind, at time.Time) error
	// LinkByHash loads and locks a link by its token's hash, in any tenant
	// (the token is the credential); ErrLinkUnknown when there is none.
	LinkByHash(ctx context.Context, hash []byte) (domain.Link, error)
	UseLink(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error
}

// Mailer queues plain-text e-mail for the worker (platform/mail.Queue);
// id makes a message unique while queued.
type Mailer interface {
	Enabled() bool
	Send(ctx context.Context, to, subject, text, id string) error
}

// Invitation is what inviting a user gives the administrator: the link to
// pass on (empty when the tenant signs in with single sign-on, which needs
// no password) and whether it was e-mailed.
type Invitation struct {
	User      domain.User
	URL       string
	ExpiresAt time.Time
	Emailed   bool
	SSO       bool
}

// Invite creates an invited user and their invitation.
func (s *Service) Invite(ctx context.Context, tenant tenancy.ID, by uuid.UUID, in CreateInput) (Invitation, error) {
	u, err := s.Create(ctx, tenant, in)
	if err != nil {
		return Invitation{}, err
	}
	inv, err := s.PasswordLink(ctx, tenant, by, u.ID)
	if err != nil {
		return Invitation{User: u}, err
	}
	return inv, nil
}

// PasswordLink makes a new link for a user: an invitation while they are
// invited, else a reset. It replaces their earlier links of that kind and
// is e-mailed when e-mail is on. A tenant with single sign-on gets no link.
func (s *Service) PasswordLink(ctx context.Context, tenant tenancy.ID, by, id uuid.UUID) (Invitation, error) {
	u, err := s.d.UsersRepo.GetUser(ctx, tenant, id)
	if err != nil {
		return Invitation{}, fmt.Errorf("password link for user %s: %w", id, err)
	}
	if u.State == domain.StateDeactivated {
		return Invitation{}, domain.ErrInactive
	}
	if s.usesSSO(ctx, tenant) {
		return Invitation{User: u, SSO: true, Emailed: s.mailSSO(ctx, u)}, nil
	}
	kind, ttl := domain.LinkReset, ResetLinkTTL
	if u.State == domain.StateInvited {
		kind, ttl = domain.LinkInvite, s.d.InviteTTL
	}
	url, expires, err := s.newLink(ctx, u, kind, ttl, by)
	if err != nil {
		return Invitation{}, err
	}
	return Invitation{User: u, URL: url, ExpiresAt: expires, Emailed: s.mailLink(ctx, u, kind, url, expires)}, nil
}

// ForgotPassword e-mails a reset link when the address belongs to a user
// who signs in with a password. It answers the same whether or not the
// address is known; it is limited per address and per IP.
func (s *Service) ForgotPassword(ctx context.Context, email string) error {
	email, _ = domain.NormalizeEmail(email)
	ip := audit.RequestFrom(ctx).IP
	if wait := s.d.Throttle.CheckLogin(ctx, "reset:"+email, "reset:"+ip); wait > 0 {
		return tooManyAttempts(wait)
	}
	s.d.Throttle.LoginFailed(ctx, "reset:"+email, "reset:"+ip) // counts the request
	u, err := s.d.UsersRepo.UserByEmail(ctx, email)
	if err != nil || !u.CanSignIn() || s.usesSSO(ctx, u.Tenant) {
		return nil
	}
	s.d.Audit.Record(ctx, audit.Event{Tenant: u.Tenant, Action: "user.password_reset_requested", TargetType: "user", TargetID: u.ID.String()})
	if !s.d.Mailer.Enabled() {
		s.d.Log.WarnContext(ctx, "a password reset was asked for but e-mail is off (SMTP_HOST); an administrator can make a reset link", "user_id", u.ID)
		return nil
	}
	kind := domain.LinkReset
	if u.State == domain.StateInvited {
		kind = domain.LinkInvite
	}
	url, expires, err := s.newLink(ctx, u, kind, ForgotLinkTTL, uuid.Nil)
	if err != nil {
		return err
	}
	s.mailLink(ctx, u, kind, url, expires)
	return nil
}

// LinkInfo says whose a link is and whether it can be used, for its page.
type LinkInfo struct {
	State     domain.LinkState
	Kind      domain.LinkKind
	Email     string
	ExpiresAt time.Time
}

// CheckLink looks a link up without using it.
func (s *Service) CheckLink(ctx context.Context, token string) (LinkInfo, error) {
	var info LinkInfo
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		l, err := s.d.Links.LinkByHash(ctx, linkHash(token))
		if errors.Is(err, domain.ErrLinkUnknown) {
			info.State = domain.LinkUnknown
			return nil
		}
		if err != nil {
			return err
		}
		u, err := s.d.UsersRepo.GetUser(ctx, l.Tenant, l.User)
		if err != nil {
			info.State = domain.LinkUnknown
			return nil
		}
		info = LinkInfo{State: l.State(s.now()), Kind: l.Kind, Email: u.Email, ExpiresAt: l.ExpiresAt}
		return nil
	})
	return info, err
}

// UseLink sets the password a link allows, once, and signs the user in
// (an invited user becomes active).
func (s *Service) UseLink(ctx context.Context, token, password string) (TokenPair, error) {
	var u domain.User
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		l, err := s.d.Links.LinkByHash(ctx, linkHash(token))
		if err != nil {
			return err
		}
		at := s.now()
		if err := l.CheckUsable(at); err != nil {
			return err
		}
		if u, err = s.d.UsersRepo.GetUser(ctx, l.Tenant, l.User); err != nil {
			return domain.ErrLinkUnknown
		}
		if u.State == domain.StateDeactivated {
			return domain.ErrInactive
		}
		if err := domain.CheckPassword(password, u.Email); err != nil {
			return err
		}
		hash, err := s.d.Hasher.Hash(password)
		if err != nil {
			return fmt.Errorf("hash password: %w", err)
		}
		if err := s.d.UsersRepo.SetPassword(ctx, u.Tenant, u.ID, hash, at); err != nil {
			return err
		}
		if err := s.d.Links.UseLink(ctx, l.Tenant, l.ID, at); err != nil {
			return err
		}
		s.d.Audit.Record(audit.WithActor(ctx, audit.Actor{Type: "user", ID: u.ID.String()}), audit.Event{Tenant: u.Tenant,
			Action: "user.password_set", TargetType: "user", TargetID: u.ID.String(), Details: map[string]string{"by": string(l.Kind) + " link"}})
		return nil
	})
	if err != nil {
		return TokenPair{}, fmt.Errorf("use password link: %w", err)
	}
	return s.startSession(ctx, u, "password")
}

// newLink stores a link of kind for a user, replacing their earlier ones,
// and returns its address.
func (s *Service) newLink(ctx context.Context, u domain.User, kind domain.LinkKind, ttl time.Duration, by uuid.UUID) (string, time.Time, error) {
	token := "pl_" + randomString(32)
	at := s.now()
	l := domain.Link{ID: uuid.Must(uuid.NewV7()), Tenant: u.Tenant, User: u.ID, Kind: kind, Hash: linkHash(token),
		ExpiresAt: at.Add(ttl), CreatedBy: by, CreatedAt: at}
	err := s.d.Tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.d.Links.RevokeLinks(ctx, u.Tenant, u.ID, kind, at); err != nil {
			return err
		}
		if err := s.d.Links.InsertLink(ctx, l); err != nil {
			return err
		}
		s.d.Audit.Record(ctx, audit.Event{Tenant: u.Tenant, Action: "user." + string(kind) + "_link_created", TargetType: "user",
			TargetID: u.ID.String(), Details: map[string]string{"email": u.Email, "expires_at": l.ExpiresAt.UTC().Format(time.RFC3339)}})
		return nil
	})
	if err != nil {
		return "", time.Time{}, fmt.Errorf("make a %s link for user %s: %w", kind, u.ID, err)
	}
	path := "/invite/"
	if kind == domain.LinkReset {
		path = "/reset/"
	}
	return strings.TrimRight(s.d.PublicOrigin, "/") + path + token, l.ExpiresAt, nil
}

func linkHash(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// usesSSO reports whether the tenant signs in with an identity provider.
func (s *Service) usesSSO(ctx context.Context, tenant tenancy.ID) bool {
	if s.d.Federation == nil {
		return false
	}
	_, err := s.d.Federation.ByTenant(ctx, tenant)
	return err == nil
}
