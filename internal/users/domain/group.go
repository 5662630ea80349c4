package domain

import (
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Group is a named set of users of one tenant, used later as space members.
type Group struct {
	ID          uuid.UUID
	Tenant      tenancy.ID
	Name        string
	Description string
	Members     []uuid.UUID
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Errors about groups.
var (
	ErrGroupNotFound  = errs.New(errs.NotFound, "user group not found")
	ErrGroupNameTaken = errs.New(errs.Conflict, "a user group with this name already exists")
)

// NewGroup validates and returns a group.
func NewGroup(id uuid.UUID, tenant tenancy.ID, name, description string, now time.Time) (Group, error) {
	g := Group{ID: id, Tenant: tenant, CreatedAt: now}
	return g, g.Set(name, description, now)
}

// Set validates and replaces the group's name and description.
func (g *Group) Set(name, description string, now time.Time) error {
	name, description = strings.TrimSpace(name), strings.TrimSpace(description)
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return errs.New(errs.Invalid, "group name must be 1 to 100 characters")
	}
	if utf8.RuneCountInString(description) > 1000 {
		return errs.New(errs.Invalid, "description must be at most 1000 characters")
	}
	g.Name, g.Description, g.UpdatedAt = name, description, now
	return nil
}
