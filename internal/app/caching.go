package app

import (
	"context"
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"
)

// noInvalidation are the routes that change nothing a cache holds: asking
// questions (and their feedback and titles), the OpenAI-compatible API,
// signing in and refreshing tokens (a new session, not a changed one).
var noInvalidation = []string{
	"/api/v1/conversations", "/api/v1/assistants/:id/sessions", "/v1/",
	"/api/v1/users/login/", "/api/v1/auth/",
}

// invalidateOnWrite empties the caches after every other successful
// change made through the API, here at once and in the other API
// processes through Redis, so a revoked key, a suspended tenant or a
// disabled model stops working everywhere right away.
func (a *App) invalidateOnWrite(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		err := next(c)
		r := c.Request()
		if err != nil || r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions {
			return err
		}
		for _, p := range noInvalidation {
			if strings.HasPrefix(c.Path(), p) {
				return nil
			}
		}
		if res, uerr := echo.UnwrapResponse(c.Response()); uerr == nil && res.Status >= http.StatusBadRequest {
			return nil
		}
		if ierr := a.Caches.Invalidate(context.WithoutCancel(r.Context())); ierr != nil {
			a.Log.WarnContext(r.Context(), "caches of other API processes not emptied; they expire within CACHE_TTL", "err", ierr)
		}
		return nil
	}
}
