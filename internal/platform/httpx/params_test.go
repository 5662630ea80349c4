package httpx_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/httpx"
)

// TestPathAndQueryReaders: the readers every module's routes share answer
// 400 naming what was wrong, through the error handler.
func TestPathAndQueryReaders(t *testing.T) {
	t.Parallel()
	e, _ := newEcho(t, httpx.Options{})
	e.GET("/api/v1/spaces/:id", func(c *echo.Context) error {
		id, err := httpx.PathUUID(c, "id", "space")
		if err != nil {
			return err
		}
		limit, err := httpx.QueryInt(c, "limit", 20)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, map[string]any{"id": id.String(), "limit": limit})
	})
	for _, tc := range []struct {
		path string
		code int
		body string
	}{
		{"/api/v1/spaces/019b0000-0000-7000-8000-000000000001/", 200, `"limit":20`},
		{"/api/v1/spaces/019b0000-0000-7000-8000-000000000001/?limit=5", 200, `"limit":5`},
		{"/api/v1/spaces/nope/", 400, `"message":"invalid space id: expected a UUID"`},
		{"/api/v1/spaces/019b0000-0000-7000-8000-000000000001/?limit=ten", 400, `"message":"limit must be a whole number"`},
	} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		require.Equal(t, tc.code, rec.Code, "%s: %s", tc.path, rec.Body.String())
		require.Contains(t, rec.Body.String(), tc.body, tc.path)
	}
}
