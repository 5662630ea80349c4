package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// TestCredentialEndpointsTheFetchGuardRefusesAreRefusedAtSave: tenant
// credentials carry endpoints too (vllm, azure, and an OpenAI-compatible
// base URL), set by the sysadmin or, when self-service is on, by the
// tenant's admin. Either way an endpoint the guard would refuse at use is
// a 400 naming the address and FETCH_ALLOWED_HOSTS.
func TestCredentialEndpointsTheFetchGuardRefusesAreRefusedAtSave(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.FetchAllowedHosts = nil // testkit allows 127.0.0.1 for its fakes
	cfg.TenantSelfServiceCredentials = true
	e := apptest.With(t, cfg)
	tenant := e.Tenant(t)
	owner, _ := e.Token(t, tenant, domain.RoleOwner)
	sysadminPath := base + tenant.String() + "/credentials/"
	put := map[string]func(provider, body string) *httptest.ResponseRecorder{
		"sysadmin": func(provider, body string) *httptest.ResponseRecorder {
			return e.Sysadmin(http.MethodPut, sysadminPath+provider, body)
		},
		"tenant admin": func(provider, body string) *httptest.ResponseRecorder {
			return e.Do(http.MethodPut, "/api/v1/admin/credentials/"+provider, body, owner)
		},
	}
	for who, do := range put {
		for endpoint, addr := range map[string]string{
			"http://169.254.169.254/latest": "169.254.169.254",
			"http://127.0.0.1:8000/v1":      "127.0.0.1",
			"http://10.1.2.3:8000/v1":       "10.1.2.3",
			"http://[::1]:8000/v1":          "::1",
			"http://localhost:8000/v1":      "localhost",
		} {
			for provider, body := range map[string]string{
				"vllm":   `{"endpoint":"` + endpoint + `"}`,
				"azure":  `{"api_key":"k-0123456789","endpoint":"` + endpoint + `","api_version":"2024-10-21","deployment_name":"gpt"}`,
				"openai": `{"api_key":"sk-0123456789","endpoint":"` + endpoint + `"}`,
			} {
				rec := do(provider, body)
				require.Equal(t, http.StatusBadRequest, rec.Code, "%s %s %s: %s", who, provider, endpoint, rec.Body.String())
				require.Equal(t, httpx.ErrorBody{Code: "invalid", Message: "endpoint: the address " + addr +
					" is refused by the fetch guard; an operator can allow it in FETCH_ALLOWED_HOSTS"}, testkit.JSON[httpx.ErrorBody](t, rec), "%s %s", who, provider)
			}
		}
		rec := do("vllm", `{"endpoint":"https://8.8.8.8/v1"}`)
		require.Equal(t, http.StatusOK, rec.Code, "%s: a public address: %s", who, rec.Body.String())
		rec = do("vllm", `{"endpoint":"http://vllm.invalid:8000/v1"}`)
		require.Equal(t, http.StatusOK, rec.Code, "%s: a name that does not resolve now is checked when used: %s", who, rec.Body.String())
	}
	rec := e.Sysadmin(http.MethodGet, base+tenant.String()+"/credentials", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.NotContains(t, rec.Body.String(), "169.254.169.254", "nothing refused was stored")
}
