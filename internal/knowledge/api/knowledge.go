// Package api serves knowledge: collections and their documents (upload,
// text, retitle, delete), search, websites and their crawl runs, a space's
// knowledge listing, and the worker tasks that ingest, crawl and schedule.
package api

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// KnowledgeHandler serves collections, documents and searches.
type KnowledgeHandler struct{ k *application.Knowledge }

// NewKnowledgeHandler returns the handler.
func NewKnowledgeHandler(k *application.Knowledge) *KnowledgeHandler { return &KnowledgeHandler{k: k} }

// Register adds the routes to an authenticated group.
func (h *KnowledgeHandler) Register(g *echo.Group) {
	g.GET("/groups", h.list)
	g.POST("/groups", h.create)
	g.POST("/spaces/:id/knowledge/groups", h.createInSpace)
	g.GET("/groups/:id", h.get)
	g.POST("/groups/:id", h.rename)
	g.DELETE("/groups/:id", h.delete)
	g.POST("/groups/:id/info-blobs/upload", h.upload)
	g.POST("/groups/:id/info-blobs", h.addTexts)
	g.GET("/groups/:id/info-blobs", h.blobs)
	g.POST("/groups/:id/searches", h.search)
	g.GET("/info-blobs/:id", h.blob)
	g.GET("/info-blobs/:id/file", h.file)
	g.POST("/info-blobs/:id", h.retitle)
	g.DELETE("/info-blobs/:id", h.deleteBlob)
}

func knowledgeCaller(c *echo.Context) (tenancy.ID, actor.Caller) {
	p := auth.MustFrom(c.Request().Context())
	return p.Tenant, auth.CallerOf(p)
}

// spaceFilter reads the optional space_id query parameter.
func spaceFilter(c *echo.Context) (*uuid.UUID, error) {
	v := c.QueryParam("space_id")
	if v == "" {
		return nil, nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return nil, errs.New(errs.Invalid, "space_id must be a UUID")
	}
	return &id, nil
}

// list godoc
//
//	@Summary	Collections of the spaces you can enter (or of one space)
//	@Tags		knowledge
//	@Produce	json
//	@Security	Bearer
//	@Param		space_id	query		string	false	"only this space's"	format(uuid)
//	@Success	200			{object}	CollectionList
//	@Router		/api/v1/groups/ [get]
func (h *KnowledgeHandler) list(c *echo.Context) error {
	tenant, caller := knowledgeCaller(c)
	space, err := spaceFilter(c)
	if err != nil {
		return err
	}
	cs, err := h.k.Collections(c.Request().Context(), tenant, caller, space)
	if err != nil {
		return err
	}
	out := CollectionList{Items: make([]CollectionResponse, len(cs)), Count: len(cs)}
	for i, col := range cs {
		out.Items[i] = toCollection(col)
	}
	return c.JSON(http.StatusOK, out)
}

// create godoc
//
//	@Summary		Create a collection in a space
//	@Description	Needs the collections permission and the right to create collections in the space. Without embedding_model the tenant's default embedding model is used.
//	@Tags			knowledge
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		CreateCollectionRequest	true	"the collection"
//	@Success		201		{object}	CollectionResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		409		{object}	httpx.ErrorBody	"the name is taken in the space"
//	@Router			/api/v1/groups/ [post]
func (h *KnowledgeHandler) create(c *echo.Context) error {
	var req CreateCollectionRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	return h.createCollection(c, req)
}

func (h *KnowledgeHandler) createCollection(c *echo.Context, req CreateCollectionRequest) error {
	space, err := uuid.Parse(req.SpaceID)
	if err != nil {
		return errs.New(errs.Invalid, "space_id must be a space's UUID")
	}
	in := application.CreateCollectionInput{Space: space, Name: req.Name}
	if req.EmbeddingModel != nil && req.EmbeddingModel.ID != "" {
		if in.EmbeddingModel, err = uuid.Parse(req.EmbeddingModel.ID); err != nil {
			return errs.New(errs.Invalid, "embedding_model.id must be a UUID")
		}
	}
	tenant, caller := knowledgeCaller(c)
	col, err := h.k.CreateCollection(c.Request().Context(), tenant, caller, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toCollection(col))
}

// createInSpace godoc
//
//	@Summary	Create a collection in a space
//	@Tags		knowledge
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string					true	"space id"	format(uuid)
//	@Param		body	body		CreateCollectionRequest	true	"the collection (space_id is taken from the path)"
//	@Success	201		{object}	CollectionResponse
//	@Router		/api/v1/spaces/{id}/knowledge/groups/ [post]
func (h *KnowledgeHandler) createInSpace(c *echo.Context) error {
	space, err := httpx.PathUUID(c, "id", "space")
	if err != nil {
		return err
	}
	var req CreateCollectionRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	req.SpaceID = space.String()
	return h.createCollection(c, req)
}

