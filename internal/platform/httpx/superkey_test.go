package httpx_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/ratelimit"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

const superKey = "k-0123456789abcdef0123456789abcdef"

// recorded is an audit event with the actor and request it was recorded
// under.
type recorded struct {
	audit.Event
	Actor   audit.Actor
	Request audit.Request
}

type recorder struct {
	mu     sync.Mutex
	events []recorded
}

func (r *recorder) Record(ctx context.Context, e audit.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, recorded{Event: e, Actor: audit.ActorFrom(ctx), Request: audit.RequestFrom(ctx)})
}

func (r *recorder) all() []recorded {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]recorded(nil), r.events...)
}

// guarded is an Echo instance with one sysadmin route behind the super key,
// throttled by limit failures per window in rdb.
func guarded(t *testing.T, rdb redis.UniversalClient, limit int, window time.Duration) (*echo.Echo, *recorder) {
	t.Helper()
	rec := &recorder{}
	l := ratelimit.New(rdb, ratelimit.Limits{}, testkit.Logger(nil))
	e := httpx.New(testkit.Logger(nil), httpx.Options{BodyLimitBytes: 1024})
	e.GET("/api/v1/sysadmin/ping", func(c *echo.Context) error { return c.NoContent(http.StatusNoContent) },
		httpx.SuperKey(httpx.SuperKeyOptions{Key: superKey, Throttle: l.Failures("test-sysadmin:"+uuid.NewString(), limit, window), Limit: limit, Audit: rec}))
	return e, rec
}

// from sends a sysadmin request from a client address with a key.
func from(e *echo.Echo, ip, key string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/api/v1/sysadmin/ping", nil)
	req.RemoteAddr = ip + ":40000"
	req.Header.Set("User-Agent", "guesser/1.0")
	if key != "" {
		req.Header.Set(httpx.APIKeyHeader, key)
	}
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

func TestWrongSuperKeysAreThrottledPerAddressAndAudited(t *testing.T) {
	t.Parallel()
	e, audits := guarded(t, testkit.Redis(t), 3, 2*time.Second)
	for i := range 3 {
		key := "wrong"
		if i == 1 {
			key = "" // a missing key is a failure too
		}
		require.Equal(t, http.StatusUnauthorized, from(e, "198.51.100.7", key).Code, "attempt %d", i+1)
	}
	rec := from(e, "198.51.100.7", superKey)
	require.Equal(t, http.StatusTooManyRequests, rec.Code, "the right key is refused too while the address is throttled")
	require.Equal(t, "rate_limited", errorBody(t, rec).Code)
	secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
	require.NoError(t, err)
	require.True(t, secs >= 1 && secs <= 2, "Retry-After %d", secs)
	require.Equal(t, http.StatusTooManyRequests, from(e, "198.51.100.7", "wrong").Code)
	require.Equal(t, http.StatusNoContent, from(e, "198.51.100.8", superKey).Code, "another address is not throttled")

	events := audits.all()
	require.Len(t, events, 4, "three failures and the first throttled refusal; not the refusal after it")
	for i, ev := range events[:3] {
		require.Equal(t, httpx.ActionSuperKeyFailed, ev.Action)
		require.Equal(t, audit.Failure, ev.Outcome)
		require.True(t, ev.Tenant.IsZero(), "installation-wide")
		require.Equal(t, "anonymous", ev.Actor.Type)
		require.Equal(t, "198.51.100.7", ev.Request.IP)
		require.Equal(t, "guesser/1.0", ev.Request.UserAgent)
		require.NotEmpty(t, ev.Request.RequestID)
		require.Equal(t, strconv.Itoa(i+1), ev.Details["failures_in_window"])
		require.Equal(t, "/api/v1/sysadmin/ping", ev.Details["path"])
	}
	require.Equal(t, "wrong key", events[0].Details["reason"])
	require.Equal(t, "missing key", events[1].Details["reason"])
	require.Equal(t, httpx.ActionSuperKeyThrottled, events[3].Action)
	require.Equal(t, "3", events[3].Details["failures_per_window"])

	time.Sleep(2100 * time.Millisecond)
	require.Equal(t, http.StatusNoContent, from(e, "198.51.100.7", superKey).Code, "the window has passed")
}

// TestSuperKeyThrottleFailsOpenButStillAudits: with Redis unreachable the
// throttle cannot count, so attempts pass to the key check as the other
// limits do; each failure is still audited.
func TestSuperKeyThrottleFailsOpenButStillAudits(t *testing.T) {
	t.Parallel()
	down := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", MaxRetries: -1, DialTimeout: 200 * time.Millisecond})
	t.Cleanup(func() { _ = down.Close() })
	e, audits := guarded(t, down, 2, time.Minute)
	for i := range 5 {
		require.Equal(t, http.StatusUnauthorized, from(e, "198.51.100.9", fmt.Sprintf("wrong-%d", i)).Code)
	}
	require.Equal(t, http.StatusNoContent, from(e, "198.51.100.9", superKey).Code)
	events := audits.all()
	require.Len(t, events, 5)
	for _, ev := range events {
		require.Equal(t, httpx.ActionSuperKeyFailed, ev.Action)
		require.Equal(t, "unavailable", ev.Details["throttle"])
	}
}
