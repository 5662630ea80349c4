package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/spaces/application"
	"github.com/agora-platform/agora/internal/spaces/domain"
)

// CreateSpaceRequest creates a shared space.
type CreateSpaceRequest struct {
	Name        string `json:"name" example:"Social services"`
	Description string `json:"description,omitempty"`
} // @name CreateSpaceRequest

// UpdateSpaceRequest changes a space; omitted fields stay.
type UpdateSpaceRequest struct {
	Name        *string   `json:"name,omitempty"`
	Description *string   `json:"description,omitempty"`
	Models      *[]string `json:"models,omitempty"`
	// DefaultModels are the space's defaults, one per kind, among models.
	DefaultModels *[]string `json:"default_models,omitempty"`
} // @name UpdateSpaceRequest

// MemberRequest adds a member or changes their role.
type MemberRequest struct {
	ID   string `json:"id" format:"uuid"`
	Role string `json:"role" enums:"admin,editor,viewer"`
} // @name SpaceMemberRequest

// RoleRequest changes a member's role.
type RoleRequest struct {
	Role string `json:"role" enums:"admin,editor,viewer"`
} // @name SpaceRoleRequest

// MemberResponse is a member and their role.
type MemberResponse struct {
	ID   string `json:"id" format:"uuid"`
	Role string `json:"role"`
} // @name SpaceMember

// SpaceResponse is a space with the caller's role and permissions.
type SpaceResponse struct {
	ID            string              `json:"id" format:"uuid"`
	Kind          string              `json:"kind" enums:"personal,shared,organization"`
	Personal      bool                `json:"personal"`
	Name          string              `json:"name"`
	Description   string              `json:"description"`
	Role          string              `json:"role" enums:"owner,admin,editor,viewer"`
	Permissions   map[string][]string `json:"permissions"`
	Members       []MemberResponse    `json:"members"`
	GroupMembers  []MemberResponse    `json:"group_members"`
	Models        []string            `json:"models"`
	DefaultModels []string            `json:"default_models"`
	CreatedAt     time.Time           `json:"created_at"`
	UpdatedAt     time.Time           `json:"updated_at"`
} // @name Space

// SpaceList is the caller's spaces.
type SpaceList struct {
	Items []SpaceResponse `json:"items"`
	Count int             `json:"count"`
} // @name SpaceList

func toSpace(e application.Entered) SpaceResponse {
	r := SpaceResponse{ID: e.ID.String(), Kind: string(e.Kind), Personal: e.Kind == domain.Personal, Name: e.Name,
		Description: e.Description, Role: string(e.Role), Permissions: map[string][]string{},
		Members: []MemberResponse{}, GroupMembers: []MemberResponse{}, Models: ids(e.Models), DefaultModels: ids(e.DefaultModels), CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
	for res, acts := range domain.Permissions(e.Role) {
		for _, a := range acts {
			r.Permissions[string(res)] = append(r.Permissions[string(res)], string(a))
		}
	}
	for _, m := range e.Members {
		r.Members = append(r.Members, MemberResponse{ID: m.UserID.String(), Role: string(m.Role)})
	}
	for _, g := range e.GroupMembers {
		r.GroupMembers = append(r.GroupMembers, MemberResponse{ID: g.GroupID.String(), Role: string(g.Role)})
	}
	return r
}

func ids(us []uuid.UUID) []string {
	out := make([]string, len(us))
	for i, u := range us {
		out[i] = u.String()
	}
	return out
}
