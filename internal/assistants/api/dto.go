package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/assistants/application"
	"github.com/agora-platform/agora/internal/assistants/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
)

// IDRef is {"id": "<uuid>"}.
type IDRef struct {
	ID string `json:"id" format:"uuid"`
} // @name IDRef

// PromptRef carries a prompt's text.
type PromptRef struct {
	Text string `json:"text" example:"You help staff answer questions about parking permits."`
} // @name PromptRef

// Retrieval is how an assistant searches its knowledge.
type Retrieval struct {
	// Mode picks the rankers: both fused (default), or one of them.
	Mode string `json:"mode" enums:"hybrid,vector,text" example:"hybrid"`
	// TopK is how many passages at most (1 to 100; 0: 30).
	TopK int `json:"top_k" example:"30"`
	// MinScore drops passages scoring below it (0 to 1; with a rerank
	// model, its scores).
	MinScore float64 `json:"min_score" example:"0"`
	// RerankModelID names an enabled rerank model that reorders the
	// fused passages before the best top_k are kept (null or "": none).
	RerankModelID *string `json:"rerank_model_id" format:"uuid" extensions:"x-nullable"`
} // @name AssistantRetrieval

// KwargsDTO are generation settings.
type KwargsDTO struct {
	Temperature *float64 `json:"temperature,omitempty" example:"0.2"`
	MaxTokens   *int     `json:"max_tokens,omitempty" example:"1024"`
} // @name CompletionModelKwargs

// CreateAssistantRequest creates an assistant in a space.
type CreateAssistantRequest struct {
	Name            string     `json:"name" example:"Parking helper"`
	Description     string     `json:"description,omitempty"`
	SpaceID         string     `json:"space_id" format:"uuid"`
	Prompt          *PromptRef `json:"prompt,omitempty"`
	CompletionModel *IDRef     `json:"completion_model,omitempty"`
	Kwargs          *KwargsDTO `json:"completion_model_kwargs,omitempty"`
	Groups          []IDRef    `json:"groups,omitempty"`
	Websites        []IDRef    `json:"websites,omitempty"`
	Retrieval       *Retrieval `json:"retrieval,omitempty"`
	// StarterQuestions are offered in an empty chat (at most 6, each at
	// most 300 characters; blank ones are dropped).
	StarterQuestions []string `json:"starter_questions,omitempty" example:"How do I apply for a parking permit?"`
	Published        bool     `json:"published"`
} // @name CreateAssistantRequest

// UpdateAssistantRequest changes an assistant; omitted fields stay.
type UpdateAssistantRequest struct {
	Name            *string    `json:"name,omitempty"`
	Description     *string    `json:"description,omitempty"`
	Prompt          *PromptRef `json:"prompt,omitempty"`
	CompletionModel *IDRef     `json:"completion_model,omitempty"`
	Kwargs          *KwargsDTO `json:"completion_model_kwargs,omitempty"`
	Groups          *[]IDRef   `json:"groups,omitempty"`
	Websites        *[]IDRef   `json:"websites,omitempty"`
	Retrieval       *Retrieval `json:"retrieval,omitempty"`
	// StarterQuestions replaces the starter questions ([] removes them).
	StarterQuestions *[]string `json:"starter_questions,omitempty"`
	Published        *bool     `json:"published,omitempty"`
} // @name UpdateAssistantRequest

// AssistantResponse is an assistant with what the caller may do with it.
type AssistantResponse struct {
	ID              string    `json:"id" format:"uuid"`
	SpaceID         string    `json:"space_id" format:"uuid"`
	Name            string    `json:"name"`
	Description     string    `json:"description"`
	Prompt          PromptRef `json:"prompt"`
	CompletionModel IDRef     `json:"completion_model"`
	Kwargs          KwargsDTO `json:"completion_model_kwargs"`
	Groups          []IDRef   `json:"groups"`
	Websites        []IDRef   `json:"websites"`
	Retrieval       Retrieval `json:"retrieval"`
	// StarterQuestions are offered in an empty chat.
	StarterQuestions []string  `json:"starter_questions"`
	Published        bool      `json:"published"`
	Permissions      []string  `json:"permissions" example:"read,edit"`
	CreatedAt        time.Time `json:"created_at"`
	UpdatedAt        time.Time `json:"updated_at"`
} // @name Assistant

