package infrastructure

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Owners keeps in Redis which API processes are alive to write answers: a
// key per process that expires unless the process renews it. A process
// killed outright stops renewing, and its answers are found within
// OwnerTTL.
type Owners struct{ rdb redis.UniversalClient }

// NewOwners returns Owners on rdb.
func NewOwners(rdb redis.UniversalClient) Owners { return Owners{rdb: rdb} }

// How often a process renews its key, and how long the key lives.
const (
	OwnerBeat = 3 * time.Second
	OwnerTTL  = 10 * time.Second
)

func ownerKey(id string) string { return "sessions:owner:" + id }

// Alive reports which owners renewed their key within OwnerTTL.
func (o Owners) Alive(ctx context.Context, owners []string) (map[string]bool, error) {
	cmds := make([]*redis.IntCmd, len(owners))
	_, err := o.rdb.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, id := range owners {
			cmds[i] = p.Exists(ctx, ownerKey(id))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read answer writers' keys: %w", err)
	}
	alive := make(map[string]bool, len(owners))
	for i, id := range owners {
		alive[id] = cmds[i].Val() == 1
	}
	return alive, nil
}

// Run renews id's key until ctx ends, then removes it: a process that
// stops cleanly has written its answers to the end.
func (o Owners) Run(ctx context.Context, id string, onErr func(error)) {
	t := time.NewTicker(OwnerBeat)
	defer t.Stop()
	for {
		if err := o.rdb.Set(ctx, ownerKey(id), time.Now().UTC().Format(time.RFC3339), OwnerTTL).Err(); err != nil && ctx.Err() == nil {
			onErr(err)
		}
		select {
		case <-ctx.Done():
			o.rdb.Del(context.WithoutCancel(ctx), ownerKey(id))
			return
		case <-t.C:
		}
	}
}
