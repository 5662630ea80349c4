package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/domain"
)

var errKeyMakesKey = errs.New(errs.Forbidden, "API keys cannot create API keys; sign in to create one")

// apiKeys godoc
//
//	@Summary	The caller's API keys (secrets never shown again)
//	@Tags		api-keys
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	APIKeyList
//	@Failure	401	{object}	httpx.ErrorBody
//	@Router		/api/v1/users/api-keys/ [get]
func (h *Handler) apiKeys(c *echo.Context) error {
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	ks, err := h.svc.APIKeys(ctx, p.Tenant, p.UserID)
	if err != nil {
		return err
	}
	out := APIKeyList{Items: make([]APIKeyResponse, len(ks)), Count: len(ks)}
	for i, k := range ks {
		out.Items[i] = toAPIKey(k)
	}
	return c.JSON(http.StatusOK, out)
}

// createAPIKey godoc
//
//	@Summary		Create an API key
//	@Description	The key is in the response this once; it is stored only as an HMAC. Send it in X-API-Key (or as a bearer token). read keys may only read; write keys may change; admin keys may also use admin routes.
//	@Tags			api-keys
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		APIKeyRequest	true	"name, scopes, optional expiry"
//	@Success		201		{object}	CreatedAPIKey
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody	"requested with an API key"
//	@Router			/api/v1/users/api-keys/ [post]
func (h *Handler) createAPIKey(c *echo.Context) error {
	var req APIKeyRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	if p.ViaAPIKey() {
		return errKeyMakesKey
	}
	k, secret, err := h.svc.CreateAPIKey(ctx, p.Tenant, p.UserID, req.Name, req.Scopes, req.Models, expiry(req.ExpiresAt))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, CreatedAPIKey{APIKeyResponse: toAPIKey(k), Key: secret})
}

// revokeAPIKey godoc
//
//	@Summary	Revoke one of the caller's API keys
//	@Tags		api-keys
//	@Security	Bearer
//	@Param		id	path	string	true	"key id"	format(uuid)
//	@Success	204
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/users/api-keys/{id}/ [delete]
func (h *Handler) revokeAPIKey(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "API key")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	if err := h.svc.RevokeAPIKey(ctx, p.Tenant, p.UserID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// roles godoc
//
//	@Summary	The tenant's custom roles
//	@Tags		roles
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	RoleList
//	@Router		/api/v1/roles/ [get]
func (h *Handler) roles(c *echo.Context) error {
	ctx := c.Request().Context()
	rs, err := h.svc.Roles(ctx, tenancy.MustFrom(ctx))
	if err != nil {
		return err
	}
	out := RoleList{Items: make([]RoleResponse, len(rs)), Count: len(rs)}
	for i, r := range rs {
		out.Items[i] = toRole(r)
	}
	return c.JSON(http.StatusOK, out)
}

// permissions godoc
//
//	@Summary	The permissions and the predefined roles
//	@Tags		roles
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	PermissionsResponse
//	@Router		/api/v1/roles/permissions/ [get]
func (h *Handler) permissions(c *echo.Context) error {
	out := PermissionsResponse{Permissions: perms(domain.AllPermissions)}
	for _, n := range domain.PredefinedRoleNames {
		out.PredefinedRoles = append(out.PredefinedRoles, PredefinedRole{Name: n, Permissions: perms(domain.PredefinedRoles[n])})
	}
	return c.JSON(http.StatusOK, out)
}

// role godoc
//
//	@Summary	A custom role
//	@Tags		roles
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"role id"	format(uuid)
//	@Success	200	{object}	RoleResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/roles/{id}/ [get]
func (h *Handler) role(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "role")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.svc.Role(ctx, tenancy.MustFrom(ctx), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRole(r))
}

// createRole godoc
//
//	@Summary	Create a custom role (admin)
//	@Tags		roles
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		body	body		RoleRequest	true	"the role"
//	@Success	201		{object}	RoleResponse
//	@Failure	400		{object}	httpx.ErrorBody
//	@Failure	403		{object}	httpx.ErrorBody
//	@Failure	409		{object}	httpx.ErrorBody
//	@Router		/api/v1/roles/ [post]
func (h *Handler) createRole(c *echo.Context) error {
	var req RoleRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.svc.CreateRole(ctx, tenancy.MustFrom(ctx), req.Name, req.Permissions)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toRole(r))
}

