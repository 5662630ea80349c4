package application

import (
	"context"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/spaces/domain"
)

// Repo stores spaces with their members and enabled models.
type Repo interface {
	Insert(ctx context.Context, s domain.Space) error
	// Get loads a space of the tenant with members and models.
	Get(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Space, error)
	// Personal loads the user's personal space; domain.ErrNotFound if none.
	Personal(ctx context.Context, tenant tenancy.ID, user uuid.UUID) (domain.Space, error)
	// Organization loads the tenant's organisation space.
	Organization(ctx context.Context, tenant tenancy.ID) (domain.Space, error)
	// ListFor lists the spaces a user can enter: their personal space, the
	// shared spaces they or their groups belong to, and the organisation
	// space when orgToo.
	ListFor(ctx context.Context, tenant tenancy.ID, user uuid.UUID, groups []uuid.UUID, orgToo bool) ([]domain.Space, error)
	Update(ctx context.Context, s domain.Space) error
	// SetModels replaces the space's models; kinds gives each model's kind
	// and defaults the ones that are the space's default of their kind.
	SetModels(ctx context.Context, tenant tenancy.ID, space uuid.UUID, kinds map[uuid.UUID]string, defaults []uuid.UUID) error
	Delete(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error
	PutMember(ctx context.Context, tenant tenancy.ID, space uuid.UUID, m domain.Member) error
	DeleteMember(ctx context.Context, tenant tenancy.ID, space, user uuid.UUID) (bool, error)
	PutGroupMember(ctx context.Context, tenant tenancy.ID, space uuid.UUID, g domain.GroupMember) error
	DeleteGroupMember(ctx context.Context, tenant tenancy.ID, space, group uuid.UUID) (bool, error)
}

// Users is what spaces ask of the users module.
type Users interface {
	// GroupsOf lists the groups a user belongs to.
	GroupsOf(ctx context.Context, tenant tenancy.ID, user uuid.UUID) ([]uuid.UUID, error)
	// CheckUser fails with NotFound when the tenant has no such user.
	CheckUser(ctx context.Context, tenant tenancy.ID, user uuid.UUID) error
	// CheckGroup fails with NotFound when the tenant has no such group.
	CheckGroup(ctx context.Context, tenant tenancy.ID, group uuid.UUID) error
}

// Models is what spaces ask of the models module.
type Models interface {
	// EnabledKind returns the kind of a model enabled for the tenant, and
	// fails for any other.
	EnabledKind(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (string, error)
}
