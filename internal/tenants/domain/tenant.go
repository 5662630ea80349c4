// Package domain holds the tenant entity and its rules.
package domain

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// State is a tenant's lifecycle state.
type State string

// The tenant states.
const (
	StateActive    State = "active"
	StateSuspended State = "suspended"
)

// Tenant is an organisation (municipality, region, agency) using Agora.
type Tenant struct {
	ID          tenancy.ID
	Name        string
	DisplayName string
	State       State
	// ProvisionedAt is when the worker finished preparing the tenant
	// (its file storage); zero until then.
	ProvisionedAt time.Time
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// Limits on tenant fields.
const (
	MinNameLen        = 2
	MaxNameLen        = 100
	MaxDisplayNameLen = 200
)

// Errors of the tenant domain.
var (
	ErrNotFound  = errs.New(errs.NotFound, "tenant not found")
	ErrNameTaken = errs.New(errs.Conflict, "a tenant with this name already exists")
)

// New validates and returns a new active tenant. The display name defaults
// to the name.
func New(id tenancy.ID, name, displayName string, now time.Time) (Tenant, error) {
	name = strings.TrimSpace(name)
	displayName = strings.TrimSpace(displayName)
	if err := validateName(name); err != nil {
		return Tenant{}, err
	}
	if displayName == "" {
		displayName = name
	}
	if utf8.RuneCountInString(displayName) > MaxDisplayNameLen || hasControl(displayName) {
		return Tenant{}, errs.Newf(errs.Invalid, "display_name must be at most %d characters without control characters", MaxDisplayNameLen)
	}
	return Tenant{
		ID:          id,
		Name:        name,
		DisplayName: displayName,
		State:       StateActive,
		CreatedAt:   now,
		UpdatedAt:   now,
	}, nil
}

// Provisioned reports whether the worker has prepared the tenant.
func (t Tenant) Provisioned() bool { return !t.ProvisionedAt.IsZero() }

func validateName(name string) error {
	n := utf8.RuneCountInString(name)
	if n < MinNameLen || n > MaxNameLen {
		return errs.Newf(errs.Invalid, "name must be %d to %d characters long", MinNameLen, MaxNameLen)
	}
	for _, r := range name {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && !strings.ContainsRune(" -_.&'()", r) {
			return errs.Newf(errs.Invalid, "name may contain letters, digits, spaces and - _ . & ' ( ), not %q", r)
		}
	}
	return nil
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, unicode.IsControl) >= 0
}