// AssistantList is a list of assistants.
type AssistantList struct {
	Items []AssistantResponse `json:"items"`
	Count int                 `json:"count"`
} // @name AssistantList

// ApplicationsResponse lists a space's applications.
type ApplicationsResponse struct {
	Assistants AssistantList `json:"assistants"`
} // @name SpaceApplications

// PromptResponse is one prompt version.
type PromptResponse struct {
	ID        string    `json:"id" format:"uuid"`
	Text      string    `json:"text"`
	Selected  bool      `json:"selected"`
	CreatedBy string    `json:"created_by" format:"uuid"`
	CreatedAt time.Time `json:"created_at"`
} // @name AssistantPrompt

// PromptList is an assistant's prompt history, newest first.
type PromptList struct {
	Items []PromptResponse `json:"items"`
	Count int              `json:"count"`
} // @name AssistantPromptList

// KeyRequest names an assistant key.
type KeyRequest struct {
	Name string `json:"name,omitempty" example:"website widget"`
} // @name AssistantKeyRequest

// KeyResponse is a new assistant key, shown once.
type KeyResponse struct {
	ID          string `json:"id" format:"uuid"`
	AssistantID string `json:"assistant_id" format:"uuid"`
	Name        string `json:"name"`
	Prefix      string `json:"prefix"`
	// Key is the secret, only in the answer that created it.
	Key        string     `json:"key,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at,omitempty"`
	RevokedAt  *time.Time `json:"revoked_at,omitempty"`
} // @name AssistantKey

// KeyList is an assistant's keys, newest first.
type KeyList struct {
	Items []KeyResponse `json:"items"`
} // @name AssistantKeyList

func toAssistant(v application.View) AssistantResponse {
	return AssistantResponse{ID: v.ID.String(), SpaceID: v.Space.String(), Name: v.Name, Description: v.Description,
		Prompt: PromptRef{Text: v.Prompt}, CompletionModel: IDRef{ID: v.Model.String()},
		Kwargs: KwargsDTO{Temperature: v.Kwargs.Temperature, MaxTokens: v.Kwargs.MaxTokens},
		Groups: refs(v.Groups), Websites: refs(v.Websites), StarterQuestions: nonNil(v.Starters), Published: v.Published, Permissions: nonNil(v.Actions),
		Retrieval: Retrieval{Mode: retrievalMode(v.Retrieval.Mode), TopK: v.Retrieval.TopK, MinScore: v.Retrieval.MinScore,
			RerankModelID: optionalID(v.Retrieval.Rerank)},
		CreatedAt: v.CreatedAt, UpdatedAt: v.UpdatedAt}
}

func toList(vs []application.View) AssistantList {
	out := AssistantList{Items: make([]AssistantResponse, len(vs)), Count: len(vs)}
	for i, v := range vs {
		out.Items[i] = toAssistant(v)
	}
	return out
}

func toPrompt(p domain.Prompt) PromptResponse {
	return PromptResponse{ID: p.ID.String(), Text: p.Text, Selected: p.Selected, CreatedBy: p.CreatedBy.String(), CreatedAt: p.CreatedAt}
}

func refs(ids []uuid.UUID) []IDRef {
	out := make([]IDRef, len(ids))
	for i, id := range ids {
		out[i] = IDRef{ID: id.String()}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// retrievalMode shows the default mode by its name.
func retrievalMode(m string) string {
	if m == "" {
		return "hybrid"
	}
	return m
}

func (r *Retrieval) domain() (domain.Retrieval, error) {
	if r == nil {
		return domain.Retrieval{}, nil
	}
	out := domain.Retrieval{Mode: r.Mode, TopK: r.TopK, MinScore: r.MinScore}
	if r.RerankModelID != nil && *r.RerankModelID != "" {
		id, err := uuid.Parse(*r.RerankModelID)
		if err != nil {
			return out, errs.InvalidField("retrieval.rerank_model_id", "retrieval.rerank_model_id must be a model's UUID")
		}
		out.Rerank = id
	}
	return out, nil
}

// optionalID is an id, or null for none.
func optionalID(id uuid.UUID) *string {
	if id == uuid.Nil {
		return nil
	}
	s := id.String()
	return &s
}
