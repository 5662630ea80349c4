package application

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/agora-platform/agora/internal/jobs/domain"
)

// progress reports a running job's progress and beats for it.
type progress struct {
	s    *Service
	j    domain.Job
	stop context.CancelFunc

	mu        sync.Mutex
	pct       int
	msg       string
	cancelled atomic.Bool
}

// report records a step; a changed figure is published at once. It fails
// with domain.ErrCancelled once the job is cancelled.
func (p *progress) report(pct int, msg string) error {
	pct = domain.ClampProgress(pct)
	p.mu.Lock()
	changed := pct != p.pct || msg != p.msg
	p.pct, p.msg = pct, msg
	p.mu.Unlock()
	if p.cancelled.Load() {
		return domain.ErrCancelled
	}
	if !changed {
		return nil
	}
	return p.write(context.Background())
}

// write stores the current step with a heartbeat and publishes it.
func (p *progress) write(ctx context.Context) error {
	p.mu.Lock()
	pct, msg := p.pct, p.msg
	p.mu.Unlock()
	status, err := p.s.repo.Beat(ctx, p.j.Tenant, p.j.ID, pct, msg, p.s.now())
	if err != nil {
		p.s.log.WarnContext(ctx, "job heartbeat not stored", "job_id", p.j.ID, "err", err)
		return nil
	}
	if status == domain.Cancelled {
		p.cancelled.Store(true)
		p.stop()
		return domain.ErrCancelled
	}
	j := p.j
	j.Status, j.Progress, j.Message, j.UpdatedAt = status, pct, msg, p.s.now()
	p.s.publish(ctx, j)
	return nil
}

// beat stores a heartbeat every interval until ctx ends.
func (p *progress) beat(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = p.write(ctx)
		}
	}
}
