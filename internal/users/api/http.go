// Package api drives the users module over HTTP: sign-in and tokens, the
// caller's profile and API keys, tenant administration of users, roles and
// groups, and the sysadmin user routes.
package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/application"
	"github.com/agora-platform/agora/internal/users/domain"
)

// Handler serves the users module's routes.
type Handler struct {
	svc     *application.Service
	cookies Cookies
}

// NewHandler returns a Handler.
func NewHandler(svc *application.Service, cookies Cookies) *Handler {
	return &Handler{svc: svc, cookies: cookies}
}

// RegisterPublic adds the routes that need no sign-in to /api/v1.
func (h *Handler) RegisterPublic(v1 *echo.Group) {
	v1.POST("/users/login/token", h.login)
	v1.POST("/users/login/refresh", h.refresh)
	v1.POST("/users/password/forgot", h.forgotPassword)
	v1.POST("/users/password/check", h.checkLink)
	v1.POST("/users/password/set", h.setPassword)
}

// Register adds the signed-in routes to a group guarded by auth.Middleware.
func (h *Handler) Register(g *echo.Group) {
	admin := auth.Require(string(domain.PermAdmin))
	g.POST("/users/logout", h.logout)
	g.GET("/users/me", h.me)
	g.GET("/users", h.list)
	g.GET("/users/tenant", h.tenant)
	g.POST("/users/admin/invite", h.invite, admin)
	g.PATCH("/users/admin/:id", h.update, admin)
	g.DELETE("/users/admin/:id", h.delete, admin)
	g.POST("/users/admin/:id/password-link", h.passwordLink, admin)

	g.GET("/users/api-keys", h.apiKeys)
	g.POST("/users/api-keys", h.createAPIKey)
	g.DELETE("/users/api-keys/:id", h.revokeAPIKey)

	g.GET("/roles", h.roles)
	g.GET("/roles/permissions", h.permissions)
	g.GET("/roles/:id", h.role)
	g.POST("/roles", h.createRole, admin)
	g.POST("/roles/:id", h.updateRole, admin)
	g.DELETE("/roles/:id", h.deleteRole, admin)

	g.GET("/user-groups", h.groups)
	g.GET("/user-groups/:id", h.group)
	g.POST("/user-groups", h.createGroup, admin)
	g.POST("/user-groups/:id", h.updateGroup, admin)
	g.DELETE("/user-groups/:id", h.deleteGroup, admin)
	g.POST("/user-groups/:id/users/:user_id", h.addMember, admin)
	g.DELETE("/user-groups/:id/users/:user_id", h.removeMember, admin)
}

// login godoc
//
//	@Summary		Sign in with e-mail and password
//	@Description	Form fields as OAuth2's password grant: username holds the e-mail. Too many failures per account or IP answer 429 with Retry-After. With the header X-Agora-Session: cookie (browser sessions) the refresh token is set as an HttpOnly, SameSite=Strict cookie on the refresh route instead of in the body.
//	@Tags			users
//	@Accept			x-www-form-urlencoded
//	@Produce		json
//	@Param			username	formData	string	true	"e-mail address"
//	@Param			password	formData	string	true	"password"
//	@Param			X-Agora-Session	header	string	false	"cookie: keep the refresh token in an HttpOnly cookie"
//	@Success		200			{object}	TokenResponse
//	@Failure		401			{object}	httpx.ErrorBody	"incorrect e-mail or password"
//	@Failure		403			{object}	httpx.ErrorBody	"the tenant is suspended"
//	@Failure		429			{object}	httpx.ErrorBody	"too many attempts"
//	@Router			/api/v1/users/login/token/ [post]
func (h *Handler) login(c *echo.Context) error {
	email, password := c.FormValue("username"), c.FormValue("password")
	if email == "" || password == "" {
		return errs.New(errs.Invalid, "username (your e-mail address) and password are required form fields")
	}
	pair, err := h.svc.Login(c.Request().Context(), email, password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.tokens(c, pair))
}