// updateRole godoc
//
//	@Summary	Change a custom role (admin)
//	@Tags		roles
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string		true	"role id"	format(uuid)
//	@Param		body	body		RoleRequest	true	"name and permissions"
//	@Success	200		{object}	RoleResponse
//	@Failure	400		{object}	httpx.ErrorBody
//	@Failure	403		{object}	httpx.ErrorBody
//	@Failure	404		{object}	httpx.ErrorBody
//	@Router		/api/v1/roles/{id}/ [post]
func (h *Handler) updateRole(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "role")
	if err != nil {
		return err
	}
	var req RoleRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	r, err := h.svc.UpdateRole(ctx, tenancy.MustFrom(ctx), id, req.Name, req.Permissions)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toRole(r))
}

// deleteRole godoc
//
//	@Summary	Delete a custom role (admin)
//	@Tags		roles
//	@Security	Bearer
//	@Param		id	path	string	true	"role id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/roles/{id}/ [delete]
func (h *Handler) deleteRole(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "role")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.svc.DeleteRole(ctx, tenancy.MustFrom(ctx), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// groups godoc
//
//	@Summary	The tenant's user groups
//	@Tags		user-groups
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	GroupList
//	@Router		/api/v1/user-groups/ [get]
func (h *Handler) groups(c *echo.Context) error {
	ctx := c.Request().Context()
	gs, err := h.svc.Groups(ctx, tenancy.MustFrom(ctx))
	if err != nil {
		return err
	}
	out := GroupList{Items: make([]GroupResponse, len(gs)), Count: len(gs)}
	for i, g := range gs {
		out.Items[i] = toGroup(g)
	}
	return c.JSON(http.StatusOK, out)
}

// group godoc
//
//	@Summary	A user group with its members
//	@Tags		user-groups
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"group id"	format(uuid)
//	@Success	200	{object}	GroupResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/user-groups/{id}/ [get]
func (h *Handler) group(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user group")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	g, err := h.svc.Group(ctx, tenancy.MustFrom(ctx), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toGroup(g))
}

// createGroup godoc
//
//	@Summary	Create a user group (admin)
//	@Tags		user-groups
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		body	body		GroupRequest	true	"the group"
//	@Success	201		{object}	GroupResponse
//	@Failure	400		{object}	httpx.ErrorBody
//	@Failure	403		{object}	httpx.ErrorBody
//	@Failure	409		{object}	httpx.ErrorBody
//	@Router		/api/v1/user-groups/ [post]
func (h *Handler) createGroup(c *echo.Context) error {
	var req GroupRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	g, err := h.svc.CreateGroup(ctx, tenancy.MustFrom(ctx), req.Name, req.Description)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toGroup(g))
}

// updateGroup godoc
//
//	@Summary	Change a user group (admin)
//	@Tags		user-groups
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string			true	"group id"	format(uuid)
//	@Param		body	body		GroupRequest	true	"name and description"
//	@Success	200		{object}	GroupResponse
//	@Failure	403		{object}	httpx.ErrorBody
//	@Failure	404		{object}	httpx.ErrorBody
//	@Router		/api/v1/user-groups/{id}/ [post]
func (h *Handler) updateGroup(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user group")
	if err != nil {
		return err
	}
	var req GroupRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	g, err := h.svc.UpdateGroup(ctx, tenancy.MustFrom(ctx), id, req.Name, req.Description)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toGroup(g))
}

// deleteGroup godoc
//
//	@Summary	Delete a user group (admin)
//	@Tags		user-groups
//	@Security	Bearer
//	@Param		id	path	string	true	"group id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/user-groups/{id}/ [delete]
func (h *Handler) deleteGroup(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user group")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.svc.DeleteGroup(ctx, tenancy.MustFrom(ctx), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// addMember godoc
//
//	@Summary	Add a user to a group (admin)
//	@Tags		user-groups
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string	true	"group id"	format(uuid)
//	@Param		user_id	path		string	true	"user id"	format(uuid)
//	@Success	200		{object}	GroupResponse
//	@Failure	403		{object}	httpx.ErrorBody
//	@Failure	404		{object}	httpx.ErrorBody
//	@Router		/api/v1/user-groups/{id}/users/{user_id}/ [post]
func (h *Handler) addMember(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user group")
	if err != nil {
		return err
	}
	user, err := httpx.PathUUID(c, "user_id", "user")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	g, err := h.svc.AddGroupMember(ctx, tenancy.MustFrom(ctx), id, user)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toGroup(g))
}

// removeMember godoc
//
//	@Summary	Remove a user from a group (admin)
//	@Tags		user-groups
//	@Security	Bearer
//	@Param		id		path	string	true	"group id"	format(uuid)
//	@Param		user_id	path	string	true	"user id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/user-groups/{id}/users/{user_id}/ [delete]
func (h *Handler) removeMember(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user group")
	if err != nil {
		return err
	}
	user, err := httpx.PathUUID(c, "user_id", "user")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.svc.RemoveGroupMember(ctx, tenancy.MustFrom(ctx), id, user); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
