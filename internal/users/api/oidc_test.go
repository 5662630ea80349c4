package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/audit"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	tenantsdomain "github.com/agora-platform/agora/internal/tenants/domain"
	"github.com/agora-platform/agora/internal/users/api"
	usersapp "github.com/agora-platform/agora/internal/users/application"
	"github.com/agora-platform/agora/internal/users/domain"
)

const clientSecret = "idp-client-secret-value"

// federated is a per-tenant-mode environment with one tenant and its IdP.
type federated struct {
	*env
	tenant tenancy.ID
	slug   string
	idp    *testkit.IdP
	logs   *testkit.Buffer
}

func setupFederated(t *testing.T) *federated {
	t.Helper()
	cfg := testkit.Config(t)
	cfg.FederationPerTenant = true
	logs := &testkit.Buffer{}
	f := &federated{env: &env{apptest.WithServices(t, cfg, apptest.Services{Logs: logs})}, logs: logs}
	f.tenant, f.slug, f.idp = f.federate(t, "kommun.example")
	return f
}

// federate creates a tenant whose IdP allows domain.
func (f *federated) federate(t *testing.T, domainName string) (tenancy.ID, string, *testkit.IdP) {
	t.Helper()
	tn := f.tenant0(t)
	idp := testkit.NewIdP(t, "agora-"+uuid.NewString()[:6], clientSecret)
	_, err := f.App.Tenants.Service.SetFederation(context.Background(), tn.ID, tenantsdomain.FederationInput{Provider: "test",
		DiscoveryEndpoint: idp.DiscoveryURL(), ClientID: idp.ClientID, ClientSecret: clientSecret, AllowedDomains: []string{domainName}})
	require.NoError(t, err)
	return tn.ID, tn.Slug, idp
}

func (f *federated) tenant0(t *testing.T) tenantsdomain.Tenant {
	t.Helper()
	id := f.Tenant(t)
	tn, err := f.App.Tenants.Service.Get(context.Background(), id)
	require.NoError(t, err)
	return tn
}

// start initiates a sign-in and plays the user at the IdP.
func (f *federated) start(t *testing.T, slug string, idp *testkit.IdP, email string) (code, state string) {
	t.Helper()
	rec := testkit.Do(f.H, http.MethodGet, "/api/v1/auth/initiate?tenant="+slug+"&state=back-to-chat", "")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	init := testkit.JSON[api.InitiateResponse](t, rec)
	require.Contains(t, init.AuthorizationURL, "code_challenge=")
	require.Contains(t, init.AuthorizationURL, "nonce=")
	require.Contains(t, init.AuthorizationURL, "redirect_uri="+url.QueryEscape(f.App.Config.PublicOrigin+"/login/callback"))
	code, state = idp.Authorize(t, init.AuthorizationURL, email)
	require.Equal(t, init.State, state)
	return code, state
}

func (f *federated) callback(code, state string) *httptest.ResponseRecorder {
	return testkit.Do(f.H, http.MethodPost, "/api/v1/auth/callback", `{"code":"`+code+`","state":"`+state+`"}`)
}

func (f *federated) sso(t *testing.T, email string) *httptest.ResponseRecorder {
	t.Helper()
	return f.callback(f.start(t, f.slug, f.idp, email))
}

func (f *federated) invite(t *testing.T, tenant tenancy.ID, email string) {
	t.Helper()
	_, err := f.App.Users.Service.Create(context.Background(), tenant, usersapp.CreateInput{Email: email})
	require.NoError(t, err)
}

func newEmail(domainName string) string { return "p" + uuid.NewString()[:8] + "@" + domainName }

