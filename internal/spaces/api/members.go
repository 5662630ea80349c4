package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/spaces/domain"
)

// addMember godoc
//
//	@Summary	Add a user to a shared space (space admins)
//	@Tags		spaces
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string			true	"space id"	format(uuid)
//	@Param		body	body		MemberRequest	true	"user id and role"
//	@Success	200		{object}	SpaceResponse
//	@Failure	400		{object}	httpx.ErrorBody
//	@Failure	403		{object}	httpx.ErrorBody
//	@Failure	404		{object}	httpx.ErrorBody
//	@Router		/api/v1/spaces/{id}/members/ [post]
func (h *Handler) addMember(c *echo.Context) error {
	space, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	var req MemberRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	user, err := uuid.Parse(req.ID)
	if err != nil {
		return errs.New(errs.Invalid, "id must be the user's UUID")
	}
	tenant, caller := Caller(c)
	e, err := h.svc.PutMember(c.Request().Context(), tenant, caller, space, user, domain.Role(req.Role), true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSpace(e))
}

// updateMember godoc
//
//	@Summary	Change a member's role (space admins)
//	@Tags		spaces
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string		true	"space id"	format(uuid)
//	@Param		user_id	path		string		true	"user id"	format(uuid)
//	@Param		body	body		RoleRequest	true	"the role"
//	@Success	200		{object}	SpaceResponse
//	@Failure	403		{object}	httpx.ErrorBody
//	@Failure	404		{object}	httpx.ErrorBody
//	@Failure	409		{object}	httpx.ErrorBody	"last admin"
//	@Router		/api/v1/spaces/{id}/members/{user_id}/ [patch]
func (h *Handler) updateMember(c *echo.Context) error {
	space, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	user, err := httpx.PathUUID(c, "user_id", "user")
	if err != nil {
		return err
	}
	var req RoleRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, caller := Caller(c)
	e, err := h.svc.PutMember(c.Request().Context(), tenant, caller, space, user, domain.Role(req.Role), false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSpace(e))
}

// removeMember godoc
//
//	@Summary	Remove a member (space admins)
//	@Tags		spaces
//	@Security	Bearer
//	@Param		id		path	string	true	"space id"	format(uuid)
//	@Param		user_id	path	string	true	"user id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	409	{object}	httpx.ErrorBody	"last admin"
//	@Router		/api/v1/spaces/{id}/members/{user_id}/ [delete]
func (h *Handler) removeMember(c *echo.Context) error {
	space, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	user, err := httpx.PathUUID(c, "user_id", "user")
	if err != nil {
		return err
	}
	tenant, caller := Caller(c)
	if err := h.svc.RemoveMember(c.Request().Context(), tenant, caller, space, user); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// groupMembers godoc
//
//	@Summary	A space's user-group members
//	@Tags		spaces
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"space id"	format(uuid)
//	@Success	200	{array}		MemberResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/spaces/{id}/group-members/ [get]
func (h *Handler) groupMembers(c *echo.Context) error {
	space, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	tenant, caller := Caller(c)
	e, err := h.svc.Authorize(c.Request().Context(), tenant, caller, space, domain.ResMember, domain.Read)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSpace(e).GroupMembers)
}

// addGroupMember godoc
//
//	@Summary	Give a user group a role in a shared space (space admins)
//	@Tags		spaces
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string			true	"space id"	format(uuid)
//	@Param		body	body		MemberRequest	true	"group id and role"
//	@Success	200		{object}	SpaceResponse
//	@Failure	403		{object}	httpx.ErrorBody
//	@Failure	404		{object}	httpx.ErrorBody
//	@Router		/api/v1/spaces/{id}/group-members/ [post]
func (h *Handler) addGroupMember(c *echo.Context) error {
	space, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	var req MemberRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	group, err := uuid.Parse(req.ID)
	if err != nil {
		return errs.New(errs.Invalid, "id must be the group's UUID")
	}
	tenant, caller := Caller(c)
	e, err := h.svc.PutGroupMember(c.Request().Context(), tenant, caller, space, group, domain.Role(req.Role), true)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSpace(e))
}

// updateGroupMember godoc
//
//	@Summary	Change a user group's role (space admins)
//	@Tags		spaces
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id			path		string		true	"space id"	format(uuid)
//	@Param		group_id	path		string		true	"group id"	format(uuid)
//	@Param		body		body		RoleRequest	true	"the role"
//	@Success	200			{object}	SpaceResponse
//	@Failure	403			{object}	httpx.ErrorBody
//	@Failure	404			{object}	httpx.ErrorBody
//	@Router		/api/v1/spaces/{id}/group-members/{group_id}/ [patch]
func (h *Handler) updateGroupMember(c *echo.Context) error {
	space, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	group, err := httpx.PathUUID(c, "group_id", "group")
	if err != nil {
		return err
	}
	var req RoleRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, caller := Caller(c)
	e, err := h.svc.PutGroupMember(c.Request().Context(), tenant, caller, space, group, domain.Role(req.Role), false)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSpace(e))
}

// removeGroupMember godoc
//
//	@Summary	Take a user group out of a space (space admins)
//	@Tags		spaces
//	@Security	Bearer
//	@Param		id			path	string	true	"space id"	format(uuid)
//	@Param		group_id	path	string	true	"group id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/spaces/{id}/group-members/{group_id}/ [delete]
func (h *Handler) removeGroupMember(c *echo.Context) error {
	space, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	group, err := httpx.PathUUID(c, "group_id", "group")
	if err != nil {
		return err
	}
	tenant, caller := Caller(c)
	if err := h.svc.RemoveGroupMember(c.Request().Context(), tenant, caller, space, group); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
