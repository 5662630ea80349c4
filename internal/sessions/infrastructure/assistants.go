package infrastructure

import (
	"context"

	"github.com/google/uuid"

	assistantsapp "github.com/agora-platform/agora/internal/assistants/application"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/application"
)

// Assistants adapts the assistants module to the sessions module's port.
type Assistants struct{ svc *assistantsapp.Service }

// NewAssistants returns the adapter.
func NewAssistants(svc *assistantsapp.Service) Assistants { return Assistants{svc: svc} }

// ForChat returns an assistant the caller may chat with.
func (a Assistants) ForChat(ctx context.Context, tenant tenancy.ID, c application.Caller, id uuid.UUID) (application.AssistantInfo, error) {
	v, err := a.svc.ForChat(ctx, tenant, assistantsapp.Caller{UserID: c.UserID, TenantAdmin: c.TenantAdmin, Permissions: c.Permissions}, id)
	if err != nil {
		return application.AssistantInfo{}, err
	}
	return application.AssistantInfo{ID: v.ID, Space: v.Space, Name: v.Name, Prompt: v.Prompt, Model: v.Model,
		Temperature: v.Kwargs.Temperature, MaxTokens: v.Kwargs.MaxTokens, Groups: v.Groups, Websites: v.Websites}, nil
}
