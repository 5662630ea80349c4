package infrastructure

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/google/uuid"

	modelsapp "github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/application"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
)

// Generator answers prompts through the provider router, resolving a
// model to its endpoint: the tenant's own provider record for private
// models, else the tenant's (or, in shared mode, the installation's)
// credential for the model's provider type.
type Generator struct {
	router  *ai.Router
	models  *modelsapp.Service
	tenants *tenantsapp.Service
}

// NewGenerator returns the adapter.
func NewGenerator(router *ai.Router, models *modelsapp.Service, tenants *tenantsapp.Service) *Generator {
	return &Generator{router: router, models: models, tenants: tenants}
}

// Model describes an enabled completion model.
func (g *Generator) Model(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (application.ModelInfo, error) {
	m, err := g.models.Enabled(ctx, tenant, id)
	if err != nil {
		return application.ModelInfo{}, err
	}
	return application.ModelInfo{ID: m.ID, Name: m.Name, TokenLimit: m.TokenLimit}, nil
}

// Endpoints resolves an enabled model, and after it its fallbacks, to the
// places they are served, in the order the router tries them, and returns
// the provider's name for the model. A fallback the tenant has not enabled,
// or whose credential is missing, is left out; the model itself must
// resolve.
func (g *Generator) Endpoints(ctx context.Context, tenant tenancy.ID, model uuid.UUID) ([]ai.Endpoint, string, error) {
	m, err := g.models.Enabled(ctx, tenant, model)
	if err != nil {
		return nil, "", err
	}
	ep, err := g.endpoint(ctx, tenant, served{m.ID, m.ProviderID, m.ProviderType, m.ProviderModel, m.Global()})
	if err != nil {
		return nil, "", err
	}
	eps := []ai.Endpoint{ep}
	for _, id := range m.Fallbacks {
		f, err := g.models.Enabled(ctx, tenant, id)
		if err != nil {
			continue
		}
		if ep, err := g.endpoint(ctx, tenant, served{f.ID, f.ProviderID, f.ProviderType, f.ProviderModel, f.Global()}); err == nil {
			ep.Priority = len(eps)
			eps = append(eps, ep)
		}
	}
	return eps, m.ProviderModel, nil
}

// served is what endpoint needs of a model.
type served struct {
	id, provider uuid.UUID
	typ, name    string
	global       bool
}

// endpoint is where one model is served.
func (g *Generator) endpoint(ctx context.Context, tenant tenancy.ID, m served) (ai.Endpoint, error) {
	ep := ai.Endpoint{Name: m.typ + ":" + m.id.String(), Type: m.typ, Model: m.name}
	switch {
	case m.typ == "local":
	case !m.global:
		base, key, err := g.models.ProviderCredential(ctx, tenant, m.provider)
		if err != nil {
			return ai.Endpoint{}, err
		}
		ep.BaseURL, ep.APIKey = base, key
	case m.typ == "ollama":
	default:
		r, err := g.tenants.ResolveCredentialFor(ctx, tenant, m.typ)
		if err != nil {
			return ai.Endpoint{}, err
		}
		ep.BaseURL, ep.APIKey, ep.APIVersion, ep.Deployment = r.Endpoint, r.APIKey, r.APIVersion, r.Deployment
	}
	return ep, nil
}

// citeRule tells the model how to cite the sources it is given.
const citeRule = "Answer from the sources below when they are relevant and cite them as [n] with their id. If they do not hold the answer, say so."

// Generate streams an answer to the prompt.
func (g *Generator) Generate(ctx context.Context, tenant tenancy.ID, model uuid.UUID, p application.Prompt) (application.Pieces, error) {
	eps, name, err := g.Endpoints(ctx, tenant, model)
	if err != nil {
		return nil, err
	}
	s, err := g.router.Chat(ctx, eps, ai.ChatRequest{Model: name, Messages: Messages(p), Temperature: p.Temperature, MaxTokens: p.MaxTokens})
	if err != nil {
		return nil, ai.ClientError(err)
	}
	return pieces{s}, nil
}

// Messages renders a prompt: instructions and sources as the system
// message, then the history and the question.
func Messages(p application.Prompt) []ai.Message {
	var sys strings.Builder
	sys.WriteString(p.Instructions)
	if len(p.Sources) > 0 {
		if sys.Len() > 0 {
			sys.WriteString("\n\n")
		}
		sys.WriteString(citeRule)
		for _, s := range p.Sources {
			sys.WriteString("\n\n" + ai.FormatSource(s.Number, s.Reference.Title, s.Text))
		}
	}
	var out []ai.Message
	if sys.Len() > 0 {
		out = append(out, ai.Message{Role: ai.System, Content: sys.String()})
	}
	for _, h := range p.History {
		out = append(out, ai.Message{Role: ai.Role(h.Role), Content: h.Content})
	}
	return append(out, ai.Message{Role: ai.User, Content: p.Question})
}

type pieces struct{ s ai.Stream }

func (p pieces) Next() (application.Piece, error) {
	c, err := p.s.Recv()
	if errors.Is(err, io.EOF) {
		return application.Piece{}, io.EOF
	}
	if err != nil {
		return application.Piece{}, ai.ClientError(err)
	}
	out := application.Piece{Delta: c.Delta, FinishReason: c.FinishReason}
	if c.Usage != nil {
		out.HasUsage, out.PromptTokens, out.CompletionTokens = true, c.Usage.PromptTokens, c.Usage.CompletionTokens
	}
	return out, nil
}

func (p pieces) Close() error { return p.s.Close() }

// Count estimates tokens offline.
func (g *Generator) Count(text string) int { return ai.CountTokens(text) }

// Complete streams a raw conversation to an enabled model.
func (g *Generator) Complete(ctx context.Context, tenant tenancy.ID, model uuid.UUID, msgs []application.Message, temperature *float64, maxTokens *int) (application.Pieces, error) {
	eps, name, err := g.Endpoints(ctx, tenant, model)
	if err != nil {
		return nil, err
	}
	out := make([]ai.Message, len(msgs))
	for i, m := range msgs {
		out[i] = ai.Message{Role: ai.Role(m.Role), Content: m.Content}
	}
	s, err := g.router.Chat(ctx, eps, ai.ChatRequest{Model: name, Messages: out, Temperature: temperature, MaxTokens: maxTokens})
	if err != nil {
		return nil, ai.ClientError(err)
	}
	return pieces{s}, nil
}

// Embed embeds inputs with an enabled embedding model.
func (g *Generator) Embed(ctx context.Context, tenant tenancy.ID, model uuid.UUID, inputs []string) ([][]float32, int, error) {
	m, err := g.models.Enabled(ctx, tenant, model)
	if err != nil {
		return nil, 0, err
	}
	eps, name, err := g.Endpoints(ctx, tenant, model)
	if err != nil {
		return nil, 0, err
	}
	res, err := g.router.Embed(ctx, eps, ai.EmbedRequest{Model: name, Inputs: inputs, Dimensions: m.Dimensions})
	if err != nil {
		return nil, 0, ai.ClientError(err)
	}
	return res.Vectors, res.Usage.PromptTokens, nil
}

// Listed returns the tenant's enabled completion and embedding models.
func (g *Generator) Listed(ctx context.Context, tenant tenancy.ID) ([]application.ListedModel, error) {
	var out []application.ListedModel
	for _, kind := range []string{"completion", "embedding"} {
		vs, err := g.models.VisibleKind(ctx, tenant, kind)
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			if v.Enabled {
				out = append(out, application.ListedModel{ID: v.ID, Name: v.Name, Kind: kind, Owner: v.ProviderType,
					TokenLimit: v.TokenLimit, Created: v.CreatedAt})
			}
		}
	}
	return out, nil
}
