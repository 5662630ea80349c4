// Package api serves the models module: sysadmin global models, tenant
// model lists and settings, tenant provider records and the token usage.
package api

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Handler serves the registry and the token usage.
type Handler struct {
	svc   *application.Service
	meter *application.Metering
	gw    *application.Gateway
}

// NewHandler returns a Handler; gw makes the admins' model tests.
func NewHandler(svc *application.Service, meter *application.Metering, gw *application.Gateway) *Handler {
	return &Handler{svc: svc, meter: meter, gw: gw}
}

// RegisterSysadmin adds the global model routes to the sysadmin group.
func (h *Handler) RegisterSysadmin(g *echo.Group) {
	for _, k := range domain.Kinds {
		p := "/" + string(k) + "-models"
		g.GET(p, h.globalList)
		g.POST(p, h.globalCreate)
		g.GET(p+"/:id", h.globalGet)
		g.POST(p+"/:id", h.globalUpdate)
		g.DELETE(p+"/:id", h.globalDelete)
		g.POST("/tenants/:tenant"+p+"/:id", h.tenantSetting)
	}
}

// Register adds the tenant routes: everyone signed in lists models; the
// guard (the ai permission) protects settings, admin the provider records
// and the token usage.
func (h *Handler) Register(g *echo.Group, aiGuard, adminGuard echo.MiddlewareFunc) {
	for _, k := range domain.Kinds {
		p := "/" + string(k) + "-models"
		g.GET(p, h.visible)
		g.POST(p+"/:id", h.configure, aiGuard)
	}
	g.GET("/admin/model-providers", h.providers, adminGuard)
	g.POST("/admin/model-providers", h.createProvider, adminGuard)
	g.GET("/admin/model-providers/:id", h.provider, adminGuard)
	g.PUT("/admin/model-providers/:id", h.updateProvider, adminGuard)
	g.DELETE("/admin/model-providers/:id", h.deleteProvider, adminGuard)
	g.POST("/admin/model-providers/:id/models", h.createPrivate, adminGuard)
	g.PUT("/admin/model-providers/:id/models/:model_id", h.updatePrivate, adminGuard)
	g.DELETE("/admin/model-providers/:id/models/:model_id", h.deletePrivate, adminGuard)
	g.POST("/admin/model-providers/:id/models/:model_id/test", h.testPrivate, adminGuard)
	g.GET("/token-usage", h.usage, adminGuard)
}

// kindOf reads the model kind from the route ("/…/embedding-models/…").
func kindOf(c *echo.Context) domain.Kind {
	for _, k := range domain.Kinds {
		if strings.Contains(c.Path(), "/"+string(k)+"-models") {
			return k
		}
	}
	return domain.Completion
}

// globalList godoc
//
//	@Summary	List global models of a kind
//	@Tags		sysadmin
//	@Produce	json
//	@Security	SuperKey
//	@Success	200	{object}	ModelList
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/completion-models/ [get]
//	@Router		/api/v1/sysadmin/embedding-models/ [get]
//	@Router		/api/v1/sysadmin/transcription-models/ [get]
//	@Router		/api/v1/sysadmin/rerank-models/ [get]
func (h *Handler) globalList(c *echo.Context) error {
	ms, err := h.svc.Global(c.Request().Context(), kindOf(c))
	if err != nil {
		return err
	}
	out := ModelList{Items: make([]ModelResponse, len(ms)), Count: len(ms)}
	for i, m := range ms {
		out.Items[i] = toModel(m, domain.Setting{})
	}
	return c.JSON(http.StatusOK, out)
}

// globalCreate godoc
//
//	@Summary		Register a global model
//	@Description	Completion models need token_limit; embedding models need dimensions; rerank models are served by a provider with the /rerank API (openai, vllm, mistral, berget, ollama).
//	@Tags			sysadmin
//	@Accept			json
//	@Produce		json
//	@Security		SuperKey
//	@Param			body	body		ModelRequest	true	"the model"
//	@Success		201		{object}	ModelResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		409		{object}	httpx.ErrorBody
//	@Failure		429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/completion-models/ [post]
//	@Router			/api/v1/sysadmin/embedding-models/ [post]
//	@Router			/api/v1/sysadmin/transcription-models/ [post]
//	@Router			/api/v1/sysadmin/rerank-models/ [post]
func (h *Handler) globalCreate(c *echo.Context) error {
	var req ModelRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	spec, err := req.spec(kindOf(c))
	if err != nil {
		return err
	}
	m, err := h.svc.CreateGlobal(c.Request().Context(), spec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toModel(m, domain.Setting{}))
}

// globalGet godoc
//
//	@Summary	Get a global model
//	@Tags		sysadmin
//	@Produce	json
//	@Security	SuperKey
//	@Param		id	path		string	true	"model id"	format(uuid)
//	@Success	200	{object}	ModelResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/completion-models/{id}/ [get]
//	@Router		/api/v1/sysadmin/embedding-models/{id}/ [get]
//	@Router		/api/v1/sysadmin/transcription-models/{id}/ [get]
//	@Router		/api/v1/sysadmin/rerank-models/{id}/ [get]
func (h *Handler) globalGet(c *echo.Context) error {
	mid, err := httpx.PathUUID(c, "id", "model")
	if err != nil {
		return err
	}
	m, err := h.svc.GlobalModel(c.Request().Context(), mid)
	if err != nil {
		return err
	}
	if m.Kind != kindOf(c) {
		return domain.ErrNotFound
	}
	return c.JSON(http.StatusOK, toModel(m, domain.Setting{}))
}

