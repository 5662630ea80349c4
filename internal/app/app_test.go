package app_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app"
	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/ops"
	"github.com/agora-platform/agora/internal/platform/health"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func TestHealthAndVersion(t *testing.T) {
	t.Parallel()
	e := apptest.New(t).H
	rec := testkit.Do(e, http.MethodGet, "/api/healthz", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "ok", testkit.JSON[health.StatusResponse](t, rec).Status)

	rec = testkit.Do(e, http.MethodGet, "/version", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.NotEmpty(t, testkit.JSON[health.VersionResponse](t, rec).GoVersion)
}

// TestReadyzNamesWhatIsDown checks readiness against a private Redis
// database, so no other test's worker heartbeat can make it ready.
func TestReadyzNamesWhatIsDown(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	rdb := testkit.RedisDB(t, 4)
	ctx := context.Background()
	require.NoError(t, rdb.Del(ctx, jobs.HeartbeatKey).Err())
	e := apptest.WithServices(t, cfg, apptest.Services{Redis: rdb}).H

	rec := testkit.Do(e, http.MethodGet, "/api/readyz", "")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	body := testkit.JSON[health.ReadyResponse](t, rec)
	require.Equal(t, "not ready", body.Status)
	require.Equal(t, "ok", body.Checks["database"])
	require.Equal(t, "ok", body.Checks["redis"])
	require.Contains(t, body.Checks["worker"], "no worker heartbeat")

	require.NoError(t, jobs.Beat(ctx, rdb, "test-worker", time.Now()))
	rec = testkit.Do(e, http.MethodGet, "/api/readyz", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "ready", testkit.JSON[health.ReadyResponse](t, rec).Status)
	require.NoError(t, rdb.Del(ctx, jobs.HeartbeatKey).Err())

	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = down.Close() })
	rec = testkit.Do(apptest.WithServices(t, cfg, apptest.Services{Redis: down}).H, http.MethodGet, "/api/readyz", "")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	body = testkit.JSON[health.ReadyResponse](t, rec)
	require.Equal(t, "unreachable", body.Checks["redis"])
	require.Equal(t, "ok", body.Checks["database"])
}

func TestServesTheCommittedSpecAndSwaggerUI(t *testing.T) {
	t.Parallel()
	e := apptest.New(t).H
	committed, err := os.ReadFile("../../api/swagger.json")
	require.NoError(t, err)

	rec := testkit.Do(e, http.MethodGet, "/api/openapi.json", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, string(committed), rec.Body.String())

	rec = testkit.Do(e, http.MethodGet, "/api/docs/", "")
	require.Equal(t, http.StatusMovedPermanently, rec.Code)
	require.Equal(t, "/api/docs/index.html", rec.Header().Get("Location"))

	rec = testkit.Do(e, http.MethodGet, "/api/docs/index.html", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), `url: "\/api\/openapi.json"`)
	require.Contains(t, rec.Header().Get("Content-Security-Policy"), "'unsafe-inline'", "Swagger UI needs its inline script")

	rec = testkit.Do(e, http.MethodGet, "/api/docs/swagger-ui-bundle.js", "")
	require.Equal(t, http.StatusOK, rec.Code, "Swagger UI assets are embedded, no CDN")
}

func TestRootPageAndUnknownRoutes(t *testing.T) {
	t.Parallel()
	e := apptest.New(t).H
	rec := testkit.Do(e, http.MethodGet, "/", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "Agora")
	require.Equal(t, httpx.StrictCSP, rec.Header().Get("Content-Security-Policy"))

	rec = testkit.Do(e, http.MethodGet, "/spaces/some/deep/link", "")
	require.Equal(t, http.StatusOK, rec.Code, "paths outside the API are the web UI's to route")
	require.Contains(t, rec.Body.String(), "Agora")
	require.Equal(t, http.StatusNotFound, testkit.Do(e, http.MethodGet, "/v1/nope", "").Code, "the OpenAI-compatible API's own 404")
	for _, path := range []string{"/api/v1/nope/", "/api/v1/sysadmin/nope"} {
		rec = testkit.Do(e, http.MethodGet, path, "", httpx.APIKeyHeader, testkit.SuperKey)
		require.Equal(t, http.StatusNotFound, rec.Code, path)
		require.Equal(t, "not_found", testkit.JSON[httpx.ErrorBody](t, rec).Code, path)
		require.NotEmpty(t, rec.Header().Get(echo.HeaderXRequestID))
	}
}

