package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/jobs/api"
	"github.com/agora-platform/agora/internal/jobs/application"
	"github.com/agora-platform/agora/internal/jobs/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	usersdomain "github.com/agora-platform/agora/internal/users/domain"
)

type world struct {
	e      *apptest.Env
	tenant tenancy.ID
	token  string
	user   uuid.UUID
	svc    *application.Service
}

func newWorld(t *testing.T) *world {
	t.Helper()
	e := apptest.New(t)
	w := &world{e: e, tenant: e.Tenant(t), svc: e.App.JobRows.Service}
	w.token, w.user = e.Token(t, w.tenant, usersdomain.RoleUser)
	return w
}

func (w *world) job(t *testing.T) domain.Job {
	t.Helper()
	j, err := w.svc.Create(context.Background(), application.NewJob{Tenant: w.tenant, User: w.user, Task: "test:work", Name: "doc.pdf",
		Payload: []byte(`{"n":1}`)})
	require.NoError(t, err)
	return j
}

func (w *world) get(t *testing.T, id uuid.UUID) api.JobResponse {
	t.Helper()
	rec := w.e.Do(http.MethodGet, "/api/v1/jobs/"+id.String()+"/", "", w.token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return testkit.JSON[api.JobResponse](t, rec)
}

// updates collects what is published to the user's job_updates channel.
func (w *world) updates(t *testing.T) <-chan api.JobResponse {
	t.Helper()
	sub := w.e.App.Redis.Subscribe(context.Background(), "job_updates:"+w.user.String())
	_, err := sub.Receive(context.Background())
	require.NoError(t, err)
	t.Cleanup(func() { sub.Close() })
	out := make(chan api.JobResponse, 100)
	go func() {
		for m := range sub.Channel() {
			var msg struct {
				Type string
				Data api.JobResponse
			}
			if json.Unmarshal([]byte(m.Payload), &msg) == nil && msg.Type == "job_updates" {
				out <- msg.Data
			}
		}
	}()
	return out
}

func next(t *testing.T, ch <-chan api.JobResponse) api.JobResponse {
	t.Helper()
	select {
	case u := <-ch:
		return u
	case <-time.After(5 * time.Second):
		t.Fatal("no job update within 5 s")
		return api.JobResponse{}
	}
}

func TestRunReportsProgressAndCompletes(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	ups := w.updates(t)
	j := w.job(t)
	require.Equal(t, "queued", w.get(t, j.ID).Status)

	err := w.svc.Run(context.Background(), w.tenant, j.ID, func(ctx context.Context, report func(int, string) error) (string, error) {
		require.NoError(t, report(40, "read the text"))
		require.NoError(t, report(80, "embedded"))
		return "/api/v1/info-blobs/x/", nil
	})
	require.NoError(t, err)
	var seen []string
	for range 4 {
		u := next(t, ups)
		seen = append(seen, u.Status+":"+u.Message)
	}
	require.Equal(t, []string{"in_progress:", "in_progress:read the text", "in_progress:embedded", "complete:embedded"}, seen)
	got := w.get(t, j.ID)
	require.Equal(t, "complete", got.Status)
	require.Equal(t, 100, got.Progress)
	require.Equal(t, "/api/v1/info-blobs/x/", got.ResultLocation)
	require.NotNil(t, got.StartedAt)
	require.NotNil(t, got.FinishedAt)
	list := testkit.JSON[api.JobList](t, w.e.Do(http.MethodGet, "/api/v1/jobs/", "", w.token))
	require.Equal(t, 1, list.Count)

	require.NoError(t, w.svc.Run(context.Background(), w.tenant, j.ID, func(context.Context, func(int, string) error) (string, error) {
		t.Fatal("a finished job does not run again")
		return "", nil
	}))
}

func TestFailuresPermanentAndTransient(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	bad := w.job(t)
	err := w.svc.Run(context.Background(), w.tenant, bad.ID, func(context.Context, func(int, string) error) (string, error) {
		return "", errs.New(errs.UnsupportedMediaType, "the PDF is encrypted; remove the password and upload it again")
	})
	require.NoError(t, err, "a permanent failure ends the job, nothing to retry")
	got := w.get(t, bad.ID)
	require.Equal(t, "failed", got.Status)
	require.Equal(t, "the PDF is encrypted; remove the password and upload it again", got.Message)

	flaky := w.job(t)
	boom := errors.New("embedding provider unavailable")
	for attempt := 1; attempt < domain.MaxAttempts; attempt++ {
		err = w.svc.Run(context.Background(), w.tenant, flaky.ID, func(context.Context, func(int, string) error) (string, error) { return "", boom })
		require.ErrorIs(t, err, boom, "attempt %d asks the queue to retry", attempt)
		got = w.get(t, flaky.ID)
		require.Equal(t, "queued", got.Status)
		require.Contains(t, got.Message, "will try again")
	}
	err = w.svc.Run(context.Background(), w.tenant, flaky.ID, func(context.Context, func(int, string) error) (string, error) { return "", boom })
	require.NoError(t, err)
	got = w.get(t, flaky.ID)
	require.Equal(t, "failed", got.Status)
	require.Contains(t, got.Message, "failed 5 times")
}

func TestCancelStopsARunningJob(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	j := w.job(t)
	started := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- w.svc.Run(context.Background(), w.tenant, j.ID, func(ctx context.Context, report func(int, string) error) (string, error) {
			close(started)
			for i := 0; ; i++ {
				if err := report(i%100, "working"); err != nil {
					return "", err
				}
				select {
				case <-ctx.Done():
					return "", ctx.Err()
				case <-time.After(10 * time.Millisecond):
				}
			}
		})
	}()
	<-started
	rec := w.e.Do(http.MethodPost, "/api/v1/jobs/"+j.ID.String()+"/cancel/", "", w.token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("the work did not stop")
	}
	require.Equal(t, "cancelled", w.get(t, j.ID).Status)
	require.Equal(t, http.StatusConflict, w.e.Do(http.MethodPost, "/api/v1/jobs/"+j.ID.String()+"/cancel/", "", w.token).Code)

	other, _ := w.e.Token(t, w.tenant, usersdomain.RoleUser)
	require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodGet, "/api/v1/jobs/"+j.ID.String()+"/", "", other).Code)
	require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodPost, "/api/v1/jobs/"+j.ID.String()+"/cancel/", "", other).Code)

	queued := w.job(t)
	require.Equal(t, http.StatusOK, w.e.Do(http.MethodPost, "/api/v1/jobs/"+queued.ID.String()+"/cancel/", "", w.token).Code)
	require.NoError(t, w.svc.Run(context.Background(), w.tenant, queued.ID, func(context.Context, func(int, string) error) (string, error) {
		t.Fatal("a cancelled job never starts")
		return "", nil
	}))
}

