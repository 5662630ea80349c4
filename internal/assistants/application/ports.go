package application

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/assistants/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Repo stores assistants, their prompt history, knowledge and keys.
type Repo interface {
	Insert(ctx context.Context, a domain.Assistant, p domain.Prompt) error
	Get(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Assistant, error)
	ListInSpaces(ctx context.Context, tenant tenancy.ID, spaces []uuid.UUID) ([]domain.Assistant, error)
	Update(ctx context.Context, a domain.Assistant) error
	// AddPrompt stores a new selected prompt and unselects the others.
	AddPrompt(ctx context.Context, tenant tenancy.ID, assistant uuid.UUID, p domain.Prompt) error
	Prompts(ctx context.Context, tenant tenancy.ID, assistant uuid.UUID) ([]domain.Prompt, error)
	Delete(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error
	InsertKey(ctx context.Context, tenant tenancy.ID, k Key, hash []byte) error
	// KeyByHash finds an unrevoked key by the HMAC of its secret; the key
	// is the credential, so the lookup names no tenant.
	KeyByHash(ctx context.Context, hash []byte) (tenancy.ID, Key, error)
	// Keys lists an assistant's keys, revoked ones too, newest first.
	Keys(ctx context.Context, tenant tenancy.ID, assistant uuid.UUID) ([]Key, error)
	// RevokeKey revokes a live key of the assistant; ErrKeyNotFound
	// otherwise.
	RevokeKey(ctx context.Context, tenant tenancy.ID, assistant, id uuid.UUID, at time.Time) error
}

// Key is an assistant-scoped API key (its hash is stored, not the key).
type Key struct {
	ID        uuid.UUID
	Assistant uuid.UUID
	Name      string
	Prefix    string
	CreatedBy uuid.UUID
	CreatedAt time.Time
	// LastUsedAt and RevokedAt are zero until the key is used or revoked.
	LastUsedAt time.Time
	RevokedAt  time.Time
}

// Access is the caller's standing in a space.
type Access struct {
	Space  uuid.UUID
	Role   string
	Models []uuid.UUID
	// Defaults are the space's default models (at most one per kind).
	Defaults []uuid.UUID
}

// Spaces is what assistants ask of the spaces module.
type Spaces interface {
	// Authorize checks the matrix for action on resource in a space; a
	// space the caller cannot enter is NotFound.
	Authorize(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID, resource, action string) (Access, error)
	// Accessible lists the spaces the caller can enter.
	Accessible(ctx context.Context, tenant tenancy.ID, c actor.Caller) ([]Access, error)
	// Can reports what a role may do (the matrix).
	Can(role, resource, action string) bool
}

// ModelInfo is what assistants need to know of a completion model.
type ModelInfo struct {
	ID         uuid.UUID
	TokenLimit int
}

// Models is what assistants ask of the models module.
type Models interface {
	// Completion returns an enabled completion model of the tenant.
	Completion(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (ModelInfo, error)
	// DefaultCompletion returns the tenant's default completion model.
	DefaultCompletion(ctx context.Context, tenant tenancy.ID) (ModelInfo, error)
	// CheckReranker refuses an id that is not an enabled rerank model.
	CheckReranker(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error
}

// Knowledge checks attachments: a collection or website must be in the
// space; it returns the embedding model its chunks are embedded with.
type Knowledge interface {
	CheckCollection(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) (embeddingModel uuid.UUID, err error)
	CheckWebsite(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) (embeddingModel uuid.UUID, err error)
}
