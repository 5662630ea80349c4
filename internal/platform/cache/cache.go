// Package cache keeps what a process read recently for a short time, so hot
// paths (authenticating a request, resolving a model) skip round trips to
// PostgreSQL. A value is served for at most the TTL after it was loaded;
// one read in the second half of that time reloads it in the background,
// so values in use never expire under a request. Changes made through the
// API empty the caches of every process (Set); the TTL bounds the rest.
// It wraps hashicorp/golang-lru's expirable LRU, which bounds the entries.
package cache

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/redis/go-redis/v9"
)

// Cache maps keys to values for TTL. A zero TTL turns it off: every Get
// loads.
type Cache[K comparable, V any] struct {
	lru        *expirable.LRU[K, entry[V]]
	ttl        time.Duration
	gen        atomic.Uint64 // bumped by Purge, so a load begun before it is not kept
	refreshing sync.Map      // keys being reloaded in the background
}

type entry[V any] struct {
	v  V
	at time.Time
}

// refreshTimeout bounds a background reload.
const refreshTimeout = 10 * time.Second

// New returns a cache of at most size entries kept for ttl.
func New[K comparable, V any](size int, ttl time.Duration) *Cache[K, V] {
	if ttl <= 0 {
		return &Cache[K, V]{}
	}
	return &Cache[K, V]{lru: expirable.NewLRU[K, entry[V]](size, nil, ttl), ttl: ttl}
}

// Get returns the cached value for key, or loads, stores and returns it.
// Failed loads are not stored. A background reload gets a context of its
// own: load must take what it needs from its arguments, not from ctx.
func (c *Cache[K, V]) Get(ctx context.Context, key K, load func(context.Context) (V, error)) (V, error) {
	if c.lru == nil {
		return load(ctx)
	}
	if e, ok := c.lru.Get(key); ok {
		if time.Since(e.at) > c.ttl/2 {
			c.refresh(key, load)
		}
		return e.v, nil
	}
	return c.fill(ctx, key, load)
}

func (c *Cache[K, V]) fill(ctx context.Context, key K, load func(context.Context) (V, error)) (V, error) {
	gen := c.gen.Load()
	at := time.Now()
	v, err := load(ctx)
	if err == nil && c.gen.Load() == gen {
		c.lru.Add(key, entry[V]{v: v, at: at})
	}
	return v, err
}

func (c *Cache[K, V]) refresh(key K, load func(context.Context) (V, error)) {
	if _, busy := c.refreshing.LoadOrStore(key, struct{}{}); busy {
		return
	}
	go func() {
		defer c.refreshing.Delete(key)
		ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
		defer cancel()
		_, _ = c.fill(ctx, key, load)
	}()
}

// Remove drops one entry.
func (c *Cache[K, V]) Remove(key K) {
	if c.lru != nil {
		c.lru.Remove(key)
	}
}

// Purge drops every entry, and every load under way is not kept.
func (c *Cache[K, V]) Purge() {
	if c.lru != nil {
		c.gen.Add(1)
		c.lru.Purge()
	}
}

// Set is a process's caches, emptied together. Invalidate empties them here
// at once and, through Redis pub/sub, in every other process that Listens;
// the TTL bounds what a lost message can leave behind.
type Set struct {
	rdb    redis.UniversalClient
	id     string
	mu     sync.Mutex
	purges []func()
	after  []func()
}

// channel carries invalidations between processes.
const channel = "cache:invalidate"

// NewSet returns an empty set that signals other processes through rdb.
func NewSet(rdb redis.UniversalClient) *Set {
	return &Set{rdb: rdb, id: uuid.NewString()}
}

// Add registers a cache with the set and returns it.
func Add[K comparable, V any](s *Set, c *Cache[K, V]) *Cache[K, V] {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.purges = append(s.purges, c.Purge)
	return c
}

// OnInvalidate registers fn to run whenever the caches are emptied, here or
// on a signal from another process, after every cache of the set is empty
// (so what fn looks up is read afresh). Something else that holds on to
// what a change may have ended, such as open WebSockets, checks it again.
// fn must not block.
func (s *Set) OnInvalidate(fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.after = append(s.after, fn)
}

func (s *Set) purge() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range s.purges {
		p()
	}
	for _, fn := range s.after {
		fn()
	}
}

// Invalidate empties every cache here and asks the other processes to do
// the same. A failed publish is returned; the local caches are empty.
func (s *Set) Invalidate(ctx context.Context) error {
	s.purge()
	if err := s.rdb.Publish(ctx, channel, s.id).Err(); err != nil {
		return fmt.Errorf("publish cache invalidation: %w", err)
	}
	return nil
}

// Listen empties the caches whenever another process invalidates, until
// ctx ends. go-redis re-subscribes by itself after a lost connection;
// what was missed meanwhile expires with the TTL.
func (s *Set) Listen(ctx context.Context) {
	sub := s.rdb.Subscribe(ctx, channel)
	defer sub.Close()
	ch := sub.Channel(redis.WithChannelHealthCheckInterval(30 * time.Second))
	for {
		select {
		case <-ctx.Done():
			return
		case m, ok := <-ch:
			if !ok {
				return
			}
			if m.Payload != s.id {
				s.purge()
			}
		}
	}
}
