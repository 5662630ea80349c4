package realtime

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// Subprotocol is what the server answers; browsers must offer it next to
// their "auth_<jwt>" entry.
const Subprotocol = "agora"

// Identity is who a connection belongs to and until when.
type Identity struct {
	User uuid.UUID
	// Expires closes the connection when the credential lapses (zero: never).
	Expires time.Time
	// Recheck checks the credential again while the connection is open
	// (nil: never). fresh asks the credential's source itself; otherwise a
	// cache emptied at the last change may answer. An error of kind
	// unauthenticated, forbidden or not found (revoked key, deactivated or
	// deleted user, suspended tenant) closes the connection with
	// CloseRevoked; any other error (the database is down) leaves it open
	// until the next check.
	Recheck func(ctx context.Context, fresh bool) error
}

// Authenticate checks the credential a connection brings.
type Authenticate func(ctx context.Context, token string) (Identity, error)

// Connection limits.
const (
	sendBuffer   = 64
	writeTimeout = 10 * time.Second
	checkTimeout = 10 * time.Second
	readLimit    = 4 << 10
	// DefaultCheckEvery is how often a connection is pinged and its
	// credential checked again, unless Options say otherwise.
	DefaultCheckEvery = 30 * time.Second
	// CloseExpired tells the client to reconnect with a fresh token.
	CloseExpired websocket.StatusCode = 4001
	// CloseRevoked tells the client its credential no longer holds (a
	// revoked key, a deactivated or deleted user, a suspended tenant): it
	// must sign in again. The same code as CloseExpired, so clients that
	// handle one handle both.
	CloseRevoked websocket.StatusCode = 4001
)

// revokedReason is the close reason with CloseRevoked.
const revokedReason = "your credential was revoked or is no longer valid; sign in again"

// revoked reports whether a failed check means the credential is gone,
// rather than that it could not be checked right now.
func revoked(err error) bool {
	switch kind, _ := errs.KindOf(err); kind {
	case errs.Unauthenticated, errs.Forbidden, errs.NotFound:
		return true
	}
	return false
}

// token finds the credential: a subprotocol entry "auth_<token>" (what
// browsers can send) or an Authorization: Bearer header.
func token(r *http.Request) string {
	for _, p := range strings.Split(r.Header.Get("Sec-WebSocket-Protocol"), ",") {
		if t, ok := strings.CutPrefix(strings.TrimSpace(p), "auth_"); ok {
			return t
		}
	}
	t, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return t
}

// Handler serves the WebSocket endpoint. Connections from origins other
// than the request's own must match origins (host patterns). A request
// without a valid credential is answered before any upgrade: 403 with the
// reason when auth's error is of kind forbidden (a credential that may not
// open sockets, a suspended tenant), else 401.
func (h *Hub) Handler(auth Authenticate, origins []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := auth(r.Context(), token(r))
		if err != nil {
			refuse(w, err)
			return
		}
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}, OriginPatterns: origins})
		if err != nil {
			return // Accept answered the client
		}
		ws.SetReadLimit(readLimit)
		c := &conn{hub: h, ws: ws, user: id.User, out: make(chan []byte, sendBuffer), recheck: make(chan struct{}, 1), subs: map[string]bool{}}
		h.add(c)
		defer h.remove(c)
		c.serve(context.WithoutCancel(r.Context()), id)
	}
}

// refuse answers a request whose credential was not accepted.
func refuse(w http.ResponseWriter, err error) {
	status, body := http.StatusUnauthorized,
		map[string]string{"message": `sign in first: offer the subprotocols "agora" and "auth_<access token>"`, "code": errs.Unauthenticated.Code()}
	if kind, msg := errs.KindOf(err); kind == errs.Forbidden {
		status, body = http.StatusForbidden, map[string]string{"message": msg, "code": kind.Code()}
	}
	b, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// conn is one client connection.
type conn struct {
	hub  *Hub
	ws   *websocket.Conn
	user uuid.UUID
	out  chan []byte
	// recheck holds a pending request to check the credential again.
	recheck chan struct{}

	mu     sync.Mutex
	subs   map[string]bool // redis channels
	closed bool
	cancel context.CancelFunc
}

// send queues a message; a client too slow to keep up is disconnected
// (it can reconnect and read the current state from /jobs/).
func (c *conn) send(msg []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	select {
	case c.out <- msg:
	default:
		c.closed = true
		go c.ws.Close(websocket.StatusPolicyViolation, "too slow; reconnect and read /api/v1/jobs/")
	}
}

func (c *conn) serve(ctx context.Context, id Identity) {
	ctx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	defer c.close(context.WithoutCancel(ctx)) // unsubscribing must outlive the connection's context
	if !id.Expires.IsZero() {
		t := time.AfterFunc(time.Until(id.Expires), func() { c.shut(CloseExpired, "token expired; reconnect with a fresh one") })
		defer t.Stop()
	}
	go c.write(ctx)
	go c.watch(ctx, id.Recheck)
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		c.handle(ctx, data)
	}
}

