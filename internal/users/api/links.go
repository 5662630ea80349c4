package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/auth"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/application"
)

// PasswordLinkResponse is a link that lets a user set a password, shown to
// the administrator who made it.
type PasswordLinkResponse struct {
	// URL is empty when the tenant signs in with single sign-on.
	URL       string     `json:"url,omitempty" example:"https://agora.example.org/invite/pl_…"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
	// Emailed says the link was queued for e-mail (SMTP configured).
	Emailed bool `json:"emailed"`
	// SSO says the user signs in with the organisation's identity
	// provider, so no password link was made.
	SSO bool `json:"sso"`
} // @name PasswordLink

// InviteResponse is the invited user and their invitation.
type InviteResponse struct {
	UserResponse
	Invitation PasswordLinkResponse `json:"invitation"`
} // @name Invitation

// ForgotRequest asks for a password link.
type ForgotRequest struct {
	Email string `json:"email" example:"anna@sundsvall.se"`
} // @name ForgotPasswordRequest

// MessageResponse is a plain answer.
type MessageResponse struct {
	Message string `json:"message"`
} // @name Message

// LinkRequest names a link by its token.
type LinkRequest struct {
	Token string `json:"token"`
} // @name PasswordLinkCheck

// LinkInfoResponse says whether a link can be used.
type LinkInfoResponse struct {
	State     string     `json:"state" enums:"valid,used,expired,unknown"`
	Kind      string     `json:"kind,omitempty" enums:"invite,reset"`
	Email     string     `json:"email,omitempty"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
} // @name PasswordLinkState

// SetPasswordRequest uses a link.
type SetPasswordRequest struct {
	Token    string `json:"token"`
	Password string `json:"password"`
} // @name SetPasswordRequest

func toLink(inv application.Invitation) PasswordLinkResponse {
	out := PasswordLinkResponse{URL: inv.URL, Emailed: inv.Emailed, SSO: inv.SSO}
	if !inv.ExpiresAt.IsZero() {
		out.ExpiresAt = &inv.ExpiresAt
	}
	return out
}

// passwordLink godoc
//
//	@Summary		Make a new password link for a user (admin)
//	@Description	An invitation while the user is invited (INVITE_TTL), else a reset link (24 hours). It replaces the user's earlier links of that kind and is e-mailed when SMTP is configured. A tenant with single sign-on gets no link (sso: true). Shown once.
//	@Tags			users
//	@Produce		json
//	@Security		Bearer
//	@Param			id	path		string	true	"user id"	format(uuid)
//	@Success		200	{object}	PasswordLinkResponse
//	@Failure		401	{object}	httpx.ErrorBody	"a deactivated user"
//	@Failure		404	{object}	httpx.ErrorBody
//	@Router			/api/v1/users/admin/{id}/password-link/ [post]
func (h *Handler) passwordLink(c *echo.Context) error {
	id, err := httpx.PathUUID(c, "id", "user")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	inv, err := h.svc.PasswordLink(ctx, tenancy.MustFrom(ctx), auth.MustFrom(ctx).UserID, id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toLink(inv))
}

// forgotPassword godoc
//
//	@Summary		Ask for a password link by e-mail
//	@Description	Answers the same whether or not the address belongs to a user, so it tells nobody which addresses exist. A user who signs in with a password gets a link that works once for an hour (when SMTP is configured). Limited per address and per IP (429 with Retry-After).
//	@Tags			users
//	@Accept			json
//	@Produce		json
//	@Param			body	body		ForgotRequest	true	"the e-mail address"
//	@Success		202		{object}	MessageResponse
//	@Failure		429		{object}	httpx.ErrorBody
//	@Router			/api/v1/users/password/forgot/ [post]
func (h *Handler) forgotPassword(c *echo.Context) error {
	var req ForgotRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	if req.Email == "" {
		return errs.New(errs.Invalid, "email is required")
	}
	if err := h.svc.ForgotPassword(c.Request().Context(), req.Email); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, MessageResponse{Message: "if the address belongs to an account that signs in with a password, a link is on its way"})
}

// checkLink godoc
//
//	@Summary		Whether a password link can be used
//	@Description	For the page the link opens: whose it is and whether it is valid, used or expired. Nothing changes. The token travels in the body, not the address, so it stays out of access logs.
//	@Tags			users
//	@Accept			json
//	@Produce		json
//	@Param			body	body		LinkRequest	true	"the link's token"
//	@Success		200		{object}	LinkInfoResponse
//	@Router			/api/v1/users/password/check/ [post]
func (h *Handler) checkLink(c *echo.Context) error {
	var req LinkRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	info, err := h.svc.CheckLink(c.Request().Context(), req.Token)
	if err != nil {
		return err
	}
	out := LinkInfoResponse{State: string(info.State), Kind: string(info.Kind), Email: info.Email}
	if !info.ExpiresAt.IsZero() {
		out.ExpiresAt = &info.ExpiresAt
	}
	return c.JSON(http.StatusOK, out)
}

// setPassword godoc
//
//	@Summary		Set a password with a link and sign in
//	@Description	The link works once. The password must meet the policy (12 characters, not the e-mail, not a common password). An invited user becomes active. With X-Agora-Session: cookie the refresh token is set as the session cookie.
//	@Tags			users
//	@Accept			json
//	@Produce		json
//	@Param			body			body		SetPasswordRequest	true	"token and password"
//	@Param			X-Agora-Session	header		string				false	"cookie: keep the refresh token in an HttpOnly cookie"
//	@Success		200				{object}	TokenResponse
//	@Failure		400				{object}	httpx.ErrorBody	"the password does not meet the policy"
//	@Failure		404				{object}	httpx.ErrorBody	"an unknown link"
//	@Failure		409				{object}	httpx.ErrorBody	"a used or expired link"
//	@Router			/api/v1/users/password/set/ [post]
func (h *Handler) setPassword(c *echo.Context) error {
	var req SetPasswordRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	if req.Token == "" || req.Password == "" {
		return errs.New(errs.Invalid, "token and password are required")
	}
	pair, err := h.svc.UseLink(c.Request().Context(), req.Token, req.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, h.tokens(c, pair))
}
