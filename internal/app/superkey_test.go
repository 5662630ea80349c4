package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestSuperKeyGuessingIsThrottledAndAudited: a thousand wrong super keys
// from one address; the first ten answer 401 and are audited, the rest 429
// with Retry-After, and the right key from that address is refused until
// the window passes while another address is served.
func TestSuperKeyGuessingIsThrottledAndAudited(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.SuperKeyFailuresPerIP = 10 // the default, which testkit raises
	// Long enough that the window cannot end during the thousand tries on a
	// loaded machine (under -race they took over 3 s).
	cfg.SuperKeyFailureWindow = 10 * time.Second
	e := apptest.With(t, cfg)
	u := uuid.New()
	guesser := fmt.Sprintf("172.%d.%d.%d", 16+u[0]%16, u[1], u[2])
	send := func(ip, key string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/sysadmin/tenants/", nil)
		req.RemoteAddr = ip + ":51000"
		req.Header.Set("User-Agent", "guesser/2.0")
		req.Header.Set(httpx.APIKeyHeader, key)
		rec := httptest.NewRecorder()
		e.H.ServeHTTP(rec, req)
		return rec
	}

	codes := map[int]int{}
	var last *httptest.ResponseRecorder
	for i := range 1000 {
		last = send(guesser, fmt.Sprintf("guess-%04d-0123456789abcdef0123456789", i))
		codes[last.Code]++
	}
	require.Equal(t, map[int]int{http.StatusUnauthorized: 10, http.StatusTooManyRequests: 990}, codes)
	require.Equal(t, "rate_limited", testkit.JSON[httpx.ErrorBody](t, last).Code)
	require.NotEmpty(t, last.Header().Get("Retry-After"))

	require.Equal(t, http.StatusTooManyRequests, send(guesser, testkit.SuperKey).Code, "the right key learns nothing while throttled")
	require.Equal(t, http.StatusOK, send("192.0.2.200", testkit.SuperKey).Code, "another address is served")

	var rows []struct {
		Action    string `bun:"action"`
		Outcome   string `bun:"outcome"`
		ActorType string `bun:"actor_type"`
		UserAgent string `bun:"user_agent"`
		RequestID string `bun:"request_id"`
		Reason    string `bun:"reason"`
	}
	err := e.App.DB.NewSelect().Table("audit_logs").
		ColumnExpr("action, outcome, actor_type, user_agent, request_id, coalesce(details->>'reason', '') AS reason").
		Where("tenant_id IS NULL").Where("ip = ?", guesser).OrderExpr("created_at, id").Scan(context.Background(), &rows)
	require.NoError(t, err)
	require.Len(t, rows, 11, "ten failures and the first throttled refusal")
	for i, r := range rows {
		want := httpx.ActionSuperKeyFailed
		if i == 10 {
			want = httpx.ActionSuperKeyThrottled
		} else {
			require.Equal(t, "wrong key", r.Reason)
		}
		require.Equal(t, want, r.Action)
		require.Equal(t, "failure", r.Outcome)
		require.Equal(t, "anonymous", r.ActorType)
		require.Equal(t, "guesser/2.0", r.UserAgent)
		require.NotEmpty(t, r.RequestID)
	}

	require.Eventually(t, func() bool { return send(guesser, testkit.SuperKey).Code == http.StatusOK }, 15*time.Second, 100*time.Millisecond,
		"after the window the right key works again")
}
