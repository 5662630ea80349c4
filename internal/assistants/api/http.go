// Package api serves assistants: CRUD, prompt history, assistant-scoped
// keys, and a space's applications.
package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/assistants/application"
	"github.com/agora-platform/agora/internal/assistants/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Handler serves the assistant routes.
type Handler struct{ svc *application.Service }

// NewHandler returns a Handler.
func NewHandler(svc *application.Service) *Handler { return &Handler{svc: svc} }

// Register adds the routes to the signed-in group.
func (h *Handler) Register(g *echo.Group) {
	g.POST("/assistants", h.create)
	g.GET("/assistants", h.list)
	g.GET("/assistants/:id", h.get)
	g.POST("/assistants/:id", h.update)
	g.DELETE("/assistants/:id", h.delete)
	g.GET("/assistants/:id/prompts", h.prompts)
	g.POST("/assistants/:id/api-keys", h.createKey)
	g.GET("/assistants/:id/api-keys", h.keys)
	g.DELETE("/assistants/:id/api-keys/:key_id", h.revokeKey)
	g.GET("/spaces/:id/applications", h.applications)
}

func caller(c *echo.Context) (tenancy.ID, actor.Caller) {
	p := auth.MustFrom(c.Request().Context())
	return p.Tenant, auth.CallerOf(p)
}

func parseRefs(rs []IDRef, field string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(rs))
	for _, r := range rs {
		id, err := uuid.Parse(r.ID)
		if err != nil {
			return nil, errs.Newf(errs.Invalid, "%s must hold {\"id\": \"<uuid>\"} objects", field)
		}
		out = append(out, id)
	}
	return out, nil
}

func (k *KwargsDTO) domain() domain.Kwargs {
	if k == nil {
		return domain.Kwargs{}
	}
	return domain.Kwargs{Temperature: k.Temperature, MaxTokens: k.MaxTokens}
}

// create godoc
//
//	@Summary		Create an assistant in a space
//	@Description	Needs the assistants permission and the right to create assistants in the space (and to publish, if published). Without completion_model the organisation's default is used; kwargs are checked against the model.
//	@Tags			assistants
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		CreateAssistantRequest	true	"the assistant"
//	@Success		201		{object}	AssistantResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody	"no such space for you"
//	@Router			/api/v1/assistants/ [post]
func (h *Handler) create(c *echo.Context) error {
	var req CreateAssistantRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	space, err := uuid.Parse(req.SpaceID)
	if err != nil {
		return errs.New(errs.Invalid, "space_id must be a space's UUID")
	}
	retrieval, err := req.Retrieval.domain()
	if err != nil {
		return err
	}
	in := application.CreateInput{Space: space, Name: req.Name, Description: req.Description, Kwargs: req.Kwargs.domain(), Retrieval: retrieval,
		Starters: req.StarterQuestions, Published: req.Published}
	if req.Prompt != nil {
		in.Prompt = req.Prompt.Text
	}
	if req.CompletionModel != nil {
		m, err := uuid.Parse(req.CompletionModel.ID)
		if err != nil {
			return errs.New(errs.Invalid, "completion_model.id must be a model's UUID")
		}
		in.Model = &m
	}
	if in.Groups, err = parseRefs(req.Groups, "groups"); err != nil {
		return err
	}
	if in.Websites, err = parseRefs(req.Websites, "websites"); err != nil {
		return err
	}
	tenant, cl := caller(c)
	v, err := h.svc.Create(c.Request().Context(), tenant, cl, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toAssistant(v))
}

// list godoc
//
//	@Summary	Assistants in your spaces (viewers see published ones)
//	@Tags		assistants
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	AssistantList
//	@Router		/api/v1/assistants/ [get]
func (h *Handler) list(c *echo.Context) error {
	tenant, cl := caller(c)
	vs, err := h.svc.List(c.Request().Context(), tenant, cl)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toList(vs))
}

// get godoc
//
//	@Summary	An assistant
//	@Tags		assistants
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"assistant id"	format(uuid)
//	@Success	200	{object}	AssistantResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/assistants/{id}/ [get]
func (h *Handler) get(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	v, err := h.svc.Get(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAssistant(v))
}

