package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/config"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/api"
)

// env is apptest's app with the two conveniences these tests add: the whole
// token pair of a sign-in, and requests with an API key.
type env struct{ *apptest.Env }

func setup(t testing.TB) *env {
	t.Helper()
	return &env{apptest.New(t)}
}

func setupWith(t testing.TB, cfg config.Config) *env {
	t.Helper()
	return &env{apptest.With(t, cfg)}
}

func (v *env) login(t testing.TB, email string) api.TokenResponse {
	t.Helper()
	rec := v.SignIn(email, apptest.Password)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return testkit.JSON[api.TokenResponse](t, rec)
}

func (v *env) withKey(method, target, body, key string) *httptest.ResponseRecorder {
	return testkit.Do(v.H, method, target, body, "X-API-Key", key)
}
