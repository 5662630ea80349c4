// Package audit defines the audit event that modules record for every state
// change an auditor would ask about, and carries the actor and request
// details in the context so use cases do not pass them around. It is pure
// Go so application layers may use it; the audit module stores the events.
package audit

import (
	"context"

	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Outcome says whether the audited action succeeded.
type Outcome string

// The outcomes.
const (
	Success Outcome = "success"
	Failure Outcome = "failure"
)

// Event is one audited action. Details must never hold secrets or tokens.
type Event struct {
	// Tenant is the tenant the entry belongs to (zero: installation-wide).
	Tenant     tenancy.ID
	Action     string // e.g. "user.created", "auth.login"
	TargetType string // e.g. "user", "tenant", "api_key"
	TargetID   string
	Outcome    Outcome
	Details    map[string]string
}

// Recorder stores audit events. Recording never fails the caller's action:
// implementations log what they could not store.
type Recorder interface {
	Record(ctx context.Context, e Event)
}

// Actor is who performed an action.
type Actor struct {
	Type string // "user", "api_key", "sysadmin", "system", "anonymous"
	ID   string
}

// Request describes the HTTP request an action came from.
type Request struct {
	IP        string
	UserAgent string
	RequestID string
}

type actorKey struct{}
type requestKey struct{}

// WithActor returns a context that records actions as done by a.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx, or the system actor when none is set
// (CLI and worker).
func ActorFrom(ctx context.Context) Actor {
	if a, ok := ctx.Value(actorKey{}).(Actor); ok {
		return a
	}
	return Actor{Type: "system"}
}

// WithRequest returns a context carrying the request details.
func WithRequest(ctx context.Context, r Request) context.Context {
	return context.WithValue(ctx, requestKey{}, r)
}

// RequestFrom returns the request details in ctx (zero outside HTTP).
func RequestFrom(ctx context.Context) Request {
	r, _ := ctx.Value(requestKey{}).(Request)
	return r
}

// Discard is a Recorder that drops events (tests of other concerns).
type Discard struct{}

// Record drops e.
func (Discard) Record(context.Context, Event) {}
