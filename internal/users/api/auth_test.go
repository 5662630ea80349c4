package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/audit"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
	tenantsdomain "github.com/agora-platform/agora/internal/tenants/domain"
	"github.com/agora-platform/agora/internal/users/api"
	"github.com/agora-platform/agora/internal/users/domain"
)

func TestPasswordFlow(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	email, id := v.User(t, tn, domain.RoleUser)

	pair := v.login(t, email)
	require.Equal(t, "bearer", pair.TokenType)
	require.Equal(t, 900, pair.ExpiresIn, "JWT_EXPIRY_SECONDS is seconds")

	rec := v.Do(http.MethodGet, "/api/v1/users/me/", "", pair.AccessToken)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	me := testkit.JSON[api.MeResponse](t, rec)
	require.Equal(t, id.String(), me.ID)
	require.Equal(t, []string{"assistants", "apps"}, me.Permissions)
	require.Empty(t, me.Features, "no optional parts are on by default")

	// Refresh rotates; the old refresh token is single-use.
	rec = testkit.Do(v.H, http.MethodPost, "/api/v1/users/login/refresh/", `{"refresh_token":"`+pair.RefreshToken+`"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	second := testkit.JSON[api.TokenResponse](t, rec)
	require.NotEqual(t, pair.RefreshToken, second.RefreshToken)

	// Reusing the first token revokes the family, so the second dies too.
	rec = testkit.Do(v.H, http.MethodPost, "/api/v1/users/login/refresh/", `{"refresh_token":"`+pair.RefreshToken+`"}`)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	rec = testkit.Do(v.H, http.MethodPost, "/api/v1/users/login/refresh/", `{"refresh_token":"`+second.RefreshToken+`"}`)
	require.Equal(t, http.StatusUnauthorized, rec.Code, "reuse revoked the whole family")
	entries, _, err := v.App.Audit.List(context.Background(), tn, audit.Filter{Action: "auth.refresh_reuse"})
	require.NoError(t, err)
	require.Len(t, entries, 1)

	// Logout: the access token stops working at once.
	third := v.login(t, email)
	rec = v.Do(http.MethodPost, "/api/v1/users/logout/", `{"refresh_token":"`+third.RefreshToken+`"}`, third.AccessToken)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	require.Equal(t, http.StatusUnauthorized, v.Do(http.MethodGet, "/api/v1/users/me/", "", third.AccessToken).Code)
	rec = testkit.Do(v.H, http.MethodPost, "/api/v1/users/login/refresh/", `{"refresh_token":"`+third.RefreshToken+`"}`)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
}

func TestSignInFailuresAreGeneric(t *testing.T) {
	t.Parallel()
	v := setup(t)
	email, _ := v.User(t, v.Tenant(t), domain.RoleUser)
	wrong := v.SignIn(email, "not-the-password-at-all")
	unknown := v.SignIn("nobody-"+email, apptest.Password)
	for _, rec := range []*httptest.ResponseRecorder{wrong, unknown} {
		require.Equal(t, http.StatusUnauthorized, rec.Code)
		require.Equal(t, httpx.ErrorBody{Message: "incorrect e-mail or password", Code: "unauthenticated"}, testkit.JSON[httpx.ErrorBody](t, rec))
	}
	require.Equal(t, http.StatusBadRequest, v.SignIn("", "").Code)

	for _, bad := range []string{"", "Bearer nonsense", "Bearer a.b.c", "Basic dXNlcjpwYXNz"} {
		rec := testkit.Do(v.H, http.MethodGet, "/api/v1/users/me/", "", "Authorization", bad)
		require.Equal(t, http.StatusUnauthorized, rec.Code, bad)
	}
}

func TestLoginThrottledPerAccountWithRetryAfter(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.LoginLimitPerAccount = 3
	v := setupWith(t, cfg)
	email, _ := v.User(t, v.Tenant(t), domain.RoleUser)
	for range 3 {
		require.Equal(t, http.StatusUnauthorized, v.SignIn(email, "wrong-password-here").Code)
	}
	rec := v.SignIn(email, apptest.Password)
	require.Equal(t, http.StatusTooManyRequests, rec.Code, "even the right password waits")
	require.Equal(t, "rate_limited", testkit.JSON[httpx.ErrorBody](t, rec).Code)
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(t, err)
	require.Greater(t, secs, 0)
	require.LessOrEqual(t, secs, int(cfg.LoginLimitWindow/time.Second))
}

func TestLoginThrottledPerIP(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.LoginLimitPerIP = 2
	v := setupWith(t, cfg)
	tn := v.Tenant(t)
	for i := range 2 {
		email, _ := v.User(t, tn, domain.RoleUser)
		// Without TRUSTED_PROXIES a forged X-Forwarded-For is ignored: every
		// attempt counts against the real client address.
		rec := v.SignIn(email, "wrong-password-here", "X-Forwarded-For", "203.0.113."+strconv.Itoa(i+1))
		require.Equal(t, http.StatusUnauthorized, rec.Code)
	}
	email, _ := v.User(t, tn, domain.RoleUser)
	require.Equal(t, http.StatusTooManyRequests, v.SignIn(email, apptest.Password).Code)
}

func TestSuspendedTenant(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	email, _ := v.User(t, tn, domain.RoleUser)
	token := v.login(t, email).AccessToken

	state := tenantsdomain.StateSuspended
	_, err := v.App.Tenants.Service.Update(context.Background(), tn, tenantsdomain.Patch{State: &state})
	require.NoError(t, err)

	rec := v.Do(http.MethodGet, "/api/v1/users/me/", "", token)
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "suspended")
	rec = v.SignIn(email, apptest.Password)
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "suspended")
}

func TestDeactivatedUserIsLockedOut(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	owner, _ := v.Token(t, tn, domain.RoleOwner)
	email, id := v.User(t, tn, domain.RoleUser)
	pair := v.login(t, email)

	rec := v.Do(http.MethodPatch, "/api/v1/users/admin/"+id.String()+"/", `{"state":"deactivated"}`, owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, http.StatusUnauthorized, v.Do(http.MethodGet, "/api/v1/users/me/", "", pair.AccessToken).Code)
	require.Equal(t, http.StatusUnauthorized, v.SignIn(email, apptest.Password).Code)
	rec = testkit.Do(v.H, http.MethodPost, "/api/v1/users/login/refresh/", `{"refresh_token":"`+pair.RefreshToken+`"}`)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
}

func TestEneoBcryptHashSignsInAndIsUpgraded(t *testing.T) {
	t.Parallel()
	v := setup(t)
	email, id := v.User(t, v.Tenant(t), domain.RoleUser)
	imported, err := bcrypt.GenerateFromPassword([]byte("imported-from-eneo-pw"), bcrypt.MinCost)
	require.NoError(t, err)
	_, err = v.App.DB.ExecContext(context.Background(), "UPDATE users SET password_hash = ? WHERE id = ?", string(imported), id)
	require.NoError(t, err)

	rec := v.SignIn(email, "imported-from-eneo-pw")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var hash string
	require.NoError(t, v.App.DB.QueryRowContext(context.Background(), "SELECT password_hash FROM users WHERE id = ?", id).Scan(&hash))
	require.True(t, strings.HasPrefix(hash, "$argon2id$"), "re-hashed with argon2id on success")
	require.Equal(t, http.StatusOK, v.SignIn(email, "imported-from-eneo-pw").Code, "and the upgraded hash works")
}

func TestAPIKeyLastUsedIsRecorded(t *testing.T) {
	t.Parallel()
	v := setup(t)
	token, _ := v.Token(t, v.Tenant(t), domain.RoleUser)
	rec := v.Do(http.MethodPost, "/api/v1/users/api-keys/", `{"name":"k","scopes":["read"]}`, token)
	require.Equal(t, http.StatusCreated, rec.Code)
	k := testkit.JSON[api.CreatedAPIKey](t, rec)
	require.Nil(t, k.LastUsedAt)
	require.Equal(t, http.StatusOK, v.withKey(http.MethodGet, "/api/v1/users/me/", "", k.Key).Code)
	list := testkit.JSON[api.APIKeyList](t, v.Do(http.MethodGet, "/api/v1/users/api-keys/", "", token))
	require.NotNil(t, list.Items[0].LastUsedAt)
	require.WithinDuration(t, time.Now(), *list.Items[0].LastUsedAt, time.Minute)
}
