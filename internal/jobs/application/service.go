// Package application holds the jobs use cases: creating and dispatching
// jobs, running them in the worker with heartbeats and progress, cancelling
// them, listing them, and recovering the ones a dead worker left.
package application

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/jobs/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Repo stores jobs.
type Repo interface {
	Insert(ctx context.Context, j domain.Job) error
	Get(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Job, error)
	// List returns a user's jobs, newest first.
	List(ctx context.Context, tenant tenancy.ID, user uuid.UUID, limit int) ([]domain.Job, error)
	// Start moves a queued job, or a running one whose heartbeat is older
	// than staleBefore, to in progress, counts the attempt and beats. When
	// it does not (the job is final, or another worker runs it), it returns
	// the job as it is and false.
	Start(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at, staleBefore time.Time) (domain.Job, bool, error)
	// Beat records progress and a heartbeat of a running job and returns
	// the job's status (a cancelled job says so).
	Beat(ctx context.Context, tenant tenancy.ID, id uuid.UUID, progress int, message string, at time.Time) (domain.Status, error)
	// Finish moves a job that is not final to status; false when it was
	// final already.
	Finish(ctx context.Context, tenant tenancy.ID, id uuid.UUID, status domain.Status, message, result string, at time.Time) (domain.Job, bool, error)
	// Requeue moves a running job back to queued, to be claimed from
	// runAfter.
	Requeue(ctx context.Context, tenant tenancy.ID, id uuid.UUID, message string, at, runAfter time.Time) (domain.Job, error)
	// Claim takes the next queued job of one of tasks, fairly between
	// tenants (see Options.PerTenant), and moves it to in progress; false
	// when none waits.
	Claim(ctx context.Context, queue string, tasks []string, perTenant int, at, staleBefore time.Time) (domain.Job, bool, error)
	// Overdue counts running jobs of every tenant whose attempt began
	// before startedBefore, and tells when the oldest began.
	Overdue(ctx context.Context, startedBefore time.Time) (int, time.Time, error)
	// Stale returns the queue's running jobs whose heartbeat is older
	// than beatBefore and queued jobs created before queuedBefore.
	Stale(ctx context.Context, queue string, beatBefore, queuedBefore time.Time, limit int) ([]domain.Job, error)
}

// Publisher tells a user's live connections about a job.
type Publisher interface {
	Publish(ctx context.Context, j domain.Job) error
}

// Queue wakes a worker for a job, now or after a delay; waking it twice
// for one attempt is harmless. The worker claims whichever job is next
// (Claim), not necessarily this one.
type Queue interface {
	Enqueue(ctx context.Context, j domain.Job) error
	EnqueueIn(ctx context.Context, j domain.Job, delay time.Duration) error
}

// Options tune the running of jobs.
type Options struct {
	// Queue names this installation's jobs (JOB_QUEUE).
	Queue string
	// PerTenant is a tenant's share of the running jobs: a tenant running
	// as many takes another only when no other tenant's job waits, so one
	// tenant's bulk upload never holds up another's and never leaves a
	// worker idle (0: tenants take turns by how many jobs they run).
	PerTenant int
	// Heartbeat is how often a running job beats; a job silent for
	// StaleAfter is taken to be abandoned by its worker.
	Heartbeat  time.Duration
	StaleAfter time.Duration
	// Deadline bounds one attempt of a job's work: past it, the work's
	// context ends and the job fails for good.
	Deadline time.Duration
}

// Service runs the jobs use cases.
type Service struct {
	repo  Repo
	pub   Publisher
	queue Queue
	opts  Options
	log   *slog.Logger
	now   func() time.Time
}

