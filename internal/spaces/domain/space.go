// Package domain holds spaces, their members and the role x resource x
// action permission matrix.
package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Kind is what a space is for.
type Kind string

// The kinds: every user has one personal space; shared spaces have
// members; each tenant has one organisation space for its admins.
const (
	Personal     Kind = "personal"
	Shared       Kind = "shared"
	Organization Kind = "organization"
)

// Space is a place where people work with assistants and knowledge.
type Space struct {
	ID          uuid.UUID
	Tenant      tenancy.ID
	Kind        Kind
	Name        string
	Description string
	// Owner is the user of a personal space.
	Owner uuid.UUID
	// Models are the completion and embedding models enabled in the space;
	// DefaultModels are among them, at most one per kind.
	Models        []uuid.UUID
	DefaultModels []uuid.UUID
	Members       []Member
	GroupMembers  []GroupMember
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Member is a user with a role in a space.
type Member struct {
	UserID uuid.UUID
	Role   Role
}

// GroupMember is a user group with a role in a space.
type GroupMember struct {
	GroupID uuid.UUID
	Role    Role
}

// Errors of the spaces domain.
var (
	ErrNotFound       = errs.New(errs.NotFound, "space not found")
	ErrForbidden      = errs.New(errs.Forbidden, "your role in this space does not allow this")
	ErrMemberNotFound = errs.New(errs.NotFound, "space member not found")
	ErrNotShared      = errs.New(errs.Conflict, "only shared spaces have members and can be deleted")
	ErrLastAdmin      = errs.New(errs.Conflict, "this is the space's last admin; make someone else admin first")
	ErrBadRole        = errs.New(errs.Invalid, "role must be admin, editor or viewer")
)

// NewShared returns a shared space whose creator is its first admin.
func NewShared(id uuid.UUID, tenant tenancy.ID, creator uuid.UUID, name, description string, now time.Time) (Space, error) {
	s := Space{ID: id, Tenant: tenant, Kind: Shared, Members: []Member{{UserID: creator, Role: RoleAdmin}}, CreatedAt: now}
	return s, s.Describe(&name, &description, now)
}

// NewPersonal returns a user's personal space.
func NewPersonal(id uuid.UUID, tenant tenancy.ID, owner uuid.UUID, now time.Time) Space {
	return Space{ID: id, Tenant: tenant, Kind: Personal, Name: "Personal", Owner: owner, CreatedAt: now, UpdatedAt: now}
}

// NewOrganization returns a tenant's organisation space.
func NewOrganization(id uuid.UUID, tenant tenancy.ID, now time.Time) Space {
	return Space{ID: id, Tenant: tenant, Kind: Organization, Name: "Organisation", CreatedAt: now, UpdatedAt: now}
}

// Describe validates and sets the name and description; nil keeps a field.
func (s *Space) Describe(name, description *string, now time.Time) error {
	if name != nil {
		n := strings.TrimSpace(*name)
		if c := utf8.RuneCountInString(n); c < 1 || c > 200 {
			return errs.New(errs.Invalid, "name must be 1 to 200 characters")
		}
		s.Name = n
	}
	if description != nil {
		d := strings.TrimSpace(*description)
		if utf8.RuneCountInString(d) > 2000 {
			return errs.New(errs.Invalid, "description must be at most 2000 characters")
		}
		s.Description = d
	}
	s.UpdatedAt = now
	return nil
}

// RoleOf returns the user's role: owner of their personal space, admin of
// the organisation space when they are a tenant admin, otherwise the
// highest of their direct role and their groups' roles.
func (s Space) RoleOf(user uuid.UUID, groups []uuid.UUID, tenantAdmin bool) Role {
	switch s.Kind {
	case Personal:
		if s.Owner == user {
			return RoleOwner
		}
		return RoleNone
	case Organization:
		if tenantAdmin {
			return RoleAdmin
		}
		return RoleNone
	}
	roles := []Role{}
	for _, m := range s.Members {
		if m.UserID == user {
			roles = append(roles, m.Role)
		}
	}
	for _, g := range s.GroupMembers {
		for _, mine := range groups {
			if g.GroupID == mine {
				roles = append(roles, g.Role)
			}
		}
	}
	return Highest(roles...)
}

// Admins counts the space's direct admins.
func (s Space) Admins() int {
	n := 0
	for _, m := range s.Members {
		if m.Role == RoleAdmin {
			n++
		}
	}
	return n
}
