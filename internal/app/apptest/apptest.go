// Package apptest builds the real application on the test services for
// HTTP tests of every module: tenants, signed-in users of a role, and
// requests through the real Echo instance. Only tests import it.
package apptest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/agora-platform/agora/internal/app"
	"github.com/agora-platform/agora/internal/platform/config"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
	usersapp "github.com/agora-platform/agora/internal/users/application"
)

// Password is every test user's password.
const Password = "correct-horse-battery-staple"

// Env is the app under test.
type Env struct {
	App *app.App
	H   http.Handler
	// ip is this environment's client address, so per-IP sign-in limits of
	// tests running side by side do not add up.
	ip string
}

// New builds the app with the test configuration.
func New(t testing.TB) *Env {
	t.Helper()
	return With(t, testkit.Config(t))
}

// With builds the app with cfg.
func With(t testing.TB, cfg config.Config) *Env {
	t.Helper()
	return WithServices(t, cfg, Services{})
}

// Services are what an Env is built on besides the test database; a zero
// field keeps the default.
type Services struct {
	// Redis is the app's client: testkit.Redis(t) when nil; a second
	// replica's own connection, a private database or a Redis that is down
	// otherwise.
	Redis *redis.Client
	// Logs receives the app's log lines; they are dropped when nil.
	Logs io.Writer
}

// WithServices builds the app with cfg on s.
func WithServices(t testing.TB, cfg config.Config, s Services) *Env {
	t.Helper()
	if s.Redis == nil {
		s.Redis = testkit.Redis(t)
	}
	a, err := app.New(cfg, testkit.Logger(s.Logs), testkit.AppDB(t), s.Redis)
	if err != nil {
		t.Fatalf("build app: %v", err)
	}
	// The app writes answers as a live process would: its key says so,
	// and no other test's sweep takes its answers for a dead process's.
	alive, stop := context.WithCancel(context.Background())
	go a.Sessions.KeepAlive(alive, func(error) {})
	t.Cleanup(stop)
	u := uuid.New()
	return &Env{App: a, H: a.HTTP(), ip: fmt.Sprintf("10.%d.%d.%d", u[0], u[1], u[2])}
}

// Tenant creates a tenant.
func (e *Env) Tenant(t testing.TB) tenancy.ID {
	t.Helper()
	tn, err := e.App.Tenants.Service.Create(context.Background(), tenantsapp.CreateInput{Name: "T " + uuid.NewString()[:12]})
	if err != nil {
		t.Fatalf("create tenant: %v", err)
	}
	return tn.ID
}

// User creates an active user with a predefined role.
func (e *Env) User(t testing.TB, tenant tenancy.ID, role string) (email string, id uuid.UUID) {
	t.Helper()
	email = "u" + strings.ReplaceAll(uuid.NewString()[:12], "-", "") + "@kommun.example"
	u, err := e.App.Users.Service.Create(context.Background(), tenant, usersapp.CreateInput{Email: email, Password: Password, PredefinedRoles: []string{role}})
	if err != nil {
		t.Fatalf("create user: %v", err)
	}
	return email, u.ID
}

// IP is the client address this environment signs in from.
func (e *Env) IP() string { return e.ip }

// SignIn posts the sign-in form from IP with headers, given as name and
// value pairs, and returns the answer whatever it is.
func (e *Env) SignIn(email, password string, headers ...string) *httptest.ResponseRecorder {
	form := url.Values{"username": {email}, "password": {password}}
	req := httptest.NewRequest(http.MethodPost, "/api/v1/users/login/token/", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = e.ip + ":40000"
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	e.H.ServeHTTP(rec, req)
	return rec
}

// Login signs in and returns the access token.
func (e *Env) Login(t testing.TB, email string) string {
	t.Helper()
	rec := e.SignIn(email, Password)
	if rec.Code != http.StatusOK {
		t.Fatalf("sign in %s: %d %s", email, rec.Code, rec.Body.String())
	}
	return testkit.JSON[struct {
		AccessToken string `json:"access_token"`
	}](t, rec).AccessToken
}

// Token creates a user with role and returns its access token and id.
func (e *Env) Token(t testing.TB, tenant tenancy.ID, role string) (string, uuid.UUID) {
	t.Helper()
	email, id := e.User(t, tenant, role)
	return e.Login(t, email), id
}

// Do sends a request as the holder of token (none when empty).
func (e *Env) Do(method, target, body, token string) *httptest.ResponseRecorder {
	if token == "" {
		return testkit.Do(e.H, method, target, body)
	}
	return testkit.Do(e.H, method, target, body, "Authorization", "Bearer "+token)
}

// Sysadmin sends a request with the super key.
func (e *Env) Sysadmin(method, target, body string) *httptest.ResponseRecorder {
	return testkit.Do(e.H, method, target, body, "X-API-Key", testkit.SuperKey)
}