// get godoc
//
//	@Summary	A collection
//	@Tags		knowledge
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"collection id"	format(uuid)
//	@Success	200	{object}	CollectionResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/groups/{id}/ [get]
func (h *KnowledgeHandler) get(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "collection")
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	col, err := h.k.Collection(c.Request().Context(), tenant, caller, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCollection(col))
}

// rename godoc
//
//	@Summary	Rename a collection
//	@Tags		knowledge
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string					true	"collection id"	format(uuid)
//	@Param		body	body		RenameCollectionRequest	true	"the new name"
//	@Success	200		{object}	CollectionResponse
//	@Router		/api/v1/groups/{id}/ [post]
func (h *KnowledgeHandler) rename(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "collection")
	if err != nil {
		return err
	}
	var req RenameCollectionRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	col, err := h.k.RenameCollection(c.Request().Context(), tenant, caller, id, req.Name)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toCollection(col))
}

// delete godoc
//
//	@Summary	Delete a collection with its documents and chunks
//	@Tags		knowledge
//	@Security	Bearer
//	@Param		id	path	string	true	"collection id"	format(uuid)
//	@Success	204
//	@Router		/api/v1/groups/{id}/ [delete]
func (h *KnowledgeHandler) delete(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "collection")
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	if err := h.k.DeleteCollection(c.Request().Context(), tenant, caller, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// upload godoc
//
//	@Summary		Upload a document to a collection
//	@Description	Multipart field "file": PDF, Word, PowerPoint, Excel, CSV, Markdown, text or HTML, at most 100 MiB. The type is sniffed from the content. Answers 202 with the ingestion job; its progress is pushed on the WebSocket channel job_updates. The same content twice is stored once.
//	@Tags			knowledge
//	@Accept			mpfd
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string	true	"collection id"	format(uuid)
//	@Param			file	formData	file	true	"the document"
//	@Success		202		{object}	AcceptedResponse
//	@Failure		400		{object}	httpx.ErrorBody	"no file, or the upload was cut off"
//	@Failure		413		{object}	httpx.ErrorBody
//	@Failure		415		{object}	httpx.ErrorBody
//	@Router			/api/v1/groups/{id}/info-blobs/upload/ [post]
func (h *KnowledgeHandler) upload(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "collection")
	if err != nil {
		return err
	}
	name, r, err := httpx.FilePart(c)
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	a, err := h.k.Upload(c.Request().Context(), tenant, caller, id, name, r)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, toAccepted(a))
}

// addTexts godoc
//
//	@Summary	Add text documents to a collection
//	@Tags		knowledge
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string			true	"collection id"	format(uuid)
//	@Param		body	body		TextBlobsRequest	true	"up to 100 texts"
//	@Success	202		{object}	AcceptedList
//	@Router		/api/v1/groups/{id}/info-blobs/ [post]
func (h *KnowledgeHandler) addTexts(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "collection")
	if err != nil {
		return err
	}
	var req TextBlobsRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	texts := make([]application.TextBlob, len(req.InfoBlobs))
	for i, b := range req.InfoBlobs {
		texts[i] = application.TextBlob{Text: b.Text, Title: b.Metadata.Title, URL: b.Metadata.URL}
	}
	tenant, caller := knowledgeCaller(c)
	as, err := h.k.AddTexts(c.Request().Context(), tenant, caller, id, texts)
	if err != nil {
		return err
	}
	out := AcceptedList{Items: make([]AcceptedResponse, len(as)), Count: len(as)}
	for i, a := range as {
		out.Items[i] = toAccepted(a)
	}
	return c.JSON(http.StatusAccepted, out)
}

// blobs godoc
//
//	@Summary	A collection's documents, newest first
//	@Tags		knowledge
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string	true	"collection id"	format(uuid)
//	@Param		limit	query		int		false	"at most this many (default 100, at most 1000)"
//	@Success	200		{object}	InfoBlobList
//	@Router		/api/v1/groups/{id}/info-blobs/ [get]
func (h *KnowledgeHandler) blobs(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "collection")
	if err != nil {
		return err
	}
	limit, err := httpx.QueryInt(c, "limit", 0)
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	bs, err := h.k.Blobs(c.Request().Context(), tenant, caller, id, limit)
	if err != nil {
		return err
	}
	out := InfoBlobList{Items: make([]InfoBlobResponse, len(bs)), Count: len(bs)}
	for i, b := range bs {
		out.Items[i] = toBlob(b)
	}
	return c.JSON(http.StatusOK, out)
}

