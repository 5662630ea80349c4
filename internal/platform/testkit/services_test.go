package testkit_test

import (
	"context"
	"testing"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestPrivateServicesStopAndStart: a test's own PostgreSQL and Redis go
// down and come back, with PostgreSQL's data kept.
func TestPrivateServicesStopAndStart(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pg := testkit.StartPostgres(t)
	db, err := postgres.Open(ctx, pg.URL(), postgres.Options{MaxOpenConns: 2, MaxIdleConns: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	_, err = db.ExecContext(ctx, "CREATE TABLE kept (n int); INSERT INTO kept VALUES (42)")
	require.NoError(t, err)
	pg.Stop()
	require.Error(t, db.PingContext(ctx))
	pg.Start()
	var n int
	require.NoError(t, db.NewRaw("SELECT n FROM kept").Scan(ctx, &n))
	require.Equal(t, 42, n)

	r := testkit.StartRedis(t)
	c := redis.NewClient(&redis.Options{Addr: r.URL()[len("redis://") : len(r.URL())-2]})
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Set(ctx, "k", "v", 0).Err())
	r.Stop()
	require.Error(t, c.Ping(ctx).Err())
	r.Start()
	require.NoError(t, c.Ping(ctx).Err())
	require.ErrorIs(t, c.Get(ctx, "k").Err(), redis.Nil, "a restarted Redis keeps nothing")
}