func TestOIDCSignInSucceedsAndActivatesTheInvitedUser(t *testing.T) {
	t.Parallel()
	f := setupFederated(t)
	email := newEmail("kommun.example")
	f.invite(t, f.tenant, email)

	rec := f.sso(t, email)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := testkit.JSON[api.CallbackResponse](t, rec)
	require.Equal(t, "back-to-chat", got.ClientState)
	me := testkit.JSON[api.MeResponse](t, f.Do(http.MethodGet, "/api/v1/users/me/", "", got.AccessToken))
	require.Equal(t, email, me.Email)
	require.Equal(t, "active", me.State)
	require.Equal(t, http.StatusOK, testkit.Do(f.H, http.MethodPost, "/api/v1/users/login/refresh/", `{"refresh_token":"`+got.RefreshToken+`"}`).Code)

	entries, _, err := f.App.Audit.List(context.Background(), f.tenant, audit.Filter{Action: "auth.login", Outcome: "success"})
	require.NoError(t, err)
	require.Equal(t, "oidc", entries[0].Details["method"])
}

func TestOIDCRefusesBadTokens(t *testing.T) {
	t.Parallel()
	f := setupFederated(t)
	email := newEmail("kommun.example")
	f.invite(t, f.tenant, email)
	cases := map[string]func(){
		"wrong audience": func() { f.idp.Tweak(func(c map[string]any) { c["aud"] = "someone-else" }) },
		"expired":        func() { f.idp.Tweak(func(c map[string]any) { c["exp"] = time.Now().Add(-10 * time.Minute).Unix() }) },
		"wrong nonce":    func() { f.idp.Tweak(func(c map[string]any) { c["nonce"] = "not-ours" }) },
		"wrong issuer":   func() { f.idp.Tweak(func(c map[string]any) { c["iss"] = "https://evil.example" }) },
		"bad signature":  func() { f.idp.SignWithForeignKey(true) },
		"unverified email": func() {
			f.idp.Tweak(func(c map[string]any) { c["email_verified"] = false })
		},
	}
	for name, misbehave := range cases {
		misbehave()
		rec := f.sso(t, email)
		require.Equal(t, http.StatusUnauthorized, rec.Code, "%s: %s", name, rec.Body.String())
		f.idp.Tweak(nil)
		f.idp.SignWithForeignKey(false)
	}
	require.Equal(t, http.StatusOK, f.sso(t, email).Code, "a well-behaved provider still works")
}

func TestOIDCStateIsSignedAndSingleUse(t *testing.T) {
	t.Parallel()
	f := setupFederated(t)
	email := newEmail("kommun.example")
	f.invite(t, f.tenant, email)
	code, state := f.start(t, f.slug, f.idp, email)
	require.Equal(t, http.StatusOK, f.callback(code, state).Code)
	rec := f.callback(code, state)
	require.Equal(t, http.StatusUnauthorized, rec.Code, "a replayed state is refused")
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "start signing in again")

	code, state = f.start(t, f.slug, f.idp, email)
	id, _, _ := strings.Cut(state, ".")
	require.Equal(t, http.StatusUnauthorized, f.callback(code, id+".forged-signature").Code, "a forged state is refused")
	require.Equal(t, http.StatusUnauthorized, f.callback(code, "no-dot").Code)
}

func TestOIDCDomainAndJIT(t *testing.T) {
	t.Parallel()
	f := setupFederated(t)
	rec := f.sso(t, newEmail("evil.example"))
	require.Equal(t, http.StatusForbidden, rec.Code, "domain not allowed")
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "domain")

	stranger := newEmail("kommun.example")
	rec = f.sso(t, stranger)
	require.Equal(t, http.StatusForbidden, rec.Code, "JIT off: no account")
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "invite")

	settings := tenantsdomain.Settings{JITProvisioning: true, Language: "swedish"}
	_, err := f.App.Tenants.Service.Update(context.Background(), f.tenant, tenantsdomain.Patch{Settings: &settings})
	require.NoError(t, err)
	rec = f.sso(t, stranger)
	require.Equal(t, http.StatusOK, rec.Code, "JIT on: created: %s", rec.Body.String())
	me := testkit.JSON[api.MeResponse](t, f.Do(http.MethodGet, "/api/v1/users/me/", "", testkit.JSON[api.CallbackResponse](t, rec).AccessToken))
	require.Equal(t, stranger, me.Email)
	require.Equal(t, []string{domain.RoleUser}, me.PredefinedRoles)
	require.Equal(t, "Test Person", me.Username)
}