// globalUpdate godoc
//
//	@Summary	Change a global model
//	@Tags		sysadmin
//	@Accept		json
//	@Produce	json
//	@Security	SuperKey
//	@Param		id		path		string			true	"model id"	format(uuid)
//	@Param		body	body		ModelRequest	true	"the model"
//	@Success	200		{object}	ModelResponse
//	@Failure	400		{object}	httpx.ErrorBody
//	@Failure	404		{object}	httpx.ErrorBody
//	@Failure	429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/completion-models/{id}/ [post]
//	@Router		/api/v1/sysadmin/embedding-models/{id}/ [post]
//	@Router		/api/v1/sysadmin/transcription-models/{id}/ [post]
//	@Router		/api/v1/sysadmin/rerank-models/{id}/ [post]
func (h *Handler) globalUpdate(c *echo.Context) error {
	mid, err := httpx.PathUUID(c, "id", "model")
	if err != nil {
		return err
	}
	var req ModelRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	spec, err := req.spec(kindOf(c))
	if err != nil {
		return err
	}
	m, err := h.svc.UpdateGlobal(c.Request().Context(), mid, spec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toModel(m, domain.Setting{}))
}

// globalDelete godoc
//
//	@Summary	Delete a global model
//	@Tags		sysadmin
//	@Security	SuperKey
//	@Param		id	path	string	true	"model id"	format(uuid)
//	@Success	204
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/completion-models/{id}/ [delete]
//	@Router		/api/v1/sysadmin/embedding-models/{id}/ [delete]
//	@Router		/api/v1/sysadmin/transcription-models/{id}/ [delete]
//	@Router		/api/v1/sysadmin/rerank-models/{id}/ [delete]
func (h *Handler) globalDelete(c *echo.Context) error {
	mid, err := httpx.PathUUID(c, "id", "model")
	if err != nil {
		return err
	}
	if err := h.svc.DeleteGlobal(c.Request().Context(), mid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// tenantSetting godoc
//
//	@Summary	Enable a model for a tenant (and make it the default)
//	@Tags		sysadmin
//	@Accept		json
//	@Produce	json
//	@Security	SuperKey
//	@Param		tenant	path		string			true	"tenant id"	format(uuid)
//	@Param		id		path		string			true	"model id"	format(uuid)
//	@Param		body	body		SettingRequest	true	"the setting"
//	@Success	200		{object}	ModelResponse
//	@Failure	404		{object}	httpx.ErrorBody
//	@Failure	429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/tenants/{tenant}/completion-models/{id}/ [post]
//	@Router		/api/v1/sysadmin/tenants/{tenant}/embedding-models/{id}/ [post]
//	@Router		/api/v1/sysadmin/tenants/{tenant}/transcription-models/{id}/ [post]
//	@Router		/api/v1/sysadmin/tenants/{tenant}/rerank-models/{id}/ [post]
func (h *Handler) tenantSetting(c *echo.Context) error {
	tid, err := tenancy.Parse(c.Param("tenant"))
	if err != nil {
		return errs.New(errs.Invalid, "invalid tenant id: expected a UUID")
	}
	return h.setting(c, tid)
}

// visible godoc
//
//	@Summary	Models of a kind your organisation can see, with its settings
//	@Tags		models
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	ModelList
//	@Router		/api/v1/completion-models/ [get]
//	@Router		/api/v1/embedding-models/ [get]
//	@Router		/api/v1/transcription-models/ [get]
//	@Router		/api/v1/rerank-models/ [get]
func (h *Handler) visible(c *echo.Context) error {
	ctx := c.Request().Context()
	vs, err := h.svc.Visible(ctx, tenancy.MustFrom(ctx), kindOf(c))
	if err != nil {
		return err
	}
	out := ModelList{Items: make([]ModelResponse, len(vs)), Count: len(vs)}
	for i, v := range vs {
		out.Items[i] = toModel(v.Model, v.Setting)
	}
	return c.JSON(http.StatusOK, out)
}

// configure godoc
//
//	@Summary		Enable or disable a model for your organisation (ai permission)
//	@Description	A default model is always enabled; there is one default per kind.
//	@Tags			models
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string			true	"model id"	format(uuid)
//	@Param			body	body		SettingRequest	true	"the setting"
//	@Success		200		{object}	ModelResponse
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/completion-models/{id}/ [post]
//	@Router			/api/v1/embedding-models/{id}/ [post]
//	@Router			/api/v1/transcription-models/{id}/ [post]
//	@Router			/api/v1/rerank-models/{id}/ [post]
func (h *Handler) configure(c *echo.Context) error {
	return h.setting(c, tenancy.MustFrom(c.Request().Context()))
}

func (h *Handler) setting(c *echo.Context, tenant tenancy.ID) error {
	mid, err := httpx.PathUUID(c, "id", "model")
	if err != nil {
		return err
	}
	var req SettingRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	v, err := h.svc.Configure(c.Request().Context(), tenant, mid, domain.Setting{Enabled: req.IsEnabled, Default: req.IsDefault})
	if err != nil {
		return err
	}
	if v.Kind != kindOf(c) {
		return domain.ErrNotFound
	}
	return c.JSON(http.StatusOK, toModel(v.Model, v.Setting))
}
