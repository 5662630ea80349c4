package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/secrets"
	"github.com/agora-platform/agora/internal/platform/testkit"
	tenantsapi "github.com/agora-platform/agora/internal/tenants/api"
	"github.com/agora-platform/agora/internal/users/domain"
)

func TestTenantSelfServiceCredentials(t *testing.T) {
	t.Parallel()
	off := setup(t)
	owner, _ := off.Token(t, off.Tenant(t), domain.RoleOwner)
	require.Equal(t, http.StatusNotFound, off.Do(http.MethodGet, "/api/v1/admin/credentials/", "", owner).Code, "off unless enabled")

	cfg := testkit.Config(t)
	cfg.TenantSelfServiceCredentials = true
	v := setupWith(t, cfg)
	a, b := v.Tenant(t), v.Tenant(t)
	ownerA, _ := v.Token(t, a, domain.RoleOwner)
	userA, _ := v.Token(t, a, domain.RoleAIConfigurator)
	ownerB, _ := v.Token(t, b, domain.RoleOwner)

	rec := v.Do(http.MethodPut, "/api/v1/admin/credentials/openai", `{"api_key":"sk-tenant-a-0123456789"}`, ownerA)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, secrets.Mask("sk-tenant-a-0123456789"), testkit.JSON[tenantsapi.CredentialResponse](t, rec).APIKey)
	require.Equal(t, http.StatusForbidden, v.Do(http.MethodPut, "/api/v1/admin/credentials/openai", `{"api_key":"x-0123456789"}`, userA).Code)
	require.Equal(t, http.StatusForbidden, v.Do(http.MethodGet, "/api/v1/admin/credentials/", "", userA).Code)

	list := testkit.JSON[tenantsapi.CredentialList](t, v.Do(http.MethodGet, "/api/v1/admin/credentials/", "", ownerA))
	require.Equal(t, 1, list.Count)
	require.NotContains(t, list.Items[0].APIKey, "0123456789")
	require.Zero(t, testkit.JSON[tenantsapi.CredentialList](t, v.Do(http.MethodGet, "/api/v1/admin/credentials/", "", ownerB)).Count, "B sees none of A's")
	require.Equal(t, http.StatusNotFound, v.Do(http.MethodDelete, "/api/v1/admin/credentials/openai", "", ownerB).Code)
	require.Equal(t, http.StatusNoContent, v.Do(http.MethodDelete, "/api/v1/admin/credentials/openai", "", ownerA).Code)
}