// NewService returns a Service.
func NewService(repo Repo, pub Publisher, queue Queue, opts Options, log *slog.Logger) *Service {
	if opts.Heartbeat == 0 {
		opts.Heartbeat = 5 * time.Second
	}
	if opts.StaleAfter == 0 {
		opts.StaleAfter = 12 * opts.Heartbeat
	}
	if opts.Deadline == 0 {
		opts.Deadline = 30 * time.Minute
	}
	return &Service{repo: repo, pub: pub, queue: queue, opts: opts, log: log,
		now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// StaleAfter is how long a running job may be silent before it counts as
// abandoned by its worker.
func (s *Service) StaleAfter() time.Duration { return s.opts.StaleAfter }

// NewJob describes a job to create.
type NewJob struct {
	Tenant  tenancy.ID
	User    uuid.UUID
	Task    string
	Name    string
	Payload []byte
	// ID may be chosen by the caller (to name the job in its payload).
	ID uuid.UUID
}

// Create stores a queued job, inside the caller's transaction if there is
// one. Dispatch it after the commit.
func (s *Service) Create(ctx context.Context, in NewJob) (domain.Job, error) {
	id := in.ID
	if id == uuid.Nil {
		id = uuid.Must(uuid.NewV7())
	}
	now := s.now()
	j := domain.Job{ID: id, Tenant: in.Tenant, User: in.User, Task: in.Task, Name: in.Name, Status: domain.Queued,
		Payload: in.Payload, Queue: s.opts.Queue, CreatedAt: now, UpdatedAt: now}
	if err := s.repo.Insert(ctx, j); err != nil {
		return domain.Job{}, fmt.Errorf("create job: %w", err)
	}
	return j, nil
}

// Dispatch queues a created job's task and tells the user. A failed
// enqueue is not lost: the recovery sweep queues jobs left waiting.
func (s *Service) Dispatch(ctx context.Context, j domain.Job) {
	if err := s.queue.Enqueue(ctx, j); err != nil {
		s.log.WarnContext(ctx, "job not queued yet; the recovery sweep will queue it", "job_id", j.ID, "err", err)
	}
	s.publish(ctx, j)
}

// DispatchID dispatches a created job by id.
func (s *Service) DispatchID(ctx context.Context, tenant tenancy.ID, id uuid.UUID) {
	j, err := s.repo.Get(ctx, tenant, id)
	if err != nil {
		s.log.WarnContext(ctx, "job not dispatched; the recovery sweep will queue it", "job_id", id, "err", err)
		return
	}
	s.Dispatch(ctx, j)
}

// Status tells how a job stands.
func (s *Service) Status(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Status, error) {
	j, err := s.repo.Get(ctx, tenant, id)
	return j.Status, err
}

// Complete ends a job at once, for work that needed no worker.
func (s *Service) Complete(ctx context.Context, tenant tenancy.ID, id uuid.UUID, message, result string) (domain.Job, error) {
	j, _, err := s.repo.Finish(ctx, tenant, id, domain.Complete, message, result, s.now())
	if err != nil {
		return domain.Job{}, fmt.Errorf("complete job %s: %w", id, err)
	}
	s.publish(ctx, j)
	return j, nil
}

func (s *Service) publish(ctx context.Context, j domain.Job) {
	if err := s.pub.Publish(context.WithoutCancel(ctx), j); err != nil {
		s.log.WarnContext(ctx, "job update not published; clients read it from /jobs/", "job_id", j.ID, "err", err)
	}
}

// Get returns one of the user's jobs.
func (s *Service) Get(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (domain.Job, error) {
	j, err := s.repo.Get(ctx, tenant, id)
	if err != nil {
		return domain.Job{}, err
	}
	if j.User != user {
		return domain.Job{}, domain.ErrNotFound
	}
	return j, nil
}

// List limits.
const (
	DefaultListSize = 50
	MaxListSize     = 200
)

// List returns the user's jobs, newest first.
func (s *Service) List(ctx context.Context, tenant tenancy.ID, user uuid.UUID, limit int) ([]domain.Job, error) {
	if limit == 0 {
		limit = DefaultListSize
	}
	if limit < 1 || limit > MaxListSize {
		return nil, errs.Newf(errs.Invalid, "limit must be between 1 and %d", MaxListSize)
	}
	return s.repo.List(ctx, tenant, user, limit)
}

// Cancel stops one of the user's jobs: a queued one never starts, a
// running one stops at its next heartbeat or progress step.
func (s *Service) Cancel(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (domain.Job, error) {
	if _, err := s.Get(ctx, tenant, user, id); err != nil {
		return domain.Job{}, err
	}
	j, changed, err := s.repo.Finish(ctx, tenant, id, domain.Cancelled, "cancelled", "", s.now())
	if err != nil {
		return domain.Job{}, fmt.Errorf("cancel job %s: %w", id, err)
	}
	if !changed {
		return domain.Job{}, errs.Newf(errs.Conflict, "the job has already ended (%s)", j.Status)
	}
	s.publish(ctx, j)
	return j, nil
}

// Stop cancels a job on the system's behalf (its subject was deleted); a
// job that has ended is left as it is.
func (s *Service) Stop(ctx context.Context, tenant tenancy.ID, id uuid.UUID, message string) error {
	j, changed, err := s.repo.Finish(ctx, tenant, id, domain.Cancelled, message, "", s.now())
	if err != nil {
		return fmt.Errorf("cancel job %s: %w", id, err)
	}
	if changed {
		s.publish(ctx, j)
	}
	return nil
}

// Work is a job's work. It reports progress through report, which fails
// with domain.ErrCancelled once the job is cancelled, and returns where
// the result is.
type Work func(ctx context.Context, report func(progress int, message string) error) (result string, err error)

// Claim takes the next job of one of tasks for a worker (see
// Repo.Claim) and tells its user it started. Run it with the context
// Claimed returns.
func (s *Service) Claim(ctx context.Context, tasks []string) (domain.Job, bool, error) {
	now := s.now()
	j, ok, err := s.repo.Claim(ctx, s.opts.Queue, tasks, s.opts.PerTenant, now, now.Add(-s.opts.StaleAfter))
	if err != nil || !ok {
		return j, ok, err
	}
	s.publish(ctx, j)
	return j, true, nil
}

type claimedKey struct{}

// Claimed marks ctx as running the claimed job j, which Run then does not
// start again.
func Claimed(ctx context.Context, j domain.Job) context.Context {
	return context.WithValue(ctx, claimedKey{}, j)
}

// Run does a job's work in the worker: it marks the job in progress
// (unless the worker claimed it already), beats while the work runs, and
// records how it ended. A transient failure queues the job again, to be
// claimed after a back-off, until MaxAttempts (the error is returned for
// the log); everything else ends here.
func (s *Service) Run(ctx context.Context, tenant tenancy.ID, id uuid.UUID, work Work) error {
	// Everything the job does is the tenant's: row-level security keeps
	// its statements to the tenant's rows.
	ctx = tenancy.With(ctx, tenant)
	j, claimed := ctx.Value(claimedKey{}).(domain.Job)
	if !claimed || j.ID != id || j.Tenant != tenant {
		now := s.now()
		var started bool
		var err error
		j, started, err = s.repo.Start(ctx, tenant, id, now, now.Add(-s.opts.StaleAfter))
		if err != nil {
			return fmt.Errorf("start job %s: %w", id, err)
		}
		if !started {
			return nil // cancelled, done, or running elsewhere
		}
		s.publish(ctx, j)
	}
	return s.finish(ctx, j, s.work(ctx, j, work))
}

// retryDelay is how long a job waits after its n-th failed attempt: 2 s,
// 4 s, 8 s..., at most a minute.
func retryDelay(n int) time.Duration {
	return min(time.Minute, time.Second<<max(1, min(n, 6)))
}

// outcome is how a job's work ended.
type outcome struct {
	result    string
	err       error
	cancelled bool
	// late is set when the work ran out of its deadline.
	late bool
}

// work runs the work within the deadline, with a heartbeat that also
// notices cancellation.
func (s *Service) work(ctx context.Context, j domain.Job, work Work) outcome {
	dctx, cancelDeadline := context.WithTimeout(ctx, s.opts.Deadline)
	defer cancelDeadline()
	wctx, stop := context.WithCancel(dctx)
	defer stop()
	p := &progress{s: s, j: j, stop: stop}
	beatDone := make(chan struct{})
	go func() { defer close(beatDone); p.beat(wctx, s.opts.Heartbeat) }()
	result, err := work(wctx, p.report)
	stop()
	<-beatDone
	late := err != nil && ctx.Err() == nil && errors.Is(dctx.Err(), context.DeadlineExceeded)
	return outcome{result: result, err: err, cancelled: p.cancelled.Load() || errors.Is(err, domain.ErrCancelled), late: late}
}

// Overdue counts running jobs whose attempt began longer ago than the
// deadline (work that does not heed its context), and says for how long
// the oldest has run; readiness reports them.
func (s *Service) Overdue(ctx context.Context) (int, time.Duration, error) {
	now := s.now()
	n, oldest, err := s.repo.Overdue(ctx, now.Add(-s.opts.Deadline))
	if err != nil || n == 0 {
		return n, 0, err
	}
	return n, now.Sub(oldest), nil
}

// finish records the outcome and tells the queue whether to retry.
func (s *Service) finish(ctx context.Context, j domain.Job, o outcome) error {
	ctx = context.WithoutCancel(ctx)
	switch {
	case o.cancelled:
		return nil // Cancel recorded and published it
	case o.err == nil:
		_, err := s.end(ctx, j, domain.Complete, "", o.result)
		return err
	case o.late:
		_, err := s.end(ctx, j, domain.Failed, fmt.Sprintf("it did not finish within %s, the most a job may take", s.opts.Deadline), "")
		return err
	case errs.Permanent(o.err) || j.Attempts >= domain.MaxAttempts:
		_, msg := errs.KindOf(o.err)
		if !errs.Permanent(o.err) {
			msg = fmt.Sprintf("failed %d times; the last time: %s", j.Attempts, msg)
		}
		_, err := s.end(ctx, j, domain.Failed, msg, "")
		return err
	}
	_, msg := errs.KindOf(o.err)
	now, delay := s.now(), retryDelay(j.Attempts)
	q, err := s.repo.Requeue(ctx, j.Tenant, j.ID, "will try again: "+msg, now, now.Add(delay))
	if err != nil {
		return fmt.Errorf("requeue job %s: %w", j.ID, err)
	}
	s.publish(ctx, q)
	if err := s.queue.EnqueueIn(ctx, q, delay); err != nil {
		s.log.WarnContext(ctx, "retry not queued yet; the recovery sweep will queue it", "job_id", j.ID, "err", err)
	}
	return fmt.Errorf("job %s attempt %d: %w", j.ID, j.Attempts, o.err)
}

func (s *Service) end(ctx context.Context, j domain.Job, status domain.Status, msg, result string) (domain.Job, error) {
	done, changed, err := s.repo.Finish(ctx, j.Tenant, j.ID, status, msg, result, s.now())
	if err != nil {
		return domain.Job{}, fmt.Errorf("finish job %s: %w", j.ID, err)
	}
	if changed {
		s.publish(ctx, done)
	}
	return done, nil
}
