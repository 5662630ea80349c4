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
	"github.com/agora-platform/agora/internal/tenants/domain"
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
	sysadmin.POST("/tenants/:id", h.update)
	sysadmin.DELETE("/tenants/:id", h.delete)
	sysadmin.GET("/tenants/:id/credentials", h.credentials)
	sysadmin.PUT("/tenants/:id/credentials/:provider", h.setCredential)
	sysadmin.DELETE("/tenants/:id/credentials/:provider", h.deleteCredential)
	sysadmin.GET("/tenants/:id/federation", h.federation)
	sysadmin.PUT("/tenants/:id/federation", h.setFederation)
	sysadmin.DELETE("/tenants/:id/federation", h.deleteFederation)
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
//	@Failure		429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/tenants/ [post]
func (h *Handler) create(c *echo.Context) error {
	var req CreateTenantRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	t, err := h.svc.Create(c.Request().Context(), application.CreateInput{Name: req.Name, DisplayName: req.DisplayName, Slug: req.Slug})
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
//	@Failure	429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
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
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/tenants/{id}/ [get]
func (h *Handler) get(c *echo.Context) error {
	id, err := tenantID(c)
	if err != nil {
		return err
	}
	t, err := h.svc.Get(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toResponse(t))
}

// update godoc
//
//	@Summary		Update a tenant
//	@Description	Changes the given fields; omitted fields stay. Suspending a tenant makes its users' requests fail with 403.
//	@Tags			sysadmin
//	@Accept			json
//	@Produce		json
//	@Security		SuperKey
//	@Param			id		path		string				true	"tenant id"	format(uuid)
//	@Param			body	body		UpdateTenantRequest	true	"fields to change"
//	@Success		200		{object}	TenantResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		401		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Failure		409		{object}	httpx.ErrorBody	"name or slug already used"
//	@Failure		429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/tenants/{id}/ [post]
func (h *Handler) update(c *echo.Context) error {
	id, err := tenantID(c)
	if err != nil {
		return err
	}
	var req UpdateTenantRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	t, err := h.svc.Update(c.Request().Context(), id, req.patch())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toResponse(t))
}

