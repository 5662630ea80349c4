package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// providers godoc
//
//	@Summary	Your organisation's model provider records (admin; keys masked)
//	@Tags		admin
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	ProviderList
//	@Failure	403	{object}	httpx.ErrorBody
//	@Router		/api/v1/admin/model-providers/ [get]
func (h *Handler) providers(c *echo.Context) error {
	ctx := c.Request().Context()
	ps, err := h.svc.Providers(ctx, tenancy.MustFrom(ctx))
	if err != nil {
		return err
	}
	out := ProviderList{Items: make([]ProviderResponse, len(ps)), Count: len(ps)}
	for i, p := range ps {
		out.Items[i] = toProvider(p)
	}
	return c.JSON(http.StatusOK, out)
}

// provider godoc
//
//	@Summary	A model provider record (admin)
//	@Tags		admin
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"provider id"	format(uuid)
//	@Success	200	{object}	ProviderResponse
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/admin/model-providers/{id}/ [get]
func (h *Handler) provider(c *echo.Context) error {
	pid, err := httpx.PathUUID(c, "id", "provider")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := h.svc.Provider(ctx, tenancy.MustFrom(ctx), pid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProvider(p))
}

// createProvider godoc
//
//	@Summary		Add a model provider record (admin)
//	@Description	The key is stored encrypted. vllm, azure and ollama need an endpoint. An endpoint the fetch guard would refuse at use (loopback, private, link-local or metadata address, or a name resolving only to such, not in FETCH_ALLOWED_HOSTS) is 400 naming the address and FETCH_ALLOWED_HOSTS.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		ProviderRequest	true	"the provider"
//	@Success		201		{object}	ProviderResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		409		{object}	httpx.ErrorBody
//	@Router			/api/v1/admin/model-providers/ [post]
func (h *Handler) createProvider(c *echo.Context) error {
	var req ProviderRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := h.svc.CreateProvider(ctx, tenancy.MustFrom(ctx), domain.ProviderInput(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toProvider(p))
}

// updateProvider godoc
//
//	@Summary		Replace a model provider record (admin)
//	@Description	An empty api_key keeps the stored key. An endpoint the fetch guard would refuse at use (loopback, private, link-local or metadata address, or a name resolving only to such, not in FETCH_ALLOWED_HOSTS) is 400 naming the address and FETCH_ALLOWED_HOSTS.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string			true	"provider id"	format(uuid)
//	@Param			body	body		ProviderRequest	true	"the provider"
//	@Success		200		{object}	ProviderResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/admin/model-providers/{id}/ [put]
func (h *Handler) updateProvider(c *echo.Context) error {
	pid, err := httpx.PathUUID(c, "id", "provider")
	if err != nil {
		return err
	}
	var req ProviderRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	ctx := c.Request().Context()
	p, err := h.svc.UpdateProvider(ctx, tenancy.MustFrom(ctx), pid, domain.ProviderInput(req))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toProvider(p))
}

