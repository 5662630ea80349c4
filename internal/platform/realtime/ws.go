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
)

// Subprotocol is what the server answers; browsers must offer it next to
// their "auth_<jwt>" entry.
const Subprotocol = "agora"

// Identity is who a connection belongs to and until when.
type Identity struct {
	User uuid.UUID
	// Expires closes the connection when the credential lapses (zero: never).
	Expires time.Time
}

// Authenticate checks the credential a connection brings.
type Authenticate func(ctx context.Context, token string) (Identity, error)

// Connection limits.
const (
	sendBuffer   = 64
	writeTimeout = 10 * time.Second
	pingEvery    = 30 * time.Second
	readLimit    = 4 << 10
	// CloseExpired tells the client to reconnect with a fresh token.
	CloseExpired websocket.StatusCode = 4001
)

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
// without a valid credential is answered 401 before any upgrade.
func (h *Hub) Handler(auth Authenticate, origins []string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		id, err := auth(r.Context(), token(r))
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"message":"sign in first: offer the subprotocols \"agora\" and \"auth_<access token>\"","code":"unauthenticated"}`))
			return
		}
		ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{Subprotocol}, OriginPatterns: origins})
		if err != nil {
			return // Accept answered the client
		}
		ws.SetReadLimit(readLimit)
		c := &conn{hub: h, ws: ws, user: id.User, out: make(chan []byte, sendBuffer), subs: map[string]bool{}}
		c.serve(context.WithoutCancel(r.Context()), id.Expires)
	}
}

// conn is one client connection.
type conn struct {
	hub  *Hub
	ws   *websocket.Conn
	user uuid.UUID
	out  chan []byte

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

func (c *conn) serve(ctx context.Context, expires time.Time) {
	ctx, cancel := context.WithCancel(ctx)
	c.cancel = cancel
	defer c.close(ctx)
	if !expires.IsZero() {
		t := time.AfterFunc(time.Until(expires), func() { _ = c.ws.Close(CloseExpired, "token expired; reconnect with a fresh one") })
		defer t.Stop()
	}
	go c.write(ctx)
	for {
		_, data, err := c.ws.Read(ctx)
		if err != nil {
			return
		}
		c.handle(ctx, data)
	}
}

// write sends queued messages and pings until ctx ends.
func (c *conn) write(ctx context.Context) {
	ping := time.NewTicker(pingEvery)
	defer ping.Stop()
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
		case <-ping.C:
			pctx, cancel := context.WithTimeout(ctx, writeTimeout)
			err := c.ws.Ping(pctx)
			cancel()
			if err != nil {
				c.cancel()
				return
			}
		}
	}
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
