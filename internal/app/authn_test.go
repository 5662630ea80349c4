package app

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/cache"
)

type countingAuthn struct {
	calls   int
	expires time.Time
}

func (c *countingAuthn) AuthenticateToken(context.Context, string) (auth.Principal, error) {
	c.calls++
	return auth.Principal{UserID: uuid.New(), Expires: c.expires}, nil
}

func (c *countingAuthn) AuthenticateAPIKey(ctx context.Context, k string) (auth.Principal, error) {
	return c.AuthenticateToken(ctx, k)
}

// TestCachedPrincipalNeverOutlivesItsCredential: a token that expires
// within the cache's TTL is checked again once it has expired.
func TestCachedPrincipalNeverOutlivesItsCredential(t *testing.T) {
	t.Parallel()
	now := time.Now()
	next := &countingAuthn{expires: now.Add(time.Minute)}
	a := newCachedAuthn(next, cache.NewSet(redis.NewClient(&redis.Options{})), time.Hour)
	a.now = func() time.Time { return now }
	ctx := context.Background()
	first, _ := a.AuthenticateToken(ctx, "t")
	second, _ := a.AuthenticateToken(ctx, "t")
	require.Equal(t, first.UserID, second.UserID)
	require.Equal(t, 1, next.calls, "the second request is served from the cache")
	_, _ = a.AuthenticateAPIKey(ctx, "t")
	require.Equal(t, 2, next.calls, "keys and tokens are cached apart")

	now = now.Add(2 * time.Minute)
	_, _ = a.AuthenticateToken(ctx, "t")
	require.Equal(t, 3, next.calls, "past the token's expiry the authenticator decides again")
}
