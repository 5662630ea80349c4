package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/api"
	"github.com/agora-platform/agora/internal/users/domain"
)

// refreshCookie returns the refresh cookie an answer set, or nil.
func refreshCookie(rec *httptest.ResponseRecorder) *http.Cookie {
	for _, c := range rec.Result().Cookies() {
		if c.Name == api.RefreshCookie {
			return c
		}
	}
	return nil
}

// cookieRefresh posts to the refresh route as a page would: no body, the
// cookie, and headers given as name, value pairs.
func cookieRefresh(v *env, ck *http.Cookie, headers ...string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodPost, "/api/v1/users/login/refresh/", nil)
	if ck != nil {
		req.AddCookie(ck)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	v.H.ServeHTTP(rec, req)
	return rec
}

func TestBrowserSessionKeepsTheRefreshTokenInAnHttpOnlyCookie(t *testing.T) {
	t.Parallel()
	v := setup(t)
	email, _ := v.User(t, v.Tenant(t), domain.RoleUser)

	rec := v.SignIn(email, apptest.Password, api.SessionHeader, "cookie")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	pair := testkit.JSON[api.TokenResponse](t, rec)
	require.NotEmpty(t, pair.AccessToken)
	require.Empty(t, pair.RefreshToken, "a page's scripts never see the refresh token")
	ck := refreshCookie(rec)
	require.NotNil(t, ck, "the sign-in set the refresh cookie")
	require.True(t, ck.HttpOnly)
	require.Equal(t, http.SameSiteStrictMode, ck.SameSite)
	require.Equal(t, api.RefreshPath, ck.Path, "the cookie goes to the refresh route only")
	require.False(t, ck.Secure, "PUBLIC_ORIGIN is http in tests")

	// A refresh from the cookie needs the header and this site's origin.
	same := []string{api.SessionHeader, "cookie", "Origin", "http://example.com", "Sec-Fetch-Site", "same-origin"}
	require.Equal(t, http.StatusForbidden, cookieRefresh(v, ck).Code, "no custom header: a cross-site form post")
	require.Equal(t, http.StatusForbidden, cookieRefresh(v, ck, api.SessionHeader, "cookie", "Origin", "https://evil.example").Code)
	require.Equal(t, http.StatusForbidden, cookieRefresh(v, ck, api.SessionHeader, "cookie", "Sec-Fetch-Site", "cross-site").Code)
	require.Equal(t, http.StatusUnauthorized, cookieRefresh(v, nil, same...).Code, "no cookie, no body: signed out")

	// A new tab: the cookie signs it in and is renewed.
	rec = cookieRefresh(v, ck, same...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	tabA := testkit.JSON[api.TokenResponse](t, rec)
	require.Empty(t, tabA.RefreshToken)
	renewed := refreshCookie(rec)
	require.NotNil(t, renewed)
	require.NotEqual(t, ck.Value, renewed.Value, "the refresh token rotates")
	require.Equal(t, http.StatusOK, v.Do(http.MethodGet, "/api/v1/users/me/", "", tabA.AccessToken).Code)

	// A second tab that woke at the same moment presents the same cookie:
	// within the grace it is signed in too, instead of revoking the session.
	rec = cookieRefresh(v, ck, same...)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	tabB := testkit.JSON[api.TokenResponse](t, rec)

	// Logout in tab A ends the session everywhere: tab B's access token
	// fails at its next request and the cookie no longer refreshes.
	rec = v.Do(http.MethodPost, "/api/v1/users/logout/", "", tabA.AccessToken)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	cleared := refreshCookie(rec)
	require.NotNil(t, cleared, "logout clears the cookie")
	require.Equal(t, api.RefreshPath, cleared.Path)
	require.Negative(t, cleared.MaxAge)
	require.Equal(t, http.StatusUnauthorized, v.Do(http.MethodGet, "/api/v1/users/me/", "", tabB.AccessToken).Code,
		"the other tab is signed out at its next request")
	rec = cookieRefresh(v, renewed, same...)
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.NotNil(t, refreshCookie(rec), "a failed cookie refresh clears the cookie")
}

func TestBrowserSessionCookieIsSecureOnHTTPS(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.PublicOrigin = "https://agora.example.org"
	v := setupWith(t, cfg)
	email, _ := v.User(t, v.Tenant(t), domain.RoleUser)
	rec := v.SignIn(email, apptest.Password, api.SessionHeader, "cookie")
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.True(t, refreshCookie(rec).Secure)
	ck := refreshCookie(rec)
	rec = cookieRefresh(v, ck, api.SessionHeader, "cookie", "Origin", "https://agora.example.org")
	require.Equal(t, http.StatusOK, rec.Code, "PUBLIC_ORIGIN is this site: %s", rec.Body.String())
}
