package api

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// FederationStatusResponse says which sign-in modes exist.
type FederationStatusResponse struct {
	Password  bool `json:"password"`
	OIDC      bool `json:"oidc"`
	PerTenant bool `json:"federation_per_tenant"`
} // @name FederationStatus

// SignInTenant is a tenant in the sign-in picker.
type SignInTenant struct {
	Slug        string `json:"slug" example:"sundsvall"`
	Name        string `json:"name"`
	DisplayName string `json:"display_name"`
} // @name SignInTenant

// SignInTenants is the picker's list.
type SignInTenants struct {
	Tenants []SignInTenant `json:"tenants"`
} // @name SignInTenants

// InitiateResponse sends the browser to the identity provider.
type InitiateResponse struct {
	AuthorizationURL string `json:"authorization_url"`
	State            string `json:"state"`
} // @name InitiateResponse

// CallbackRequest is what the identity provider sent back to the browser.
type CallbackRequest struct {
	Code  string `json:"code"`
	State string `json:"state"`
} // @name CallbackRequest

// CallbackResponse is a token pair and the client's own state.
type CallbackResponse struct {
	TokenResponse
	ClientState string `json:"client_state,omitempty"`
} // @name CallbackResponse

// ProviderCheckResponse reports a federation test.
type ProviderCheckResponse struct {
	OK                    bool   `json:"ok"`
	Error                 string `json:"error,omitempty"`
	Issuer                string `json:"issuer,omitempty"`
	AuthorizationEndpoint string `json:"authorization_endpoint,omitempty"`
	TokenEndpoint         string `json:"token_endpoint,omitempty"`
	JWKSURI               string `json:"jwks_uri,omitempty"`
	Keys                  int    `json:"keys"`
} // @name FederationTest

// OIDCDebugRequest switches verbose OIDC logging.
type OIDCDebugRequest struct {
	Enabled         bool   `json:"enabled"`
	DurationMinutes int    `json:"duration_minutes" example:"10"`
	Reason          string `json:"reason" example:"Investigating login issue #452"`
} // @name OIDCDebugRequest

// OIDCDebugResponse is the switch's state.
type OIDCDebugResponse struct {
	Enabled bool       `json:"enabled"`
	Until   *time.Time `json:"until"`
	Reason  string     `json:"reason"`
} // @name OIDCDebug

// RegisterAuth adds the federated sign-in routes (no sign-in needed).
func (h *Handler) RegisterAuth(v1 *echo.Group) {
	v1.GET("/auth/federation-status", h.federationStatus)
	v1.GET("/auth/tenants", h.signInTenants)
	v1.GET("/auth/initiate", h.initiate)
	v1.POST("/auth/callback", h.callback)
}

// federationStatus godoc
//
//	@Summary	Which sign-in modes exist
//	@Tags		auth
//	@Produce	json
//	@Success	200	{object}	FederationStatusResponse
//	@Router		/api/v1/auth/federation-status [get]
func (h *Handler) federationStatus(c *echo.Context) error {
	m := h.svc.FederationStatus()
	return c.JSON(http.StatusOK, FederationStatusResponse{Password: true, OIDC: m.Single || m.PerTenant, PerTenant: m.PerTenant})
}

// signInTenants godoc
//
//	@Summary	Organisations offering single sign-on (tenant picker)
//	@Tags		auth
//	@Produce	json
//	@Success	200	{object}	SignInTenants
//	@Router		/api/v1/auth/tenants [get]
func (h *Handler) signInTenants(c *echo.Context) error {
	ts, err := h.svc.SignInTenants(c.Request().Context())
	if err != nil {
		return err
	}
	out := SignInTenants{Tenants: make([]SignInTenant, len(ts))}
	for i, t := range ts {
		out.Tenants[i] = SignInTenant{Slug: t.Slug, Name: t.Name, DisplayName: t.DisplayName}
	}
	return c.JSON(http.StatusOK, out)
}

// initiate godoc
//
//	@Summary		Start single sign-on
//	@Description	Returns the identity provider's authorization URL. The state is signed by the server; nonce and PKCE verifier are kept for 10 minutes and work once. The redirect URI is PUBLIC_ORIGIN/login/callback.
//	@Tags			auth
//	@Produce		json
//	@Param			tenant	query		string	false	"tenant slug (required in per-tenant mode)"
//	@Param			state	query		string	false	"the client's own state, returned by the callback"
//	@Success		200		{object}	InitiateResponse
//	@Failure		404		{object}	httpx.ErrorBody	"no single sign-on for this tenant"
//	@Failure		503		{object}	httpx.ErrorBody	"the identity provider cannot be reached"
//	@Router			/api/v1/auth/initiate [get]
func (h *Handler) initiate(c *echo.Context) error {
	u, state, err := h.svc.Initiate(c.Request().Context(), c.QueryParam("tenant"), c.QueryParam("state"))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, InitiateResponse{AuthorizationURL: u, State: state})
}

