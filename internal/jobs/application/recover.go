package application

import (
	"context"
	"fmt"

	"github.com/agora-platform/agora/internal/jobs/domain"
)

// Recover looks after jobs nobody is working on: a running job whose
// heartbeat stopped (its worker died) is queued again, or failed after
// MaxAttempts; a queued job that waited long is queued again, in case
// its task was lost. It returns how many jobs it touched. Every worker
// may run it; the row updates decide who acts.
func (s *Service) Recover(ctx context.Context) (int, error) {
	now := s.now()
	stale, err := s.repo.Stale(ctx, s.opts.Queue, now.Add(-s.opts.StaleAfter), now.Add(-5*s.opts.StaleAfter), 100)
	if err != nil {
		return 0, fmt.Errorf("find abandoned jobs: %w", err)
	}
	for _, j := range stale {
		if err := s.recoverOne(ctx, j); err != nil {
			s.log.WarnContext(ctx, "abandoned job not recovered", "job_id", j.ID, "err", err)
		}
	}
	return len(stale), nil
}

func (s *Service) recoverOne(ctx context.Context, j domain.Job) error {
	if j.Status == domain.InProgress {
		if j.Attempts >= domain.MaxAttempts {
			_, err := s.end(ctx, j, domain.Failed, fmt.Sprintf("the worker stopped while working on it, %d times", j.Attempts), "")
			return err
		}
		q, err := s.repo.Requeue(ctx, j.Tenant, j.ID, "the worker stopped; queued again", s.now(), s.now())
		if err != nil {
			return err
		}
		s.publish(ctx, q)
		j = q
	}
	return s.queue.Enqueue(ctx, j)
}
