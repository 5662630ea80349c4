package application

import "github.com/agora-platform/agora/internal/platform/tenancy"

// Task types of the tenants module.
const (
	// TypeProvision prepares a newly created tenant in the worker.
	TypeProvision = "tenants:provision"
	// TypePurge removes a deleted tenant's files in the worker.
	TypePurge = "tenants:purge"
)

// ProvisionPayload is the payload of TypeProvision and TypePurge.
type ProvisionPayload struct {
	TenantID tenancy.ID `json:"tenant_id"`
}
