package domain

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// LinkKind is what a password link is for.
type LinkKind string

// Invitations let a new user set their first password; resets replace a
// forgotten one.
const (
	LinkInvite LinkKind = "invite"
	LinkReset  LinkKind = "reset"
)

// Link is a one-time link that lets its holder set a user's password. Only
// the SHA-256 of its token is stored.
type Link struct {
	ID        uuid.UUID
	Tenant    tenancy.ID
	User      uuid.UUID
	Kind      LinkKind
	Hash      []byte
	ExpiresAt time.Time
	UsedAt    time.Time
	RevokedAt time.Time
	CreatedBy uuid.UUID
	CreatedAt time.Time
}

// LinkState says whether a link can still be used.
type LinkState string

// The states a link's page shows.
const (
	LinkValid   LinkState = "valid"
	LinkUsed    LinkState = "used"
	LinkExpired LinkState = "expired"
	LinkUnknown LinkState = "unknown"
)

// State is the link's state at a time: a revoked link (replaced by a newer
// one) counts as expired.
func (l Link) State(at time.Time) LinkState {
	switch {
	case !l.UsedAt.IsZero():
		return LinkUsed
	case !l.RevokedAt.IsZero() || !at.Before(l.ExpiresAt):
		return LinkExpired
	}
	return LinkValid
}

// Errors of using a link.
var (
	ErrLinkUnknown = errs.New(errs.NotFound, "this link is not valid; check that the whole address was copied")
	ErrLinkUsed    = errs.New(errs.Conflict, "this link was already used; sign in with your password, or ask for a new link")
	ErrLinkExpired = errs.New(errs.Conflict, "this link has expired; ask your administrator (or use \"Forgot password\") for a new one")
)

// CheckUsable returns the error for a link that cannot be used at a time.
func (l Link) CheckUsable(at time.Time) error {
	switch l.State(at) {
	case LinkUsed:
		return ErrLinkUsed
	case LinkExpired:
		return ErrLinkExpired
	}
	return nil
}
