package ratelimit_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/ratelimit"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func TestFailuresCloseASubjectForTheRestOfTheWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	l := ratelimit.New(testkit.Redis(t), ratelimit.Limits{}, testkit.Logger(nil))
	f := l.Failures("test:"+uuid.NewString(), 3, time.Second)
	for i := 1; i <= 2; i++ {
		n, wait, err := f.Fail(ctx, "198.51.100.1")
		require.NoError(t, err)
		require.Equal(t, i, n)
		require.Zero(t, wait)
		wait, err = f.Blocked(ctx, "198.51.100.1")
		require.NoError(t, err)
		require.Zero(t, wait, "below the limit")
	}
	n, wait, err := f.Fail(ctx, "198.51.100.1")
	require.NoError(t, err)
	require.Equal(t, 3, n)
	require.Positive(t, wait, "the third failure closes it")
	wait, err = f.Blocked(ctx, "198.51.100.1")
	require.NoError(t, err)
	require.True(t, wait > 0 && wait <= time.Second, "closed until the window ends: %s", wait)
	wait, err = f.Blocked(ctx, "198.51.100.2")
	require.NoError(t, err)
	require.Zero(t, wait, "another subject is not")

	require.Eventually(t, func() bool {
		wait, err := f.Blocked(ctx, "198.51.100.1")
		return err == nil && wait == 0
	}, 3*time.Second, 50*time.Millisecond, "open again after the window")

	off := l.Failures("test:"+uuid.NewString(), 0, time.Second)
	for range 5 {
		_, _, err := off.Fail(ctx, "198.51.100.1")
		require.NoError(t, err)
	}
	wait, err = off.Blocked(ctx, "198.51.100.1")
	require.NoError(t, err)
	require.Zero(t, wait, "a limit of 0 is off")
}
