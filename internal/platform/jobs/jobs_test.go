package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func TestClassifySkipsRetryForInputErrors(t *testing.T) {
	t.Parallel()
	run := func(err error) error {
		h := jobs.Classify(asynq.HandlerFunc(func(context.Context, *asynq.Task) error { return err }))
		return h.ProcessTask(context.Background(), asynq.NewTask("x:y", nil))
	}
	require.NoError(t, run(nil))
	require.ErrorIs(t, run(fmt.Errorf("load: %w", errs.New(errs.NotFound, "gone"))), asynq.SkipRetry)
	require.ErrorIs(t, run(errs.New(errs.Invalid, "bad")), asynq.SkipRetry)
	for _, k := range []errs.Kind{errs.TooLarge, errs.UnsupportedMediaType, errs.Forbidden} {
		require.ErrorIs(t, run(errs.New(k, "no")), asynq.SkipRetry, "what the job runner fails at once is not retried either: %s", k)
	}
	require.NotErrorIs(t, run(errs.New(errs.Unavailable, "later")), asynq.SkipRetry, "unavailable is retried")
	transient := errors.New("connection reset")
	err := run(transient)
	require.ErrorIs(t, err, transient)
	require.NotErrorIs(t, err, asynq.SkipRetry, "transient errors are retried")
}

func TestDecodeSkipsRetryOnBadPayload(t *testing.T) {
	t.Parallel()
	type payload struct {
		N int `json:"n"`
	}
	p, err := jobs.Decode[payload](asynq.NewTask("x:y", []byte(`{"n":3}`)))
	require.NoError(t, err)
	require.Equal(t, 3, p.N)
	_, err = jobs.Decode[payload](asynq.NewTask("x:y", []byte(`{"n":"three"}`)))
	require.ErrorIs(t, err, asynq.SkipRetry)
}

func TestEnqueueWithIDIsIdempotent(t *testing.T) {
	t.Parallel()
	rdb := testkit.Redis(t)
	queue := "test-" + uuid.NewString()
	c := jobs.NewClient(rdb, queue, time.Hour)
	t.Cleanup(func() { _ = c.Close() })
	ctx := context.Background()
	typ, id := "test:"+uuid.NewString(), uuid.NewString()

	require.NoError(t, c.Enqueue(ctx, typ, map[string]int{"n": 1}, id))
	require.NoError(t, c.Enqueue(ctx, typ, map[string]int{"n": 1}, id), "a duplicate is a no-op, not an error")

	insp := asynq.NewInspectorFromRedisClient(rdb)
	info, err := insp.GetTaskInfo(queue, typ+":"+id)
	require.NoError(t, err)
	require.Equal(t, typ, info.Type)
	require.JSONEq(t, `{"n":1}`, string(info.Payload))
	require.Equal(t, queue, info.Queue, "the task is in the installation's queue")
	require.NoError(t, insp.DeleteTask(queue, typ+":"+id))
}

func TestHeartbeat(t *testing.T) {
	t.Parallel()
	// The heartbeat key is shared by every worker, so this test empties it
	// on a Redis database of its own, where no other test beats.
	rdb := testkit.RedisDB(t, 3)
	ctx := context.Background()
	require.NoError(t, rdb.Del(ctx, jobs.HeartbeatKey).Err())
	now := time.Now()

	n, err := jobs.LiveWorkers(ctx, rdb, now)
	require.NoError(t, err)
	require.Zero(t, n)

	require.NoError(t, jobs.Beat(ctx, rdb, "w1", now.Add(-time.Minute)))
	n, err = jobs.LiveWorkers(ctx, rdb, now)
	require.NoError(t, err)
	require.Zero(t, n, "a beat older than the TTL does not count")

	require.NoError(t, jobs.Beat(ctx, rdb, "w2", now))
	n, err = jobs.LiveWorkers(ctx, rdb, now)
	require.NoError(t, err)
	require.EqualValues(t, 1, n)

	runCtx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { jobs.RunHeartbeat(runCtx, rdb, "w3", func(err error) { t.Error(err) }); close(done) }()
	require.Eventually(t, func() bool {
		score, err := rdb.ZScore(ctx, jobs.HeartbeatKey, "w3").Result()
		return err == nil && score > 0
	}, 5*time.Second, 20*time.Millisecond)
	stop()
	<-done
	require.Error(t, rdb.ZScore(ctx, jobs.HeartbeatKey, "w3").Err(), "a stopped worker removes itself")
	require.NoError(t, rdb.Del(ctx, jobs.HeartbeatKey).Err())
}
