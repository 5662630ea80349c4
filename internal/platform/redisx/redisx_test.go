package redisx_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/redisx"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func TestOpen(t *testing.T) {
	t.Parallel()
	c, err := redisx.Open(context.Background(), testkit.RedisURL(t))
	require.NoError(t, err)
	require.NoError(t, c.Close())

	_, err = redisx.Open(context.Background(), "redis://127.0.0.1:1/0")
	require.ErrorContains(t, err, "connect to Redis at 127.0.0.1:1")
	_, err = redisx.Open(context.Background(), "http://nope")
	require.ErrorContains(t, err, "parse REDIS_URL")
}
