package infrastructure

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/agora-platform/agora/internal/jobs/domain"
	platformjobs "github.com/agora-platform/agora/internal/platform/jobs"
	"github.com/agora-platform/agora/internal/platform/realtime"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// slotTTL bounds how long a dead worker's slot stays taken.
const slotTTL = 2 * time.Minute

// Slots are the tenants' job slots: a sorted set per tenant of running
// job ids scored by when the slot lapses.
type Slots struct{ rdb redis.UniversalClient }

// NewSlots returns the slots on rdb.
func NewSlots(rdb redis.UniversalClient) *Slots { return &Slots{rdb: rdb} }

// acquire drops lapsed slots, then takes one when the job holds one
// already or fewer than the limit are taken.
var acquire = redis.NewScript(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[3]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[4]) then
  redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
  redis.call('PEXPIRE', KEYS[1], ARGV[5])
  return 1
end
return 0`)

func slotKey(tenant tenancy.ID) string { return "jobs:slots:" + tenant.String() }

// Acquire takes a slot for the job.
func (s *Slots) Acquire(ctx context.Context, tenant tenancy.ID, job uuid.UUID, limit int) (bool, error) {
	now := time.Now()
	n, err := acquire.Run(ctx, s.rdb, []string{slotKey(tenant)}, now.UnixMilli(), now.Add(slotTTL).UnixMilli(),
		job.String(), limit, slotTTL.Milliseconds()).Int()
	return n == 1, err
}

// Release frees the job's slot.
func (s *Slots) Release(ctx context.Context, tenant tenancy.ID, job uuid.UUID) error {
	return s.rdb.ZRem(ctx, slotKey(tenant), job.String()).Err()
}

// Queue hands jobs to the workers through asynq. The task id names the
// job and its attempt, so queuing the same attempt twice is a no-op.
type Queue struct{ c *platformjobs.Client }

// NewQueue returns the queue.
func NewQueue(c *platformjobs.Client) Queue { return Queue{c: c} }

// Enqueue queues the job's task with its payload.
func (q Queue) Enqueue(ctx context.Context, j domain.Job) error {
	return q.c.Enqueue(ctx, j.Task, json.RawMessage(j.Payload), j.ID.String()+":"+strconv.Itoa(j.Attempts))
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
