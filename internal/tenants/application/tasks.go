package application

import "github.com/agora-platform/agora/internal/platform/tenancy"

// TypeProvision prepares a newly created tenant in the worker.
const TypeProvision = "tenants:provision"

// ProvisionPayload is the payload of TypeProvision.
type ProvisionPayload struct {
	TenantID tenancy.ID `json:"tenant_id"`
}
