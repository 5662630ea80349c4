package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/realtime"
)

type wsMessage struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data"`
}

// dial opens the WebSocket of the API behind srv the way a browser does.
func dial(t *testing.T, srv *httptest.Server, token string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/ws",
		&websocket.DialOptions{Subprotocols: []string{realtime.Subprotocol, "auth_" + token}})
	require.NoError(t, err)
	require.Equal(t, realtime.Subprotocol, resp.Header.Get("Sec-WebSocket-Protocol"))
	t.Cleanup(func() { c.CloseNow() })
	return c
}

func send(t *testing.T, c *websocket.Conn, msg string) {
	t.Helper()
	require.NoError(t, c.Write(context.Background(), websocket.MessageText, []byte(msg)))
}

func read(t *testing.T, c *websocket.Conn) wsMessage {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, data, err := c.Read(ctx)
	require.NoError(t, err)
	var m wsMessage
	require.NoError(t, json.Unmarshal(data, &m))
	return m
}

// TestJobUpdatesReachEveryReplicasConnections: a job run through one API
// instance is pushed to the owner's WebSocket on another instance.
func TestJobUpdatesReachEveryReplicasConnections(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	replica := apptest.New(t)
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	go replica.App.Hub.Run(ctx)
	srv := httptest.NewServer(replica.H)
	t.Cleanup(srv.Close)

	c := dial(t, srv, w.token)
	send(t, c, `{"type":"ping"}`)
	require.Equal(t, "pong", read(t, c).Type)
	send(t, c, `{"type":"subscribe","data":{"channel":"chat"}}`)
	m := read(t, c)
	require.Equal(t, "error", m.Type)
	require.Contains(t, string(m.Data), "unknown channel")
	send(t, c, `{"type":"subscribe","data":{"channel":"job_updates"}}`)
	send(t, c, `{"type":"ping"}`) // the pong says the subscription is in place
	require.Equal(t, "pong", read(t, c).Type)

	j := w.job(t)
	w.svc.Dispatch(context.Background(), j)
	m = read(t, c)
	require.Equal(t, "job_updates", m.Type)
	var data map[string]any
	require.NoError(t, json.Unmarshal(m.Data, &data))
	require.Equal(t, j.ID.String(), data["id"])
	require.Equal(t, "queued", data["status"])

	other := newWorld(t)
	oc := dial(t, srv, other.token)
	send(t, oc, `{"type":"subscribe","data":{"channel":"job_updates"}}`)
	send(t, oc, `{"type":"ping"}`)
	require.Equal(t, "pong", read(t, oc).Type)
	w.svc.Dispatch(context.Background(), w.job(t))
	require.Equal(t, "job_updates", read(t, c).Type)
	send(t, oc, `{"type":"ping"}`)
	require.Equal(t, "pong", read(t, oc).Type, "another user gets nothing of it")

	send(t, c, `{"type":"unsubscribe","data":{"channel":"job_updates"}}`)
	send(t, c, `{"type":"ping"}`) // the pong says the unsubscription is in place
	require.Equal(t, "pong", read(t, c).Type)
	w.svc.Dispatch(context.Background(), w.job(t))
	send(t, c, `{"type":"ping"}`)
	require.Equal(t, "pong", read(t, c).Type, "nothing after unsubscribing")
}

func TestWebSocketNeedsAValidToken(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	srv := httptest.NewServer(e.H)
	t.Cleanup(srv.Close)
	for _, protocols := range [][]string{{realtime.Subprotocol}, {realtime.Subprotocol, "auth_not-a-token"}} {
		_, resp, err := websocket.Dial(context.Background(), "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/ws",
			&websocket.DialOptions{Subprotocols: protocols})
		require.Error(t, err)
		require.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	}
}
