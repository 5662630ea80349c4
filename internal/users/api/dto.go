package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/users/application"
	"github.com/agora-platform/agora/internal/users/domain"
)

// TokenResponse is the answer to a sign-in or a refresh.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type" example:"bearer"`
	ExpiresIn    int    `json:"expires_in" example:"900"`
	RefreshToken string `json:"refresh_token"`
} // @name TokenResponse

// RefreshRequest is the body of the refresh and logout routes.
type RefreshRequest struct {
	RefreshToken string `json:"refresh_token" form:"refresh_token"`
} // @name RefreshRequest

// UserResponse is a user as the API shows it.
type UserResponse struct {
	ID              string    `json:"id" format:"uuid"`
	TenantID        string    `json:"tenant_id" format:"uuid"`
	Email           string    `json:"email" example:"anna@sundsvall.se"`
	Username        string    `json:"username" example:"anna"`
	State           string    `json:"state" enums:"invited,active,deactivated"`
	PredefinedRoles []string  `json:"predefined_roles" example:"User"`
	RoleIDs         []string  `json:"role_ids"`
	CreatedAt       time.Time `json:"created_at"`
	UpdatedAt       time.Time `json:"updated_at"`
} // @name User

// MeResponse is the signed-in user with effective permissions.
type MeResponse struct {
	UserResponse
	Permissions []string `json:"permissions" example:"assistants,apps"`
	// Features are the installation's optional parts that are on, so a
	// client shows only what works: tenant_credentials (admins manage
	// their organisation's provider keys), email (invitations and
	// password links are e-mailed).
	Features []string `json:"features" example:"email"`
} // @name Me

// UserList is a page of users.
type UserList struct {
	Items []UserResponse `json:"items"`
	Count int            `json:"count"`
} // @name UserList

// InviteRequest is the body of POST /users/admin/invite/.
type InviteRequest struct {
	Email           string   `json:"email" example:"anna@sundsvall.se"`
	Username        string   `json:"username,omitempty"`
	PredefinedRoles []string `json:"predefined_roles,omitempty" example:"User"`
	RoleIDs         []string `json:"role_ids,omitempty"`
} // @name InviteRequest

// SysadminUserRequest is the body of POST /sysadmin/users/.
type SysadminUserRequest struct {
	Email           string   `json:"email"`
	Username        string   `json:"username,omitempty"`
	Password        string   `json:"password,omitempty"`
	TenantID        string   `json:"tenant_id" format:"uuid"`
	PredefinedRoles []string `json:"predefined_roles,omitempty" example:"Owner"`
} // @name SysadminUserRequest

// UpdateUserRequest changes a user; omitted fields stay as they are.
type UpdateUserRequest struct {
	Username        *string   `json:"username,omitempty"`
	PredefinedRoles *[]string `json:"predefined_roles,omitempty"`
	RoleIDs         *[]string `json:"role_ids,omitempty"`
	State           *string   `json:"state,omitempty" enums:"active,deactivated"`
	// Password is accepted only by the sysadmin route.
	Password *string `json:"password,omitempty"`
} // @name UpdateUserRequest

// RoleRequest creates or changes a custom role.
type RoleRequest struct {
	Name        string   `json:"name" example:"Knowledge editors"`
	Permissions []string `json:"permissions" example:"collections,websites"`
} // @name RoleRequest

