package api_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// secondReplica builds another app on its own Redis connection, as a second
// API process would.
func secondReplica(t *testing.T, v *env) http.Handler {
	t.Helper()
	opts, err := redis.ParseURL(testkit.RedisURL(t))
	require.NoError(t, err)
	rdb := redis.NewClient(opts)
	t.Cleanup(func() { _ = rdb.Close() })
	return apptest.WithServices(t, v.App.Config, apptest.Services{Redis: rdb}).H
}

func TestUserRateLimitIsSharedByReplicas(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.RateLimitPerUser = 4
	v := setupWith(t, cfg)
	other := secondReplica(t, v)
	token, _ := v.Token(t, v.Tenant(t), domain.RoleUser)

	ok := 0
	var last *httptest.ResponseRecorder
	for i := range 6 {
		h := v.H
		if i%2 == 1 {
			h = other
		}
		last = testkit.Do(h, http.MethodGet, "/api/v1/users/me/", "", "Authorization", "Bearer "+token)
		if last.Code == http.StatusOK {
			ok++
			require.Equal(t, "4", last.Header().Get("RateLimit-Limit"))
		}
	}
	require.Equal(t, 4, ok, "the two replicas share one budget")
	require.Equal(t, http.StatusTooManyRequests, last.Code)
	require.Equal(t, "rate_limited", testkit.JSON[httpx.ErrorBody](t, last).Code)
	secs, err := strconv.Atoi(last.Header().Get("Retry-After"))
	require.NoError(t, err)
	require.GreaterOrEqual(t, secs, 1)
	require.Equal(t, "0", last.Header().Get("RateLimit-Remaining"))
}

func TestKeyAndTenantLimits(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.RateLimitPerKey = 2
	cfg.RateLimitPerTenant = 50
	v := setupWith(t, cfg)
	tn := v.Tenant(t)
	token, _ := v.Token(t, tn, domain.RoleUser)
	key := createKey(t, v, token, `{"name":"k","scopes":["read"]}`).Key
	for range 2 {
		require.Equal(t, http.StatusOK, v.withKey(http.MethodGet, "/api/v1/users/me/", "", key).Code)
	}
	require.Equal(t, http.StatusTooManyRequests, v.withKey(http.MethodGet, "/api/v1/users/me/", "", key).Code)
	require.Equal(t, http.StatusOK, v.Do(http.MethodGet, "/api/v1/users/me/", "", token).Code, "the user's own budget is separate")

	cfg = testkit.Config(t)
	cfg.RateLimitPerTenant = 3
	w := setupWith(t, cfg)
	tn = w.Tenant(t)
	a, _ := w.Token(t, tn, domain.RoleUser)
	b, _ := w.Token(t, tn, domain.RoleUser)
	codes := []int{}
	for _, tok := range []string{a, b, a, b} {
		codes = append(codes, w.Do(http.MethodGet, "/api/v1/users/me/", "", tok).Code)
	}
	require.Equal(t, []int{200, 200, 200, 429}, codes, "the tenant budget spans its users")
}

func TestRateLimitsDegradeWhenRedisIsDown(t *testing.T) {
	t.Parallel()
	v := setup(t)
	token, _ := v.Token(t, v.Tenant(t), domain.RoleUser)
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 100 * time.Millisecond})
	t.Cleanup(func() { _ = down.Close() })
	logs := &testkit.Buffer{}
	a := apptest.WithServices(t, v.App.Config, apptest.Services{Redis: down, Logs: logs})
	rec := testkit.Do(a.H, http.MethodGet, "/api/v1/users/me/", "", "Authorization", "Bearer "+token)
	require.Equal(t, http.StatusOK, rec.Code, "the API keeps serving: %s", rec.Body.String())
	require.Contains(t, logs.String(), "rate limits are off")
}
