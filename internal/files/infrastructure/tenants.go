package infrastructure

import (
	"context"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
)

// Quotas reads storage quotas from the tenants module.
type Quotas struct{ svc *tenantsapp.Service }

// NewQuotas returns the adapter.
func NewQuotas(svc *tenantsapp.Service) Quotas { return Quotas{svc: svc} }

// StorageQuota is the tenant's storage quota in bytes (0: none).
func (q Quotas) StorageQuota(ctx context.Context, tenant tenancy.ID) (int64, error) {
	t, err := q.svc.Get(ctx, tenant)
	if err != nil {
		return 0, err
	}
	return t.QuotaLimit, nil
}
