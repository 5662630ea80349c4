// Package jobs is the glue between modules and asynq: enqueueing JSON
// payloads after commit, decoding them in handlers, classifying handler
// errors into retry or skip, the worker server, and its heartbeat.
package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/hibiken/asynq"
	"github.com/redis/go-redis/v9"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// Client enqueues tasks. It implements the Enqueuer ports of the modules.
type Client struct {
	c       *asynq.Client
	queue   string
	timeout time.Duration
}

// NewClient returns a Client on the shared Redis connection that queues
// into the installation's queue (JOB_QUEUE: the workers of another
// installation on the same Redis never see its tasks), whose tasks the
// queue abandons after timeout (a backstop behind the jobs' own deadline,
// which should be shorter).
func NewClient(rdb redis.UniversalClient, queue string, timeout time.Duration) *Client {
	return &Client{c: asynq.NewClientFromRedisClient(rdb), queue: queue, timeout: timeout}
}

// Close releases the client (not the shared Redis connection).
func (c *Client) Close() error { return c.c.Close() }

// Enqueue queues a task of type taskType with payload encoded as JSON.
// A non-empty id makes the task unique while it is held by the queue: a
// second Enqueue with the same id is a no-op, so callers may retry freely.
func (c *Client) Enqueue(ctx context.Context, taskType string, payload any, id string) error {
	return c.EnqueueIn(ctx, taskType, payload, id, 0)
}

// EnqueueIn queues a task as Enqueue does, to be run after delay.
func (c *Client) EnqueueIn(ctx context.Context, taskType string, payload any, id string, delay time.Duration) error {
	body, err := json.Marshal(payload)
	if err != nil {
		return fmt.Errorf("encode %s payload: %w", taskType, err)
	}
	opts := []asynq.Option{asynq.Queue(c.queue), asynq.MaxRetry(10), asynq.Timeout(c.timeout)}
	if delay > 0 {
		opts = append(opts, asynq.ProcessIn(delay))
	}
	if id != "" {
		opts = append(opts, asynq.TaskID(taskType+":"+id))
	}
	_, err = c.c.EnqueueContext(ctx, asynq.NewTask(taskType, body), opts...)
	if errors.Is(err, asynq.ErrTaskIDConflict) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("enqueue %s %s: %w", taskType, id, err)
	}
	return nil
}

// Decode reads a task's JSON payload. A payload that does not decode can
// never succeed, so the error skips retries.
func Decode[T any](t *asynq.Task) (T, error) {
	var v T
	if err := json.Unmarshal(t.Payload(), &v); err != nil {
		return v, fmt.Errorf("decode %s payload: %w: %w", t.Type(), err, asynq.SkipRetry)
	}
	return v, nil
}

// Classify is mux middleware that turns errors which a retry cannot fix
// (errs.Permanent: invalid input, a row that no longer exists...) into
// SkipRetry.
func Classify(next asynq.Handler) asynq.Handler {
	return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
		err := next.ProcessTask(ctx, t)
		if err == nil || errors.Is(err, asynq.SkipRetry) {
			return err
		}
		if errs.Permanent(err) {
			return fmt.Errorf("%w: %w", err, asynq.SkipRetry)
		}
		return err
	})
}

// ServerOptions configure NewServer.
type ServerOptions struct {
	// Queue is the installation's queue, the only one the server serves.
	Queue           string
	Concurrency     int
	ShutdownTimeout time.Duration
}

// NewServer returns an asynq server on the shared Redis connection that logs
// through log and reports every failed task once, in its ErrorHandler.
func NewServer(rdb redis.UniversalClient, log *slog.Logger, o ServerOptions) *asynq.Server {
	return asynq.NewServerFromRedisClient(rdb, asynq.Config{
		Queues:          map[string]int{o.Queue: 1},
		Concurrency:     o.Concurrency,
		ShutdownTimeout: o.ShutdownTimeout,
		Logger:          slogAdapter{log.With("component", "asynq")},
		LogLevel:        asynq.WarnLevel,
		ErrorHandler: asynq.ErrorHandlerFunc(func(ctx context.Context, t *asynq.Task, err error) {
			retried, _ := asynq.GetRetryCount(ctx)
			maxRetry, _ := asynq.GetMaxRetry(ctx)
			id, _ := asynq.GetTaskID(ctx)
			log.ErrorContext(ctx, "task failed", "type", t.Type(), "task_id", id,
				"retry", retried, "max_retry", maxRetry, "final", errors.Is(err, asynq.SkipRetry) || retried >= maxRetry, "err", err)
		}),
	})
}

// slogAdapter lets asynq log through slog.
type slogAdapter struct{ l *slog.Logger }

func (a slogAdapter) Debug(args ...any) { a.l.Debug(fmt.Sprint(args...)) }
func (a slogAdapter) Info(args ...any)  { a.l.Info(fmt.Sprint(args...)) }
func (a slogAdapter) Warn(args ...any)  { a.l.Warn(fmt.Sprint(args...)) }
func (a slogAdapter) Error(args ...any) { a.l.Error(fmt.Sprint(args...)) }
func (a slogAdapter) Fatal(args ...any) { a.l.Error(fmt.Sprint(args...)); panic(fmt.Sprint(args...)) }

// NewScheduler returns an asynq scheduler on the shared Redis connection
// that logs through log. Every worker runs one; a periodic task registered
// with Periodic is queued once per period however many run.
func NewScheduler(rdb redis.UniversalClient, log *slog.Logger) *asynq.Scheduler {
	return asynq.NewSchedulerFromRedisClient(rdb, &asynq.SchedulerOpts{
		Logger:   slogAdapter{log.With("component", "asynq-scheduler")},
		LogLevel: asynq.WarnLevel,
		Location: time.UTC,
	})
}

// Periodic registers taskType to be queued into queue every period. The
// task is unique for the period, so schedulers in several workers queue it
// once.
func Periodic(s *asynq.Scheduler, queue, taskType string, every time.Duration) error {
	unique := max(every, time.Second)
	if _, err := s.Register("@every "+every.String(), asynq.NewTask(taskType, nil), asynq.Queue(queue), asynq.Unique(unique), asynq.MaxRetry(0)); err != nil {
		return fmt.Errorf("schedule %s every %s: %w", taskType, every, err)
	}
	return nil
}
