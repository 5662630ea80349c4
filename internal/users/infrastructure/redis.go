package infrastructure

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"
)

// Throttle counts failed sign-ins per account and per IP in Redis, and
// keeps revoked access token ids until they would have expired. When Redis
// is down it allows and logs: sign-in keeps working without its limits.
type Throttle struct {
	rdb        redis.UniversalClient
	log        *slog.Logger
	perAccount int64
	perIP      int64
	window     time.Duration
}

// NewThrottle returns a Throttle allowing perAccount and perIP failures
// within window.
func NewThrottle(rdb redis.UniversalClient, log *slog.Logger, perAccount, perIP int, window time.Duration) *Throttle {
	return &Throttle{rdb: rdb, log: log, perAccount: int64(perAccount), perIP: int64(perIP), window: window}
}

// Keys are "users:<what>:<hash>" so no e-mail address sits in Redis.
func key(kind, v string) string {
	h := sha256.Sum256([]byte(v))
	return "users:" + kind + ":" + hex.EncodeToString(h[:16])
}

// CheckLogin returns how long the account or the IP is blocked.
func (t *Throttle) CheckLogin(ctx context.Context, account, ip string) time.Duration {
	var wait time.Duration
	for _, c := range []struct {
		key   string
		limit int64
	}{{key("login-account", account), t.perAccount}, {key("login-ip", ip), t.perIP}} {
		n, err := t.rdb.Get(ctx, c.key).Int64()
		if err == redis.Nil {
			continue
		}
		if err != nil {
			t.log.WarnContext(ctx, "sign-in throttling off: Redis unavailable", "err", err)
			return 0
		}
		if n >= c.limit {
			if ttl, err := t.rdb.PTTL(ctx, c.key).Result(); err == nil && ttl > wait {
				wait = ttl
			}
		}
	}
	return wait
}

// LoginFailed counts a failure against the account and the IP; the window
// starts at the first failure.
func (t *Throttle) LoginFailed(ctx context.Context, account, ip string) {
	for _, k := range []string{key("login-account", account), key("login-ip", ip)} {
		_, err := t.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Incr(ctx, k)
			p.ExpireNX(ctx, k, t.window)
			return nil
		})
		if err != nil {
			t.log.WarnContext(ctx, "sign-in failure not counted: Redis unavailable", "err", err)
			return
		}
	}
}

// LoginSucceeded clears the account's failures.
func (t *Throttle) LoginSucceeded(ctx context.Context, account string) {
	if err := t.rdb.Del(ctx, key("login-account", account)).Err(); err != nil {
		t.log.WarnContext(ctx, "sign-in counter not cleared: Redis unavailable", "err", err)
	}
}

// RevokeAccessToken remembers a token id until the token would expire.
func (t *Throttle) RevokeAccessToken(ctx context.Context, tokenID string, until time.Time) {
	ttl := time.Until(until)
	if ttl <= 0 {
		return
	}
	if err := t.rdb.Set(ctx, "users:revoked:"+tokenID, 1, ttl).Err(); err != nil {
		t.log.WarnContext(ctx, "access token not revoked: Redis unavailable; it stays valid until it expires", "err", err)
	}
}

// AccessTokenRevoked reports whether any of the ids was revoked.
func (t *Throttle) AccessTokenRevoked(ctx context.Context, ids ...string) bool {
	keys := make([]string, 0, len(ids))
	for _, id := range ids {
		if id != "" {
			keys = append(keys, "users:revoked:"+id)
		}
	}
	if len(keys) == 0 {
		return false
	}
	n, err := t.rdb.Exists(ctx, keys...).Result()
	if err != nil {
		t.log.WarnContext(ctx, "revocation check skipped: Redis unavailable", "err", err)
		return false
	}
	return n > 0
}
