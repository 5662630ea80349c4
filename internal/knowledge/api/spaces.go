package api

import (
	"net/http"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/httpx"
)

// SpaceHandler serves a space's knowledge listing.
type SpaceHandler struct{ w *application.Websites }

// NewSpaceHandler returns a SpaceHandler.
func NewSpaceHandler(w *application.Websites) *SpaceHandler { return &SpaceHandler{w: w} }

// Register adds the route.
func (h *SpaceHandler) Register(g *echo.Group) {
	g.GET("/spaces/:id/knowledge", h.knowledge)
}

// knowledge godoc
//
//	@Summary	A space's collections and websites
//	@Tags		spaces
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"space id"	format(uuid)
//	@Success	200	{object}	KnowledgeResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/spaces/{id}/knowledge/ [get]
func (h *SpaceHandler) knowledge(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	cols, sites, err := h.w.SpaceKnowledge(c.Request().Context(), tenant, caller, id)
	if err != nil {
		return err
	}
	out := KnowledgeResponse{Groups: make([]KnowledgeGroup, len(cols)), Websites: make([]KnowledgeWebsite, len(sites))}
	for i, col := range cols {
		out.Groups[i] = KnowledgeGroup{ID: col.ID.String(), Name: col.Name, EmbeddingModel: SpaceIDRef{ID: col.EmbeddingModel.String()},
			InfoBlobs: col.Blobs, Chunks: col.ChunkCount, CreatedAt: col.CreatedAt}
	}
	for i, w := range sites {
		out.Websites[i] = KnowledgeWebsite{ID: w.ID.String(), Name: w.Name, URL: w.URL, CrawlType: string(w.CrawlType), UpdateInterval: string(w.Interval),
			EmbeddingModel: SpaceIDRef{ID: w.EmbeddingModel.String()}, Pages: w.Pages, Chunks: w.Chunks, LastSuccessAt: httpx.OptionalTime(w.LastSuccess),
			CreatedAt: w.CreatedAt}
	}
	return c.JSON(http.StatusOK, out)
}