// refresh godoc
//
//	@Summary		Trade a refresh token for a new token pair
//	@Description	Each refresh token works once (a second use within 20 seconds, as two browser tabs may make, gets a new pair too). Presenting a used one later revokes every token of its sign-in. Browser sessions send no body: the token comes from the HttpOnly cookie, and the request must carry X-Agora-Session: cookie and come from this site (Origin, Sec-Fetch-Site).
//	@Tags			users
//	@Accept			json
//	@Produce		json
//	@Param			body			body		RefreshRequest	false	"the refresh token (not needed with the session cookie)"
//	@Param			X-Agora-Session	header		string			false	"cookie: use and renew the session cookie"
//	@Success		200				{object}	TokenResponse
//	@Failure		401				{object}	httpx.ErrorBody
//	@Failure		403				{object}	httpx.ErrorBody	"a cookie refresh from another site or without the header"
//	@Router			/api/v1/users/login/refresh/ [post]
func (h *Handler) refresh(c *echo.Context) error {
	var req RefreshRequest
	if c.Request().ContentLength != 0 {
		if err := c.Bind(&req); err != nil {
			return err
		}
	}
	var grace time.Duration
	if req.RefreshToken == "" {
		token, err := h.cookieRefreshToken(c)
		if err != nil {
			return err
		}
		req.RefreshToken, grace = token, application.ReuseGrace
	}
	if req.RefreshToken == "" {
		return errs.New(errs.Unauthenticated, "no session: send refresh_token, or sign in again")
	}
	pair, err := h.svc.Refresh(c.Request().Context(), req.RefreshToken, grace)
	if err != nil {
		if wantsCookie(c) {
			h.clearRefreshCookie(c)
		}
		return err
	}
	return c.JSON(http.StatusOK, h.tokens(c, pair))
}

// logout godoc
//
//	@Summary		Sign out
//	@Description	The access token stops working at once; the given refresh token's sign-in (or, without one, every sign-in of the user: browser tabs and other devices) is revoked, and their access tokens stop working at their next request. A browser session's refresh cookie is cleared.
//	@Tags			users
//	@Accept			json
//	@Security		Bearer
//	@Param			body	body	RefreshRequest	false	"the refresh token of this sign-in"
//	@Success		204
//	@Failure		401	{object}	httpx.ErrorBody
//	@Router			/api/v1/users/logout/ [post]
func (h *Handler) logout(c *echo.Context) error {
	var req RefreshRequest
	if c.Request().ContentLength > 0 {
		if err := c.Bind(&req); err != nil {
			return err
		}
	}
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	if err := h.svc.Logout(ctx, p.Tenant, p.UserID, p.TokenID, req.RefreshToken); err != nil {
		return err
	}
	h.clearRefreshCookie(c)
	return c.NoContent(http.StatusNoContent)
}

// me godoc
//
//	@Summary	The signed-in user with effective permissions
//	@Tags		users
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	MeResponse
//	@Failure	401	{object}	httpx.ErrorBody
//	@Router		/api/v1/users/me/ [get]
func (h *Handler) me(c *echo.Context) error {
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	u, err := h.svc.Get(ctx, p.Tenant, p.UserID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, MeResponse{UserResponse: toUser(u), Permissions: nonNil(p.Permissions), Features: nonNil(h.cookies.Features)})
}

// list godoc
//
//	@Summary	The tenant's users
//	@Tags		users
//	@Produce	json
//	@Security	Bearer
//	@Param		search	query		string	false	"part of an e-mail or name"
//	@Param		limit	query		int		false	"page size (1-200, default 50)"
//	@Param		offset	query		int		false	"items to skip"
//	@Success	200		{object}	UserList
//	@Failure	401		{object}	httpx.ErrorBody
//	@Router		/api/v1/users/ [get]
func (h *Handler) list(c *echo.Context) error {
	limit, offset, err := paging(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	us, n, err := h.svc.List(ctx, tenancy.MustFrom(ctx), c.QueryParam("search"), limit, offset)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUsers(us, n))
}

// tenant godoc
//
//	@Summary	The signed-in user's tenant
//	@Tags		users
//	@Produce	json
//	@Security	Bearer
//	@Success	200	{object}	TenantResponse
//	@Failure	401	{object}	httpx.ErrorBody
//	@Router		/api/v1/users/tenant/ [get]
func (h *Handler) tenant(c *echo.Context) error {
	ctx := c.Request().Context()
	t, err := h.svc.Tenant(ctx, tenancy.MustFrom(ctx))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, TenantResponse{ID: t.ID.String(), Name: t.Name, Slug: t.Slug, DisplayName: t.DisplayName, State: t.State})
}

