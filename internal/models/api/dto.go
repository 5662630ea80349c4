package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
)

// ModelRequest registers or changes a model.
type ModelRequest struct {
	Name          string `json:"name" example:"GPT-4o"`
	Description   string `json:"description,omitempty"`
	ProviderType  string `json:"provider_type" enums:"openai,anthropic,azure,vllm,mistral,berget,ollama,local" example:"openai"`
	ProviderModel string `json:"provider_model" example:"gpt-4o"`
	TokenLimit    int    `json:"token_limit" example:"128000"`
	Dimensions    int    `json:"dimensions,omitempty" example:"1536"`
	Vision        bool   `json:"vision"`
	Tools         bool   `json:"tools"`
	// HostingRegion says where the model runs, for users to judge where
	// their text goes (free text, at most 100 characters).
	HostingRegion string `json:"hosting_region,omitempty" example:"EU (Sweden)"`
	// FallbackModelIDs are completion models tried in order when this
	// model's provider fails before answering (at most 3).
	FallbackModelIDs []string `json:"fallback_model_ids,omitempty"`
	// FusionWeight is what hybrid search counts an embedding model's
	// ranking for against full-text search's (0 to 1; omitted: 1, or 0.1
	// for the built-in local embedder).
	FusionWeight *float64 `json:"fusion_weight,omitempty" minimum:"0" maximum:"1" example:"0.5"`
} // @name ModelRequest

// ModelResponse is a model; tenant routes add the tenant's setting.
type ModelResponse struct {
	ID               string   `json:"id" format:"uuid"`
	Kind             string   `json:"kind" enums:"completion,embedding,transcription,rerank"`
	Name             string   `json:"name"`
	Description      string   `json:"description"`
	ProviderType     string   `json:"provider_type"`
	ProviderModel    string   `json:"provider_model"`
	TokenLimit       int      `json:"token_limit"`
	Dimensions       int      `json:"dimensions"`
	Vision           bool     `json:"vision"`
	Tools            bool     `json:"tools"`
	HostingRegion    string   `json:"hosting_region"`
	Global           bool     `json:"global"`
	ProviderID       *string  `json:"provider_id"`
	FallbackModelIDs []string `json:"fallback_model_ids"`
	// FusionWeight is the weight hybrid search gives an embedding model's
	// ranking (set, or its provider's default); 0 for other kinds.
	FusionWeight float64   `json:"fusion_weight"`
	IsEnabled    bool      `json:"is_enabled"`
	IsDefault    bool      `json:"is_default"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
} // @name Model

// ModelList is a list of models.
type ModelList struct {
	Items []ModelResponse `json:"items"`
	Count int             `json:"count"`
} // @name ModelList

// SettingRequest enables a model for a tenant and may make it the default.
type SettingRequest struct {
	IsEnabled bool `json:"is_enabled"`
	IsDefault bool `json:"is_default"`
} // @name ModelSettingRequest

// ProviderRequest creates or replaces a tenant provider record.
type ProviderRequest struct {
	Name         string `json:"name" example:"Our vLLM"`
	ProviderType string `json:"provider_type" enums:"openai,anthropic,azure,vllm,mistral,berget,ollama" example:"vllm"`
	Endpoint     string `json:"endpoint,omitempty" example:"http://vllm.internal:8000/v1"`
	APIKey       string `json:"api_key,omitempty"`
} // @name ModelProviderRequest

// ProviderResponse is a provider record; the key is masked.
type ProviderResponse struct {
	ID           string    `json:"id" format:"uuid"`
	Name         string    `json:"name"`
	ProviderType string    `json:"provider_type"`
	Endpoint     string    `json:"endpoint"`
	APIKey       string    `json:"api_key"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
} // @name ModelProvider

// ProviderList is a tenant's provider records.
type ProviderList struct {
	Items []ProviderResponse `json:"items"`
	Count int                `json:"count"`
} // @name ModelProviderList

func (r ModelRequest) spec(kind domain.Kind) (domain.Spec, error) {
	s := domain.Spec{Kind: kind, Name: r.Name, Description: r.Description, ProviderType: r.ProviderType, ProviderModel: r.ProviderModel,
		TokenLimit: r.TokenLimit, Dimensions: r.Dimensions, Vision: r.Vision, Tools: r.Tools, Region: r.HostingRegion, FusionWeight: r.FusionWeight}
	for _, f := range r.FallbackModelIDs {
		id, err := uuid.Parse(f)
		if err != nil {
			return domain.Spec{}, errs.Newf(errs.Invalid, "fallback_model_ids: %q is not a model id", f)
		}
		s.Fallbacks = append(s.Fallbacks, id)
	}
	return s, nil
}

func toModel(m domain.Model, s domain.Setting) ModelResponse {
	r := ModelResponse{ID: m.ID.String(), Kind: string(m.Kind), Name: m.Name, Description: m.Description, ProviderType: m.ProviderType,
		ProviderModel: m.ProviderModel, TokenLimit: m.TokenLimit, Dimensions: m.Dimensions, Vision: m.Vision, Tools: m.Tools,
		HostingRegion: m.Region, Global: m.Global(), IsEnabled: s.Enabled, IsDefault: s.Default, CreatedAt: m.CreatedAt, UpdatedAt: m.UpdatedAt,
		FallbackModelIDs: make([]string, len(m.Fallbacks))}
	for i, f := range m.Fallbacks {
		r.FallbackModelIDs[i] = f.String()
	}
	if m.Kind == domain.Embedding {
		r.FusionWeight = m.Fusion()
	}
	if !m.Global() {
		id := m.ProviderID.String()
		r.ProviderID = &id
	}
	return r
}

func toProvider(p domain.Provider) ProviderResponse {
	return ProviderResponse{ID: p.ID.String(), Name: p.Name, ProviderType: p.ProviderType, Endpoint: p.Endpoint, APIKey: p.APIKey,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt}
}
