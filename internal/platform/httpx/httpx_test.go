package httpx_test

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/logging"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func newEcho(t *testing.T, o httpx.Options) (*echo.Echo, *testkit.Buffer) {
	t.Helper()
	logs := &testkit.Buffer{}
	if o.BodyLimitBytes == 0 {
		o.BodyLimitBytes = 1024
	}
	e := httpx.New(logging.New(logs, "json", "debug"), o)
	e.GET("/api/v1/items", func(c *echo.Context) error { return c.JSON(http.StatusOK, map[string]string{"ok": "yes"}) })
	e.GET("/api/v1/missing", func(c *echo.Context) error { return errs.New(errs.NotFound, "item not found") })
	e.GET("/api/v1/limited", func(c *echo.Context) error {
		return &errs.Error{Kind: errs.RateLimited, Msg: "too many requests", RetryAfter: 1500 * time.Millisecond}
	})
	e.GET("/api/v1/boom", func(c *echo.Context) error { panic("secret internals: password=hunter2") })
	e.GET("/api/v1/dberr", func(c *echo.Context) error { return errorString("pq: relation users does not exist") })
	e.POST("/api/v1/items", func(c *echo.Context) error {
		var body map[string]any
		if err := c.Bind(&body); err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, body)
	})
	e.GET("/api/v1/sysadmin/ping", func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) }, httpx.SuperKey(httpx.SuperKeyOptions{Key: "k-0123456789abcdef0123456789abcdef"}))
	return e, logs
}

type errorString string

func (e errorString) Error() string { return string(e) }

func do(e *echo.Echo, method, target, body string, headers ...string) *httptest.ResponseRecorder {
	return testkit.Do(e, method, target, body, headers...)
}

func errorBody(t *testing.T, rec *httptest.ResponseRecorder) httpx.ErrorBody {
	t.Helper()
	return testkit.JSON[httpx.ErrorBody](t, rec)
}

func TestKindsMapToStatusAndBody(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{})

	rec := do(e, http.MethodGet, "/api/v1/missing", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, httpx.ErrorBody{Message: "item not found", Code: "not_found"}, errorBody(t, rec))

	rec = do(e, http.MethodGet, "/api/v1/limited", "")
	require.Equal(t, http.StatusTooManyRequests, rec.Code)
	require.Equal(t, "2", rec.Header().Get("Retry-After"), "Retry-After rounds up to whole seconds")
	require.Equal(t, "rate_limited", errorBody(t, rec).Code)
}

func TestUnknownRouteIsJSON404(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{})
	rec := do(e, http.MethodGet, "/api/v1/nothing-here", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
	require.Equal(t, httpx.ErrorBody{Message: "Not Found", Code: "not_found"}, errorBody(t, rec))
	require.NotEmpty(t, rec.Header().Get(echo.HeaderXRequestID))
}

func TestPanicIs500WithoutInternalsAndLogsRequestID(t *testing.T) {
	t.Parallel()
	e, logs := newEcho(t, httpx.Options{})
	rec := do(e, http.MethodGet, "/api/v1/boom", "")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.Equal(t, httpx.ErrorBody{Message: "internal error", Code: "internal"}, errorBody(t, rec))
	require.NotContains(t, rec.Body.String(), "hunter2")

	id := rec.Header().Get(echo.HeaderXRequestID)
	require.Len(t, id, 32)
	var failure map[string]any
	for _, line := range strings.Split(strings.TrimSpace(logs.String()), "\n") {
		var rec map[string]any
		require.NoError(t, json.Unmarshal([]byte(line), &rec))
		if rec["msg"] == "request failed" {
			failure = rec
		}
	}
	require.NotNil(t, failure, "the panic was not logged: %s", logs.String())
	require.Equal(t, id, failure["request_id"])
	require.Equal(t, "/api/v1/boom", failure["route"])
	require.Contains(t, failure["err"], "hunter2", "the log keeps the cause for operators")
}

func TestUnclassifiedErrorIsOpaque500(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{})
	rec := do(e, http.MethodGet, "/api/v1/dberr", "")
	require.Equal(t, http.StatusInternalServerError, rec.Code)
	require.NotContains(t, rec.Body.String(), "relation")
}

