package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

// RegisterSelfService adds the tenant admins' own credential routes to a
// group guarded by authentication and the admin permission. The
// composition root registers them only when
// TENANT_SELF_SERVICE_CREDENTIALS_ENABLED is true.
func (h *Handler) RegisterSelfService(admin *echo.Group, guard ...echo.MiddlewareFunc) {
	admin.GET("/admin/credentials", h.ownCredentials, guard...)
	admin.PUT("/admin/credentials/:provider", h.setOwnCredential, guard...)
	admin.DELETE("/admin/credentials/:provider", h.deleteOwnCredential, guard...)
}

// ownCredentials godoc
//
//	@Summary		The tenant's provider credentials (admin; keys masked)
//	@Description	Available when TENANT_SELF_SERVICE_CREDENTIALS_ENABLED is true.
//	@Tags			admin
//	@Produce		json
//	@Security		Bearer
//	@Success		200	{object}	CredentialList
//	@Failure		403	{object}	httpx.ErrorBody
//	@Router			/api/v1/admin/credentials/ [get]
func (h *Handler) ownCredentials(c *echo.Context) error {
	ctx := c.Request().Context()
	cs, err := h.svc.Credentials(ctx, tenancy.MustFrom(ctx))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCredentialList(cs))
}

// setOwnCredential godoc
//
//	@Summary		Set one of the tenant's provider credentials (admin)
//	@Description	Stored encrypted; the response shows the key masked. An endpoint the fetch guard would refuse at use (loopback, private, link-local or metadata address, or a name resolving only to such, not in FETCH_ALLOWED_HOSTS) is 400 naming the address and FETCH_ALLOWED_HOSTS.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			provider	path		string				true	"provider"	Enums(openai, anthropic, azure, vllm, mistral, berget)
//	@Param			body		body		CredentialRequest	true	"the credential"
//	@Success		200			{object}	CredentialResponse
//	@Failure		400			{object}	httpx.ErrorBody
//	@Failure		403			{object}	httpx.ErrorBody
//	@Router			/api/v1/admin/credentials/{provider} [put]
func (h *Handler) setOwnCredential(c *echo.Context) error {
	p, err := domain.ParseProvider(c.Param("provider"))
	if err != nil {
		return err
	}
	var req CredentialRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	cr, err := h.svc.SetCredential(ctx, tenancy.MustFrom(ctx), p, domain.CredentialInput{
		APIKey: req.APIKey, Endpoint: req.Endpoint, APIVersion: req.APIVersion, Deployment: req.DeploymentName})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCredential(cr))
}

// deleteOwnCredential godoc
//
//	@Summary	Remove one of the tenant's provider credentials (admin)
//	@Tags		admin
//	@Security	Bearer
//	@Param		provider	path	string	true	"provider"	Enums(openai, anthropic, azure, vllm, mistral, berget)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/admin/credentials/{provider} [delete]
func (h *Handler) deleteOwnCredential(c *echo.Context) error {
	p, err := domain.ParseProvider(c.Param("provider"))
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.svc.DeleteCredential(ctx, tenancy.MustFrom(ctx), p); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
