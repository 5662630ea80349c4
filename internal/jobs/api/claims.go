package api

import (
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/hibiken/asynq"

	"github.com/agora-platform/agora/internal/jobs/application"
)

// claimBudget is how long one wake-up keeps claiming jobs before it hands
// the worker back to the queue (well inside the queue's task timeout).
const claimBudget = time.Minute

// Claiming is the worker's middleware for the job tasks: a queued task
// only wakes the worker, which then claims the next job by fairness
// (application.Service.Claim: the tenant running fewest jobs first) and
// runs it with the handler of its task, then the next, until none waits
// or its budget is spent. A tenant's bulk upload so neither waits behind
// the queue's retry timers nor holds up another tenant's upload. Tasks
// that are not job tasks pass through.
func Claiming(svc *application.Service, log *slog.Logger, tasks ...string) asynq.MiddlewareFunc {
	return func(next asynq.Handler) asynq.Handler {
		return asynq.HandlerFunc(func(ctx context.Context, t *asynq.Task) error {
			if !slices.Contains(tasks, t.Type()) {
				return next.ProcessTask(ctx, t)
			}
			until := time.Now().Add(claimBudget)
			for ctx.Err() == nil && time.Now().Before(until) {
				j, ok, err := svc.Claim(ctx, tasks)
				if err != nil {
					return err // the database is away: the queue wakes us again
				}
				if !ok {
					return nil
				}
				if err := next.ProcessTask(application.Claimed(ctx, j), asynq.NewTask(j.Task, j.Payload)); err != nil {
					// Run recorded the outcome on the job (failed, or queued
					// again with a back-off and its own wake-up).
					log.InfoContext(ctx, "job attempt failed", "job_id", j.ID, "task", j.Task, "attempt", j.Attempts, "err", err)
				}
			}
			return nil
		})
	}
}