// RoleResponse is a custom role.
type RoleResponse struct {
	ID          string    `json:"id" format:"uuid"`
	Name        string    `json:"name"`
	Permissions []string  `json:"permissions"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
} // @name Role

// RoleList is the tenant's custom roles.
type RoleList struct {
	Items []RoleResponse `json:"items"`
	Count int            `json:"count"`
} // @name RoleList

// PredefinedRole is a built-in role and its permissions.
type PredefinedRole struct {
	Name        string   `json:"name" example:"AI Configurator"`
	Permissions []string `json:"permissions"`
} // @name PredefinedRole

// PermissionsResponse lists the permissions and the predefined roles.
type PermissionsResponse struct {
	Permissions     []string         `json:"permissions"`
	PredefinedRoles []PredefinedRole `json:"predefined_roles"`
} // @name Permissions

// GroupRequest creates or changes a user group.
type GroupRequest struct {
	Name        string `json:"name" example:"Social services"`
	Description string `json:"description,omitempty"`
} // @name UserGroupRequest

// GroupResponse is a user group with its members' ids.
type GroupResponse struct {
	ID          string    `json:"id" format:"uuid"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Members     []string  `json:"members"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
} // @name UserGroup

// GroupList is the tenant's user groups.
type GroupList struct {
	Items []GroupResponse `json:"items"`
	Count int             `json:"count"`
} // @name UserGroupList

// APIKeyRequest creates an API key.
type APIKeyRequest struct {
	Name      string     `json:"name" example:"reporting script"`
	Scopes    []string   `json:"scopes" example:"read"`
	Models    []string   `json:"models,omitempty" example:"Local extractive answerer"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
} // @name APIKeyRequest

// APIKeyResponse is a key without its secret.
type APIKeyResponse struct {
	ID         string     `json:"id" format:"uuid"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix" example:"agk_Xy3k9Q"`
	Scopes     []string   `json:"scopes"`
	Models     []string   `json:"models"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	CreatedAt  time.Time  `json:"created_at"`
} // @name APIKey

// CreatedAPIKey is a new key with its secret, shown this once.
type CreatedAPIKey struct {
	APIKeyResponse
	Key string `json:"key" example:"agk_..."`
} // @name CreatedAPIKey

// APIKeyList is the caller's keys.
type APIKeyList struct {
	Items []APIKeyResponse `json:"items"`
	Count int              `json:"count"`
} // @name APIKeyList

// TenantResponse is the caller's tenant.
type TenantResponse struct {
	ID          string `json:"id" format:"uuid"`
	Name        string `json:"name"`
	Slug        string `json:"slug"`
	DisplayName string `json:"display_name"`
	State       string `json:"state"`
} // @name UserTenant

func toUser(u domain.User) UserResponse {
	return UserResponse{ID: u.ID.String(), TenantID: u.Tenant.String(), Email: u.Email, Username: u.Username, State: string(u.State),
		PredefinedRoles: nonNil(u.PredefinedRoles), RoleIDs: ids(u.RoleIDs), CreatedAt: u.CreatedAt, UpdatedAt: u.UpdatedAt}
}

func toUsers(us []domain.User, n int) UserList {
	out := UserList{Items: make([]UserResponse, len(us)), Count: n}
	for i, u := range us {
		out.Items[i] = toUser(u)
	}
	return out
}

func toRole(r domain.Role) RoleResponse {
	return RoleResponse{ID: r.ID.String(), Name: r.Name, Permissions: perms(r.Permissions), CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

func toGroup(g domain.Group) GroupResponse {
	return GroupResponse{ID: g.ID.String(), Name: g.Name, Description: g.Description, Members: ids(g.Members), CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

func toAPIKey(k domain.APIKey) APIKeyResponse {
	ss := make([]string, len(k.Scopes))
	for i, s := range k.Scopes {
		ss[i] = string(s)
	}
	return APIKeyResponse{ID: k.ID.String(), Name: k.Name, Prefix: k.Prefix, Scopes: ss, Models: nonNil(k.Models), ExpiresAt: httpx.OptionalTime(k.ExpiresAt),
		LastUsedAt: httpx.OptionalTime(k.LastUsedAt), RevokedAt: httpx.OptionalTime(k.RevokedAt), CreatedAt: k.CreatedAt}
}

func toTokens(p application.TokenPair) TokenResponse {
	return TokenResponse{AccessToken: p.AccessToken, TokenType: "bearer", ExpiresIn: int(p.ExpiresIn.Seconds()), RefreshToken: p.RefreshToken}
}

func perms(ps []domain.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

func ids(us []uuid.UUID) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.String()
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
