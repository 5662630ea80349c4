package realtime_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/realtime"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// credential is a fake credential whose check answers what the test says.
type credential struct {
	checks atomic.Int64
	fresh  atomic.Int64
	answer atomic.Pointer[error]
}

func (c *credential) set(err error) { c.answer.Store(&err) }

func (c *credential) recheck(_ context.Context, fresh bool) error {
	c.checks.Add(1)
	if fresh {
		c.fresh.Add(1)
	}
	if p := c.answer.Load(); p != nil {
		return *p
	}
	return nil
}

func serve(t *testing.T, h *realtime.Hub, cred *credential) *httptest.Server {
	t.Helper()
	auth := func(_ context.Context, token string) (realtime.Identity, error) {
		switch token {
		case "ok":
			return realtime.Identity{User: uuid.New(), Recheck: cred.recheck}, nil
		case "no-sockets":
			return realtime.Identity{}, errs.New(errs.Forbidden, "this credential may not open sockets")
		}
		return realtime.Identity{}, errs.New(errs.Unauthenticated, "invalid token")
	}
	srv := httptest.NewServer(h.Handler(auth, nil))
	t.Cleanup(srv.Close)
	return srv
}

func dial(t *testing.T, srv *httptest.Server, token string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	c, resp, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http"),
		&websocket.DialOptions{Subprotocols: []string{realtime.Subprotocol, "auth_" + token}})
	if c != nil {
		t.Cleanup(func() { c.CloseNow() })
	}
	return c, resp, err
}

// closing reads the socket until the server closes it and then sends the
// close code (0 when the connection ended otherwise). Reading also answers
// the server's pings.
func closing(c *websocket.Conn) <-chan websocket.StatusCode {
	out := make(chan websocket.StatusCode, 1)
	go func() {
		for {
			_, _, err := c.Read(context.Background())
			if err != nil {
				var ce websocket.CloseError
				if errors.As(err, &ce) {
					out <- ce.Code
				} else {
					out <- 0
				}
				return
			}
		}
	}()
	return out
}

func closedWith(t *testing.T, ch <-chan websocket.StatusCode, within time.Duration) websocket.StatusCode {
	t.Helper()
	select {
	case code := <-ch:
		return code
	case <-time.After(within):
		t.Fatalf("the server did not close the socket within %s", within)
		return 0
	}
}

func TestRefusalsAnswerBeforeTheUpgrade(t *testing.T) {
	t.Parallel()
	srv := serve(t, realtime.NewHub(testkit.Redis(t), realtime.Options{}), &credential{})
	_, resp, err := dial(t, srv, "bad")
	require.Error(t, err)
	require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	_, resp, err = dial(t, srv, "no-sockets")
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode, "a forbidden credential says so, with its reason")
}

// TestACheckThatCannotBeMadeKeepsTheSocket: a database outage during a
// check is not a revocation; the next check that says the credential is
// gone closes the socket with 4001.
func TestACheckThatCannotBeMadeKeepsTheSocket(t *testing.T) {
	t.Parallel()
	cred := &credential{}
	cred.set(errors.New("connection refused")) // not classified: internal
	hub := realtime.NewHub(testkit.Redis(t), realtime.Options{CheckEvery: 50 * time.Millisecond})
	c, _, err := dial(t, serve(t, hub, cred), "ok")
	require.NoError(t, err)
	done := closing(c)
	require.Eventually(t, func() bool { return cred.fresh.Load() >= 3 }, 5*time.Second, 10*time.Millisecond,
		"the timer's checks ask the credential's source")
	require.Equal(t, 1, hub.Connections(), "still open after checks that could not be made")

	cred.set(errs.New(errs.Unauthenticated, "invalid, expired or revoked API key"))
	require.Equal(t, realtime.CloseRevoked, closedWith(t, done, 5*time.Second))
	require.Eventually(t, func() bool { return hub.Connections() == 0 }, 5*time.Second, 10*time.Millisecond)
}

// TestRecheckReachesEverySocketAtOnce: with a check timer far away, a
// Recheck makes every socket check (through the cache) and those whose
// credential is gone close; the others stay.
func TestRecheckReachesEverySocketAtOnce(t *testing.T) {
	t.Parallel()
	hub := realtime.NewHub(testkit.Redis(t), realtime.Options{CheckEvery: time.Hour, ConcurrentChecks: 1, GatherRechecks: 100 * time.Millisecond})
	gone, kept := &credential{}, &credential{}
	var closes []<-chan websocket.StatusCode
	for range 3 {
		c, _, err := dial(t, serve(t, hub, gone), "ok")
		require.NoError(t, err)
		closes = append(closes, closing(c))
	}
	keep, _, err := dial(t, serve(t, hub, kept), "ok")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return hub.Connections() == 4 }, 5*time.Second, 10*time.Millisecond)

	gone.set(errs.New(errs.Forbidden, "your organisation's access to Agora is suspended"))
	at := time.Now()
	for range 50 {
		hub.Recheck() // a burst of changes: one round of checks
	}
	for _, ch := range closes {
		require.Equal(t, realtime.CloseRevoked, closedWith(t, ch, 5*time.Second))
	}
	require.GreaterOrEqual(t, time.Since(at), 100*time.Millisecond, "the round waited for more changes")
	require.Equal(t, int64(3), gone.checks.Load(), "one check per socket")
	require.Zero(t, gone.fresh.Load(), "a recheck may be answered by the emptied cache")
	require.Eventually(t, func() bool { return kept.checks.Load() == 1 }, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool { return hub.Connections() == 1 }, 5*time.Second, 10*time.Millisecond)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, keep.Write(ctx, websocket.MessageText, []byte(`{"type":"ping"}`)))
	_, data, err := keep.Read(ctx)
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"pong"}`, string(data), "the socket whose credential holds is open")
}