func TestMigrateIsUpToDateAndSeedIsIdempotent(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.DemoAdminPassword = "correct-horse-battery-staple"
	a := apptest.With(t, cfg).App
	ctx := context.Background()
	applied, err := a.Migrate(ctx)
	require.NoError(t, err)
	require.Empty(t, applied)
	// Start from no demo data, whatever an earlier run left; only this test
	// uses the demo tenant.
	if old, err := a.Tenants.Service.GetBySlug(ctx, ops.DemoTenantSlug); err == nil {
		require.NoError(t, a.Tenants.Service.Delete(ctx, old.ID))
	}
	first, err := a.Ops().Seed(ctx)
	require.NoError(t, err)
	require.Contains(t, strings.Join(first, "\n"), "created demo admin")
	require.Contains(t, strings.Join(first, "\n"), `created "Demo assistant"`)

	// Sign in as the demo admin and look around as a person would.
	form := url.Values{"username": {ops.DemoAdminEmail}, "password": {cfg.DemoAdminPassword}}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/users/login/token/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	e := a.HTTP()
	e.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, "the seeded demo admin signs in: %s", rec.Body.String())
	token := testkit.JSON[struct {
		AccessToken string `json:"access_token"`
	}](t, rec).AccessToken
	get := func(path string, v any) {
		rec := testkit.Do(e, http.MethodGet, path, "", "Authorization", "Bearer "+token)
		require.Equal(t, http.StatusOK, rec.Code, path)
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), v))
	}
	var personal struct{ ID, Role string }
	get("/api/v1/spaces/type/personal/", &personal)
	require.Equal(t, "owner", personal.Role)
	var apps struct {
		Assistants struct {
			Items []struct{ Name string } `json:"items"`
		} `json:"assistants"`
	}
	get("/api/v1/spaces/"+personal.ID+"/applications/", &apps)
	require.Len(t, apps.Assistants.Items, 1)
	require.Equal(t, ops.DemoAssistantName, apps.Assistants.Items[0].Name)
	for _, kind := range []string{"completion", "embedding"} {
		var models struct {
			Items []struct {
				ProviderType string `json:"provider_type"`
				IsEnabled    bool   `json:"is_enabled"`
				IsDefault    bool   `json:"is_default"`
			} `json:"items"`
		}
		get("/api/v1/"+kind+"-models/", &models)
		local := 0
		for _, m := range models.Items {
			if m.ProviderType == "local" && m.IsEnabled && m.IsDefault {
				local++
			}
		}
		require.Equal(t, 1, local, "the local %s model is enabled and the default", kind)
	}

	// The demo service works offline: the offline model fills its fields
	// from the message.
	var flows struct {
		Items []struct{ ID, Name, Kind string } `json:"items"`
	}
	get("/api/v1/workflows/?space_id="+personal.ID, &flows)
	require.Len(t, flows.Items, 2, "the demo app and service")
	ids := map[string]string{}
	for _, f := range flows.Items {
		ids[f.Name] = f.ID
	}
	rec = testkit.Do(e, http.MethodPost, "/api/v1/services/"+ids["Classify a message"]+"/run/", `{"input":{"message":"Hello. I got a parking fine outside the school. Please cancel the parking fine."}}`,
		"Authorization", "Bearer "+token, "Content-Type", "application/json")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	out := testkit.JSON[struct{ Output map[string]any }](t, rec).Output
	require.Equal(t, "parking", out["case"], "%v", out)
	require.NotEmpty(t, out["summary"])
	require.NotEmpty(t, ids["Summarise a document"])

	before := seedSnapshot(t, a)
	again, err := a.Ops().Seed(ctx)
	require.NoError(t, err)
	require.Equal(t, []string{`tenant "Demo" already exists`,
		"demo admin already exists; sign in as admin@demo.example with DEMO_ADMIN_PASSWORD in .env"}, again)
	require.Equal(t, before, seedSnapshot(t, a), "a second seed changes no row")
}

// seedSnapshot is every row the seed writes, as JSON text.
func seedSnapshot(t *testing.T, a *app.App) string {
	t.Helper()
	var out string
	err := a.DB.QueryRowContext(context.Background(), `
		WITH d AS (SELECT id FROM tenants WHERE slug = 'demo')
		SELECT concat_ws('|',
			(SELECT json_agg(x ORDER BY x.id)::text FROM tenants x WHERE x.id IN (SELECT id FROM d)),
			(SELECT json_agg(x ORDER BY x.id)::text FROM users x WHERE x.tenant_id IN (SELECT id FROM d)),
			(SELECT json_agg(x ORDER BY x.id)::text FROM spaces x WHERE x.tenant_id IN (SELECT id FROM d)),
			(SELECT json_agg(x ORDER BY x.model_id)::text FROM tenant_models x WHERE x.tenant_id IN (SELECT id FROM d)),
			(SELECT json_agg(x ORDER BY x.id)::text FROM models x WHERE x.provider_type = 'local' AND x.tenant_id IS NULL),
			(SELECT json_agg(x ORDER BY x.id)::text FROM assistants x WHERE x.tenant_id IN (SELECT id FROM d)),
			(SELECT json_agg(x ORDER BY x.id)::text FROM assistant_prompts x WHERE x.tenant_id IN (SELECT id FROM d)),
			(SELECT json_agg(x ORDER BY x.id)::text FROM workflows x WHERE x.tenant_id IN (SELECT id FROM d)))`).Scan(&out)
	require.NoError(t, err)
	return out
}

// TestEverySysadminRouteNeedsTheSuperKey walks the router: no route under
// /api/v1/sysadmin answers without the key or with a user's token.
func TestEverySysadminRouteNeedsTheSuperKey(t *testing.T) {
	t.Parallel()
	e := apptest.New(t).App.HTTP()
	n := 0
	for _, r := range e.Router().Routes() {
		if !strings.HasPrefix(r.Path, "/api/v1/sysadmin") {
			continue
		}
		n++
		path := strings.NewReplacer(":id", "01936d2e-8c4b-7a3e-9f1d-2b5c7e8a9d01", ":provider", "openai").Replace(r.Path)
		for _, key := range []string{"", "not-the-key", "Bearer x.y.z"} {
			rec := testkit.Do(e, r.Method, path, `{}`, httpx.APIKeyHeader, key)
			require.Equal(t, http.StatusUnauthorized, rec.Code, "%s %s with %q", r.Method, r.Path, key)
		}
	}
	require.GreaterOrEqual(t, n, 19, "the walk found the sysadmin routes")
}
