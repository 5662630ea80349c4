// Package api serves chat attachments: upload (text read at once), list,
// read and delete.
package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/files/application"
	"github.com/agora-platform/agora/internal/files/domain"
	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
)

// Handler serves the files routes.
type Handler struct{ svc *application.Service }

// NewHandler returns a Handler.
func NewHandler(svc *application.Service) *Handler { return &Handler{svc: svc} }

// Register adds the routes to an authenticated group.
func (h *Handler) Register(g *echo.Group) {
	g.POST("/files", h.upload)
	g.GET("/files", h.list)
	g.GET("/files/:id", h.get)
	g.DELETE("/files/:id", h.delete)
}

// FileResponse is an uploaded file.
type FileResponse struct {
	ID        string    `json:"id" format:"uuid"`
	Name      string    `json:"name" example:"permit-rules.md"`
	MimeType  string    `json:"mimetype" example:"text/markdown"`
	Size      int64     `json:"size" example:"2048"`
	SHA256    string    `json:"sha256"`
	Chars     int       `json:"chars" example:"1900"`
	CreatedAt time.Time `json:"created_at"`
} // @name File

// FileList is the caller's files, newest first.
type FileList struct {
	Items []FileResponse `json:"items"`
	Count int            `json:"count"`
} // @name FileList

func toFile(f domain.File) FileResponse {
	return FileResponse{ID: f.ID.String(), Name: f.Name, MimeType: f.MimeType, Size: f.Size, SHA256: f.SHA256, Chars: f.Chars, CreatedAt: f.CreatedAt}
}

// upload godoc
//
//	@Summary		Upload a chat attachment
//	@Description	Multipart field "file". The type is sniffed from the content; text, Markdown, CSV, JSON and HTML are read into text at once (at most 10 MiB and 400,000 characters), recordings are transcribed. Attach the returned id to a question with files: [{id}]. With purpose=app a recording is stored as it is, for an app's run to transcribe (its progress shown in the run).
//	@Tags			files
//	@Accept			mpfd
//	@Produce		json
//	@Security		Bearer
//	@Param			file	formData	file	true	"the file"
//	@Param			purpose	query		string	false	"app: keep a recording for an app's run"	Enums(app)
//	@Success		201		{object}	FileResponse
//	@Failure		400		{object}	httpx.ErrorBody	"no file, no text in it, or the upload was cut off"
//	@Failure		413		{object}	httpx.ErrorBody	"too large, or the storage quota is full"
//	@Failure		415		{object}	httpx.ErrorBody	"a type that cannot be read"
//	@Router			/api/v1/files/ [post]
func (h *Handler) upload(c *echo.Context) error {
	name, r, err := httpx.FilePart(c)
	if err != nil {
		return err
	}
	purpose := c.QueryParam("purpose")
	if purpose != "" && purpose != "app" {
		return errs.InvalidField("purpose", "purpose must be app or left out")
	}
	p := auth.MustFrom(c.Request().Context())
	f, err := h.svc.Upload(c.Request().Context(), p.Tenant, p.UserID, name, r, purpose == "app")
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, toFile(f))
}

// list godoc
//
//	@Summary	Your files, newest first
//	@Tags		files
//	@Produce	json
//	@Security	Bearer
//	@Param		limit	query		int	false	"at most this many (default 50, at most 200)"
//	@Success	200		{object}	FileList
//	@Router		/api/v1/files/ [get]
func (h *Handler) list(c *echo.Context) error {
	limit, err := httpx.QueryInt(c, "limit", 0)
	if err != nil {
		return err
	}
	p := auth.MustFrom(c.Request().Context())
	fs, err := h.svc.List(c.Request().Context(), p.Tenant, p.UserID, limit)
	if err != nil {
		return err
	}
	out := FileList{Items: make([]FileResponse, len(fs)), Count: len(fs)}
	for i, f := range fs {
		out.Items[i] = toFile(f)
	}
	return c.JSON(http.StatusOK, out)
}

// get godoc
//
//	@Summary	One of your files
//	@Tags		files
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"file id"	format(uuid)
//	@Success	200	{object}	FileResponse
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/files/{id}/ [get]
func (h *Handler) get(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "file")
	if err != nil {
		return err
	}
	p := auth.MustFrom(c.Request().Context())
	f, err := h.svc.Get(c.Request().Context(), p.Tenant, p.UserID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toFile(f))
}

// delete godoc
//
//	@Summary	Delete one of your files
//	@Tags		files
//	@Security	Bearer
//	@Param		id	path	string	true	"file id"	format(uuid)
//	@Success	204
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/files/{id}/ [delete]
func (h *Handler) delete(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "file")
	if err != nil {
		return err
	}
	p := auth.MustFrom(c.Request().Context())
	if err := h.svc.Delete(c.Request().Context(), p.Tenant, p.UserID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
