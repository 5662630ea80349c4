// Package api drives the tenants module from outside: the sysadmin HTTP
// routes and the provisioning task.
package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/application"
)

// Handler serves the sysadmin tenant routes.
type Handler struct{ svc *application.Service }

// NewHandler returns a Handler.
func NewHandler(svc *application.Service) *Handler { return &Handler{svc: svc} }

// Register adds the routes to the sysadmin group (/api/v1/sysadmin, guarded
// by the super key).
func (h *Handler) Register(sysadmin *echo.Group) {
	sysadmin.POST("/tenants", h.create)
	sysadmin.GET("/tenants", h.list)
	sysadmin.GET("/tenants/:id", h.get)
}

// create godoc
//
//	@Summary		Create a tenant
//	@Description	Creates an active tenant and queues its provisioning in the worker.
//	@Tags			sysadmin
//	@Accept			json
//	@Produce		json
//	@Security		SuperKey
//	@Param			body	body		CreateTenantRequest	true	"the tenant"
//	@Success		201		{object}	TenantResponse
//	@Failure		400		{object}	httpx.ErrorBody	"invalid name"
//	@Failure		401		{object}	httpx.ErrorBody	"missing or wrong super key"
//	@Failure		409		{object}	httpx.ErrorBody	"name already used"
//	@Router			/api/v1/sysadmin/tenants/ [post]
func (h *Handler) create(c *echo.Context) error {
	var req CreateTenantRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	t, err := h.svc.Create(c.Request().Context(), application.CreateInput{Name: req.Name, DisplayName: req.DisplayName})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toResponse(t))
}

// list godoc
//
//	@Summary	List tenants
//	@Tags		sysadmin
//	@Produce	json
//	@Security	SuperKey
//	@Param		limit	query		int	false	"page size (1-200, default 50)"
//	@Param		offset	query		int	false	"items to skip"
//	@Success	200		{object}	TenantList
//	@Failure	400		{object}	httpx.ErrorBody
//	@Failure	401		{object}	httpx.ErrorBody
//	@Router		/api/v1/sysadmin/tenants/ [get]
func (h *Handler) list(c *echo.Context) error {
	limit, err := intQuery(c, "limit")
	if err != nil {
		return err
	}
	offset, err := intQuery(c, "offset")
	if err != nil {
		return err
	}
	ts, n, err := h.svc.List(c.Request().Context(), limit, offset)
	if err != nil {
		return err
	}
	out := TenantList{Items: make([]TenantResponse, len(ts)), Count: n}
	for i, t := range ts {
		out.Items[i] = toResponse(t)
	}
	return c.JSON(http.StatusOK, out)
}

// get godoc
//
//	@Summary	Get a tenant
//	@Tags		sysadmin
//	@Produce	json
//	@Security	SuperKey
//	@Param		id	path		string	true	"tenant id"	format(uuid)
//	@Success	200	{object}	TenantResponse
//	@Failure	400	{object}	httpx.ErrorBody	"malformed id"
//	@Failure	401	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/sysadmin/tenants/{id}/ [get]
func (h *Handler) get(c *echo.Context) error {
	id, err := tenancy.Parse(c.Param("id"))
	if err != nil {
		return errs.New(errs.Invalid, "invalid tenant id: expected a UUID")
	}
	t, err := h.svc.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toResponse(t))
}

func intQuery(c *echo.Context, name string) (int, error) {
	s := c.QueryParam(name)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, errs.Newf(errs.Invalid, "%s must be a whole number", name)
	}
	return n, nil
}
