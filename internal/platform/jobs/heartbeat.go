package jobs

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// HeartbeatKey is the sorted set of live workers: member = worker id,
// score = unix time of its last beat. Readiness asks it whether any worker
// beat recently.
const HeartbeatKey = "jobs:workers"

// HeartbeatInterval is how often a worker beats; a worker is alive when it
// beat within HeartbeatTTL.
const (
	HeartbeatInterval = 5 * time.Second
	HeartbeatTTL      = 3 * HeartbeatInterval
)

// Beat records that worker id is alive now and forgets workers long gone.
func Beat(ctx context.Context, rdb redis.UniversalClient, id string, now time.Time) error {
	_, err := rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, HeartbeatKey, redis.Z{Score: float64(now.Unix()), Member: id})
		p.ZRemRangeByScore(ctx, HeartbeatKey, "-inf", strconv.FormatInt(now.Add(-time.Hour).Unix(), 10))
		return nil
	})
	if err != nil {
		return fmt.Errorf("worker heartbeat %s: %w", id, err)
	}
	return nil
}

// RunHeartbeat beats for worker id until ctx ends, then removes the worker so
// readiness sees a clean shutdown at once.
func RunHeartbeat(ctx context.Context, rdb redis.UniversalClient, id string, onErr func(error)) {
	t := time.NewTicker(HeartbeatInterval)
	defer t.Stop()
	for {
		if err := Beat(ctx, rdb, id, time.Now()); err != nil && ctx.Err() == nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			rdb.ZRem(context.WithoutCancel(ctx), HeartbeatKey, id)
			return
		case <-t.C:
		}
	}
}

// LiveWorkers counts the workers that beat within HeartbeatTTL before now.
func LiveWorkers(ctx context.Context, rdb redis.UniversalClient, now time.Time) (int64, error) {
	n, err := rdb.ZCount(ctx, HeartbeatKey, strconv.FormatInt(now.Add(-HeartbeatTTL).Unix(), 10), "+inf").Result()
	if err != nil {
		return 0, fmt.Errorf("count live workers: %w", err)
	}
	return n, nil
}
