package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app"
	"github.com/agora-platform/agora/internal/platform/config"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
	"github.com/agora-platform/agora/internal/users/api"
	usersapp "github.com/agora-platform/agora/internal/users/application"
)

const password = "correct-horse-battery-staple"

type env struct {
	a *app.App
	h http.Handler
	// ip is this test's client address, so per-IP sign-in counters of
	// tests running side by side do not add up.
	ip string
}

func setup(t testing.TB) *env {
	t.Helper()
	return setupWith(t, testkit.Config(t))
}

func setupWith(t testing.TB, cfg config.Config) *env {
	t.Helper()
	a, err := app.New(cfg, testkit.Logger(nil), testkit.AppDB(t), testkit.Redis(t))
	require.NoError(t, err)
	u := uuid.New()
	return &env{a: a, h: a.HTTP(), ip: fmt.Sprintf("10.%d.%d.%d", u[0], u[1], u[2])}
}

func (v *env) tenant(t testing.TB) tenancy.ID {
	t.Helper()
	tn, err := v.a.Tenants.Service.Create(context.Background(), tenantsapp.CreateInput{Name: "Users " + uuid.NewString()[:8]})
	require.NoError(t, err)
	return tn.ID
}

// user creates an active user with the given predefined role and returns
// its e-mail and id.
func (v *env) user(t testing.TB, tenant tenancy.ID, role string) (string, uuid.UUID) {
	t.Helper()
	email := "u" + strings.ReplaceAll(uuid.NewString()[:12], "-", "") + "@kommun.example"
	u, err := v.a.Users.Service.Create(context.Background(), tenant, usersapp.CreateInput{Email: email, Password: password, PredefinedRoles: []string{role}})
	require.NoError(t, err)
	return email, u.ID
}

func (v *env) loginRec(email, pw string, headers ...string) *httptest.ResponseRecorder {
	form := url.Values{"username": {email}, "password": {pw}}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/users/login/token/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = v.ip + ":40000"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	v.h.ServeHTTP(rec, req)
	return rec
}

func (v *env) login(t testing.TB, email string) api.TokenResponse {
	t.Helper()
	rec := v.loginRec(email, password)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return testkit.JSON[api.TokenResponse](t, rec)
}

// signedIn creates a user with role in tenant and returns its bearer token.
func (v *env) signedIn(t testing.TB, tenant tenancy.ID, role string) (string, uuid.UUID) {
	t.Helper()
	email, id := v.user(t, tenant, role)
	return v.login(t, email).AccessToken, id
}

func (v *env) do(method, target, body, token string) *httptest.ResponseRecorder {
	return testkit.Do(v.h, method, target, body, "Authorization", "Bearer "+token)
}

func (v *env) withKey(method, target, body, key string) *httptest.ResponseRecorder {
	return testkit.Do(v.h, method, target, body, "X-API-Key", key)
}

func appNew(t testing.TB, cfg config.Config, logs *testkit.Buffer) (*app.App, error) {
	t.Helper()
	return app.New(cfg, testkit.Logger(logs), testkit.AppDB(t), testkit.Redis(t))
}

func itoa(i int) string { return fmt.Sprint(i) }
