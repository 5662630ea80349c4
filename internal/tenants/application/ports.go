package application

import (
	"context"
	"time"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

// Repo stores tenants, their credentials and their identity providers.
type Repo interface {
	// Insert stores a new tenant; domain.ErrNameTaken or ErrSlugTaken.
	Insert(ctx context.Context, t domain.Tenant) error
	// Get loads a tenant; domain.ErrNotFound when there is none.
	Get(ctx context.Context, id tenancy.ID) (domain.Tenant, error)
	// GetBySlug loads a tenant by slug; domain.ErrNotFound when there is none.
	GetBySlug(ctx context.Context, slug string) (domain.Tenant, error)
	// List returns a page of tenants, oldest first, and the total count.
	List(ctx context.Context, limit, offset int) ([]domain.Tenant, int, error)
	// Update stores changed fields; ErrNameTaken, ErrSlugTaken or ErrNotFound.
	Update(ctx context.Context, t domain.Tenant) error
	// Delete removes a tenant and everything that cascades from it.
	Delete(ctx context.Context, id tenancy.ID) error
	// MarkProvisioned records when the tenant was provisioned.
	MarkProvisioned(ctx context.Context, id tenancy.ID, at time.Time) error

	// Credentials returns a tenant's provider credentials.
	Credentials(ctx context.Context, id tenancy.ID) ([]domain.Credential, error)
	// PutCredential creates or replaces one provider's credential.
	PutCredential(ctx context.Context, id tenancy.ID, c domain.Credential) error
	// DeleteCredential removes one; false when there was none.
	DeleteCredential(ctx context.Context, id tenancy.ID, p domain.Provider) (bool, error)

	// Federation returns a tenant's identity provider; domain.ErrNoFederation.
	Federation(ctx context.Context, id tenancy.ID) (domain.Federation, error)
	// PutFederation creates or replaces the identity provider.
	PutFederation(ctx context.Context, id tenancy.ID, f domain.Federation) error
	// DeleteFederation removes it; false when there was none.
	DeleteFederation(ctx context.Context, id tenancy.ID) (bool, error)
	// Federated returns the active tenants that have an identity provider.
	Federated(ctx context.Context) ([]domain.Tenant, error)

	// EncryptedSecrets returns every stored secret, for key rotation.
	EncryptedSecrets(ctx context.Context) ([]StoredSecret, error)
	// ReplaceSecret swaps one stored secret for its re-encrypted form.
	ReplaceSecret(ctx context.Context, s StoredSecret, value string) error
}

// StoredSecret locates one encrypted value.
type StoredSecret struct {
	Tenant   tenancy.ID
	Kind     string // "credential" or "federation"
	Provider string // the credential's provider
	Value    string
}

// Enqueuer queues background tasks; an id makes the task unique while queued.
type Enqueuer interface {
	Enqueue(ctx context.Context, taskType string, payload any, id string) error
}

// Storage prepares and removes a tenant's file storage.
type Storage interface {
	Prepare(ctx context.Context, tenant tenancy.ID) error
	Remove(ctx context.Context, tenant tenancy.ID) error
}

// Secrets encrypts and decrypts stored secrets.
type Secrets interface {
	Enabled() bool
	Encrypt(plain string) (string, error)
	Decrypt(value string) (string, error)
	Rotate(value string) (string, bool, error)
	// MaskEncrypted returns a recognisable, never complete, form of value.
	MaskEncrypted(value string) string
}

// Endpoints checks a provider endpoint before it is saved: one the fetch
// guard would refuse at use (a private or loopback address not in
// FETCH_ALLOWED_HOSTS) is an invalid-input error that says so.
type Endpoints interface {
	Check(ctx context.Context, endpoint string) error
}
