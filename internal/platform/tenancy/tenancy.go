// Package tenancy holds the typed tenant id and carries it in a context.
package tenancy

import (
	"context"

	"github.com/google/uuid"
)

// ID identifies a tenant. It is a distinct type so that no other id can be
// passed where a tenant is expected.
type ID struct{ uuid.UUID }

// Parse parses a tenant id from its string form.
func Parse(s string) (ID, error) {
	u, err := uuid.Parse(s)
	if err != nil {
		return ID{}, err
	}
	return ID{u}, nil
}

// IsZero reports whether the id is unset.
func (id ID) IsZero() bool { return id.UUID == uuid.Nil }

type ctxKey struct{}

// With returns a context carrying the tenant id.
func With(ctx context.Context, id ID) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// From returns the tenant id in ctx and whether one was set.
func From(ctx context.Context) (ID, bool) {
	id, ok := ctx.Value(ctxKey{}).(ID)
	return id, ok && !id.IsZero()
}

// MustFrom returns the tenant id in ctx. It panics when none is set: every
// route that reads it sits behind the auth middleware that sets it, so a
// missing id is a wiring bug and must never fall back to "all tenants".
func MustFrom(ctx context.Context) ID {
	id, ok := From(ctx)
	if !ok {
		panic("tenancy: no tenant in context; route is missing its auth middleware")
	}
	return id
}