// TestWorkersClaimJobsFairly: the next job claimed is the oldest of the
// tenant running fewest jobs; a tenant at its share (JOBS_PER_TENANT)
// gets another only when nobody else waits; a job queued again after a
// passing failure waits out its back-off; a claimed job is not started
// twice.
func TestWorkersClaimJobsFairly(t *testing.T) {
	t.Parallel()
	a, b := newWorld(t), newWorld(t)
	cfg := a.e.App.Config
	cfg.JobsPerTenant = 1
	svc := apptest.With(t, cfg).App.JobRows.Service
	task := "test:claim:" + uuid.NewString()[:8] // other tests' jobs are not claimed here
	create := func(w *world) domain.Job {
		j, err := svc.Create(context.Background(), application.NewJob{Tenant: w.tenant, User: w.user, Task: task, Name: "doc.txt"})
		require.NoError(t, err)
		return j
	}
	a1, a2, a3 := create(a), create(a), create(a)
	b1 := create(b)
	claim := func() domain.Job {
		t.Helper()
		j, ok, err := svc.Claim(context.Background(), []string{task})
		require.NoError(t, err)
		require.True(t, ok)
		require.Equal(t, "in_progress", string(j.Status))
		return j
	}
	first := claim()
	require.Equal(t, a1.ID, first.ID, "the oldest job first")
	require.Equal(t, b1.ID, claim().ID, "then the tenant that runs none, though its job is younger")
	require.Equal(t, a2.ID, claim().ID, "a tenant over its share when nobody else waits: no worker idles")
	_, ok, err := svc.Claim(context.Background(), []string{"test:none:" + uuid.NewString()})
	require.NoError(t, err)
	require.False(t, ok, "nothing of a task nobody queued")

	ran := 0
	err = svc.Run(application.Claimed(context.Background(), first), a.tenant, a1.ID,
		func(context.Context, func(int, string) error) (string, error) {
			ran++
			return "", errors.New("the model is unavailable right now")
		})
	require.Error(t, err, "a passing failure")
	require.Equal(t, 1, ran, "a claimed job runs without being started again")
	require.Equal(t, "queued", a.get(t, a1.ID).Status)
	require.Equal(t, a3.ID, claim().ID, "the job queued again waits out its back-off")
	require.Eventually(t, func() bool {
		j, ok, err := svc.Claim(context.Background(), []string{task})
		return err == nil && ok && j.ID == a1.ID
	}, 10*time.Second, 100*time.Millisecond, "and is claimed after it")
}

// TestADeadlineEndsAJobForGood: work that runs out of its deadline fails
// with that reason, once; work that ignores its context is reported by
// readiness while it runs past the deadline.
func TestADeadlineEndsAJobForGood(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	cfg := w.e.App.Config
	cfg.JobTimeout = 300 * time.Millisecond
	env := apptest.With(t, cfg)
	svc := env.App.JobRows.Service

	slow := w.job(t)
	err := svc.Run(context.Background(), w.tenant, slow.ID, func(ctx context.Context, _ func(int, string) error) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	require.NoError(t, err, "nothing for the queue to retry")
	got := w.get(t, slow.ID)
	require.Equal(t, "failed", got.Status)
	require.Equal(t, "it did not finish within 300ms, the most a job may take", got.Message)

	stubborn := w.job(t)
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- svc.Run(context.Background(), w.tenant, stubborn.ID, func(context.Context, func(int, string) error) (string, error) {
			<-release // ignores its context
			return "", nil
		})
	}()
	require.Eventually(t, func() bool {
		rec := testkit.Do(env.H, http.MethodGet, "/api/readyz", "")
		var body struct{ Checks map[string]string }
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
		return strings.Contains(body.Checks["jobs"], "running past their deadline of 300ms")
	}, 10*time.Second, 50*time.Millisecond, "readiness reports the job running past its deadline")
	close(release)
	require.NoError(t, <-done)
}