// update godoc
//
//	@Summary		Change an assistant (omitted fields stay)
//	@Description	A new prompt text is stored as a new version and selected; earlier versions stay in the history.
//	@Tags			assistants
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string					true	"assistant id"	format(uuid)
//	@Param			body	body		UpdateAssistantRequest	true	"fields to change"
//	@Success		200		{object}	AssistantResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/assistants/{id}/ [post]
func (h *Handler) update(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	var req UpdateAssistantRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	p := application.Patch{Name: req.Name, Description: req.Description, Starters: req.StarterQuestions, Published: req.Published}
	if req.Prompt != nil {
		p.Prompt = &req.Prompt.Text
	}
	if req.CompletionModel != nil {
		m, err := uuid.Parse(req.CompletionModel.ID)
		if err != nil {
			return errs.New(errs.Invalid, "completion_model.id must be a model's UUID")
		}
		p.Model = &m
	}
	if req.Kwargs != nil {
		k := req.Kwargs.domain()
		p.Kwargs = &k
	}
	if req.Retrieval != nil {
		r, err := req.Retrieval.domain()
		if err != nil {
			return err
		}
		p.Retrieval = &r
	}
	if req.Groups != nil {
		gs, err := parseRefs(*req.Groups, "groups")
		if err != nil {
			return err
		}
		p.Groups = &gs
	}
	if req.Websites != nil {
		ws, err := parseRefs(*req.Websites, "websites")
		if err != nil {
			return err
		}
		p.Websites = &ws
	}
	tenant, cl := caller(c)
	v, err := h.svc.Update(c.Request().Context(), tenant, cl, id, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toAssistant(v))
}

// delete godoc
//
//	@Summary	Delete an assistant
//	@Tags		assistants
//	@Security	Bearer
//	@Param		id	path	string	true	"assistant id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/assistants/{id}/ [delete]
func (h *Handler) delete(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	if err := h.svc.Delete(c.Request().Context(), tenant, cl, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// prompts godoc
//
//	@Summary	An assistant's prompt history (those who may edit it)
//	@Tags		assistants
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"assistant id"	format(uuid)
//	@Success	200	{object}	PromptList
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/assistants/{id}/prompts/ [get]
func (h *Handler) prompts(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	ps, err := h.svc.Prompts(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	out := PromptList{Items: make([]PromptResponse, len(ps)), Count: len(ps)}
	for i, p := range ps {
		out.Items[i] = toPrompt(p)
	}
	return c.JSON(http.StatusOK, out)
}

// createKey godoc
//
//	@Summary		Create an assistant-scoped API key (shown once)
//	@Description	The key works only on this assistant's session routes, where it sees only the sessions it started (its maker's other sessions are 404 to it); it cannot open the WebSocket. It is meant to sit in a web page.
//	@Tags			assistants
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string		true	"assistant id"	format(uuid)
//	@Param			body	body		KeyRequest	false	"a name"
//	@Success		201		{object}	KeyResponse
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/assistants/{id}/api-keys/ [post]
func (h *Handler) createKey(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	var req KeyRequest
	if c.Request().ContentLength > 0 {
		if err := c.Bind(&req); err != nil {
			return err
		}
	}
	tenant, cl := caller(c)
	k, secret, err := h.svc.CreateKey(c.Request().Context(), tenant, cl, id, req.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, KeyResponse{ID: k.ID.String(), AssistantID: id.String(), Name: k.Name, Prefix: k.Prefix, Key: secret, CreatedAt: k.CreatedAt})
}

// keys godoc
//
//	@Summary	An assistant's API keys (prefix only; revoked ones too)
//	@Tags		assistants
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"assistant id"	format(uuid)
//	@Success	200	{object}	KeyList
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/assistants/{id}/api-keys/ [get]
func (h *Handler) keys(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	ks, err := h.svc.Keys(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	out := KeyList{Items: make([]KeyResponse, len(ks))}
	for i, k := range ks {
		out.Items[i] = KeyResponse{ID: k.ID.String(), AssistantID: id.String(), Name: k.Name, Prefix: k.Prefix, CreatedAt: k.CreatedAt,
			LastUsedAt: httpx.OptionalTime(k.LastUsedAt), RevokedAt: httpx.OptionalTime(k.RevokedAt)}
	}
	return c.JSON(http.StatusOK, out)
}

// revokeKey godoc
//
//	@Summary	Revoke an assistant's API key; it stops working at once
//	@Tags		assistants
//	@Security	Bearer
//	@Param		id		path	string	true	"assistant id"	format(uuid)
//	@Param		key_id	path	string	true	"key id"		format(uuid)
//	@Success	204
//	@Failure	404	{object}	httpx.ErrorBody	"no such live key"
//	@Router		/api/v1/assistants/{id}/api-keys/{key_id}/ [delete]
func (h *Handler) revokeKey(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "assistant")
	if err != nil {
		return err
	}
	key, err := httpx.PathUUID(c, "key_id", "API key")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	if err := h.svc.RevokeKey(c.Request().Context(), tenant, cl, id, key); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// applications godoc
//
//	@Summary	A space's applications with your permissions on each
//	@Tags		spaces
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"space id"	format(uuid)
//	@Success	200	{object}	ApplicationsResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/spaces/{id}/applications/ [get]
func (h *Handler) applications(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	vs, err := h.svc.InSpace(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ApplicationsResponse{Assistants: toList(vs)})
}
