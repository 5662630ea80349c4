// Package domain holds users, roles, permissions, groups and API keys, and
// the rules on them: states, the password policy, the permission sets.
package domain

import (
	"net/mail"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// State is a user's lifecycle state.
type State string

// The user states. Deleted users are kept (soft delete) but invisible.
const (
	StateInvited     State = "invited"
	StateActive      State = "active"
	StateDeactivated State = "deactivated"
	StateDeleted     State = "deleted"
)

// User is a person in a tenant.
type User struct {
	ID              uuid.UUID
	Tenant          tenancy.ID
	Email           string
	Username        string
	PasswordHash    string
	State           State
	PredefinedRoles []string
	RoleIDs         []uuid.UUID
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Errors of the users domain. Sign-in errors are deliberately generic.
var (
	ErrNotFound        = errs.New(errs.NotFound, "user not found")
	ErrEmailTaken      = errs.New(errs.Conflict, "a user with this e-mail address already exists")
	ErrBadCredentials  = errs.New(errs.Unauthenticated, "incorrect e-mail or password")
	ErrInvalidToken    = errs.New(errs.Unauthenticated, "invalid or expired token; sign in again")
	ErrMissingAuth     = errs.New(errs.Unauthenticated, "missing credentials: send Authorization: Bearer <token> or X-API-Key: <key>")
	ErrInactive        = errs.New(errs.Unauthenticated, "this account is not active; contact your administrator")
	ErrForbidden       = errs.New(errs.Forbidden, "you do not have permission to do this")
	ErrLastOwner       = errs.New(errs.Conflict, "this is the tenant's last active Owner; make someone else Owner first")
	ErrCannotTouchSelf = errs.New(errs.Conflict, "you cannot deactivate or delete your own account")
)

// NewInput describes a user to create.
type NewInput struct {
	Email           string
	Username        string
	PredefinedRoles []string
	RoleIDs         []uuid.UUID
	// Active creates the user active (with a password or from single
	// sign-on); otherwise the user is invited.
	Active bool
}

// New validates and returns a new user. The username defaults to the
// e-mail's local part; the roles default to User.
func New(id uuid.UUID, tenant tenancy.ID, in NewInput, now time.Time) (User, error) {
	email, err := NormalizeEmail(in.Email)
	if err != nil {
		return User{}, err
	}
	username := strings.TrimSpace(in.Username)
	if username == "" {
		username = email[:strings.IndexByte(email, '@')]
	}
	if err := validateUsername(username); err != nil {
		return User{}, err
	}
	roles := in.PredefinedRoles
	if len(roles) == 0 && len(in.RoleIDs) == 0 {
		roles = []string{RoleUser}
	}
	if err := ValidatePredefinedRoles(roles); err != nil {
		return User{}, err
	}
	state := StateInvited
	if in.Active {
		state = StateActive
	}
	return User{ID: id, Tenant: tenant, Email: email, Username: username, State: state,
		PredefinedRoles: dedupe(roles), RoleIDs: in.RoleIDs, CreatedAt: now, UpdatedAt: now}, nil
}

// NormalizeEmail validates an address and returns it trimmed and lowercased.
func NormalizeEmail(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	addr, err := mail.ParseAddress(s)
	if err != nil || addr.Address != s || len(s) > 254 || !strings.Contains(s[strings.IndexByte(s, '@'):], ".") {
		return "", errs.New(errs.Invalid, "email must be a valid e-mail address like anna@example.org")
	}
	return s, nil
}

func validateUsername(s string) error {
	if n := utf8.RuneCountInString(s); n < 1 || n > 100 || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return errs.New(errs.Invalid, "username must be 1 to 100 characters without control characters")
	}
	return nil
}

// Patch is a partial change to a user; nil fields stay as they are.
type Patch struct {
	Username        *string
	PredefinedRoles *[]string
	RoleIDs         *[]uuid.UUID
	State           *State
}

// Apply validates and applies p. Only active and deactivated can be set;
// deleting is its own use case.
func (u *User) Apply(p Patch, now time.Time) error {
	next := *u
	if p.Username != nil {
		if err := validateUsername(strings.TrimSpace(*p.Username)); err != nil {
			return err
		}
		next.Username = strings.TrimSpace(*p.Username)
	}
	if p.PredefinedRoles != nil {
		if err := ValidatePredefinedRoles(*p.PredefinedRoles); err != nil {
			return err
		}
		next.PredefinedRoles = dedupe(*p.PredefinedRoles)
	}
	if p.RoleIDs != nil {
		next.RoleIDs = *p.RoleIDs
	}
	if p.State != nil {
		if *p.State != StateActive && *p.State != StateDeactivated {
			return errs.New(errs.Invalid, "state can be set to active or deactivated")
		}
		next.State = *p.State
	}
	next.UpdatedAt = now
	*u = next
	return nil
}

// CanSignIn reports whether the user may sign in. Invited users become
// active on their first successful sign-in.
func (u User) CanSignIn() bool { return u.State == StateActive || u.State == StateInvited }

// IsOwner reports whether the user holds the Owner role.
func (u User) IsOwner() bool { return slices.Contains(u.PredefinedRoles, RoleOwner) }

func dedupe(s []string) []string {
	out := make([]string, 0, len(s))
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// EmailInDomains reports whether an e-mail may sign in through a provider
// limited to domains: any address when the list is empty, else only exact
// matches of the part after the last @.
func EmailInDomains(domains []string, email string) bool {
	if len(domains) == 0 {
		return true
	}
	at := strings.LastIndexByte(email, '@')
	return at >= 0 && slices.Contains(domains, strings.ToLower(email[at+1:]))
}