// shut stops delivering to the connection and closes it with code.
func (c *conn) shut(code websocket.StatusCode, reason string) {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	_ = c.ws.Close(code, reason)
}

// write sends queued messages until ctx ends.
func (c *conn) write(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case msg := <-c.out:
			wctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := c.ws.Write(wctx, websocket.MessageText, msg)
			cancel()
			if err != nil {
				c.cancel()
				return
			}
		}
	}
}

// watch pings the client and checks the credential again on every tick
// (asking its source), and when the hub asks for a recheck (a cache may
// answer: it was emptied by the change that caused the recheck), until ctx
// ends or the credential is gone. Checks run here, not in write, so a slow
// check never holds up messages.
func (c *conn) watch(ctx context.Context, recheck func(context.Context, bool) error) {
	if recheck == nil {
		recheck = func(context.Context, bool) error { return nil }
	}
	tick := time.NewTicker(c.hub.every)
	defer tick.Stop()
	for {
		var gone bool
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			pctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				c.cancel()
				return
			}
			gone = revokedNow(ctx, recheck, true)
		case <-c.recheck:
			select {
			case c.hub.checks <- struct{}{}:
			case <-ctx.Done():
				return
			}
			gone = revokedNow(ctx, recheck, false)
			<-c.hub.checks
		}
		if gone {
			c.shut(CloseRevoked, revokedReason)
			return
		}
	}
}

// revokedNow checks the credential and reports whether it no longer holds.
func revokedNow(ctx context.Context, recheck func(context.Context, bool) error, fresh bool) bool {
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	err := recheck(ctx, fresh)
	return err != nil && revoked(err)
}

type clientMessage struct {
	Type string `json:"type"`
	Data struct {
		Channel string `json:"channel"`
	} `json:"data"`
}

// handle answers one client message.
func (c *conn) handle(ctx context.Context, data []byte) {
	var m clientMessage
	if err := json.Unmarshal(data, &m); err != nil {
		c.reply("error", map[string]string{"message": "messages are JSON objects with a type"})
		return
	}
	switch m.Type {
	case "ping":
		c.reply("pong", nil)
	case "subscribe", "unsubscribe":
		if !validChannel(m.Data.Channel) {
			c.reply("error", map[string]string{"message": "unknown channel " + m.Data.Channel + "; use " + strings.Join(Channels, " or ")})
			return
		}
		c.toggle(ctx, m.Type == "subscribe", redisChannel(strings.ToLower(m.Data.Channel), c.user))
	default:
		c.reply("error", map[string]string{"message": "unknown message type " + m.Type + "; use subscribe, unsubscribe or ping"})
	}
}

func (c *conn) toggle(ctx context.Context, on bool, channel string) {
	c.mu.Lock()
	had := c.subs[channel]
	c.subs[channel] = on
	c.mu.Unlock()
	switch {
	case on && !had:
		if err := c.hub.subscribe(ctx, channel, c); err != nil {
			c.reply("error", map[string]string{"message": "cannot subscribe right now; try again"})
		}
	case !on && had:
		c.hub.unsubscribe(ctx, channel, c)
	}
}

func (c *conn) reply(kind string, data any) {
	m := Message{Type: kind}
	if data != nil {
		m.Data = mustJSON(data)
	}
	b, _ := json.Marshal(m)
	c.send(b)
}

// close drops the connection's subscriptions.
func (c *conn) close(ctx context.Context) {
	c.cancel()
	c.mu.Lock()
	c.closed = true
	subs := c.subs
	c.subs = map[string]bool{}
	c.mu.Unlock()
	for ch, on := range subs {
		if on {
			c.hub.unsubscribe(ctx, ch, c)
		}
	}
	_ = c.ws.Close(websocket.StatusNormalClosure, "")
}