func TestOIDCTwoTenantsTwoProviders(t *testing.T) {
	t.Parallel()
	f := setupFederated(t)
	tenantB, slugB, idpB := f.federate(t, "region.example")
	alice, bob := newEmail("kommun.example"), newEmail("region.example")
	f.invite(t, f.tenant, alice)
	f.invite(t, tenantB, bob)

	require.Equal(t, http.StatusOK, f.sso(t, alice).Code)
	require.Equal(t, http.StatusOK, f.callback(f.start(t, slugB, idpB, bob)).Code)

	// B's provider vouching for A's user does not get into A, nor into B.
	rec := f.callback(f.start(t, slugB, idpB, alice))
	require.Equal(t, http.StatusForbidden, rec.Code)
	// A user of B with an allowed domain at A's provider is refused too.
	f.App.Tenants.Service.SetFederation(context.Background(), f.tenant, tenantsdomain.FederationInput{Provider: "test", //nolint:errcheck
		DiscoveryEndpoint: f.idp.DiscoveryURL(), ClientID: f.idp.ClientID, ClientSecret: clientSecret, AllowedDomains: []string{"kommun.example", "region.example"}})
	rec = f.sso(t, bob)
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "another organisation")

	rec = testkit.Do(f.H, http.MethodGet, "/api/v1/auth/tenants", "")
	slugs := map[string]bool{}
	for _, tn := range testkit.JSON[api.SignInTenants](t, rec).Tenants {
		slugs[tn.Slug] = true
	}
	require.True(t, slugs[f.slug] && slugs[slugB], "both tenants are in the picker")
	status := testkit.JSON[api.FederationStatusResponse](t, testkit.Do(f.H, http.MethodGet, "/api/v1/auth/federation-status", ""))
	require.Equal(t, api.FederationStatusResponse{Password: true, OIDC: true, PerTenant: true}, status)

	require.Equal(t, http.StatusNotFound, testkit.Do(f.H, http.MethodGet, "/api/v1/auth/initiate?tenant=no-such-tenant", "").Code)
}

func TestSingleTenantOIDCFromConfig(t *testing.T) {
	t.Parallel()
	base := setup(t)
	tn := base.Tenant(t)
	t0, err := base.App.Tenants.Service.Get(context.Background(), tn)
	require.NoError(t, err)
	idp := testkit.NewIdP(t, "single-client", clientSecret)
	cfg := testkit.Config(t)
	cfg.OIDCDiscoveryEndpoint, cfg.OIDCClientID, cfg.OIDCClientSecret, cfg.OIDCTenant = idp.DiscoveryURL(), idp.ClientID, clientSecret, t0.Slug
	cfg.OIDCAllowedDomains = []string{"Kommun.Example"}
	v := setupWith(t, cfg)
	f := &federated{env: v, tenant: tn, slug: "", idp: idp}
	email := newEmail("kommun.example")
	f.invite(t, tn, email)
	require.Equal(t, http.StatusOK, f.sso(t, email).Code)
	status := testkit.JSON[api.FederationStatusResponse](t, testkit.Do(v.H, http.MethodGet, "/api/v1/auth/federation-status", ""))
	require.Equal(t, api.FederationStatusResponse{Password: true, OIDC: true, PerTenant: false}, status)
}

