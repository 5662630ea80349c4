// Package ratelimit limits authenticated requests per API key, per user and
// per tenant with go-redis/redis_rate (GCRA in Redis), so every API replica
// shares the same budget, and counts failed attempts (Failures) so that
// guessing a secret is throttled. When Redis is down requests pass and the
// outage is logged: limits degrade, the API does not fail.
package ratelimit

import (
	"context"
	"errors"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-redis/redis_rate/v10"
	"github.com/labstack/echo/v5"
	"github.com/redis/go-redis/v9"

	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
)

// Limits are requests per minute; zero turns a limit off.
type Limits struct {
	PerKey    int
	PerUser   int
	PerTenant int
}

// Limiter checks and counts requests.
type Limiter struct {
	l      *redis_rate.Limiter
	rdb    redis.UniversalClient
	limits Limits
	log    *slog.Logger
	// lastWarn rate-limits the "limits are off" warning to one a minute.
	lastWarn atomic.Int64
}

// New returns a Limiter on the shared Redis client.
func New(rdb redis.UniversalClient, limits Limits, log *slog.Logger) *Limiter {
	return &Limiter{l: redis_rate.NewLimiter(rdb), rdb: rdb, limits: limits, log: log}
}

type bucket struct {
	key   string
	limit int
}

// buckets are the budgets a request draws from: its key or its user, and
// its tenant. Keys follow "<module>:<tenant>:<what>".
func (l *Limiter) buckets(p auth.Principal) []bucket {
	prefix := "ratelimit:" + p.Tenant.String() + ":"
	var bs []bucket
	if p.ViaAPIKey() {
		bs = append(bs, bucket{prefix + "key:" + p.APIKeyID.String(), l.limits.PerKey})
	} else {
		bs = append(bs, bucket{prefix + "user:" + p.UserID.String(), l.limits.PerUser})
	}
	return append(bs, bucket{prefix + "tenant", l.limits.PerTenant})
}

// Middleware must run after auth.Middleware. It sets RateLimit-Limit,
// RateLimit-Remaining and RateLimit-Reset for the tightest budget, and
// answers 429 with Retry-After when one is spent. The budgets are asked
// at the same time: one Redis round trip of waiting, not one each.
func (l *Limiter) Middleware(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c *echo.Context) error {
		ctx := c.Request().Context()
		var bs []bucket
		for _, b := range l.buckets(auth.MustFrom(ctx)) {
			if b.limit > 0 {
				bs = append(bs, b)
			}
		}
		results := make([]*redis_rate.Result, len(bs))
		failures := make([]error, len(bs))
		var wg sync.WaitGroup
		for i, b := range bs {
			wg.Go(func() { results[i], failures[i] = l.l.Allow(ctx, b.key, redis_rate.PerMinute(b.limit)) })
		}
		wg.Wait()
		return l.decide(c, next, bs, results, failures)
	}
}

// decide answers 429 for the first spent budget, else passes the request
// on with the tightest budget's headers. An unreachable Redis lets it pass.
func (l *Limiter) decide(c *echo.Context, next echo.HandlerFunc, bs []bucket, results []*redis_rate.Result, failures []error) error {
	var tightest *redis_rate.Result
	var tightLimit int
	for i, res := range results {
		if failures[i] != nil {
			l.warn(c.Request().Context(), failures[i])
			return next(c)
		}
		if res.Allowed == 0 {
			setHeaders(c, bs[i].limit, res)
			return &errs.Error{Kind: errs.RateLimited, Msg: "rate limit exceeded; slow down and retry later", RetryAfter: max(res.RetryAfter, time.Second)}
		}
		if tightest == nil || res.Remaining < tightest.Remaining {
			tightest, tightLimit = res, bs[i].limit
		}
	}
	if tightest != nil {
		setHeaders(c, tightLimit, tightest)
	}
	return next(c)
}

// Allow takes one request from the bucket key, which refills at perMinute,
// and returns how long to wait when it is spent (0 when allowed). Other
// modules use it for budgets of their own, such as questions per minute.
func (l *Limiter) Allow(ctx context.Context, key string, perMinute int) (time.Duration, error) {
	res, err := l.l.Allow(ctx, "ratelimit:"+key, redis_rate.PerMinute(perMinute))
	if err != nil {
		return 0, err
	}
	if res.Allowed == 0 {
		return max(res.RetryAfter, time.Millisecond), nil
	}
	return 0, nil
}

func setHeaders(c *echo.Context, limit int, res *redis_rate.Result) {
	h := c.Response().Header()
	h.Set("RateLimit-Limit", strconv.Itoa(limit))
	h.Set("RateLimit-Remaining", strconv.Itoa(res.Remaining))
	h.Set("RateLimit-Reset", strconv.Itoa(int(math.Ceil(res.ResetAfter.Seconds()))))
}

func (l *Limiter) warn(ctx context.Context, err error) {
	now := time.Now().Unix()
	if last := l.lastWarn.Load(); now-last < 60 || !l.lastWarn.CompareAndSwap(last, now) {
		return
	}
	l.log.WarnContext(ctx, "rate limits are off: Redis unavailable; requests pass unlimited", "err", err)
}

// Failures throttles failed attempts per subject (such as a client
// address): after Limit failures within Window of the first, the subject is
// refused until that window ends, whatever it sends. A fixed window, not a
// refilling bucket, so a throttled guesser cannot slip one try in every few
// seconds. Every replica shares the counts.
type Failures struct {
	l      *Limiter
	name   string
	limit  int64
	window time.Duration
}

// Failures returns the failure throttle called name (it names the Redis
// keys "ratelimit:<name>:<subject>"): limit failures per window. A limit of
// 0 turns it off.
func (l *Limiter) Failures(name string, limit int, window time.Duration) *Failures {
	return &Failures{l: l, name: name, limit: int64(limit), window: window}
}

func (f *Failures) key(subject string) string { return "ratelimit:" + f.name + ":" + subject }

// Blocked returns how long subject stays refused (0: it may try). An
// unreachable Redis is returned as an error, and the caller lets the
// attempt through.
func (f *Failures) Blocked(ctx context.Context, subject string) (time.Duration, error) {
	if f.limit <= 0 {
		return 0, nil
	}
	k := f.key(subject)
	n, err := f.l.rdb.Get(ctx, k).Int64()
	if errors.Is(err, redis.Nil) || (err == nil && n < f.limit) {
		return 0, nil
	}
	if err != nil {
		f.l.warn(ctx, err)
		return 0, err
	}
	ttl, err := f.l.rdb.PTTL(ctx, k).Result()
	if err != nil {
		f.l.warn(ctx, err)
		return 0, err
	}
	return max(ttl, time.Second), nil
}

// Fail counts one failure of subject (the window starts at the first) and
// returns the failures counted in the window so far, this one included,
// and how long subject is now refused (0: not yet).
func (f *Failures) Fail(ctx context.Context, subject string) (int, time.Duration, error) {
	if f.limit <= 0 {
		return 0, 0, nil
	}
	k := f.key(subject)
	var incr *redis.IntCmd
	var ttl *redis.DurationCmd
	_, err := f.l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		incr = p.Incr(ctx, k)
		p.ExpireNX(ctx, k, f.window)
		ttl = p.PTTL(ctx, k)
		return nil
	})
	if err != nil {
		f.l.warn(ctx, err)
		return 0, 0, err
	}
	n := incr.Val()
	if n < f.limit {
		return int(n), 0, nil
	}
	return int(n), max(ttl.Val(), time.Second), nil
}