// invite godoc
//
//	@Summary		Invite a user to the tenant (admin)
//	@Description	The user is invited until their first sign-in. The answer holds an invitation link (shown once; it works once, for INVITE_TTL) that lets them choose a password; it is also e-mailed when SMTP is configured. A tenant with single sign-on gets no link (invitation.sso: true): the invitee signs in with the organisation's account.
//	@Tags			users
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			body	body		InviteRequest	true	"the user"
//	@Success		201		{object}	InviteResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		409		{object}	httpx.ErrorBody	"e-mail already used"
//	@Router			/api/v1/users/admin/invite/ [post]
func (h *Handler) invite(c *echo.Context) error {
	var req InviteRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	roleIDs, err := parseIDs(req.RoleIDs, "role_ids")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	inv, err := h.svc.Invite(ctx, tenancy.MustFrom(ctx), auth.MustFrom(ctx).UserID, application.CreateInput{
		Email: req.Email, Username: req.Username, PredefinedRoles: req.PredefinedRoles, RoleIDs: roleIDs})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, InviteResponse{UserResponse: toUser(inv.User), Invitation: toLink(inv)})
}

// update godoc
//
//	@Summary		Change a user of the tenant (admin)
//	@Description	Roles, name, and state (active or deactivated). The tenant always keeps an active Owner.
//	@Tags			users
//	@Accept			json
//	@Produce		json
//	@Security		Bearer
//	@Param			id		path		string				true	"user id"	format(uuid)
//	@Param			body	body		UpdateUserRequest	true	"fields to change"
//	@Success		200		{object}	UserResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		403		{object}	httpx.ErrorBody
//	@Failure		404		{object}	httpx.ErrorBody
//	@Failure		409		{object}	httpx.ErrorBody	"last Owner, or yourself"
//	@Router			/api/v1/users/admin/{id}/ [patch]
func (h *Handler) update(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	var req UpdateUserRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	if req.Password != nil {
		return errs.New(errs.Invalid, "passwords are set by the user or the operator, not here")
	}
	patch, err := req.patch()
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	u, err := h.svc.Update(ctx, p.Tenant, p.UserID, id, patch)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toUser(u))
}

// delete godoc
//
//	@Summary	Delete a user of the tenant (admin)
//	@Tags		users
//	@Security	Bearer
//	@Param		id	path	string	true	"user id"	format(uuid)
//	@Success	204
//	@Failure	403	{object}	httpx.ErrorBody
//	@Failure	404	{object}	httpx.ErrorBody
//	@Failure	409	{object}	httpx.ErrorBody	"last Owner, or yourself"
//	@Router		/api/v1/users/admin/{id}/ [delete]
func (h *Handler) delete(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	p := auth.MustFrom(ctx)
	if err := h.svc.Delete(ctx, p.Tenant, p.UserID, id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (r UpdateUserRequest) patch() (domain.Patch, error) {
	p := domain.Patch{Username: r.Username, PredefinedRoles: r.PredefinedRoles}
	if r.RoleIDs != nil {
		ids, err := parseIDs(*r.RoleIDs, "role_ids")
		if err != nil {
			return p, err
		}
		p.RoleIDs = &ids
	}
	if r.State != nil {
		s := domain.State(*r.State)
		p.State = &s
	}
	return p, nil
}

func parseIDs(ss []string, field string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, 0, len(ss))
	for _, s := range ss {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, errs.Newf(errs.Invalid, "%s must hold UUIDs", field)
		}
		out = append(out, id)
	}
	return out, nil
}

func paging(c *echo.Context) (limit, offset int, err error) {
	for name, dst := range map[string]*int{"limit": &limit, "offset": &offset} {
		if s := c.QueryParam(name); s != "" {
			if *dst, err = strconv.Atoi(s); err != nil {
				return 0, 0, errs.Newf(errs.Invalid, "%s must be a whole number", name)
			}
		}
	}
	return limit, offset, nil
}

func expiry(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