// deleteProvider godoc
//
//	@Summary	Delete a model provider record and its models (admin)
//	@Tags		admin
//	@Security	Bearer
//	@Param		id	path	string	true	"provider id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/admin/model-providers/{id}/ [delete]
func (h *Handler) deleteProvider(c *echo.Context) error {
	pid, err := httpx.PathUUID(c, "id", "provider")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.svc.DeleteProvider(ctx, tenancy.MustFrom(ctx), pid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// PrivateModelRequest adds a model served by a provider record.
type PrivateModelRequest struct {
	ModelRequest
	Kind string `json:"kind" enums:"completion,embedding,transcription,rerank"`
} // @name PrivateModelRequest

// createPrivate godoc
//
//	@Summary		Add a model served by one of your provider records (admin)
//	@Description	The model is enabled for your organisation at once; its provider_type is the record's.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string				true	"provider id"	format(uuid)
//	@Param			body	body		PrivateModelRequest	true	"the model"
//	@Success		201		{object}	ModelResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/admin/model-providers/{id}/models/ [post]
func (h *Handler) createPrivate(c *echo.Context) error {
	pid, err := httpx.PathUUID(c, "id", "provider")
	if err != nil {
		return err
	}
	var req PrivateModelRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	kind, err := domain.ParseKind(req.Kind)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	spec, err := req.spec(kind)
	if err != nil {
		return err
	}
	v, err := h.svc.CreatePrivate(ctx, tenancy.MustFrom(ctx), pid, spec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toModel(v.Model, v.Setting))
}

// updatePrivate godoc
//
//	@Summary		Change one of your private models (admin)
//	@Description	The kind and the provider record stay; provider_type is the record's.
//	@Tags			admin
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id			path		string			true	"provider id"	format(uuid)
//	@Param			model_id	path		string			true	"model id"		format(uuid)
//	@Param			body		body		ModelRequest	true	"the model"
//	@Success		200			{object}	ModelResponse
//	@Failure		400			{object}	httpx.ErrorBody
//	@Failure		403			{object}	httpx.ErrorBody
//	@Failure		404			{object}	httpx.ErrorBody
//	@Failure		409			{object}	httpx.ErrorBody
//	@Router			/api/v1/admin/model-providers/{id}/models/{model_id}/ [put]
func (h *Handler) updatePrivate(c *echo.Context) error {
	pid, mid, err := privatePath(c)
	if err != nil {
		return err
	}
	var req ModelRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	spec, err := req.spec("") // the model's own kind, which UpdatePrivate keeps
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	v, err := h.svc.UpdatePrivate(ctx, tenancy.MustFrom(ctx), pid, mid, spec)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toModel(v.Model, v.Setting))
}

// ModelTestResponse is how one small call to a model went.
type ModelTestResponse struct {
	OK        bool `json:"ok"`
	LatencyMS int  `json:"latency_ms"`
	// Reply is the answer's start (completion), the vector's size
	// (embedding), a score (rerank) or the text heard in half a second of
	// silence (transcription).
	Reply string `json:"reply"`
	// Problem classifies a failure: auth, quota, rate_limited,
	// unavailable, bad_request, context_too_long, content_filter,
	// address_refused, dimensions_mismatch (an embedding model's vectors
	// are not as long as registered); status is the provider's HTTP status (0: none)
	// and detail its message.
	Problem string `json:"problem,omitempty"`
	Status  int    `json:"status,omitempty"`
	Detail  string `json:"detail,omitempty"`
} // @name ModelTestResult

// testPrivate godoc
//
//	@Summary		Test one of your private models with one small call (admin)
//	@Description	Completion models are asked for a few tokens, embedding models embed two words, rerank models score one passage and transcription models hear half a second of silence; fallbacks are not tried. A provider failure is 200 with ok false and the reason; the tokens are counted as usage under the source model_test.
//	@Tags			admin
//	@Produce		json
//	@Security		Bearer
//	@Param			id			path		string	true	"provider id"	format(uuid)
//	@Param			model_id	path		string	true	"model id"		format(uuid)
//	@Success		200			{object}	ModelTestResponse
//	@Failure		400			{object}	httpx.ErrorBody	"the model is not enabled"
//	@Failure		403			{object}	httpx.ErrorBody
//	@Failure		404			{object}	httpx.ErrorBody
//	@Router			/api/v1/admin/model-providers/{id}/models/{model_id}/test/ [post]
func (h *Handler) testPrivate(c *echo.Context) error {
	pid, mid, err := privatePath(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	if _, err := h.svc.PrivateModel(ctx, p.Tenant, pid, mid); err != nil {
		return err
	}
	res, err := h.gw.Probe(ctx, p.Tenant, p.UserID, mid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ModelTestResponse{OK: res.OK, LatencyMS: int(res.Latency.Milliseconds()), Reply: res.Reply,
		Problem: res.Problem, Status: res.Status, Detail: res.Detail})
}

func privatePath(c *echo.Context) (provider, model uuid.UUID, err error) {
	if provider, err = httpx.PathUUID(c, "id", "provider"); err != nil {
		return provider, model, err
	}
	model, err = httpx.PathUUID(c, "model_id", "model")
	return provider, model, err
}

// deletePrivate godoc
//
//	@Summary	Delete one of your private models (admin)
//	@Tags		admin
//	@Security	Bearer
//	@Param		id			path	string	true	"provider id"	format(uuid)
//	@Param		model_id	path	string	true	"model id"		format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/admin/model-providers/{id}/models/{model_id}/ [delete]
func (h *Handler) deletePrivate(c *echo.Context) error {
	mid, err := httpx.PathUUID(c, "model_id", "model")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	if err := h.svc.DeletePrivate(ctx, tenancy.MustFrom(ctx), mid); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
