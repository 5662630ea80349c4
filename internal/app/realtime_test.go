package app_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/realtime"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// socketServer serves the app over a real listener, with its hub running.
func socketServer(t *testing.T, e *apptest.Env) *httptest.Server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go e.App.Hub.Run(ctx)
	srv := httptest.NewServer(e.H)
	t.Cleanup(srv.Close)
	return srv
}

func wsURL(srv *httptest.Server) string {
	return "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/ws"
}

// openSocket opens the WebSocket the way the web UI does, with an access
// token or an API key as the "auth_" subprotocol, subscribes to job
// updates and waits until the subscription is in place.
func openSocket(t *testing.T, srv *httptest.Server, credential string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, wsURL(srv), &websocket.DialOptions{Subprotocols: []string{realtime.Subprotocol, "auth_" + credential}})
	require.NoError(t, err)
	t.Cleanup(func() { c.CloseNow() })
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(`{"type":"subscribe","data":{"channel":"job_updates"}}`)))
	requireAlive(t, c)
	return c
}

// requireAlive asserts the socket is open and answering.
func requireAlive(t *testing.T, c *websocket.Conn) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, c.Write(ctx, websocket.MessageText, []byte(`{"type":"ping"}`)))
	require.Equal(t, "pong", readMessage(t, ctx, c).Type)
}

func readMessage(t *testing.T, ctx context.Context, c *websocket.Conn) realtime.Message {
	t.Helper()
	_, data, err := c.Read(ctx)
	require.NoError(t, err)
	var m realtime.Message
	require.NoError(t, json.Unmarshal(data, &m))
	return m
}

// requireRevoked asserts the server closes the socket with 4001 within
// the given time, and that nothing else arrives before.
func requireRevoked(t *testing.T, c *websocket.Conn, within time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	_, data, err := c.Read(ctx)
	require.Error(t, err, "the socket got %s instead of closing", data)
	var ce websocket.CloseError
	require.True(t, errors.As(err, &ce), "the socket was not closed by the server within %s: %v", within, err)
	require.Equal(t, realtime.CloseRevoked, ce.Code)
	require.Equal(t, websocket.StatusCode(4001), ce.Code)
	require.Contains(t, ce.Reason, "sign in again")
}

