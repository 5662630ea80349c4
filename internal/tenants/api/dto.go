package api

import (
	"time"

	"github.com/agora-platform/agora/internal/tenants/domain"
)

// CreateTenantRequest is the body of POST /api/v1/sysadmin/tenants/.
type CreateTenantRequest struct {
	Name        string `json:"name" example:"Sundsvalls kommun" minLength:"2" maxLength:"100"`
	DisplayName string `json:"display_name,omitempty" example:"Sundsvall" maxLength:"200"`
} // @name CreateTenantRequest

// TenantResponse is a tenant as the sysadmin API shows it.
type TenantResponse struct {
	ID            string     `json:"id" format:"uuid" example:"01936d2e-8c4b-7a3e-9f1d-2b5c7e8a9d01"`
	Name          string     `json:"name" example:"Sundsvalls kommun"`
	DisplayName   string     `json:"display_name" example:"Sundsvall"`
	State         string     `json:"state" enums:"active,suspended" example:"active"`
	Provisioned   bool       `json:"provisioned"`
	ProvisionedAt *time.Time `json:"provisioned_at"`
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
} // @name Tenant

// TenantList is a page of tenants with the total count.
type TenantList struct {
	Items []TenantResponse `json:"items"`
	Count int              `json:"count" example:"2"`
} // @name TenantList

func toResponse(t domain.Tenant) TenantResponse {
	r := TenantResponse{
		ID: t.ID.String(), Name: t.Name, DisplayName: t.DisplayName, State: string(t.State),
		Provisioned: t.Provisioned(), CreatedAt: t.CreatedAt, UpdatedAt: t.UpdatedAt,
	}
	if t.Provisioned() {
		at := t.ProvisionedAt
		r.ProvisionedAt = &at
	}
	return r
}
