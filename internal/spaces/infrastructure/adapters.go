package infrastructure

import (
	"context"

	"github.com/google/uuid"

	modelsapp "github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	usersapp "github.com/agora-platform/agora/internal/users/application"
)

// Users adapts the users module to the spaces module's port.
type Users struct{ svc *usersapp.Service }

// NewUsers returns the adapter.
func NewUsers(svc *usersapp.Service) Users { return Users{svc: svc} }

// GroupsOf lists the groups a user belongs to.
func (u Users) GroupsOf(ctx context.Context, tenant tenancy.ID, user uuid.UUID) ([]uuid.UUID, error) {
	return u.svc.GroupsOf(ctx, tenant, user)
}

// CheckUser fails with NotFound for an unknown user.
func (u Users) CheckUser(ctx context.Context, tenant tenancy.ID, user uuid.UUID) error {
	_, err := u.svc.Get(ctx, tenant, user)
	return err
}

// CheckGroup fails with NotFound for an unknown group.
func (u Users) CheckGroup(ctx context.Context, tenant tenancy.ID, group uuid.UUID) error {
	_, err := u.svc.Group(ctx, tenant, group)
	return err
}

// Models adapts the models module to the spaces module's port.
type Models struct{ svc *modelsapp.Service }

// NewModels returns the adapter.
func NewModels(svc *modelsapp.Service) Models { return Models{svc: svc} }

// EnabledKind returns the kind of a model enabled for the tenant.
func (m Models) EnabledKind(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (string, error) {
	mod, err := m.svc.Enabled(ctx, tenant, id)
	if err != nil {
		return "", err
	}
	return string(mod.Kind), nil
}
