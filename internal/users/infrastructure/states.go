package infrastructure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/agora-platform/agora/internal/users/application"
)

// debugKey holds the OIDC debug switch; it expires by itself.
const debugKey = "users:oidc-debug"

// LoginStates keeps OIDC sign-in state in Redis, single-use (GETDEL).
type LoginStates struct{ rdb redis.UniversalClient }

// NewLoginStates returns the store.
func NewLoginStates(rdb redis.UniversalClient) LoginStates { return LoginStates{rdb: rdb} }

func stateKey(id string) string { return "users:oidc-state:" + id }

// Save keeps s under id for ttl.
func (l LoginStates) Save(ctx context.Context, id string, s application.LoginState, ttl time.Duration) error {
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return l.rdb.Set(ctx, stateKey(id), b, ttl).Err()
}

// Take returns and deletes the state under id in one step, so a replayed
// callback finds nothing.
func (l LoginStates) Take(ctx context.Context, id string) (application.LoginState, bool, error) {
	b, err := l.rdb.GetDel(ctx, stateKey(id)).Bytes()
	if errors.Is(err, redis.Nil) {
		return application.LoginState{}, false, nil
	}
	if err != nil {
		return application.LoginState{}, false, err
	}
	var s application.LoginState
	if err := json.Unmarshal(b, &s); err != nil {
		return application.LoginState{}, false, fmt.Errorf("decode sign-in state: %w", err)
	}
	return s, true, nil
}

// Debug reads the OIDC debug switch; off when the key has expired.
func (l LoginStates) Debug(ctx context.Context) (application.DebugState, error) {
	b, err := l.rdb.Get(ctx, debugKey).Bytes()
	if errors.Is(err, redis.Nil) {
		return application.DebugState{}, nil
	}
	if err != nil {
		return application.DebugState{}, err
	}
	var d application.DebugState
	if err := json.Unmarshal(b, &d); err != nil {
		return application.DebugState{}, err
	}
	return d, nil
}

// SetDebug stores the switch until d.Until, or deletes it.
func (l LoginStates) SetDebug(ctx context.Context, d application.DebugState) error {
	if !d.Enabled {
		return l.rdb.Del(ctx, debugKey).Err()
	}
	b, err := json.Marshal(d)
	if err != nil {
		return err
	}
	return l.rdb.Set(ctx, debugKey, b, time.Until(d.Until)).Err()
}
