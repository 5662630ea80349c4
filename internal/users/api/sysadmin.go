package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/application"
)

// RegisterSysadmin adds the user routes to the sysadmin group.
func (h *Handler) RegisterSysadmin(sysadmin *echo.Group) {
	sysadmin.POST("/users", h.sysCreate)
	sysadmin.GET("/users", h.sysList)
	sysadmin.GET("/users/:id", h.sysGet)
	sysadmin.POST("/users/:id", h.sysUpdate)
	sysadmin.DELETE("/users/:id", h.sysDelete)
	sysadmin.POST("/tenants/:id/federation/test", h.testFederation)
	sysadmin.GET("/observability/oidc-debug", h.oidcDebug)
	sysadmin.POST("/observability/oidc-debug", h.setOIDCDebug)
}

// sysCreate godoc
//
//	@Summary		Create a user in any tenant
//	@Description	With a password (checked against the policy) the user is active at once; without, invited.
//	@Tags			sysadmin
//	@Accept			json
//	@Produce		json
//	@Security		SuperKey
//	@Param			body	body		SysadminUserRequest	true	"the user"
//	@Success		201		{object}	UserResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		401		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody	"no such tenant"
//	@Failure		409		{object}	httpx.ErrorBody
//	@Failure		429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/users/ [post]
func (h *Handler) sysCreate(c *echo.Context) error {
	var req SysadminUserRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, err := tenancy.Parse(req.TenantID)
	if err != nil {
		return errs.New(errs.Invalid, "tenant_id must be a tenant's UUID")
	}
	u, err := h.svc.Create(c.Request().Context(), tenant, application.CreateInput{
		Email: req.Email, Username: req.Username, Password: req.Password, PredefinedRoles: req.PredefinedRoles})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toUser(u))
}

// sysList godoc
//
//	@Summary	List a tenant's users
//	@Tags		sysadmin
//	@Produce	json
//	@Security	SuperKey
//	@Param		tenant_id	query		string	true	"tenant id"	format(uuid)
//	@Param		search		query		string	false	"part of an e-mail or name"
//	@Param		limit		query		int		false	"page size (1-200, default 50)"
//	@Param		offset		query		int		false	"items to skip"
//	@Success	200			{object}	UserList
//	@Failure	400			{object}	httpx.ErrorBody
//	@Failure	401			{object}	httpx.ErrorBody
//	@Failure	429			{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/users/ [get]
func (h *Handler) sysList(c *echo.Context) error {
	tenant, err := tenancy.Parse(c.QueryParam("tenant_id"))
	if err != nil {
		return errs.New(errs.Invalid, "tenant_id query parameter must be a tenant's UUID")
	}
	limit, offset, err := paging(c)
	if err != nil {
		return err
	}
	us, n, err := h.svc.List(c.Request().Context(), tenant, c.QueryParam("search"), limit, offset)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUsers(us, n))
}

// sysGet godoc
//
//	@Summary	Get any user
//	@Tags		sysadmin
//	@Produce	json
//	@Security	SuperKey
//	@Param		id	path		string	true	"user id"	format(uuid)
//	@Success	200	{object}	UserResponse
//	@Failure	401	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/users/{id}/ [get]
func (h *Handler) sysGet(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	tenant, err := h.svc.TenantOfUser(ctx, id)
	if err != nil {
		return err
	}
	u, err := h.svc.Get(ctx, tenant, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUser(u))
}

// sysUpdate godoc
//
//	@Summary		Change any user
//	@Description	As the tenant admin route, and the sysadmin may also set a password.
//	@Tags			sysadmin
//	@Accept			json
//	@Produce		json
//	@Security		SuperKey
//	@Param			id		path		string				true	"user id"	format(uuid)
//	@Param			body	body		UpdateUserRequest	true	"fields to change"
//	@Success		200		{object}	UserResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		401		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Failure		409		{object}	httpx.ErrorBody
//	@Failure		429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/users/{id}/ [post]
func (h *Handler) sysUpdate(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	var req UpdateUserRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	patch, err := req.patch()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	tenant, err := h.svc.TenantOfUser(ctx, id)
	if err != nil {
		return err
	}
	if req.Password != nil {
		if err := h.svc.SetPassword(ctx, tenant, id, *req.Password); err != nil {
			return err
		}
	}
	u, err := h.svc.Update(ctx, tenant, [16]byte{}, id, patch)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUser(u))
}

// sysDelete godoc
//
//	@Summary	Delete any user
//	@Tags		sysadmin
//	@Security	SuperKey
//	@Param		id	path	string	true	"user id"	format(uuid)
//	@Success	204
//	@Failure	401	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	409	{object}	httpx.ErrorBody	"last Owner"
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/users/{id}/ [delete]
func (h *Handler) sysDelete(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	tenant, err := h.svc.TenantOfUser(ctx, id)
	if err != nil {
		return err
	}
	if err := h.svc.Delete(ctx, tenant, [16]byte{}, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