// search godoc
//
//	@Summary		Search a collection
//	@Description	Hybrid search: vector similarity and BM25 full-text ranking, each scaled to 0..1 and summed, the vector ranking weighted by the embedding model's fusion_weight.
//	@Tags			knowledge
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string			true	"collection id"	format(uuid)
//	@Param			body	body		SearchRequest	true	"the search"
//	@Success		200		{object}	SearchResponse
//	@Router			/api/v1/groups/{id}/searches/ [post]
func (h *KnowledgeHandler) search(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "collection")
	if err != nil {
		return err
	}
	var req SearchRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	opts, err := req.options()
	if err != nil {
		return err
	}
	hits, err := h.k.SearchCollection(c.Request().Context(), tenant, caller, id, req.SearchString, opts)
	if err != nil {
		return err
	}
	out := SearchResponse{Items: make([]SearchHit, len(hits)), Count: len(hits)}
	for i, hit := range hits {
		out.Items[i] = toHit(hit)
	}
	return c.JSON(http.StatusOK, out)
}

// blob godoc
//
//	@Summary		A document with its text
//	@Description	The document and its text as Markdown, chunk by chunk (where each chunk
//	@Description	begins and ends, its section and pages), from chunk_offset.
//	@Tags			knowledge
//	@Produce		json
//	@Security		Bearer
//	@Param			id				path		string	true	"info blob id"	format(uuid)
//	@Param			chunk_offset	query		int		false	"first chunk (default 0)"
//	@Param			chunk_limit		query		int		false	"how many chunks (1 to 500, default 100)"
//	@Success		200				{object}	InfoBlobText
//	@Failure		404				{object}	httpx.ErrorBody
//	@Router			/api/v1/info-blobs/{id}/ [get]
func (h *KnowledgeHandler) blob(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "info blob")
	if err != nil {
		return err
	}
	offset, err := httpx.QueryInt(c, "chunk_offset", 0)
	if err != nil {
		return err
	}
	limit, err := httpx.QueryInt(c, "chunk_limit", 0)
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	b, chunks, err := h.k.BlobText(c.Request().Context(), tenant, caller, id, offset, limit)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBlobText(b, chunks))
}

// inline are the types a browser may show in place: they run no script.
var inline = map[string]bool{"application/pdf": true, "image/png": true, "image/jpeg": true, "text/plain": true}

// file godoc
//
//	@Summary		A document's uploaded file
//	@Description	The file as it was uploaded, with its type. PDFs, images and plain text
//	@Description	open in the browser (add #page=N to open a PDF at a page); other types download.
//	@Tags			knowledge
//	@Produce		octet-stream
//	@Security		Bearer
//	@Param			id	path		string	true	"info blob id"	format(uuid)
//	@Success		200	{file}		binary
//	@Failure		404	{object}	httpx.ErrorBody
//	@Router			/api/v1/info-blobs/{id}/file [get]
func (h *KnowledgeHandler) file(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "info blob")
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	b, rc, err := h.k.OpenFile(c.Request().Context(), tenant, caller, id)
	if err != nil {
		return err
	}
	defer rc.Close()
	disposition := "attachment"
	if inline[b.MimeType] {
		disposition = "inline"
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": fileName(b)}))
	hdr.Set(echo.HeaderContentLength, strconv.FormatInt(b.Size, 10))
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Content-Security-Policy", "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:")
	return c.Stream(http.StatusOK, b.MimeType, rc)
}

// fileName is what a downloaded document is called: its source when that
// is a file name, else its title.
func fileName(b domain.InfoBlob) string {
	if b.Source != "" && !strings.Contains(b.Source, "/") {
		return b.Source
	}
	return b.Title
}

// retitle godoc
//
//	@Summary	Change a document's title and source
//	@Tags		knowledge
//	@Accept		json
//	@Produce	json
//	@Security	Bearer
//	@Param		id		path		string				true	"info blob id"	format(uuid)
//	@Param		body	body		RetitleBlobRequest	true	"title and url"
//	@Success	200		{object}	InfoBlobResponse
//	@Router		/api/v1/info-blobs/{id}/ [post]
func (h *KnowledgeHandler) retitle(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "info blob")
	if err != nil {
		return err
	}
	var req RetitleBlobRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	b, err := h.k.RetitleBlob(c.Request().Context(), tenant, caller, id, req.Metadata.Title, req.Metadata.URL)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toBlob(b))
}

// deleteBlob godoc
//
//	@Summary	Delete a document and its chunks
//	@Tags		knowledge
//	@Security	Bearer
//	@Param		id	path	string	true	"info blob id"	format(uuid)
//	@Success	204
//	@Router		/api/v1/info-blobs/{id}/ [delete]
func (h *KnowledgeHandler) deleteBlob(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "info blob")
	if err != nil {
		return err
	}
	tenant, caller := knowledgeCaller(c)
	if err := h.k.DeleteBlob(c.Request().Context(), tenant, caller, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
