package application

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/prompt"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// ModelInfo describes an enabled model.
type ModelInfo struct {
	ID         uuid.UUID
	Name       string
	TokenLimit int
	// Local is the offline extractive answerer, which quotes documents
	// and is no language model.
	Local bool
}

// ListedModel is an enabled completion or embedding model, as the
// OpenAI-compatible API lists it.
type ListedModel struct {
	ID         uuid.UUID
	Name       string
	Kind       string // completion or embedding
	Owner      string
	TokenLimit int
	Created    time.Time
}

// The conversation and the streamed completion are prompt's types.
type (
	Message  = prompt.Message
	Sampling = prompt.Sampling
	Piece    = prompt.Piece
	Pieces   = prompt.Pieces
)

// Recording is stored audio to transcribe.
type Recording struct {
	Name string
	MIME string
	Size int64
	Open func() (io.ReadCloser, error)
}

// Providers reach a tenant's enabled models where they are served: the
// catalogue and enablement, the credentials, the fallbacks and the
// provider router (models/infrastructure.Providers). Its errors are
// classified (errs kinds) for the client.
type Providers interface {
	Model(ctx context.Context, tenant tenancy.ID, model uuid.UUID) (ModelInfo, error)
	Listed(ctx context.Context, tenant tenancy.ID) ([]ListedModel, error)
	Complete(ctx context.Context, tenant tenancy.ID, model uuid.UUID, msgs []Message, s Sampling) (Pieces, error)
	// Embed embeds inputs and reports the tokens used.
	Embed(ctx context.Context, tenant tenancy.ID, model uuid.UUID, inputs []string) ([][]float32, int, error)
	// Transcribe reads a recording, in segments when it is too long for
	// one request, telling progress after each.
	Transcribe(ctx context.Context, tenant tenancy.ID, model uuid.UUID, rec Recording, progress func(done, total int) error) (string, error)
	// Rerank scores docs against query (higher is more relevant) and
	// reports the tokens used (0: the provider did not say).
	Rerank(ctx context.Context, tenant tenancy.ID, model uuid.UUID, query string, docs []string) ([]float64, int, error)
	// Count estimates the tokens of a text offline.
	Count(text string) int
	// Probe makes one small call to an enabled model alone (no
	// fallbacks) and says how it went; only a model that cannot be
	// resolved is an error.
	Probe(ctx context.Context, tenant tenancy.ID, model uuid.UUID) (Probe, error)
}

// Probe is the outcome of one small call to a model, for an admin testing
// a provider record.
type Probe struct {
	OK      bool
	Latency time.Duration
	// Reply is what came back: the answer's start, or what the model
	// returned ("1536 dimensions").
	Reply string
	// Problem is the provider failure's class (auth, quota,
	// rate_limited, unavailable, bad_request, address_refused, …) and
	// Status its HTTP status (0: no answer); Detail is the provider's own
	// message.
	Problem string
	Status  int
	Detail  string
	// Tokens the call used, when the provider said.
	PromptTokens, CompletionTokens int
}

// Gateway is the one way to a model for every module: chat, the
// OpenAI-compatible API, ingestion and transcription.
type Gateway struct {
	providers Providers
	registry  *Service
	meter     *Metering
	log       *slog.Logger
}

// NewGateway returns the gateway; registry knows the tenants' defaults,
// meter records the usage of the work it does for other modules (Embed).
func NewGateway(p Providers, registry *Service, meter *Metering, log *slog.Logger) *Gateway {
	return &Gateway{providers: p, registry: registry, meter: meter, log: log}
}

// Model describes an enabled model.
func (g *Gateway) Model(ctx context.Context, tenant tenancy.ID, model uuid.UUID) (ModelInfo, error) {
	return g.providers.Model(ctx, tenant, model)
}

// Listed returns the tenant's enabled completion and embedding models.
func (g *Gateway) Listed(ctx context.Context, tenant tenancy.ID) ([]ListedModel, error) {
	return g.providers.Listed(ctx, tenant)
}

// Complete streams a conversation's answer from an enabled model (and its
// fallbacks).
func (g *Gateway) Complete(ctx context.Context, tenant tenancy.ID, model uuid.UUID, msgs []Message, s Sampling) (Pieces, error) {
	return g.providers.Complete(ctx, tenant, model, msgs, s)
}