func createUserKey(t *testing.T, e *apptest.Env, token string) (id, secret string) {
	t.Helper()
	rec := e.Do(http.MethodPost, "/api/v1/users/api-keys/", `{"name":"socket","scopes":["read"]}`, token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	k := testkit.JSON[struct{ ID, Key string }](t, rec)
	return k.ID, k.Key
}

func publishJob(t *testing.T, e *apptest.Env, user uuid.UUID, id string) {
	t.Helper()
	require.NoError(t, realtime.Publish(context.Background(), e.App.Redis, "job_updates", user, map[string]string{"id": id, "status": "queued"}))
}

// TestSocketClosesWhenItsAPIKeyIsRevoked: two API replicas with the
// production check interval (30 s). A socket on one replica, opened with a
// user API key, receives job updates until the key is revoked through the
// other replica; then it is closed with 4001 at once (the caches'
// invalidation signal), while the same user's socket on an access token
// stays open.
func TestSocketClosesWhenItsAPIKeyIsRevoked(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	require.Equal(t, 30*time.Second, cfg.WebSocketCheckEvery, "the production interval")
	here, there := apptest.With(t, cfg), apptest.With(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go here.App.Caches.Listen(ctx)
	srv := socketServer(t, here)
	time.Sleep(100 * time.Millisecond) // let the subscription start

	tenant := here.Tenant(t)
	token, user := here.Token(t, tenant, domain.RoleUser)
	keyID, key := createUserKey(t, here, token)
	viaKey, viaToken := openSocket(t, srv, key), openSocket(t, srv, token)
	publishJob(t, here, user, "before")
	for _, c := range []*websocket.Conn{viaKey, viaToken} {
		rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
		m := readMessage(t, rctx, c)
		rcancel()
		require.Equal(t, "job_updates", m.Type)
		require.Contains(t, string(m.Data), "before")
	}

	revokedAt := time.Now()
	require.Equal(t, http.StatusNoContent, there.Do(http.MethodDelete, "/api/v1/users/api-keys/"+keyID+"/", "", token).Code)
	requireRevoked(t, viaKey, 5*time.Second)
	require.Less(t, time.Since(revokedAt), 30*time.Second)
	requireAlive(t, viaToken)
	publishJob(t, here, user, "after")
	rctx, rcancel := context.WithTimeout(ctx, 5*time.Second)
	defer rcancel()
	require.Contains(t, string(readMessage(t, rctx, viaToken).Data), "after", "the user's own socket still gets updates")
}

// TestSocketChecksItsCredentialOnItsTimer: the replica holding the socket
// never hears of the revocation (it does not listen to the caches'
// signal, and its cache holds the key for an hour); the socket's own check
// timer still closes it.
func TestSocketChecksItsCredentialOnItsTimer(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.CacheTTL = time.Hour
	cfg.WebSocketCheckEvery = 300 * time.Millisecond
	here, there := apptest.With(t, cfg), apptest.With(t, cfg)
	srv := socketServer(t, here)

	token, _ := here.Token(t, here.Tenant(t), domain.RoleUser)
	keyID, key := createUserKey(t, here, token)
	c := openSocket(t, srv, key)
	time.Sleep(4 * cfg.WebSocketCheckEvery)
	requireAlive(t, c) // checks of a valid key keep the socket

	require.Equal(t, http.StatusNoContent, there.Do(http.MethodDelete, "/api/v1/users/api-keys/"+keyID+"/", "", token).Code)
	require.Equal(t, http.StatusOK, here.Do(http.MethodGet, "/api/v1/users/me/", "", key).Code,
		"this replica's cache still holds the key: no signal reached it")
	requireRevoked(t, c, 3*time.Second)
}

// TestSocketClosesWhenItsUserIsDeactivatedOrDeleted: sockets on access
// tokens close when a tenant admin deactivates or deletes their user.
func TestSocketClosesWhenItsUserIsDeactivatedOrDeleted(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	srv := socketServer(t, e)
	tenant := e.Tenant(t)
	owner, _ := e.Token(t, tenant, domain.RoleOwner)
	deactivated, deactivatedID := e.Token(t, tenant, domain.RoleUser)
	deleted, deletedID := e.Token(t, tenant, domain.RoleUser)
	a, b, admin := openSocket(t, srv, deactivated), openSocket(t, srv, deleted), openSocket(t, srv, owner)

	at := time.Now()
	rec := e.Do(http.MethodPatch, "/api/v1/users/admin/"+deactivatedID.String()+"/", `{"state":"deactivated"}`, owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	requireRevoked(t, a, 5*time.Second)
	require.Less(t, time.Since(at), 30*time.Second)
	requireAlive(t, b)

	rec = e.Do(http.MethodDelete, "/api/v1/users/admin/"+deletedID.String()+"/", "", owner)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	requireRevoked(t, b, 5*time.Second)
	requireAlive(t, admin)
	require.Eventually(t, func() bool { return e.App.Hub.Connections() == 1 }, 5*time.Second, 10*time.Millisecond,
		"the closed sockets are gone from the hub")
}

// TestTenantSuspensionClosesItsUsersSockets: suspending a tenant through
// the sysadmin API closes the sockets of all its users, on tokens and on
// keys; another tenant's socket stays.
func TestTenantSuspensionClosesItsUsersSockets(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	srv := socketServer(t, e)
	suspended, other := e.Tenant(t), e.Tenant(t)
	owner, _ := e.Token(t, suspended, domain.RoleOwner)
	user, _ := e.Token(t, suspended, domain.RoleUser)
	_, key := createUserKey(t, e, user)
	stranger, _ := e.Token(t, other, domain.RoleUser)
	socks := []*websocket.Conn{openSocket(t, srv, owner), openSocket(t, srv, user), openSocket(t, srv, key)}
	bystander := openSocket(t, srv, stranger)

	at := time.Now()
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+suspended.String()+"/", `{"state":"suspended"}`).Code)
	for _, c := range socks {
		requireRevoked(t, c, 5*time.Second)
	}
	require.Less(t, time.Since(at), 30*time.Second)
	requireAlive(t, bystander)

	// A new socket of the suspended tenant is refused before the upgrade, and says why.
	_, resp, err := websocket.Dial(context.Background(), wsURL(srv), &websocket.DialOptions{Subprotocols: []string{realtime.Subprotocol, "auth_" + user}})
	require.Error(t, err)
	require.Equal(t, http.StatusForbidden, resp.StatusCode)
	body, _ := io.ReadAll(resp.Body)
	require.Contains(t, string(body), "suspended")
}

// TestAssistantKeyCannotOpenTheSocket: an assistant-scoped key (it sits in
// a web page) is refused before the upgrade with a JSON reason; it would
// otherwise receive every job update of the user who made it.
func TestAssistantKeyCannotOpenTheSocket(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	srv := socketServer(t, e)
	tenant := e.Tenant(t)
	token, _ := e.Token(t, tenant, domain.RoleUser)
	key := assistantKey(t, e, tenant, token)

	for _, opts := range []*websocket.DialOptions{
		{Subprotocols: []string{realtime.Subprotocol, "auth_" + key}},
		{HTTPHeader: http.Header{"Authorization": {"Bearer " + key}}},
	} {
		_, resp, err := websocket.Dial(context.Background(), wsURL(srv), opts)
		require.Error(t, err)
		require.Equal(t, http.StatusForbidden, resp.StatusCode)
		require.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		var body struct{ Message, Code string }
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
		require.Equal(t, "forbidden", body.Code)
		require.Contains(t, body.Message, "assistant and service API keys cannot open the WebSocket")
	}
	require.Equal(t, 0, e.App.Hub.Connections())
	openSocket(t, srv, token) // the user who made the key may
}

// assistantKey makes an assistant in the user's personal space, served by
// the offline model, and an assistant-scoped key for it.
func assistantKey(t *testing.T, e *apptest.Env, tenant tenancy.ID, token string) string {
	t.Helper()
	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/",
		`{"name":"Local `+uuid.NewString()[:8]+`","provider_type":"local","provider_model":"extractive","token_limit":8192}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	model := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+tenant.String()+"/completion-models/"+model+"/", `{"is_default":true}`).Code)
	space := testkit.JSON[struct{ ID string }](t, e.Do(http.MethodGet, "/api/v1/spaces/type/personal/", "", token)).ID
	rec = e.Do(http.MethodPost, "/api/v1/assistants/", `{"name":"Widget","space_id":"`+space+`"}`, token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assistant := testkit.JSON[struct{ ID string }](t, rec).ID
	rec = e.Do(http.MethodPost, "/api/v1/assistants/"+assistant+"/api-keys/", `{"name":"web page"}`, token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return testkit.JSON[struct{ Key string }](t, rec).Key
}
