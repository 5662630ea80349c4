package application

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/spaces/domain"
)

// PersonalSpaces creates users' personal spaces. It needs nothing but the
// spaces repository, so the users module, which the spaces service needs,
// can be given it first: the two are built in order, with no link between
// them.
type PersonalSpaces struct {
	repo Repo
	now  func() time.Time
}

// NewPersonalSpaces returns the use case.
func NewPersonalSpaces(repo Repo) *PersonalSpaces {
	return &PersonalSpaces{repo: repo, now: func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }}
}

// EnsurePersonal creates the user's personal space unless it exists. The
// users module calls it when it creates a user, in the same transaction.
func (p *PersonalSpaces) EnsurePersonal(ctx context.Context, tenant tenancy.ID, user uuid.UUID) error {
	_, err := p.Ensure(ctx, tenant, user)
	return err
}

// Ensure returns the user's personal space, created when missing.
func (p *PersonalSpaces) Ensure(ctx context.Context, tenant tenancy.ID, user uuid.UUID) (domain.Space, error) {
	sp, err := p.repo.Personal(ctx, tenant, user)
	if !errors.Is(err, domain.ErrNotFound) {
		return sp, err
	}
	sp = domain.NewPersonal(uuid.Must(uuid.NewV7()), tenant, user, p.now())
	if err := p.repo.Insert(ctx, sp); err != nil {
		// A concurrent request may have created it first.
		if again, gerr := p.repo.Personal(ctx, tenant, user); gerr == nil {
			return again, nil
		}
		return domain.Space{}, fmt.Errorf("create personal space: %w", err)
	}
	return sp, nil
}
