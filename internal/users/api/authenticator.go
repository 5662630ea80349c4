package api

import (
	"context"

	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/users/application"
)

// Authenticator lets the auth middleware use the users service.
type Authenticator struct{ svc *application.Service }

// NewAuthenticator returns the adapter.
func NewAuthenticator(svc *application.Service) Authenticator { return Authenticator{svc: svc} }

// AuthenticateToken checks an access token.
func (a Authenticator) AuthenticateToken(ctx context.Context, token string) (auth.Principal, error) {
	c, err := a.svc.AuthenticateToken(ctx, token)
	if err != nil {
		return auth.Principal{}, err
	}
	return principal(c), nil
}

// AuthenticateAPIKey checks an API key.
func (a Authenticator) AuthenticateAPIKey(ctx context.Context, key string) (auth.Principal, error) {
	c, err := a.svc.AuthenticateAPIKey(ctx, key)
	if err != nil {
		return auth.Principal{}, err
	}
	return principal(c), nil
}

func principal(c application.Caller) auth.Principal {
	p := auth.Principal{UserID: c.User.ID, Tenant: c.User.Tenant, Email: c.User.Email, Permissions: perms(c.Permissions), TokenID: c.TokenID,
		Expires: c.ExpiresAt}
	if c.APIKey.ID != [16]byte{} {
		p.APIKeyID, p.Models = c.APIKey.ID, c.APIKey.Models
		for _, s := range c.APIKey.Scopes {
			p.Scopes = append(p.Scopes, string(s))
		}
	}
	return p
}