func TestFederationTestAndOIDCDebug(t *testing.T) {
	t.Parallel()
	f := setupFederated(t)
	rec := testkit.Do(f.H, http.MethodPost, "/api/v1/sysadmin/tenants/"+f.tenant.String()+"/federation/test", "", httpx.APIKeyHeader, testkit.SuperKey)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	check := testkit.JSON[api.ProviderCheckResponse](t, rec)
	require.True(t, check.OK)
	require.Equal(t, 1, check.Keys)

	broken := f.tenant0(t)
	_, err := f.App.Tenants.Service.SetFederation(context.Background(), broken.ID, tenantsdomain.FederationInput{Provider: "x",
		DiscoveryEndpoint: f.idp.Server.URL + "/nothing-here", ClientID: "c", ClientSecret: "s"})
	require.NoError(t, err)
	rec = testkit.Do(f.H, http.MethodPost, "/api/v1/sysadmin/tenants/"+broken.ID.String()+"/federation/test", "", httpx.APIKeyHeader, testkit.SuperKey)
	check = testkit.JSON[api.ProviderCheckResponse](t, rec)
	require.False(t, check.OK)
	require.Contains(t, check.Error, "discovery")
	require.Equal(t, http.StatusUnauthorized, testkit.Do(f.H, http.MethodPost, "/api/v1/sysadmin/tenants/"+f.tenant.String()+"/federation/test", "").Code)

	rec = testkit.Do(f.H, http.MethodPost, "/api/v1/sysadmin/observability/oidc-debug/", `{"enabled":true,"duration_minutes":500}`, httpx.APIKeyHeader, testkit.SuperKey)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	rec = testkit.Do(f.H, http.MethodPost, "/api/v1/sysadmin/observability/oidc-debug/", `{"enabled":true,"duration_minutes":5,"reason":"issue 452"}`, httpx.APIKeyHeader, testkit.SuperKey)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	d := testkit.JSON[api.OIDCDebugResponse](t, rec)
	require.True(t, d.Enabled)
	require.WithinDuration(t, time.Now().Add(5*time.Minute), *d.Until, time.Minute)
	ttl, err := f.App.Redis.TTL(context.Background(), "users:oidc-debug").Result()
	require.NoError(t, err)
	require.Greater(t, ttl, 4*time.Minute, "it turns itself off")

	email := newEmail("kommun.example")
	f.invite(t, f.tenant, email)
	code, state := f.start(t, f.slug, f.idp, email)
	require.Equal(t, http.StatusOK, f.callback(code, state).Code)
	logs := f.logs.String()
	require.Contains(t, logs, "oidc id token verified")
	require.Contains(t, logs, email)
	for _, secret := range []string{clientSecret, code, testkit.SuperKey} {
		require.NotContains(t, logs, secret, "debug logs carry no secrets")
	}

	rec = testkit.Do(f.H, http.MethodPost, "/api/v1/sysadmin/observability/oidc-debug/", `{"enabled":false}`, httpx.APIKeyHeader, testkit.SuperKey)
	require.False(t, testkit.JSON[api.OIDCDebugResponse](t, rec).Enabled)
	rec = testkit.Do(f.H, http.MethodGet, "/api/v1/sysadmin/observability/oidc-debug/", "", httpx.APIKeyHeader, testkit.SuperKey)
	require.False(t, testkit.JSON[api.OIDCDebugResponse](t, rec).Enabled)
}

func TestOIDCProviderDownIsUnavailableNotInternal(t *testing.T) {
	t.Parallel()
	f := setupFederated(t)
	f.idp.Server.Close()
	rec := testkit.Do(f.H, http.MethodGet, "/api/v1/auth/initiate?tenant="+f.slug+"&state=x", "")
	require.Equal(t, http.StatusServiceUnavailable, rec.Code, rec.Body.String())
	body := testkit.JSON[httpx.ErrorBody](t, rec)
	require.Equal(t, "unavailable", body.Code)
	require.Contains(t, body.Message, "sign-in service cannot be reached")
	require.NotContains(t, body.Message, "127.0.0.1", "no internal address in the message")
}
