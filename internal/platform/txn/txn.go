// Package txn names the one thing use cases need of transactions: run a
// function in one, carried by the context it passes, so the repositories
// of several modules join it. postgres.Transactor is the implementation.
package txn

import "context"

// Transactor runs fn in a transaction carried by the context it passes; a
// nested call joins the outer transaction, and fn's error rolls it back.
type Transactor interface {
	InTx(ctx context.Context, fn func(ctx context.Context) error) error
}