// callback godoc
//
//	@Summary		Complete single sign-on
//	@Description	Verifies the ID token (JWKS signature, issuer, audience, expiry, nonce) and the e-mail domain; creates the user on first sign-in only when the tenant allows just-in-time provisioning.
//	@Tags			auth
//	@Accept			json
//	@Produce		json
//	@Param			body			body		CallbackRequest	true	"code and state from the provider"
//	@Param			X-Agora-Session	header		string			false	"cookie: keep the refresh token in an HttpOnly cookie"
//	@Success		200		{object}	CallbackResponse
//	@Failure		401		{object}	httpx.ErrorBody	"state or token invalid"
//	@Failure		403		{object}	httpx.ErrorBody	"domain not allowed, no account, or tenant suspended"
//	@Router			/api/v1/auth/callback [post]
func (h *Handler) callback(c *echo.Context) error {
	var req CallbackRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	pair, clientState, err := h.svc.Callback(c.Request().Context(), req.Code, req.State)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, CallbackResponse{TokenResponse: h.tokens(c, pair), ClientState: clientState})
}

// testFederation godoc
//
//	@Summary		Test a tenant's identity provider
//	@Description	Fetches discovery and the signing keys; reports what failed.
//	@Tags			sysadmin
//	@Produce		json
//	@Security		SuperKey
//	@Param			id	path		string	true	"tenant id"	format(uuid)
//	@Success		200	{object}	ProviderCheckResponse
//	@Failure		401	{object}	httpx.ErrorBody
//	@Failure		404	{object}	httpx.ErrorBody
//	@Failure		429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/tenants/{id}/federation/test [post]
func (h *Handler) testFederation(c *echo.Context) error {
	id, err := tenancy.Parse(c.Param("id"))
	if err != nil {
		return errs.New(errs.Invalid, "invalid tenant id: expected a UUID")
	}
	res, err := h.svc.TestFederation(c.Request().Context(), id)
	if kind, _ := errs.KindOf(err); err != nil && kind != errs.Internal {
		return err
	}
	if err != nil {
		return c.JSON(http.StatusOK, ProviderCheckResponse{OK: false, Error: err.Error()})
	}
	return c.JSON(http.StatusOK, ProviderCheckResponse{OK: true, Issuer: res.Issuer, AuthorizationEndpoint: res.AuthorizationEndpoint,
		TokenEndpoint: res.TokenEndpoint, JWKSURI: res.JWKSURI, Keys: res.Keys})
}

// oidcDebug godoc
//
//	@Summary	The OIDC debug switch
//	@Tags		sysadmin
//	@Produce	json
//	@Security	SuperKey
//	@Success	200	{object}	OIDCDebugResponse
//	@Failure	429	{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router		/api/v1/sysadmin/observability/oidc-debug/ [get]
func (h *Handler) oidcDebug(c *echo.Context) error {
	d, err := h.svc.OIDCDebug(c.Request().Context())
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, OIDCDebugResponse{Enabled: d.Enabled, Until: httpx.OptionalTime(d.Until), Reason: d.Reason})
}

// setOIDCDebug godoc
//
//	@Summary		Switch verbose OIDC logging on for a while, or off
//	@Description	Logs each sign-in step with issuer, subject and e-mail, never secrets, codes or tokens. It turns itself off after duration_minutes (1-240).
//	@Tags			sysadmin
//	@Accept			json
//	@Produce		json
//	@Security		SuperKey
//	@Param			body	body		OIDCDebugRequest	true	"switch"
//	@Success		200		{object}	OIDCDebugResponse
//	@Failure		400		{object}	httpx.ErrorBody
//	@Failure		429		{object}	httpx.ErrorBody	"too many failed super-key attempts from this address (Retry-After)"
//	@Router			/api/v1/sysadmin/observability/oidc-debug/ [post]
func (h *Handler) setOIDCDebug(c *echo.Context) error {
	var req OIDCDebugRequest
	if err := c.Bind(&req); err != nil {
		return err
	}
	d, err := h.svc.SetOIDCDebug(c.Request().Context(), req.Enabled, req.DurationMinutes, req.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, OIDCDebugResponse{Enabled: d.Enabled, Until: httpx.OptionalTime(d.Until), Reason: d.Reason})
}
