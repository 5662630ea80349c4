package infrastructure

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"

	assistantsapp "github.com/agora-platform/agora/internal/assistants/application"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/cache"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/application"
)

// Assistants adapts the assistants module to the sessions module's port.
// Who may chat with which assistant is cached for CACHE_TTL: every change
// made through the API empties the cache (see platform/cache).
type Assistants struct {
	svc   *assistantsapp.Service
	cache *cache.Cache[string, application.AssistantInfo]
}

// NewAssistants returns the adapter; its cache joins set.
func NewAssistants(svc *assistantsapp.Service, set *cache.Set, ttl time.Duration) Assistants {
	return Assistants{svc: svc, cache: cache.Add(set, cache.New[string, application.AssistantInfo](50_000, ttl))}
}

// ForChat returns an assistant the caller may chat with.
func (a Assistants) ForChat(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (application.AssistantInfo, error) {
	key := fmt.Sprint(tenant, c.UserID, id, c.TenantAdmin, c.Permissions)
	return a.cache.Get(ctx, key, func(ctx context.Context) (application.AssistantInfo, error) {
		v, err := a.svc.ForChat(ctx, tenant, actor.Caller{UserID: c.UserID, TenantAdmin: c.TenantAdmin, Permissions: c.Permissions}, id)
		if err != nil {
			return application.AssistantInfo{}, err
		}
		return application.AssistantInfo{ID: v.ID, Space: v.Space, Name: v.Name, Prompt: v.Prompt, Model: v.Model,
			Temperature: v.Kwargs.Temperature, MaxTokens: v.Kwargs.MaxTokens, Groups: v.Groups, Websites: v.Websites,
			RetrievalMode: v.Retrieval.Mode, TopK: v.Retrieval.TopK, MinScore: v.Retrieval.MinScore, Rerank: v.Retrieval.Rerank}, nil
	})
}
