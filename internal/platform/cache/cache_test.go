package cache_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/cache"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func TestCacheKeepsValuesForTheTTL(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.New[string, int](10, 100*time.Millisecond)
	var loads atomic.Int64
	load := func(context.Context) (int, error) { return int(loads.Add(1)), nil }
	v, _ := c.Get(ctx, "a", load)
	require.Equal(t, 1, v)
	v, _ = c.Get(ctx, "a", load)
	require.Equal(t, 1, v, "served from the cache")
	time.Sleep(60 * time.Millisecond)
	v, _ = c.Get(ctx, "a", load)
	require.Equal(t, 1, v, "in the second half of its TTL the old value is served...")
	require.Eventually(t, func() bool { v, _ = c.Get(ctx, "a", load); return v == 2 }, time.Second, 5*time.Millisecond,
		"...while it is reloaded in the background")
	time.Sleep(150 * time.Millisecond)
	v, _ = c.Get(ctx, "a", load)
	require.Equal(t, 3, v, "an unused value expires after the TTL")
	c.Purge()
	v, _ = c.Get(ctx, "a", load)
	require.Equal(t, 4, v, "purged entries load again")
}

func TestAPurgeDuringALoadDropsWhatWasLoaded(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.New[string, string](10, time.Hour)
	v, _ := c.Get(ctx, "a", func(context.Context) (string, error) {
		c.Purge() // the data changed while it was being read
		return "before the change", nil
	})
	require.Equal(t, "before the change", v)
	v, _ = c.Get(ctx, "a", func(context.Context) (string, error) { return "after", nil })
	require.Equal(t, "after", v, "the value read before the change was not kept")
}

func TestFailedLoadsAreNotKept(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.New[string, int](10, time.Minute)
	_, err := c.Get(ctx, "a", func(context.Context) (int, error) { return 0, errors.New("down") })
	require.Error(t, err)
	v, err := c.Get(ctx, "a", func(context.Context) (int, error) { return 7, nil })
	require.NoError(t, err)
	require.Equal(t, 7, v)
}

func TestZeroTTLAlwaysLoads(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	c := cache.New[string, int](10, 0)
	loads := 0
	for range 3 {
		_, _ = c.Get(ctx, "a", func(context.Context) (int, error) { loads++; return loads, nil })
	}
	require.Equal(t, 3, loads)
}

func TestInvalidateEmptiesOtherProcessesCaches(t *testing.T) {
	t.Parallel()
	rdb := testkit.Redis(t)
	here, there := cache.NewSet(rdb), cache.NewSet(rdb)
	a := cache.Add(here, cache.New[string, int](10, time.Hour))
	b := cache.Add(there, cache.New[string, int](10, time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go there.Listen(ctx)
	fill := func(c *cache.Cache[string, int]) int {
		v, _ := c.Get(ctx, "k", func(context.Context) (int, error) { return 1, nil })
		return v
	}
	fill(a)
	fill(b)
	time.Sleep(100 * time.Millisecond) // let the subscription start
	require.NoError(t, here.Invalidate(ctx))
	v, _ := a.Get(ctx, "k", func(context.Context) (int, error) { return 2, nil })
	require.Equal(t, 2, v, "the local cache is empty at once")
	require.Eventually(t, func() bool {
		v, _ := b.Get(ctx, "k", func(context.Context) (int, error) { return 3, nil })
		return v == 3
	}, 2*time.Second, 20*time.Millisecond, "the other process's cache is emptied through Redis")
}

func TestOnInvalidateRunsAfterTheCachesAreEmpty(t *testing.T) {
	t.Parallel()
	rdb := testkit.Redis(t)
	here, there := cache.NewSet(rdb), cache.NewSet(rdb)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var seen []int
	var signals atomic.Int64
	c := cache.New[string, int](10, time.Hour)
	// Registered before the cache: it still runs after the cache is empty.
	here.OnInvalidate(func() {
		v, _ := c.Get(ctx, "k", func(context.Context) (int, error) { return 2, nil })
		seen = append(seen, v)
	})
	cache.Add(here, c)
	there.OnInvalidate(func() { signals.Add(1) })
	go there.Listen(ctx)
	_, _ = c.Get(ctx, "k", func(context.Context) (int, error) { return 1, nil })
	time.Sleep(100 * time.Millisecond) // let the subscription start
	require.NoError(t, here.Invalidate(ctx))
	require.Equal(t, []int{2}, seen, "the hook read afresh what the cache held")
	require.Eventually(t, func() bool { return signals.Load() >= 1 }, 2*time.Second, 10*time.Millisecond,
		"another process's hook runs on the signal (tests running beside this one may signal too)")
}
