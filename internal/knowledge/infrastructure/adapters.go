package infrastructure

import (
	"context"

	filesapp "github.com/agora-platform/agora/internal/files/application"

	"github.com/google/uuid"

	jobsapp "github.com/agora-platform/agora/internal/jobs/application"
	"github.com/agora-platform/agora/internal/knowledge/application"
	modelsapp "github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	spacesapp "github.com/agora-platform/agora/internal/spaces/application"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
)

// Spaces adapts the spaces module.
type Spaces struct{ svc *spacesapp.Service }

// NewSpaces returns the adapter.
func NewSpaces(svc *spacesapp.Service) Spaces { return Spaces{svc: svc} }

// Authorize checks the matrix in a space.
func (s Spaces) Authorize(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID, resource, action string) error {
	_, err := s.svc.AuthorizeNamed(ctx, tenant, c, space, resource, action)
	return err
}

// DefaultModels are a space's default models.
func (s Spaces) DefaultModels(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID) ([]uuid.UUID, error) {
	e, err := s.svc.Enter(ctx, tenant, c, space)
	if err != nil {
		return nil, err
	}
	return e.DefaultModels, nil
}

// Readable lists the spaces the caller can enter.
func (s Spaces) Readable(ctx context.Context, tenant tenancy.ID, c actor.Caller) ([]uuid.UUID, error) {
	es, err := s.svc.List(ctx, tenant, c)
	if err != nil {
		return nil, err
	}
	out := make([]uuid.UUID, len(es))
	for i, e := range es {
		out[i] = e.ID
	}
	return out, nil
}

// Models adapts the models module.
type Models struct{ svc *modelsapp.Service }

// NewModels returns the adapter.
func NewModels(svc *modelsapp.Service) Models { return Models{svc: svc} }

// Embedding returns an enabled embedding model.
func (m Models) Embedding(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (application.EmbeddingModel, error) {
	mod, err := m.svc.Enabled(ctx, tenant, id)
	if err != nil {
		return application.EmbeddingModel{}, err
	}
	if mod.Kind != "embedding" {
		return application.EmbeddingModel{}, errs.Newf(errs.Invalid, "model %s is a %s model, not an embedding model", mod.Name, mod.Kind)
	}
	return application.EmbeddingModel{ID: mod.ID, Name: mod.Name, Dimensions: mod.Dimensions, FusionWeight: mod.Fusion()}, nil
}

// DefaultEmbedding returns the tenant's default embedding model.
func (m Models) DefaultEmbedding(ctx context.Context, tenant tenancy.ID) (application.EmbeddingModel, error) {
	mod, err := m.svc.Default(ctx, tenant, "embedding")
	if err != nil {
		return application.EmbeddingModel{}, err
	}
	return application.EmbeddingModel{ID: mod.ID, Name: mod.Name, Dimensions: mod.Dimensions, FusionWeight: mod.Fusion()}, nil
}

// Languages reads tenants' full-text language.
type Languages struct{ svc *tenantsapp.Service }

// NewLanguages returns the adapter.
func NewLanguages(svc *tenantsapp.Service) Languages { return Languages{svc: svc} }

// Language is the tenant's full-text search language.
func (l Languages) Language(ctx context.Context, tenant tenancy.ID) (string, error) {
	t, err := l.svc.Get(ctx, tenant)
	if err != nil {
		return "", err
	}
	return t.Settings.Language, nil
}

// Jobs adapts the jobs module.
type Jobs struct{ svc *jobsapp.Service }

// NewJobs returns the adapter.
func NewJobs(svc *jobsapp.Service) Jobs { return Jobs{svc: svc} }

// Create stores a queued job.
func (j Jobs) Create(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID, task, name string, payload []byte) error {
	_, err := j.svc.Create(ctx, jobsapp.NewJob{Tenant: tenant, User: user, ID: id, Task: task, Name: name, Payload: payload})
	return err
}

// Dispatch queues a created job.
func (j Jobs) Dispatch(ctx context.Context, tenant tenancy.ID, id uuid.UUID) {
	j.svc.DispatchID(ctx, tenant, id)
}

// Status tells how a job stands.
func (j Jobs) Status(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (string, error) {
	s, err := j.svc.Status(ctx, tenant, id)
	return string(s), err
}

// Complete ends a job that needed no work.
func (j Jobs) Complete(ctx context.Context, tenant tenancy.ID, id uuid.UUID, message, result string) error {
	_, err := j.svc.Complete(ctx, tenant, id, message, result)
	return err
}

// Stop cancels a job whose subject is gone.
func (j Jobs) Stop(ctx context.Context, tenant tenancy.ID, id uuid.UUID, message string) error {
	return j.svc.Stop(ctx, tenant, id, message)
}

// Run does a job's work.
func (j Jobs) Run(ctx context.Context, tenant tenancy.ID, id uuid.UUID, work func(context.Context, func(int, string) error) (string, error)) error {
	return j.svc.Run(ctx, tenant, id, work)
}

// Embedder embeds through the models module's gateway, which records the
// usage.
type Embedder struct{ gw *modelsapp.Gateway }

// NewEmbedder returns the adapter.
func NewEmbedder(gw *modelsapp.Gateway) Embedder { return Embedder{gw: gw} }

// Embed turns texts into vectors with an enabled embedding model.
func (e Embedder) Embed(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID, source string, texts []string) ([][]float32, error) {
	return e.gw.Embed(ctx, tenant, user, model, source, texts)
}

// Reranker reorders search results with a rerank model through the
// models module's gateway.
type Reranker struct{ gw *modelsapp.Gateway }

// NewReranker returns the adapter.
func NewReranker(gw *modelsapp.Gateway) Reranker { return Reranker{gw: gw} }

// Rerank scores docs against query with an enabled rerank model.
func (r Reranker) Rerank(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID, source, query string, docs []string) ([]float64, error) {
	return r.gw.Rerank(ctx, tenant, user, model, source, query, docs)
}

// Room checks the storage quota through the files module, whose
// attachments share it.
type Room struct{ svc *filesapp.Service }

// NewRoom returns the adapter.
func NewRoom(svc *filesapp.Service) Room { return Room{svc: svc} }

// CheckRoom refuses a document of size that does not fit.
func (r Room) CheckRoom(ctx context.Context, tenant tenancy.ID, size int64, name string) error {
	return r.svc.CheckRoom(ctx, tenant, size, name)
}

// Tokens counts tokens as the models module's gateway does, so chunk
// sizes match what usage records count.
type Tokens struct{ gw *modelsapp.Gateway }

// NewTokens returns the adapter.
func NewTokens(gw *modelsapp.Gateway) Tokens { return Tokens{gw: gw} }

// Count estimates the tokens of a text offline.
func (t Tokens) Count(text string) int { return t.gw.Count(text) }
