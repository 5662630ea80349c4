package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/workflows/application"
)

// KeyRequest names a service's key.
type KeyRequest struct {
	Name string `json:"name,omitempty" example:"case system"`
} // @name ServiceKeyRequest

// KeyResponse is a service's key; the secret only when it is created.
type KeyResponse struct {
	ID        string     `json:"id" format:"uuid"`
	ServiceID string     `json:"service_id" format:"uuid"`
	Name      string     `json:"name"`
	Prefix    string     `json:"prefix"`
	Key       string     `json:"key,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	RevokedAt *time.Time `json:"revoked_at,omitempty"`
} // @name ServiceKey

// KeyList is a service's keys, newest first.
type KeyList struct {
	Items []KeyResponse `json:"items"`
} // @name ServiceKeyList

func toKey(k application.Key, secret string) KeyResponse {
	return KeyResponse{ID: k.ID.String(), ServiceID: k.Workflow.String(), Name: k.Name, Prefix: k.Prefix, Key: secret, CreatedAt: k.CreatedAt, RevokedAt: k.RevokedAt}
}

// createKey godoc
//
//	@Summary		Make an API key that can only run this service (those who may edit it)
//	@Description	The key is shown once. Send it as X-API-Key (or a bearer token) to POST /services/{id}/run/; every other route refuses it. It acts as you.
//	@Tags			workflows
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string		true	"service id"	format(uuid)
//	@Param			body	body		KeyRequest	false	"its name"
//	@Success		201		{object}	KeyResponse
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Router			/api/v1/services/{id}/api-keys/ [post]
func (h *Handler) createKey(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "service")
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
	return c.JSON(http.StatusCreated, toKey(k, secret))
}

// keys godoc
//
//	@Summary	A service's API keys, revoked ones too (those who may edit it)
//	@Tags		workflows
//	@Produce	json
//	@Security	Bearer
//	@Param		id	path		string	true	"service id"	format(uuid)
//	@Success	200	{object}	KeyList
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/services/{id}/api-keys/ [get]
func (h *Handler) keys(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "service")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	ks, err := h.svc.ListKeys(c.Request().Context(), tenant, cl, id)
	if err != nil {
		return err
	}
	out := KeyList{Items: make([]KeyResponse, len(ks))}
	for i, k := range ks {
		out.Items[i] = toKey(k, "")
	}
	return c.JSON(http.StatusOK, out)
}

// revokeKey godoc
//
//	@Summary	Revoke a service's API key: it stops working at once
//	@Tags		workflows
//	@Security	Bearer
//	@Param		id		path	string	true	"service id"	format(uuid)
//	@Param		key_id	path	string	true	"key id"		format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Router		/api/v1/services/{id}/api-keys/{key_id}/ [delete]
func (h *Handler) revokeKey(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "service")
	if err != nil {
		return err
	}
	key, err := httpx.PathUUID(c, "key_id", "key")
	if err != nil {
		return err
	}
	tenant, cl := caller(c)
	if err := h.svc.RevokeKey(c.Request().Context(), tenant, cl, id, key); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