func TestRequestIDFromClientIsKeptWhenPlain(t *testing.T) {
	t.Parallel()
	e, logs := newEcho(t, httpx.Options{})
	rec := do(e, http.MethodGet, "/api/v1/items", "", echo.HeaderXRequestID, "client-req-12345")
	require.Equal(t, "client-req-12345", rec.Header().Get(echo.HeaderXRequestID))
	require.Contains(t, logs.String(), `"request_id":"client-req-12345"`)

	rec = do(e, http.MethodGet, "/api/v1/items", "", echo.HeaderXRequestID, "bad id\twith<script>")
	require.NotContains(t, rec.Header().Get(echo.HeaderXRequestID), "script")
	require.Len(t, rec.Header().Get(echo.HeaderXRequestID), 32)
}

func TestTrailingSlashIsOptional(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{})
	require.Equal(t, http.StatusOK, do(e, http.MethodGet, "/api/v1/items/", "").Code)
	require.Equal(t, http.StatusOK, do(e, http.MethodGet, "/api/v1/items", "").Code)
}

func TestBodyLimitAndBadJSON(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{BodyLimitBytes: 1024})
	rec := do(e, http.MethodPost, "/api/v1/items", `{"a":"`+strings.Repeat("x", 2000)+`"}`)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
	require.Equal(t, "too_large", errorBody(t, rec).Code)

	rec = do(e, http.MethodPost, "/api/v1/items", `{"a":`)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Equal(t, "invalid", errorBody(t, rec).Code)
}

func TestSuperKey(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{})
	rec := do(e, http.MethodGet, "/api/v1/sysadmin/ping", "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Equal(t, "unauthenticated", errorBody(t, rec).Code)
	require.Contains(t, errorBody(t, rec).Message, "X-API-Key")

	rec = do(e, http.MethodGet, "/api/v1/sysadmin/ping", "", httpx.APIKeyHeader, "k-0123456789abcdef0123456789abcdeX")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Equal(t, httpx.ErrorBody{Message: "invalid API key", Code: "unauthenticated"}, errorBody(t, rec))

	rec = do(e, http.MethodGet, "/api/v1/sysadmin/ping", "", httpx.APIKeyHeader, "k-0123456789abcdef0123456789abcdef")
	require.Equal(t, http.StatusNoContent, rec.Code)
}

func TestSuperKeyUnsetTurnsSysadminOff(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{})
	e.GET("/api/v1/sysadmin/off", func(c *echo.Context) error { return nil }, httpx.SuperKey(httpx.SuperKeyOptions{}))
	rec := do(e, http.MethodGet, "/api/v1/sysadmin/off", "", httpx.APIKeyHeader, "")
	require.Equal(t, http.StatusUnauthorized, rec.Code)
	require.Contains(t, errorBody(t, rec).Message, "SUPER_API_KEY")
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{HSTS: true})
	rec := do(e, http.MethodGet, "/api/v1/items", "")
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	require.Equal(t, "DENY", rec.Header().Get("X-Frame-Options"))
	require.Equal(t, httpx.StrictCSP, rec.Header().Get("Content-Security-Policy"))
	require.Equal(t, "no-referrer", rec.Header().Get("Referrer-Policy"))
}

func TestCORSOnlyForConfiguredOrigins(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{CORSAllowedOrigins: []string{"https://app.example.org"}})
	rec := do(e, http.MethodOptions, "/api/v1/items", "", "Origin", "https://app.example.org", "Access-Control-Request-Method", "GET")
	require.Equal(t, "https://app.example.org", rec.Header().Get("Access-Control-Allow-Origin"))
	rec = do(e, http.MethodOptions, "/api/v1/items", "", "Origin", "https://evil.example", "Access-Control-Request-Method", "GET")
	require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"))

	plain, _ := newEcho(t, httpx.Options{})
	rec = do(plain, http.MethodGet, "/api/v1/items", "", "Origin", "https://app.example.org")
	require.Empty(t, rec.Header().Get("Access-Control-Allow-Origin"), "no CORS unless configured")
}

