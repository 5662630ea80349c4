package infrastructure

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/agora-platform/agora/internal/jobs/domain"
	platformjobs "github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/realtime"
)

// Queue hands jobs to the workers through asynq. The task id names the
// job and its attempt, so queuing the same attempt twice is a no-op.
type Queue struct{ c *platformjobs.Client }

// NewQueue returns the queue.
func NewQueue(c *platformjobs.Client) Queue { return Queue{c: c} }

// Enqueue wakes a worker for the job: its task with its payload.
func (q Queue) Enqueue(ctx context.Context, j domain.Job) error {
	return q.c.Enqueue(ctx, j.Task, json.RawMessage(j.Payload), j.ID.String()+":"+strconv.Itoa(j.Attempts))
}

// EnqueueIn wakes a worker for the job after delay.
func (q Queue) EnqueueIn(ctx context.Context, j domain.Job, delay time.Duration) error {
	return q.c.EnqueueIn(ctx, j.Task, json.RawMessage(j.Payload), j.ID.String()+":"+strconv.Itoa(j.Attempts), delay)
}

// Publisher sends job updates to the owner's job_updates channel, in the
// shape view gives them (the API's, so WebSocket and HTTP agree).
type Publisher struct {
	rdb  redis.UniversalClient
	view func(domain.Job) any
}

// NewPublisher returns a Publisher on rdb.
func NewPublisher(rdb redis.UniversalClient, view func(domain.Job) any) Publisher {
	return Publisher{rdb: rdb, view: view}
}

// Publish sends the job's state.
func (p Publisher) Publish(ctx context.Context, j domain.Job) error {
	return realtime.Publish(ctx, p.rdb, "job_updates", j.User, p.view(j))
}
