// Package realtime pushes events to users' live WebSocket connections on
// any API replica. A module publishes to a channel for a user; Redis
// pub/sub carries it (as "<channel>:<user_id>") to every API process,
// whose Hub writes it to that user's connections that subscribed to the
// channel. The protocol is API.md's "Jobs and realtime".
package realtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
)

// Channels users may subscribe to.
var Channels = []string{"job_updates", "crawl_run_updates", "app_run_updates"}

// Message is what a connection receives: the channel's name and the data.
type Message struct {
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
}

func redisChannel(channel string, user uuid.UUID) string { return channel + ":" + user.String() }

// Publish sends data to the user's connections subscribed to channel, on
// every replica.
func Publish(ctx context.Context, rdb redis.UniversalClient, channel string, user uuid.UUID, data any) error {
	b, err := json.Marshal(Message{Type: channel, Data: mustJSON(data)})
	if err != nil {
		return fmt.Errorf("encode %s event: %w", channel, err)
	}
	return rdb.Publish(ctx, redisChannel(channel, user), b).Err()
}

func mustJSON(v any) json.RawMessage {
	b, _ := json.Marshal(v)
	return b
}

// Hub fans Redis messages out to this process's connections. It holds one
// Redis subscription and subscribes to a user's channel while at least
// one local connection wants it. It also has every connection check its
// credential again, on each connection's ping timer and when Recheck is
// called, and closes those whose credential no longer holds.
type Hub struct {
	rdb    redis.UniversalClient
	pubsub *redis.PubSub
	every  time.Duration
	gather time.Duration
	checks chan struct{} // bounds the checks Recheck starts at once

	mu    sync.Mutex
	conns map[string]map[*conn]struct{} // redis channel -> connections
	all   map[*conn]struct{}
	armed bool // a sweep is due
}

// Options tune a Hub.
type Options struct {
	// CheckEvery is how often each connection is pinged and its credential
	// checked again (0: 30 s). A revoked credential's connections close
	// within it even when no Recheck comes.
	CheckEvery time.Duration
	// ConcurrentChecks bounds the checks a Recheck runs at once, so a burst
	// of changes does not become a burst of database reads (0: 4).
	ConcurrentChecks int
	// GatherRechecks is how long a Recheck waits for more before the
	// connections check, so a burst of changes costs one round of checks
	// (0: 500 ms).
	GatherRechecks time.Duration
}

// NewHub returns a hub on rdb; Run delivers its messages.
func NewHub(rdb redis.UniversalClient, o Options) *Hub {
	if o.CheckEvery <= 0 {
		o.CheckEvery = DefaultCheckEvery
	}
	if o.ConcurrentChecks <= 0 {
		o.ConcurrentChecks = 4
	}
	if o.GatherRechecks <= 0 {
		o.GatherRechecks = 500 * time.Millisecond
	}
	return &Hub{rdb: rdb, pubsub: rdb.Subscribe(context.Background()), every: o.CheckEvery, gather: o.GatherRechecks,
		checks: make(chan struct{}, o.ConcurrentChecks), conns: map[string]map[*conn]struct{}{}, all: map[*conn]struct{}{}}
}

// Recheck has every open connection check its credential again soon
// (after GatherRechecks), and close when it no longer holds. Call it when
// credentials may have changed (the caches' invalidation signal); it does
// not block. Calls before the round of checks starts are merged into it,
// as are calls while a connection's own check is pending.
func (h *Hub) Recheck() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.armed {
		return
	}
	h.armed = true
	time.AfterFunc(h.gather, h.sweep)
}

// sweep asks every connection to check its credential.
func (h *Hub) sweep() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.armed = false
	for c := range h.all {
		select {
		case c.recheck <- struct{}{}:
		default: // a check is already pending
		}
	}
}

// Connections returns how many connections are open in this process.
func (h *Hub) Connections() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.all)
}

func (h *Hub) add(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.all[c] = struct{}{}
}

func (h *Hub) remove(c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.all, c)
}

// Run delivers messages until ctx ends.
func (h *Hub) Run(ctx context.Context) {
	defer h.pubsub.Close()
	ch := h.pubsub.Channel()
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			h.deliver(m.Channel, []byte(m.Payload))
		}
	}
}

func (h *Hub) deliver(channel string, payload []byte) {
	h.mu.Lock()
	targets := make([]*conn, 0, len(h.conns[channel]))
	for c := range h.conns[channel] {
		targets = append(targets, c)
	}
	h.mu.Unlock()
	for _, c := range targets {
		c.send(payload)
	}
}

// subscribe adds a connection to a channel, subscribing Redis for the
// first one. Redis is told under the lock, so a subscribe and an
// unsubscribe of the same channel cannot overtake each other.
func (h *Hub) subscribe(ctx context.Context, channel string, c *conn) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	set, ok := h.conns[channel]
	if !ok {
		if err := h.pubsub.Subscribe(ctx, channel); err != nil {
			return err
		}
		set = map[*conn]struct{}{}
		h.conns[channel] = set
	}
	set[c] = struct{}{}
	return nil
}

// unsubscribe removes a connection, unsubscribing Redis after the last.
func (h *Hub) unsubscribe(ctx context.Context, channel string, c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	set, ok := h.conns[channel]
	if !ok {
		return
	}
	delete(set, c)
	if len(set) == 0 {
		delete(h.conns, channel)
		_ = h.pubsub.Unsubscribe(ctx, channel)
	}
}

// validChannel reports whether name is a channel users may subscribe to.
func validChannel(name string) bool {
	for _, c := range Channels {
		if strings.EqualFold(c, name) {
			return true
		}
	}
	return false
}