func TestClientAddressIgnoresForwardedHeadersUnlessTrusted(t *testing.T) {
	t.Parallel()
	seen := func(o httpx.Options, remote, xff string) string {
		e, _ := newEcho(t, o)
		var got audit.Request
		e.GET("/api/v1/who", func(c *echo.Context) error {
			got = audit.RequestFrom(c.Request().Context())
			return c.NoContent(http.StatusNoContent)
		})
		req := httptest.NewRequest(http.MethodGet, "/api/v1/who", nil)
		req.RemoteAddr = remote + ":5555"
		req.Header.Set("X-Forwarded-For", xff)
		req.Header.Set("User-Agent", "probe/1")
		e.ServeHTTP(httptest.NewRecorder(), req)
		require.Equal(t, "probe/1", got.UserAgent)
		require.NotEmpty(t, got.RequestID)
		return got.IP
	}
	require.Equal(t, "192.0.2.10", seen(httpx.Options{}, "192.0.2.10", "203.0.113.7"), "a header cannot spoof the address")
	_, proxy, err := net.ParseCIDR("10.1.0.0/16")
	require.NoError(t, err)
	require.Equal(t, "203.0.113.7", seen(httpx.Options{TrustedProxies: []*net.IPNet{proxy}}, "10.1.2.3", "203.0.113.7"))
	require.Equal(t, "192.0.2.10", seen(httpx.Options{TrustedProxies: []*net.IPNet{proxy}}, "192.0.2.10", "203.0.113.7"), "only the trusted proxy may forward")
}

func TestOpenAIRoutesAnswerInOpenAIsErrorFormat(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{})
	e.POST("/v1/chat/completions", func(c *echo.Context) error {
		return fmt.Errorf("complete: %w", errs.InvalidField("temperature", "temperature must be between 0 and 2, not 3"))
	})
	e.GET("/v1/models", func(c *echo.Context) error { return errs.New(errs.NotFound, "model not found") })
	e.GET("/v1/limited", func(c *echo.Context) error { return &errs.Error{Kind: errs.RateLimited, Msg: "slow down"} })
	e.GET("/v1/quota", func(c *echo.Context) error { return errs.New(errs.QuotaExceeded, "no tokens left today") })
	e.GET("/v1/boom", func(c *echo.Context) error { return errorString("upstream exploded") })
	param := "temperature"
	for _, tc := range []struct {
		method, path string
		status       int
		want         httpx.OpenAIErrorDetail
	}{
		{http.MethodPost, "/v1/chat/completions", http.StatusBadRequest,
			httpx.OpenAIErrorDetail{Message: "temperature must be between 0 and 2, not 3", Type: "invalid_request_error", Param: &param, Code: "invalid"}},
		{http.MethodGet, "/v1/models", http.StatusNotFound, httpx.OpenAIErrorDetail{Message: "model not found", Type: "invalid_request_error", Code: "not_found"}},
		{http.MethodGet, "/v1/limited", http.StatusTooManyRequests, httpx.OpenAIErrorDetail{Message: "slow down", Type: "requests", Code: "rate_limited"}},
		{http.MethodGet, "/v1/quota", http.StatusTooManyRequests, httpx.OpenAIErrorDetail{Message: "no tokens left today", Type: "insufficient_quota", Code: "quota_exceeded"}},
		{http.MethodGet, "/v1/boom", http.StatusInternalServerError, httpx.OpenAIErrorDetail{Message: "internal error", Type: "server_error", Code: "internal"}},
	} {
		rec := do(e, tc.method, tc.path, "")
		require.Equal(t, tc.status, rec.Code, tc.path)
		require.Equal(t, httpx.OpenAIErrorBody{Error: tc.want}, testkit.JSON[httpx.OpenAIErrorBody](t, rec), tc.path)
	}
	rec := do(e, http.MethodGet, "/v1/models", "")
	require.Contains(t, rec.Body.String(), `"param":null`, "param is null, not missing, when no field is at fault")
}
