package infrastructure

import (
	"context"

	knowledgeapp "github.com/agora-platform/agora/internal/knowledge/application"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/assistants/application"
	modelsapp "github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	spacesapp "github.com/agora-platform/agora/internal/spaces/application"
)

// Spaces adapts the spaces module to the assistants module's port.
type Spaces struct{ svc *spacesapp.Service }

// NewSpaces returns the adapter.
func NewSpaces(svc *spacesapp.Service) Spaces { return Spaces{svc: svc} }

// Authorize checks the matrix in a space.
func (s Spaces) Authorize(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID, resource, action string) (application.Access, error) {
	e, err := s.svc.AuthorizeNamed(ctx, tenant, c, space, resource, action)
	if err != nil {
		return application.Access{}, err
	}
	return application.Access{Space: e.ID, Role: string(e.Role), Models: e.Models, Defaults: e.DefaultModels}, nil
}

// Accessible lists the spaces the caller can enter.
func (s Spaces) Accessible(ctx context.Context, tenant tenancy.ID, c actor.Caller) ([]application.Access, error) {
	es, err := s.svc.List(ctx, tenant, c)
	if err != nil {
		return nil, err
	}
	out := make([]application.Access, len(es))
	for i, e := range es {
		out[i] = application.Access{Space: e.ID, Role: string(e.Role), Models: e.Models, Defaults: e.DefaultModels}
	}
	return out, nil
}

// Can reports what a role may do.
func (s Spaces) Can(role, resource, action string) bool { return s.svc.Can(role, resource, action) }

// Models adapts the models module to the assistants module's port.
type Models struct{ svc *modelsapp.Service }

// NewModels returns the adapter.
func NewModels(svc *modelsapp.Service) Models { return Models{svc: svc} }

// Completion returns an enabled completion model of the tenant.
func (m Models) Completion(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (application.ModelInfo, error) {
	mod, err := m.svc.Enabled(ctx, tenant, id)
	if err != nil {
		return application.ModelInfo{}, err
	}
	if mod.Kind != "completion" {
		return application.ModelInfo{}, errs.New(errs.Invalid, "completion_model must be a completion model")
	}
	return application.ModelInfo{ID: mod.ID, TokenLimit: mod.TokenLimit}, nil
}

// CheckReranker refuses an id that is not an enabled rerank model.
func (m Models) CheckReranker(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	mod, err := m.svc.Enabled(ctx, tenant, id)
	if err != nil {
		return errs.Wrap(errs.Invalid, "retrieval.rerank_model_id: "+err.Error(), err)
	}
	if mod.Kind != "rerank" {
		return errs.InvalidField("retrieval.rerank_model_id", "retrieval.rerank_model_id must name a rerank model; %s is a %s model", mod.Name, mod.Kind)
	}
	return nil
}

// DefaultCompletion returns the tenant's default completion model.
func (m Models) DefaultCompletion(ctx context.Context, tenant tenancy.ID) (application.ModelInfo, error) {
	mod, err := m.svc.Default(ctx, tenant, "completion")
	if err != nil {
		return application.ModelInfo{}, err
	}
	return application.ModelInfo{ID: mod.ID, TokenLimit: mod.TokenLimit}, nil
}

// Knowledge checks the collections and websites an assistant attaches,
// through the knowledge module.
type Knowledge struct{ w *knowledgeapp.Websites }

// NewKnowledge returns the adapter.
func NewKnowledge(w *knowledgeapp.Websites) Knowledge { return Knowledge{w: w} }

// CheckCollection returns the embedding model of a collection of the space.
func (k Knowledge) CheckCollection(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) (uuid.UUID, error) {
	return k.w.CheckCollection(ctx, tenant, space, id)
}

// CheckWebsite returns the embedding model of a website of the space.
func (k Knowledge) CheckWebsite(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) (uuid.UUID, error) {
	return k.w.CheckWebsite(ctx, tenant, space, id)
}