// EmbedRaw embeds inputs and reports the tokens used, recording nothing:
// the caller records the usage (the OpenAI-compatible API does, under its
// own source).
func (g *Gateway) EmbedRaw(ctx context.Context, tenant tenancy.ID, model uuid.UUID, inputs []string) ([][]float32, int, error) {
	return g.providers.Embed(ctx, tenant, model, inputs)
}

// Embed embeds texts for user's work (ingestion, search) and records the
// usage under source; a usage record that cannot be stored is logged, not
// failed: the vectors are paid for already.
func (g *Gateway) Embed(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID, source string, texts []string) ([][]float32, error) {
	vs, tokens, err := g.providers.Embed(ctx, tenant, model, texts)
	if err != nil {
		return nil, err
	}
	if len(vs) != len(texts) {
		return nil, fmt.Errorf("the embedding model returned %d vectors for %d texts", len(vs), len(texts))
	}
	g.record(ctx, tenant, UsageRecord{User: user, Model: &model, Source: source, PromptTokens: tokens})
	return vs, nil
}

// record stores the usage of work done for another module; a record that
// cannot be stored is logged, not failed: the work is paid for already.
func (g *Gateway) record(ctx context.Context, tenant tenancy.ID, u UsageRecord) {
	if err := g.meter.Record(context.WithoutCancel(ctx), tenant, u); err != nil {
		g.log.WarnContext(ctx, "usage not recorded", "source", u.Source, "err", err)
	}
}

// Transcribe turns a recording into text with an enabled transcription
// model (and its fallbacks), in segments when it is long, telling
// progress after each.
func (g *Gateway) Transcribe(ctx context.Context, tenant tenancy.ID, model uuid.UUID, rec Recording, progress func(done, total int) error) (string, error) {
	return g.providers.Transcribe(ctx, tenant, model, rec, progress)
}

// TranscriptionModel picks the model for a recording: the first of
// preferred (a space's default models) that is an enabled transcription
// model, else the tenant's default.
func (g *Gateway) TranscriptionModel(ctx context.Context, tenant tenancy.ID, preferred []uuid.UUID) (uuid.UUID, error) {
	for _, id := range preferred {
		if m, err := g.registry.Enabled(ctx, tenant, id); err == nil && m.Kind == domain.Transcription {
			return m.ID, nil
		}
	}
	m, err := g.registry.Default(ctx, tenant, domain.Transcription)
	if err != nil {
		return uuid.Nil, errs.New(errs.Invalid, "recordings cannot be transcribed: your organisation has no default transcription model; ask an administrator to choose one")
	}
	return m.ID, nil
}

// Rerank scores docs against query with an enabled rerank model for
// user's work and records the usage under source (the provider's token
// count, else an offline estimate of what was sent).
func (g *Gateway) Rerank(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID, source, query string, docs []string) ([]float64, error) {
	scores, tokens, err := g.providers.Rerank(ctx, tenant, model, query, docs)
	if err != nil {
		return nil, err
	}
	if len(scores) != len(docs) {
		return nil, fmt.Errorf("the rerank model returned %d scores for %d passages", len(scores), len(docs))
	}
	if tokens == 0 { // the query goes with every passage
		tokens = len(docs) * g.providers.Count(query)
		for _, d := range docs {
			tokens += g.providers.Count(d)
		}
	}
	g.record(ctx, tenant, UsageRecord{User: user, Model: &model, Source: source, PromptTokens: tokens})
	return scores, nil
}

// Probe makes one small call to a model for user and records its usage
// under source "model_test".
func (g *Gateway) Probe(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID) (Probe, error) {
	p, err := g.providers.Probe(ctx, tenant, model)
	if err == nil && p.OK && p.PromptTokens+p.CompletionTokens > 0 {
		g.record(ctx, tenant, UsageRecord{User: user, Model: &model, Source: "model_test", PromptTokens: p.PromptTokens, CompletionTokens: p.CompletionTokens})
	}
	return p, err
}

// Count estimates the tokens of a text as usage records count them.
func (g *Gateway) Count(text string) int { return g.providers.Count(text) }
