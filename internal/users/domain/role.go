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

// Permission is a tenant-wide right.
type Permission string

// The permissions. Space roles (later) gate what happens inside a space;
// these gate tenant features.
const (
	PermAssistants  Permission = "assistants"  // create and use assistants
	PermApps        Permission = "apps"        // create and use apps
	PermCollections Permission = "collections" // create knowledge collections
	PermWebsites    Permission = "websites"    // add crawled websites
	PermInsights    Permission = "insights"    // read usage insights
	PermAI          Permission = "ai"          // configure models and providers
	PermAdmin       Permission = "admin"       // manage users, roles, groups, credentials, audit
)

// AllPermissions lists every permission in a stable order.
var AllPermissions = []Permission{PermAssistants, PermApps, PermCollections, PermWebsites, PermInsights, PermAI, PermAdmin}

// The predefined tenant roles.
const (
	RoleUser           = "User"
	RoleAIConfigurator = "AI Configurator"
	RoleOwner          = "Owner"
)

// PredefinedRoles maps each predefined role to its permission set.
var PredefinedRoles = map[string][]Permission{
	RoleUser:           {PermAssistants, PermApps},
	RoleAIConfigurator: {PermAssistants, PermApps, PermCollections, PermWebsites, PermInsights, PermAI},
	RoleOwner:          AllPermissions,
}

// PredefinedRoleNames lists the predefined roles in order of power.
var PredefinedRoleNames = []string{RoleUser, RoleAIConfigurator, RoleOwner}

// ValidatePredefinedRoles checks that every name is a predefined role.
func ValidatePredefinedRoles(names []string) error {
	for _, n := range names {
		if _, ok := PredefinedRoles[n]; !ok {
			return errs.Newf(errs.Invalid, "unknown predefined role %q; use User, AI Configurator or Owner", n)
		}
	}
	return nil
}

// Role is a tenant's custom role.
type Role struct {
	ID          uuid.UUID
	Tenant      tenancy.ID
	Name        string
	Permissions []Permission
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Errors about roles.
var (
	ErrRoleNotFound  = errs.New(errs.NotFound, "role not found")
	ErrRoleNameTaken = errs.New(errs.Conflict, "a role with this name already exists")
)

// NewRole validates and returns a custom role.
func NewRole(id uuid.UUID, tenant tenancy.ID, name string, perms []string, now time.Time) (Role, error) {
	r := Role{ID: id, Tenant: tenant, CreatedAt: now}
	return r, r.Set(name, perms, now)
}

// Set validates and replaces the role's name and permissions.
func (r *Role) Set(name string, perms []string, now time.Time) error {
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n < 1 || n > 100 {
		return errs.New(errs.Invalid, "role name must be 1 to 100 characters")
	}
	if _, ok := PredefinedRoles[name]; ok {
		return errs.Newf(errs.Invalid, "%q is a predefined role name", name)
	}
	ps, err := ParsePermissions(perms)
	if err != nil {
		return err
	}
	r.Name, r.Permissions, r.UpdatedAt = name, ps, now
	return nil
}

// ParsePermissions validates permission names and returns them deduplicated
// in the canonical order.
func ParsePermissions(names []string) ([]Permission, error) {
	var out []Permission
	for _, n := range names {
		p := Permission(strings.ToLower(strings.TrimSpace(n)))
		if !slices.Contains(AllPermissions, p) {
			return nil, errs.Newf(errs.Invalid, "unknown permission %q", n)
		}
		out = append(out, p)
	}
	return canonical(out), nil
}

// Effective returns the union of the permissions of the predefined roles
// and the custom roles, in canonical order.
func Effective(predefined []string, custom []Role) []Permission {
	var all []Permission
	for _, n := range predefined {
		all = append(all, PredefinedRoles[n]...)
	}
	for _, r := range custom {
		all = append(all, r.Permissions...)
	}
	return canonical(all)
}

// Has reports whether perms include p. It is the one permission check.
func Has(perms []Permission, p Permission) bool { return slices.Contains(perms, p) }

func canonical(ps []Permission) []Permission {
	out := make([]Permission, 0, len(ps))
	for _, p := range AllPermissions {
		if slices.Contains(ps, p) {
			out = append(out, p)
		}
	}
	return out
}
