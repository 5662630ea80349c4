package infrastructure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/audio"
	"github.com/agora-platform/agora/internal/platform/cache"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
)

// Providers reaches models through the provider router, resolving a
// model to its endpoint: the tenant's own provider record for private
// models, else the tenant's (or, in shared mode, the installation's)
// credential for the model's provider type. What it resolves is cached
// for CACHE_TTL (see platform/cache).
type Providers struct {
	router    *ai.Router
	splitter  audio.Splitter
	models    *application.Service
	tenants   Credentials
	catalogs  *cache.Cache[tenancy.ID, catalog]
	endpoints *cache.Cache[endpointKey, ai.Endpoint]
}

// catalog is a tenant's enabled completion, embedding and rerank models;
// listed are the ones the OpenAI-compatible API offers.
type catalog struct {
	byID   map[uuid.UUID]entry
	listed []application.ListedModel
}

type entry struct {
	served
	kind      string
	info      application.ModelInfo
	dims      int
	fallbacks []uuid.UUID
}

type endpointKey struct {
	tenant tenancy.ID
	model  uuid.UUID
}

// Credentials resolve a tenant's (or, in shared mode, the installation's)
// credential for a provider type: the tenants module's service.
type Credentials interface {
	ResolveCredentialFor(ctx context.Context, tenant tenancy.ID, provider string) (tenantsapp.Resolved, error)
}

// NewProviders returns the adapter; its caches join set.
func NewProviders(router *ai.Router, splitter audio.Splitter, models *application.Service, tenants Credentials, set *cache.Set, ttl time.Duration) *Providers {
	return &Providers{router: router, splitter: splitter, models: models, tenants: tenants,
		catalogs:  cache.Add(set, cache.New[tenancy.ID, catalog](10_000, ttl)),
		endpoints: cache.Add(set, cache.New[endpointKey, ai.Endpoint](50_000, ttl))}
}

// catalog loads the tenant's enabled models.
func (g *Providers) catalog(ctx context.Context, tenant tenancy.ID) (catalog, error) {
	return g.catalogs.Get(ctx, tenant, func(ctx context.Context) (catalog, error) {
		c := catalog{byID: map[uuid.UUID]entry{}}
		for _, kind := range []string{"completion", "embedding", "rerank"} {
			vs, err := g.models.VisibleKind(ctx, tenant, kind)
			if err != nil {
				return catalog{}, err
			}
			for _, v := range vs {
				if !v.Enabled {
					continue
				}
				c.byID[v.ID] = entry{served: served{v.ID, v.ProviderID, v.ProviderType, v.ProviderModel, v.Global()}, kind: kind,
					info: application.ModelInfo{ID: v.ID, Name: v.Name, TokenLimit: v.TokenLimit, Local: v.ProviderType == "local"}, dims: v.Dimensions, fallbacks: v.Fallbacks}
				if kind == "rerank" {
					continue
				}
				c.listed = append(c.listed, application.ListedModel{ID: v.ID, Name: v.Name, Kind: kind, Owner: v.ProviderType,
					TokenLimit: v.TokenLimit, Created: v.CreatedAt})
			}
		}
		return c, nil
	})
}

