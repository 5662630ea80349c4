// Package actor says who is asking, for every module's use cases: the user,
// whether they administer the tenant, their tenant permissions, and the
// assistant-scoped key they came with, if any.
package actor

import (
	"slices"

	"github.com/google/uuid"
)

// Caller is who is asking.
type Caller struct {
	UserID      uuid.UUID
	TenantAdmin bool
	// Permissions are the caller's tenant permissions.
	Permissions []string
	// AssistantKey is set when an assistant-scoped key authenticated the
	// request; it may only chat with that assistant.
	AssistantKey uuid.UUID
	// AssistantKeyID is that key's id: sessions it starts record it, and
	// it sees only those.
	AssistantKeyID uuid.UUID
	// ServiceKey is set when a service's key authenticated the request; it
	// may only run that service.
	ServiceKey uuid.UUID
}

// Can reports whether the caller holds a tenant permission.
func (c Caller) Can(perm string) bool { return slices.Contains(c.Permissions, perm) }
