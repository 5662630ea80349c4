package application

import (
	"context"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Repo stores models, provider records and tenant settings. A zero tenant
// addresses global models.
type Repo interface {
	// Global lists global models of a kind.
	Global(ctx context.Context, kind domain.Kind) ([]domain.Model, error)
	// Model loads a model owned by tenant (zero: a global model).
	Model(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Model, error)
	// Visible lists the models a tenant can see (global and its own) with
	// its settings.
	Visible(ctx context.Context, tenant tenancy.ID, kind domain.Kind) ([]domain.View, error)
	// VisibleOne loads one model the tenant can see, with its setting.
	VisibleOne(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.View, error)
	InsertModel(ctx context.Context, m domain.Model) error
	UpdateModel(ctx context.Context, m domain.Model) error
	DeleteModel(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error
	// PutSetting stores a tenant's setting for a model; a default clears
	// the tenant's other default of that kind.
	PutSetting(ctx context.Context, tenant tenancy.ID, m domain.Model, s domain.Setting) error

	Providers(ctx context.Context, tenant tenancy.ID) ([]domain.Provider, error)
	Provider(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Provider, error)
	InsertProvider(ctx context.Context, p domain.Provider) error
	UpdateProvider(ctx context.Context, p domain.Provider) error
	DeleteProvider(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error
	// ProviderKeys returns every stored provider key, locked, for rotation.
	ProviderKeys(ctx context.Context) ([]domain.Provider, error)
	ReplaceProviderKey(ctx context.Context, tenant tenancy.ID, id uuid.UUID, value string) error
}

// Secrets encrypts provider keys.
type Secrets interface {
	Enabled() bool
	Encrypt(plain string) (string, error)
	MaskEncrypted(value string) string
	Rotate(value string) (string, bool, error)
	Decrypt(value string) (string, error)
}

// Endpoints checks a provider endpoint before it is saved: one the fetch
// guard would refuse at use (a private or loopback address not in
// FETCH_ALLOWED_HOSTS) is an invalid-input error that says so.
type Endpoints interface {
	Check(ctx context.Context, endpoint string) error
}