// enabled finds an enabled model; for one the catalog lacks, the registry
// says why (unknown or not enabled).
func (g *Providers) enabled(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (entry, error) {
	c, err := g.catalog(ctx, tenant)
	if err != nil {
		return entry{}, err
	}
	if e, ok := c.byID[id]; ok {
		return e, nil
	}
	m, err := g.models.Enabled(ctx, tenant, id)
	if err != nil {
		return entry{}, err
	}
	return entry{served: served{m.ID, m.ProviderID, m.ProviderType, m.ProviderModel, m.Global()}, kind: string(m.Kind),
		info: application.ModelInfo{ID: m.ID, Name: m.Name, TokenLimit: m.TokenLimit, Local: m.ProviderType == "local"}, dims: m.Dimensions, fallbacks: m.Fallbacks}, nil
}

// Model describes an enabled completion model.
func (g *Providers) Model(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (application.ModelInfo, error) {
	e, err := g.enabled(ctx, tenant, id)
	return e.info, err
}

// Endpoints resolves an enabled model, and after it its fallbacks, to the
// places they are served, in the order the router tries them, and returns
// the provider's name for the model. A fallback the tenant has not enabled,
// or whose credential is missing, is left out; the model itself must
// resolve.
func (g *Providers) Endpoints(ctx context.Context, tenant tenancy.ID, model uuid.UUID) ([]ai.Endpoint, string, error) {
	m, err := g.enabled(ctx, tenant, model)
	if err != nil {
		return nil, "", err
	}
	ep, err := g.endpoint(ctx, tenant, m.served)
	if err != nil {
		return nil, "", err
	}
	eps := []ai.Endpoint{ep}
	for _, id := range m.fallbacks {
		f, err := g.enabled(ctx, tenant, id)
		if err != nil {
			continue
		}
		if ep, err := g.endpoint(ctx, tenant, f.served); err == nil {
			ep.Priority = len(eps)
			eps = append(eps, ep)
		}
	}
	return eps, m.name, nil
}

// served is what endpoint needs of a model.
type served struct {
	id, provider uuid.UUID
	typ, name    string
	global       bool
}

// endpoint is where one model is served.
func (g *Providers) endpoint(ctx context.Context, tenant tenancy.ID, m served) (ai.Endpoint, error) {
	return g.endpoints.Get(ctx, endpointKey{tenant, m.id}, func(ctx context.Context) (ai.Endpoint, error) { return g.resolve(ctx, tenant, m) })
}

// resolve finds the credential that serves m.
func (g *Providers) resolve(ctx context.Context, tenant tenancy.ID, m served) (ai.Endpoint, error) {
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
func (g *Providers) Count(text string) int { return ai.CountTokens(text) }

// Complete streams a raw conversation to an enabled model.
func (g *Providers) Complete(ctx context.Context, tenant tenancy.ID, model uuid.UUID, msgs []application.Message, sp application.Sampling) (application.Pieces, error) {
	eps, name, err := g.Endpoints(ctx, tenant, model)
	if err != nil {
		return nil, err
	}
	out := make([]ai.Message, len(msgs))
	for i, m := range msgs {
		out[i] = ai.Message{Role: ai.Role(m.Role), Content: m.Content}
	}
	s, err := g.router.Chat(ctx, eps, ai.ChatRequest{Model: name, Messages: out, Temperature: sp.Temperature, MaxTokens: sp.MaxTokens,
		TopP: sp.TopP, Stop: sp.Stop, PresencePenalty: sp.PresencePenalty, FrequencyPenalty: sp.FrequencyPenalty, JSONSchema: sp.JSONSchema})
	if err != nil {
		return nil, ai.ClientError(err)
	}
	return pieces{s}, nil
}

// Embed embeds inputs with an enabled embedding model.
func (g *Providers) Embed(ctx context.Context, tenant tenancy.ID, model uuid.UUID, inputs []string) ([][]float32, int, error) {
	m, err := g.enabled(ctx, tenant, model)
	if err != nil {
		return nil, 0, err
	}
	eps, name, err := g.Endpoints(ctx, tenant, model)
	if err != nil {
		return nil, 0, err
	}
	res, err := g.router.Embed(ctx, eps, ai.EmbedRequest{Model: name, Inputs: inputs, Dimensions: m.dims})
	if err != nil {
		return nil, 0, ai.ClientError(err)
	}
	return res.Vectors, res.Usage.PromptTokens, nil
}

// Rerank scores documents against a query with an enabled rerank model.
func (g *Providers) Rerank(ctx context.Context, tenant tenancy.ID, model uuid.UUID, query string, docs []string) ([]float64, int, error) {
	m, err := g.enabled(ctx, tenant, model)
	if err != nil {
		return nil, 0, err
	}
	if m.kind != "rerank" {
		return nil, 0, errs.Newf(errs.Invalid, "model %s (%s) is a %s model, not a rerank model", m.info.Name, model, m.kind)
	}
	eps, name, err := g.Endpoints(ctx, tenant, model)
	if err != nil {
		return nil, 0, err
	}
	res, err := g.router.Rerank(ctx, eps, ai.RerankRequest{Model: name, Query: query, Documents: docs})
	if err != nil {
		return nil, 0, ai.ClientError(err)
	}
	return res.Scores, res.Tokens, nil
}

// Listed returns the tenant's enabled completion and embedding models.
func (g *Providers) Listed(ctx context.Context, tenant tenancy.ID) ([]application.ListedModel, error) {
	c, err := g.catalog(ctx, tenant)
	return c.listed, err
}

// MaxRequestBytes is the most audio one transcription request carries
// (Whisper-style services take 25 MB); longer recordings are split.
const MaxRequestBytes = 24 << 20

// Transcribe sends the recording in one request, or split into segments
// of ten minutes when it is larger than one request may be.
func (g *Providers) Transcribe(ctx context.Context, tenant tenancy.ID, model uuid.UUID, rec application.Recording, progress func(done, total int) error) (string, error) {
	ext := audio.Extensions[rec.MIME]
	name := strings.TrimSuffix(rec.Name, filepath.Ext(rec.Name)) + "." + ext
	if rec.Size <= MaxRequestBytes {
		text, err := g.transcribe(ctx, tenant, model, name, rec.Open)
		if err != nil {
			return "", transcriptionError(rec.Name, err)
		}
		return text, progress(1, 1)
	}
	src, err := rec.Open()
	if err != nil {
		return "", err
	}
	defer src.Close()
	segments, cleanup, err := g.splitter.Split(ctx, src, ext)
	defer cleanup()
	if errors.Is(err, audio.ErrNoFFmpeg) {
		return "", errs.Newf(errs.TooLarge, "%s is larger than %d MiB, the most one transcription request may carry; install ffmpeg on the worker to split long recordings, or upload a shorter one",
			rec.Name, MaxRequestBytes>>20)
	}
	if err != nil {
		return "", errs.Wrap(errs.UnsupportedMediaType, fmt.Sprintf("%s: %v", rec.Name, err), err)
	}
	parts := make([]string, 0, len(segments))
	for i, seg := range segments {
		text, err := g.transcribe(ctx, tenant, model, filepath.Base(seg), func() (io.ReadCloser, error) { return os.Open(seg) })
		if err != nil {
			return "", transcriptionError(fmt.Sprintf("%s (segment %d of %d)", rec.Name, i+1, len(segments)), err)
		}
		parts = append(parts, strings.TrimSpace(text))
		if err := progress(i+1, len(segments)); err != nil {
			return "", err
		}
	}
	return strings.Join(parts, "\n\n"), nil
}

// transcribe sends one recording (or segment) to an enabled
// transcription model (and its fallbacks).
func (g *Providers) transcribe(ctx context.Context, tenant tenancy.ID, model uuid.UUID, name string, open func() (io.ReadCloser, error)) (string, error) {
	eps, provider, err := g.Endpoints(ctx, tenant, model)
	if err != nil {
		return "", err
	}
	res, err := g.router.Transcribe(ctx, eps, ai.TranscribeRequest{Model: provider, Name: name, Open: open})
	if err != nil {
		return "", ai.ClientError(err)
	}
	return res.Text, nil
}

// transcriptionError says which recording failed and keeps the kind the
// provider layer gave (so a bad request is not tried again).
func transcriptionError(what string, err error) error {
	kind, msg := errs.KindOf(err)
	return errs.Wrap(kind, "transcription of "+what+" failed: "+msg, err)
}
