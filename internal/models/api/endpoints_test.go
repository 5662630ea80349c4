package api_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/models/api"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// refusedEndpoints are provider endpoints the fetch guard refuses unless
// FETCH_ALLOWED_HOSTS names them, with the address the refusal names.
var refusedEndpoints = map[string]string{
	"http://127.0.0.1:8000/v1":      "127.0.0.1",
	"http://169.254.169.254/latest": "169.254.169.254",
	"http://10.0.0.5:8000/v1":       "10.0.0.5",
	"http://[::1]:11434/v1":         "::1",
	"http://localhost:11434/v1":     "localhost",
	"http://0.0.0.0:8000/v1":        "0.0.0.0",
}

// TestProviderEndpointsTheFetchGuardRefusesAreRefusedAtSave: a tenant
// admin cannot save a provider record (create or update) whose endpoint
// the guard would refuse at use; the answer names the address and
// FETCH_ALLOWED_HOSTS. What the operator allowed, a public address and a
// name that does not resolve now are saved.
func TestProviderEndpointsTheFetchGuardRefusesAreRefusedAtSave(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.FetchAllowedHosts = nil // testkit allows 127.0.0.1 for its fakes
	e := apptest.With(t, cfg)
	owner, _ := e.Token(t, e.Tenant(t), domain.RoleOwner)
	body := func(name, endpoint string) string {
		return `{"name":"` + name + `","provider_type":"vllm","endpoint":"` + endpoint + `"}`
	}

	rec := e.Do(http.MethodPost, "/api/v1/admin/model-providers/", body(unique("Public"), "https://8.8.8.8/v1"), owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	p := testkit.JSON[api.ProviderResponse](t, rec)
	for endpoint, addr := range refusedEndpoints {
		want := httpx.ErrorBody{Code: "invalid",
			Message: "endpoint: the address " + addr + " is refused by the fetch guard; an operator can allow it in FETCH_ALLOWED_HOSTS"}
		rec := e.Do(http.MethodPost, "/api/v1/admin/model-providers/", body(unique("Inside"), endpoint), owner)
		require.Equal(t, http.StatusBadRequest, rec.Code, endpoint)
		require.Equal(t, want, testkit.JSON[httpx.ErrorBody](t, rec), endpoint)
		rec = e.Do(http.MethodPut, "/api/v1/admin/model-providers/"+p.ID+"/", body("Moved", endpoint), owner)
		require.Equal(t, http.StatusBadRequest, rec.Code, endpoint)
		require.Equal(t, want, testkit.JSON[httpx.ErrorBody](t, rec), endpoint)
	}
	rec = e.Do(http.MethodGet, "/api/v1/admin/model-providers/"+p.ID+"/", "", owner)
	require.Equal(t, "https://8.8.8.8/v1", testkit.JSON[api.ProviderResponse](t, rec).Endpoint, "refused updates changed nothing")

	rec = e.Do(http.MethodPut, "/api/v1/admin/model-providers/"+p.ID+"/", body("Later", "http://vllm.invalid:8000/v1"), owner)
	require.Equal(t, http.StatusOK, rec.Code, "a name that does not resolve now is checked when used: %s", rec.Body.String())

	// testkit's configuration allows 127.0.0.1, and only that.
	allowing := apptest.New(t)
	owner, _ = allowing.Token(t, allowing.Tenant(t), domain.RoleOwner)
	rec = allowing.Do(http.MethodPost, "/api/v1/admin/model-providers/", body(unique("Allowed"), "http://127.0.0.1:8000/v1"), owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	rec = allowing.Do(http.MethodPost, "/api/v1/admin/model-providers/", body(unique("Metadata"), "http://169.254.169.254/"), owner)
	require.Equal(t, http.StatusBadRequest, rec.Code)
}
