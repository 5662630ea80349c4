package app

import (
	"context"
	"strings"

	assistantsapp "github.com/agora-platform/agora/internal/assistants/application"
	"github.com/agora-platform/agora/internal/platform/auth"
	usersapi "github.com/agora-platform/agora/internal/users/api"
	usersapp "github.com/agora-platform/agora/internal/users/application"
)

// authenticator checks access tokens and user API keys with the users
// module, and assistant-scoped keys with the assistants module (acting as
// the user who made the key, with no tenant permissions of their own).
type authenticator struct {
	users      usersapi.Authenticator
	usersSvc   *usersapp.Service
	assistants *assistantsapp.Service
}

func (a authenticator) AuthenticateToken(ctx context.Context, token string) (auth.Principal, error) {
	return a.users.AuthenticateToken(ctx, token)
}

func (a authenticator) AuthenticateAPIKey(ctx context.Context, key string) (auth.Principal, error) {
	if !strings.HasPrefix(key, assistantsapp.AssistantKeyPrefix) {
		return a.users.AuthenticateAPIKey(ctx, key)
	}
	tenant, k, err := a.assistants.AuthenticateKey(ctx, key)
	if err != nil {
		return auth.Principal{}, err
	}
	c, err := a.usersSvc.CallerFor(ctx, tenant, k.CreatedBy)
	if err != nil {
		return auth.Principal{}, err
	}
	return auth.Principal{UserID: c.User.ID, Tenant: tenant, Email: c.User.Email, APIKeyID: k.ID,
		Scopes: []string{"read", "write"}, AssistantID: k.Assistant}, nil
}