// delete godoc
//
//	@Summary		Delete a tenant
//	@Description	Deletes the tenant with everything it owns; its files are removed by the worker.
//	@Tags			sysadmin
//	@Security		SuperKey
//	@Param			id	path	string	true	"tenant id"	format(uuid)
//	@Success		204
//	@Failure		401	{object}	httpx.ErrorBody
//	@Failure		404	{object}	httpx.ErrorBody
//	@Failure		429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/tenants/{id}/ [delete]
func (h *Handler) delete(c *echo.Context) error {
	id, err := tenantID(c)
	if err != nil {
		return err
	}
	if err := h.svc.Delete(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// credentials godoc
//
//	@Summary	List a tenant's provider credentials (keys masked)
//	@Tags		sysadmin
//	@Produce	json
//	@Security	SuperKey
//	@Param		id	path		string	true	"tenant id"	format(uuid)
//	@Success	200	{object}	CredentialList
//	@Failure	401	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/tenants/{id}/credentials [get]
func (h *Handler) credentials(c *echo.Context) error {
	id, err := tenantID(c)
	if err != nil {
		return err
	}
	cs, err := h.svc.Credentials(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCredentialList(cs))
}

// setCredential godoc
//
//	@Summary		Set a tenant's provider credential
//	@Description	Stores the key encrypted (Fernet, enc:fernet:v1:). azure needs endpoint, api_version and deployment_name; vllm needs endpoint (its key is optional). An endpoint the fetch guard would refuse at use (loopback, private, link-local or metadata address, or a name resolving only to such, not in FETCH_ALLOWED_HOSTS) is 400 naming the address and FETCH_ALLOWED_HOSTS.
//	@Tags			sysadmin
//	@Accept			json
//	@Produce		json
//	@Security		SuperKey
//	@Param			id			path		string				true	"tenant id"	format(uuid)
//	@Param			provider	path		string				true	"provider"	Enums(openai, anthropic, azure, vllm, mistral, berget)
//	@Param			body		body		CredentialRequest	true	"the credential"
//	@Success		200			{object}	CredentialResponse
//	@Failure		400			{object}	httpx.ErrorBody
//	@Failure		401			{object}	httpx.ErrorBody
//	@Failure		404			{object}	httpx.ErrorBody
//	@Failure		503			{object}	httpx.ErrorBody	"ENCRYPTION_KEY not configured"
//	@Failure		429			{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/tenants/{id}/credentials/{provider} [put]
func (h *Handler) setCredential(c *echo.Context) error {
	id, err := tenantID(c)
	if err != nil {
		return err
	}
	p, err := domain.ParseProvider(c.Param("provider"))
	if err != nil {
		return err
	}
	var req CredentialRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	cr, err := h.svc.SetCredential(c.Request().Context(), id, p, domain.CredentialInput{
		APIKey: req.APIKey, Endpoint: req.Endpoint, APIVersion: req.APIVersion, Deployment: req.DeploymentName})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCredential(cr))
}

// deleteCredential godoc
//
//	@Summary	Remove a tenant's provider credential
//	@Tags		sysadmin
//	@Security	SuperKey
//	@Param		id			path	string	true	"tenant id"	format(uuid)
//	@Param		provider	path	string	true	"provider"	Enums(openai, anthropic, azure, vllm, mistral, berget)
//	@Success	204
//	@Failure	401	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/tenants/{id}/credentials/{provider} [delete]
func (h *Handler) deleteCredential(c *echo.Context) error {
	id, err := tenantID(c)
	if err != nil {
		return err
	}
	p, err := domain.ParseProvider(c.Param("provider"))
	if err != nil {
		return err
	}
	if err := h.svc.DeleteCredential(c.Request().Context(), id, p); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// federation godoc
//
//	@Summary	Get a tenant's identity provider (secret masked)
//	@Tags		sysadmin
//	@Produce	json
//	@Security	SuperKey
//	@Param		id	path		string	true	"tenant id"	format(uuid)
//	@Success	200	{object}	FederationResponse
//	@Failure	401	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody	"no tenant, or no identity provider"
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/tenants/{id}/federation [get]
func (h *Handler) federation(c *echo.Context) error {
	id, err := tenantID(c)
	if err != nil {
		return err
	}
	f, err := h.svc.Federation(c.Request().Context(), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFederation(f))
}

// setFederation godoc
//
//	@Summary		Set a tenant's identity provider
//	@Description	The client secret is stored encrypted. Users whose e-mail domain is not in allowed_domains cannot sign in (any domain when the list is empty).
//	@Tags			sysadmin
//	@Accept			json
//	@Produce		json
//	@Security		SuperKey
//	@Param			id		path		string				true	"tenant id"	format(uuid)
//	@Param			body	body		FederationRequest	true	"the identity provider"
//	@Success		200		{object}	FederationResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		401		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Failure		503		{object}	httpx.ErrorBody	"ENCRYPTION_KEY not configured"
//	@Failure		429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/tenants/{id}/federation [put]
func (h *Handler) setFederation(c *echo.Context) error {
	id, err := tenantID(c)
	if err != nil {
		return err
	}
	var req FederationRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	f, err := h.svc.SetFederation(c.Request().Context(), id, domain.FederationInput(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFederation(f))
}

// deleteFederation godoc
//
//	@Summary	Remove a tenant's identity provider
//	@Tags		sysadmin
//	@Security	SuperKey
//	@Param		id	path	string	true	"tenant id"	format(uuid)
//	@Success	204
//	@Failure	401	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/tenants/{id}/federation [delete]
func (h *Handler) deleteFederation(c *echo.Context) error {
	id, err := tenantID(c)
	if err != nil {
		return err
	}
	if err := h.svc.DeleteFederation(c.Request().Context(), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func tenantID(c *echo.Context) (tenancy.ID, error) {
	id, err := tenancy.Parse(c.Param("id"))
	if err != nil {
		return tenancy.ID{}, errs.New(errs.Invalid, "invalid tenant id: expected a UUID")
	}
	return id, nil
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
