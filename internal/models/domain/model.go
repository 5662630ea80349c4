// Package domain holds the model registry's rules: model kinds, provider
// types, what each kind of model must declare, and tenant enablement.
package domain

import (
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Kind is what a model does.
type Kind string

// The model kinds.
const (
	Completion    Kind = "completion"
	Embedding     Kind = "embedding"
	Transcription Kind = "transcription"
	// Rerank models score passages against a question (the /rerank API
	// of vLLM, Infinity, Jina and Cohere) to reorder search results.
	Rerank Kind = "rerank"
)

// Kinds lists the kinds.
var Kinds = []Kind{Completion, Embedding, Transcription, Rerank}

// ProviderTypes are the drivers a model can be served by; "local" is the
// built-in offline provider.
var ProviderTypes = []string{"openai", "anthropic", "azure", "vllm", "mistral", "berget", "ollama", "local"}

// RerankProviders are the provider types whose driver speaks the /rerank
// API (vLLM, Infinity, Jina and Cohere serve it; "openai" is any server
// with an OpenAI-style base URL).
var RerankProviders = []string{"openai", "vllm", "mistral", "berget", "ollama"}

// Limits on model fields.
const (
	MaxTokenLimit = 10_000_000
	MaxDimensions = 4096
	MaxRegion     = 100
)

// Model is a registered model: global (Tenant zero) or private to a tenant
// through one of its provider records.
type Model struct {
	ID            uuid.UUID
	Tenant        tenancy.ID // zero for global models
	ProviderID    uuid.UUID  // zero for global models
	Kind          Kind
	Name          string
	Description   string
	ProviderType  string
	ProviderModel string
	TokenLimit    int
	Dimensions    int
	Vision        bool
	Tools         bool
	// Region is where the model is hosted, as the admin describes it
	// ("EU (Sweden)"); empty: not stated.
	Region string
	// Fallbacks are the models tried, in order, when this one's provider
	// fails before answering (completion models only).
	Fallbacks []uuid.UUID
	// FusionWeight is what hybrid search counts this embedding model's
	// ranking for against full-text search's (1); nil: the default for its
	// provider (Fusion).
	FusionWeight *float64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Errors of the registry.
var (
	ErrNotFound         = errs.New(errs.NotFound, "model not found")
	ErrNameTaken        = errs.New(errs.Conflict, "a model of this kind with this name already exists")
	ErrProviderNotFound = errs.New(errs.NotFound, "model provider not found")
	ErrProviderTaken    = errs.New(errs.Conflict, "a model provider with this name already exists")
	ErrNotEnabled       = errs.New(errs.Invalid, "this model is not enabled for your organisation")
)

// ParseKind validates a kind.
func ParseKind(s string) (Kind, error) {
	k := Kind(s)
	if !slices.Contains(Kinds, k) {
		return "", errs.Newf(errs.Invalid, "kind must be completion, embedding, transcription or rerank, not %q", s)
	}
	return k, nil
}

// Spec is what describes a model, for create and update.
type Spec struct {
	Kind          Kind
	Name          string
	Description   string
	ProviderType  string
	ProviderModel string
	TokenLimit    int
	Dimensions    int
	Vision        bool
	Tools         bool
	Region        string
	Fallbacks     []uuid.UUID
	// FusionWeight is set only for embedding models (nil: the default).
	FusionWeight *float64
}

// LocalFusionWeight is the default fusion weight of the built-in local
// embedder: it hashes the same words BM25 matches, only more coarsely, so
// it counts for little next to full-text search (README, Knowledge: chosen
// by `agora eval scifact`). Other embedding models count as much as BM25.
const LocalFusionWeight = 0.1

// Fusion is the weight hybrid search gives this embedding model's ranking.
func (m Model) Fusion() float64 {
	switch {
	case m.FusionWeight != nil:
		return *m.FusionWeight
	case m.ProviderType == "local":
		return LocalFusionWeight
	}
	return 1
}

// Validate checks a spec: completion models need a token limit, embedding
// models their dimensions; every model names its provider type and model.
func (s Spec) Validate() error {
	if !slices.Contains(Kinds, s.Kind) {
		return errs.New(errs.Invalid, "kind must be completion, embedding, transcription or rerank")
	}
	if n := utf8.RuneCountInString(strings.TrimSpace(s.Name)); n < 1 || n > 200 {
		return errs.New(errs.Invalid, "name must be 1 to 200 characters")
	}
	if utf8.RuneCountInString(s.Description) > 2000 {
		return errs.New(errs.Invalid, "description must be at most 2000 characters")
	}
	if utf8.RuneCountInString(s.Region) > MaxRegion {
		return errs.InvalidField("hosting_region", "hosting_region must be at most %d characters", MaxRegion)
	}
	if !slices.Contains(ProviderTypes, s.ProviderType) {
		return errs.Newf(errs.Invalid, "provider_type must be one of %s", strings.Join(ProviderTypes, ", "))
	}
	if s.Kind == Rerank && !slices.Contains(RerankProviders, s.ProviderType) {
		return errs.Newf(errs.Invalid, "rerank models are served by providers with the /rerank API: provider_type must be one of %s", strings.Join(RerankProviders, ", "))
	}
	if strings.TrimSpace(s.ProviderModel) == "" || len(s.ProviderModel) > 200 {
		return errs.New(errs.Invalid, "provider_model (the provider's name for the model) is required")
	}
	if s.TokenLimit < 0 || s.TokenLimit > MaxTokenLimit || (s.Kind == Completion && s.TokenLimit == 0) {
		return errs.Newf(errs.Invalid, "token_limit must be between 1 and %d for completion models", MaxTokenLimit)
	}
	if s.Kind == Embedding && (s.Dimensions < 1 || s.Dimensions > MaxDimensions) {
		return errs.Newf(errs.Invalid, "dimensions must be between 1 and %d for embedding models", MaxDimensions)
	}
	if s.Kind != Embedding && s.Dimensions != 0 {
		return errs.New(errs.Invalid, "only embedding models have dimensions")
	}
	if w := s.FusionWeight; w != nil && (s.Kind != Embedding || !(*w >= 0 && *w <= 1)) {
		return errs.InvalidField("fusion_weight", "fusion_weight is for embedding models only, between 0 and 1")
	}
	return s.validateFallbacks()
}

// MaxFallbacks bounds a model's fallback list.
const MaxFallbacks = 3

func (s Spec) validateFallbacks() error {
	if len(s.Fallbacks) == 0 {
		return nil
	}
	if s.Kind != Completion {
		return errs.New(errs.Invalid, "only completion models have fallbacks (embeddings from another model would not match)")
	}
	if len(s.Fallbacks) > MaxFallbacks {
		return errs.Newf(errs.Invalid, "fallback_model_ids may name at most %d models", MaxFallbacks)
	}
	for i, id := range s.Fallbacks {
		if slices.Contains(s.Fallbacks[:i], id) {
			return errs.Newf(errs.Invalid, "fallback_model_ids names %s twice", id)
		}
	}
	return nil
}

// Apply sets the spec's fields on the model.
func (m *Model) Apply(s Spec, now time.Time) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if m.Kind != "" && m.Kind != s.Kind {
		return errs.New(errs.Invalid, "a model's kind cannot change")
	}
	m.Kind, m.Name, m.Description = s.Kind, strings.TrimSpace(s.Name), strings.TrimSpace(s.Description)
	m.ProviderType, m.ProviderModel = s.ProviderType, strings.TrimSpace(s.ProviderModel)
	m.TokenLimit, m.Dimensions, m.Vision, m.Tools, m.UpdatedAt = s.TokenLimit, s.Dimensions, s.Vision, s.Tools, now
	m.Region = strings.TrimSpace(s.Region)
	if slices.Contains(s.Fallbacks, m.ID) {
		return errs.New(errs.Invalid, "a model cannot be its own fallback")
	}
	m.Fallbacks, m.FusionWeight = slices.Clone(s.Fallbacks), s.FusionWeight
	return nil
}

// Spec returns the model's describing fields.
func (m Model) Spec() Spec {
	return Spec{Kind: m.Kind, Name: m.Name, Description: m.Description, ProviderType: m.ProviderType, ProviderModel: m.ProviderModel,
		TokenLimit: m.TokenLimit, Dimensions: m.Dimensions, Vision: m.Vision, Tools: m.Tools, Fallbacks: slices.Clone(m.Fallbacks),
		FusionWeight: m.FusionWeight}
}

// Global reports whether the model is installation-wide.
func (m Model) Global() bool { return m.Tenant.IsZero() }

// Setting is a tenant's choice about one model.
type Setting struct {
	Enabled bool
	Default bool
}

// Normalize makes a default model enabled and a disabled one not default.
func (s Setting) Normalize() Setting {
	if s.Default {
		s.Enabled = true
	}
	if !s.Enabled {
		s.Default = false
	}
	return s
}

// View is a model as a tenant sees it.
type View struct {
	Model
	Setting
}

// Provider is a tenant's own provider record (endpoint and key) that its
// private models use. APIKey is encrypted.
type Provider struct {
	ID           uuid.UUID
	Tenant       tenancy.ID
	Name         string
	ProviderType string
	Endpoint     string
	APIKey       string
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// ProviderInput describes a provider record, key in plain text (empty on
// update keeps the stored key).
type ProviderInput struct {
	Name         string
	ProviderType string
	Endpoint     string
	APIKey       string
}

// Validate checks a provider record.
func (in ProviderInput) Validate() error {
	if n := utf8.RuneCountInString(strings.TrimSpace(in.Name)); n < 1 || n > 100 {
		return errs.New(errs.Invalid, "name must be 1 to 100 characters")
	}
	if !slices.Contains(ProviderTypes, in.ProviderType) || in.ProviderType == "local" {
		return errs.Newf(errs.Invalid, "provider_type must be one of %s except local", strings.Join(ProviderTypes, ", "))
	}
	if in.Endpoint != "" {
		if u, err := url.Parse(in.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errs.New(errs.Invalid, "endpoint must be an http(s) URL")
		}
	}
	if (in.ProviderType == "vllm" || in.ProviderType == "azure" || in.ProviderType == "ollama") && in.Endpoint == "" {
		return errs.Newf(errs.Invalid, "%s providers need an endpoint", in.ProviderType)
	}
	return nil
}
