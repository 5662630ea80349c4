package api_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// BenchmarkAuthenticatedRequest measures a signed-in GET /users/me: the
// token or key check, user, role and tenant lookups, the Redis rate limit
// and JSON encoding.
func BenchmarkAuthenticatedRequest(b *testing.B) {
	cfg := testkit.Config(b)
	cfg.RateLimitPerKey, cfg.RateLimitPerUser, cfg.RateLimitPerTenant = 1<<30, 1<<30, 1<<30
	v := setupWith(b, cfg)
	token, _ := v.Token(b, v.Tenant(b), domain.RoleUser)
	key := createKey(b, v, token, `{"name":"bench","scopes":["read"]}`).Key
	for _, c := range []struct{ name, header, value string }{
		{"jwt", "Authorization", "Bearer " + token},
		{"api_key", "X-API-Key", key},
	} {
		b.Run(c.name, func(b *testing.B) {
			req := httptest.NewRequest(http.MethodGet, "/api/v1/users/me/", nil)
			req.Header.Set(c.header, c.value)
			b.ReportAllocs()
			for b.Loop() {
				rec := httptest.NewRecorder()
				v.H.ServeHTTP(rec, req)
				if rec.Code != http.StatusOK {
					b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
				}
			}
		})
	}
}
