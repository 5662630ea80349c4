package api_test

import (
	"context"
	"testing"
	"time"

	"github.com/hibiken/asynq"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/jobs/domain"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// abandon makes a job look like its worker died mid-way, attempts times.
func (w *world) abandon(t *testing.T, j domain.Job, attempts int) {
	t.Helper()
	_, err := w.e.App.DB.NewUpdate().Table("jobs").Set("status = 'in_progress'").Set("attempts = ?", attempts).
		Set("heartbeat_at = now() - interval '1 hour'").Where("id = ?", j.ID).Exec(context.Background())
	require.NoError(t, err)
}

func TestRecoverRequeuesJobsOfDeadWorkers(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ups := w.updates(t)
	dead, hopeless := w.job(t), w.job(t)
	w.abandon(t, dead, 1)
	w.abandon(t, hopeless, domain.MaxAttempts)

	n, err := w.svc.Recover(context.Background())
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 2)
	got := w.get(t, dead.ID)
	require.Equal(t, "queued", got.Status)
	require.Equal(t, "the worker stopped; queued again", got.Message)
	got = w.get(t, hopeless.ID)
	require.Equal(t, "failed", got.Status)
	require.Contains(t, got.Message, "the worker stopped while working on it, 5 times")
	seen := map[string]string{}
	for range 2 {
		u := next(t, ups)
		seen[u.ID] = u.Status
	}
	require.Equal(t, map[string]string{dead.ID.String(): "queued", hopeless.ID.String(): "failed"}, seen)

	insp := asynq.NewInspectorFromRedisClient(testkit.Redis(t))
	info, err := insp.GetTaskInfo(w.e.App.Config.JobQueue, "test:work:"+dead.ID.String()+":1")
	require.NoError(t, err, "the requeued job's task is in the queue")
	require.JSONEq(t, `{"n":1}`, string(info.Payload))

	// The next worker takes it over and finishes it.
	require.NoError(t, w.svc.Run(context.Background(), w.tenant, dead.ID, func(context.Context, func(int, string) error) (string, error) { return "", nil }))
	require.Equal(t, "complete", w.get(t, dead.ID).Status)
	require.Equal(t, 2, attempts(t, w, dead))
}

func TestAFreshRunIsNotTakenOver(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	j := w.job(t)
	release := make(chan struct{})
	go func() {
		_ = w.svc.Run(context.Background(), w.tenant, j.ID, func(context.Context, func(int, string) error) (string, error) {
			<-release
			return "", nil
		})
	}()
	require.Eventually(t, func() bool { return w.get(t, j.ID).Status == "in_progress" }, 5*time.Second, 10*time.Millisecond)
	ran := false
	require.NoError(t, w.svc.Run(context.Background(), w.tenant, j.ID, func(context.Context, func(int, string) error) (string, error) {
		ran = true
		return "", nil
	}))
	require.False(t, ran, "a duplicate delivery of a running job's task does nothing")
	close(release)
	require.Eventually(t, func() bool { return w.get(t, j.ID).Status == "complete" }, 5*time.Second, 10*time.Millisecond)
}

func attempts(t *testing.T, w *world, j domain.Job) int {
	t.Helper()
	var n int
	require.NoError(t, w.e.App.DB.NewSelect().Table("jobs").Column("attempts").Where("id = ?", j.ID).Scan(context.Background(), &n))
	return n
}
