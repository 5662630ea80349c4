// Package api serves spaces and their members.
package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/spaces/application"
	"github.com/agora-platform/agora/internal/spaces/domain"
)

// Handler serves the space routes.
type Handler struct{ svc *application.Service }

// NewHandler returns a Handler.
func NewHandler(svc *application.Service) *Handler { return &Handler{svc: svc} }

// Register adds the routes to the signed-in group.
func (h *Handler) Register(g *echo.Group) {
	g.POST("/spaces", h.create)
	g.GET("/spaces", h.list)
	g.GET("/spaces/type/personal", h.personal)
	g.GET("/spaces/type/organization", h.organization)
	g.GET("/spaces/:id", h.get)
	g.PATCH("/spaces/:id", h.update)
	g.DELETE("/spaces/:id", h.delete)
	g.POST("/spaces/:id/members", h.addMember)
	g.PATCH("/spaces/:id/members/:user_id", h.updateMember)
	g.DELETE("/spaces/:id/members/:user_id", h.removeMember)
	g.GET("/spaces/:id/group-members", h.groupMembers)
	g.POST("/spaces/:id/group-members", h.addGroupMember)
	g.PATCH("/spaces/:id/group-members/:group_id", h.updateGroupMember)
	g.DELETE("/spaces/:id/group-members/:group_id", h.removeGroupMember)
}

// Caller reads the caller for space checks from the request.
func Caller(c *echo.Context) (tenancy.ID, actor.Caller) {
	p := auth.MustFrom(c.Request().Context())
	return p.Tenant, auth.CallerOf(p)
}

// create godoc
//
//	@Summary	Create a shared space (you become its admin)
//	@Tags		spaces
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		body	body		CreateSpaceRequest	true	"the space"
//	@Success	201		{object}	SpaceResponse
//	@Failure	400		{object}	httpx.ErrorBody
//	@Router		/api/v1/spaces/ [post]
func (h *Handler) create(c *echo.Context) error {
	var req CreateSpaceRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, caller := Caller(c)
	e, err := h.svc.CreateShared(c.Request().Context(), tenant, caller, req.Name, req.Description)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toSpace(e))
}

// list godoc
//
//	@Summary	Your spaces with your role in each
//	@Tags		spaces
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	SpaceList
//	@Router		/api/v1/spaces/ [get]
func (h *Handler) list(c *echo.Context) error {
	tenant, caller := Caller(c)
	es, err := h.svc.List(c.Request().Context(), tenant, caller)
	if err != nil {
		return err
	}
	out := SpaceList{Items: make([]SpaceResponse, len(es)), Count: len(es)}
	for i, e := range es {
		out.Items[i] = toSpace(e)
	}
	return c.JSON(http.StatusOK, out)
}

// personal godoc
//
//	@Summary	Your personal space
//	@Tags		spaces
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	SpaceResponse
//	@Router		/api/v1/spaces/type/personal/ [get]
func (h *Handler) personal(c *echo.Context) error {
	tenant, caller := Caller(c)
	e, err := h.svc.Personal(c.Request().Context(), tenant, caller)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSpace(e))
}

// organization godoc
//
//	@Summary	The organisation space (tenant admins)
//	@Tags		spaces
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	SpaceResponse
//	@Failure	404	{object}	httpx.ErrorBody	"not a tenant admin"
//	@Router		/api/v1/spaces/type/organization/ [get]
func (h *Handler) organization(c *echo.Context) error {
	tenant, caller := Caller(c)
	e, err := h.svc.Organization(c.Request().Context(), tenant, caller)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSpace(e))
}

// get godoc
//
//	@Summary	A space, with members, models and your permissions
//	@Tags		spaces
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"space id"	format(uuid)
//	@Success	200	{object}	SpaceResponse
//	@Failure	404	{object}	httpx.ErrorBody	"no such space, or not yours"
//	@Router		/api/v1/spaces/{id}/ [get]
func (h *Handler) get(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	tenant, caller := Caller(c)
	e, err := h.svc.Authorize(c.Request().Context(), tenant, caller, id, domain.ResSpace, domain.Read)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSpace(e))
}

// update godoc
//
//	@Summary		Change a space (name, description, enabled models)
//	@Description	models lists the models enabled in the space; each must be enabled for the tenant. When it names a completion model, the space's assistants may use only the completion models it names; otherwise every completion model the tenant enabled. default_models picks at most one per kind among them: assistants created in the space without a model get its default completion model, collections and websites its default embedding model, recordings its default transcription model; else the organisation's.
//	@Tags			spaces
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string				true	"space id"	format(uuid)
//	@Param			body	body		UpdateSpaceRequest	true	"fields to change"
//	@Success		200		{object}	SpaceResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/spaces/{id}/ [patch]
func (h *Handler) update(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	var req UpdateSpaceRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	p := application.Patch{Name: req.Name, Description: req.Description}
	var err2 error
	if p.Models, err2 = modelIDs(req.Models, "models"); err2 != nil {
		return err2
	}
	if p.DefaultModels, err2 = modelIDs(req.DefaultModels, "default_models"); err2 != nil {
		return err2
	}
	tenant, caller := Caller(c)
	e, err := h.svc.Update(c.Request().Context(), tenant, caller, id, p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toSpace(e))
}

func modelIDs(ss *[]string, field string) (*[]uuid.UUID, error) {
	if ss == nil {
		return nil, nil
	}
	ms := make([]uuid.UUID, 0, len(*ss))
	for _, s := range *ss {
		m, err := uuid.Parse(s)
		if err != nil {
			return nil, errs.Newf(errs.Invalid, "%s must hold model UUIDs", field)
		}
		ms = append(ms, m)
	}
	return &ms, nil
}

// delete godoc
//
//	@Summary	Delete a shared space with everything in it
//	@Tags		spaces
//	@Security	Bearer
//	@Param		id	path	string	true	"space id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	409	{object}	httpx.ErrorBody	"personal and organisation spaces stay"
//	@Router		/api/v1/spaces/{id}/ [delete]
func (h *Handler) delete(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	tenant, caller := Caller(c)
	if err := h.svc.Delete(c.Request().Context(), tenant, caller, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
