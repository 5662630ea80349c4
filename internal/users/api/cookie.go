package api

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/users/application"
)

// Browser sessions keep the refresh token where page scripts cannot read
// it: in an HttpOnly, SameSite=Strict cookie sent only to the refresh
// route. A client asks for that by sending SessionHeader: cookie when it
// signs in or refreshes; the token is then left out of the JSON body.
// Other clients keep receiving it in the body, as before.
const (
	// SessionHeader is the custom header that asks for cookie sessions
	// and must accompany a refresh from the cookie. A page on another
	// site cannot send it without a CORS preflight, which is refused.
	SessionHeader = "X-Agora-Session"
	// RefreshCookie holds the refresh token of a browser session.
	RefreshCookie = "agora_refresh"
	// RefreshPath is the only path the cookie is sent to.
	RefreshPath = "/api/v1/users/login/refresh"
)

// Cookies are the settings of the refresh cookie.
type Cookies struct {
	// Secure marks the cookie HTTPS-only (PUBLIC_ORIGIN is https).
	Secure bool
	// Origin is PUBLIC_ORIGIN; a refresh from the cookie must come from
	// it or from the address the request was sent to.
	Origin string
	// TTL is how long the refresh token lives.
	TTL time.Duration
	// Features are the optional parts of the installation that are on,
	// told to the signed-in user (MeResponse.Features).
	Features []string
}

func wantsCookie(c *echo.Context) bool {
	return strings.EqualFold(c.Request().Header.Get(SessionHeader), "cookie")
}

// tokens answers a sign-in or refresh: in a cookie for a browser session,
// in the body otherwise.
func (h *Handler) tokens(c *echo.Context, p application.TokenPair) TokenResponse {
	out := toTokens(p)
	if wantsCookie(c) {
		c.SetCookie(h.refreshCookie(p.RefreshToken, h.cookies.TTL))
		out.RefreshToken = ""
	}
	return out
}

func (h *Handler) refreshCookie(value string, ttl time.Duration) *http.Cookie {
	return &http.Cookie{Name: RefreshCookie, Value: value, Path: RefreshPath, MaxAge: int(ttl.Seconds()),
		HttpOnly: true, Secure: h.cookies.Secure, SameSite: http.SameSiteStrictMode}
}

// clearRefreshCookie ends a browser session's cookie.
func (h *Handler) clearRefreshCookie(c *echo.Context) {
	ck := h.refreshCookie("", 0)
	ck.MaxAge = -1
	c.SetCookie(ck)
}

// cookieRefreshToken returns the refresh token of the request's cookie,
// after checking the request is one this site's pages made: it carries
// the session header, and its Origin and Sec-Fetch-Site (when the browser
// sends them) name this site.
func (h *Handler) cookieRefreshToken(c *echo.Context) (string, error) {
	ck, err := c.Cookie(RefreshCookie)
	if err != nil || ck.Value == "" {
		return "", nil
	}
	r := c.Request()
	if !wantsCookie(c) {
		return "", errs.New(errs.Forbidden, "a refresh from the session cookie needs the header "+SessionHeader+": cookie")
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" && site != "same-origin" {
		return "", errs.New(errs.Forbidden, "a refresh from the session cookie must come from this site's pages")
	}
	if o := r.Header.Get("Origin"); o != "" && !h.sameOrigin(o, r) {
		return "", errs.New(errs.Forbidden, "a refresh from the session cookie must come from this site's pages")
	}
	return ck.Value, nil
}

func (h *Handler) sameOrigin(origin string, r *http.Request) bool {
	if strings.TrimRight(h.cookies.Origin, "/") == origin {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}
