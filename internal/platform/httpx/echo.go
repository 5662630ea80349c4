// Package httpx builds the Echo instance every HTTP route is served by: the
// middleware chain (request id, logging, recovery, security headers, CORS,
// body limit, refusal of NUL characters), the error handler, and the
// sysadmin key guard.
package httpx

import (
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"regexp"
	"strings"

	"github.com/labstack/echo/v5"
	"github.com/labstack/echo/v5/middleware"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/logging"
)

// Options configure New.
type Options struct {
	CORSAllowedOrigins []string
	BodyLimitBytes     int64
	// HSTS turns on Strict-Transport-Security (when PUBLIC_ORIGIN is https).
	HSTS bool
	// TrustedProxies are the proxies whose X-Forwarded-For names the client;
	// without them the TCP peer is the client, so the address cannot be
	// spoofed by a header (it feeds login throttling and the audit log).
	TrustedProxies []*net.IPNet
}

// StrictCSP is the Content-Security-Policy of every response unless a route
// sets its own.
const StrictCSP = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"

// New returns an Echo instance with Agora's middleware and error handler.
func New(log *slog.Logger, o Options) *echo.Echo {
	ipExtractor := echo.ExtractIPDirect()
	if len(o.TrustedProxies) > 0 {
		opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
		for _, n := range o.TrustedProxies {
			opts = append(opts, echo.TrustIPRange(n))
		}
		ipExtractor = echo.ExtractIPFromXFFHeader(opts...)
	}
	// Groups must not add their own catch-all 404 routes: an unknown path
	// under an authenticated group would answer 401 instead of 404, and the
	// global not-found route below covers every path.
	e := echo.NewWithConfig(echo.Config{Logger: log, HTTPErrorHandler: ErrorHandler(log), IPExtractor: ipExtractor,
		NoGroupAutoRegister404Routes: true})
	e.Pre(middleware.RemoveTrailingSlashWithConfig(middleware.RemoveTrailingSlashConfig{
		Skipper: func(c *echo.Context) bool { return strings.HasPrefix(c.Request().URL.Path, "/api/docs") },
	}))
	e.Use(requestID)
	e.Use(requestLogger(log))
	e.Use(middleware.RecoverWithConfig(middleware.RecoverConfig{DisableStackAll: true}))
	e.Use(SecureHeaders(StrictCSP, o.HSTS))
	if len(o.CORSAllowedOrigins) > 0 {
		e.Use(middleware.CORSWithConfig(middleware.CORSConfig{
			AllowOrigins:  o.CORSAllowedOrigins,
			AllowHeaders:  []string{"Authorization", "Content-Type", "X-API-Key", echo.HeaderXRequestID},
			ExposeHeaders: []string{echo.HeaderXRequestID, "Retry-After"},
			MaxAge:        600,
		}))
	}
	e.Use(middleware.BodyLimit(o.BodyLimitBytes))
	e.Use(RefuseNUL)
	e.RouteNotFound("/*", func(c *echo.Context) error { return echo.ErrNotFound })
	return e
}

// SecureHeaders sets the security headers with the given CSP.
func SecureHeaders(csp string, hsts bool) echo.MiddlewareFunc {
	cfg := middleware.SecureConfig{
		XSSProtection:         "0",
		ContentTypeNosniff:    "nosniff",
		XFrameOptions:         "DENY",
		ContentSecurityPolicy: csp,
		ReferrerPolicy:        "no-referrer",
	}
	if hsts {
		cfg.HSTSMaxAge = 31536000
	}
	return middleware.SecureWithConfig(cfg)
}

// validRequestID accepts a client's X-Request-Id only when it is short and
// plain, so it can be logged and echoed without harm.
var validRequestID = regexp.MustCompile(`^[A-Za-z0-9._:-]{8,64}$`)

// requestID takes the client's X-Request-Id or makes one, returns it in the
// response, and puts it in the request context for log records, together
// with the client address and agent for audit entries.
func requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		req := c.Request()
		id := req.Header.Get(echo.HeaderXRequestID)
		if !validRequestID.MatchString(id) {
			id = newRequestID()
			req.Header.Set(echo.HeaderXRequestID, id)
		}
		c.Response().Header().Set(echo.HeaderXRequestID, id)
		ctx := logging.WithRequestID(req.Context(), id)
		ctx = audit.WithRequest(ctx, audit.Request{IP: c.RealIP(), UserAgent: req.UserAgent(), RequestID: id})
		// Until authentication says who it is, an HTTP caller is anonymous.
		ctx = audit.WithActor(ctx, audit.Actor{Type: "anonymous"})
		c.SetRequest(req.WithContext(ctx))
		return next(c)
	}
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// requestLogger writes one line per request. Health probes log at debug so
// they do not drown the log.
func requestLogger(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		HandleError:  true,
		LogLatency:   true,
		LogMethod:    true,
		LogURIPath:   true,
		LogRoutePath: true,
		LogStatus:    true,
		LogRemoteIP:  true,
		LogUserAgent: true,
		LogValuesFunc: func(c *echo.Context, v middleware.RequestLoggerValues) error {
			level := slog.LevelInfo
			if strings.HasPrefix(v.URIPath, "/api/healthz") || strings.HasPrefix(v.URIPath, "/api/readyz") {
				level = slog.LevelDebug
			}
			log.Log(c.Request().Context(), level, "request",
				"method", v.Method, "path", v.URIPath, "route", v.RoutePath, "status", v.Status,
				"duration_ms", float64(v.Latency.Microseconds())/1000, "remote_ip", v.RemoteIP, "user_agent", v.UserAgent)
			return nil
		},
	})
}
