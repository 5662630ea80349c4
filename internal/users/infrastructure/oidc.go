package infrastructure

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/agora-platform/agora/internal/users/application"
)

// idTokenLeeway tolerates small clock differences with the provider.
const idTokenLeeway = 30 * time.Second

// providerTTL is how long a provider's discovery is reused.
const providerTTL = 10 * time.Minute

// OIDCClient talks to identity providers with coreos/go-oidc and
// golang.org/x/oauth2: discovery, PKCE authorization code exchange, and ID
// token verification (JWKS signature, issuer, audience, expiry).
type OIDCClient struct {
	http *http.Client

	mu        sync.Mutex
	providers map[string]cachedProvider
}

type cachedProvider struct {
	p       *oidc.Provider
	fetched time.Time
}

// NewOIDCClient returns a client whose requests time out after timeout.
func NewOIDCClient(timeout time.Duration) *OIDCClient {
	return &OIDCClient{http: &http.Client{Timeout: timeout}, providers: map[string]cachedProvider{}}
}

func (c *OIDCClient) discover(ctx context.Context, discoveryURL string) (oidc.ProviderConfig, error) {
	var cfg oidc.ProviderConfig
	if err := c.getJSON(ctx, discoveryURL, &cfg); err != nil {
		return cfg, fmt.Errorf("discovery: %w", err)
	}
	if cfg.IssuerURL == "" || cfg.AuthURL == "" || cfg.TokenURL == "" || cfg.JWKSURL == "" {
		return cfg, errors.New("discovery document lacks issuer, authorization_endpoint, token_endpoint or jwks_uri")
	}
	return cfg, nil
}

// provider returns the provider behind a discovery URL, cached a while.
// Its key set keeps a background context: it outlives the request.
func (c *OIDCClient) provider(ctx context.Context, discoveryURL string) (*oidc.Provider, error) {
	c.mu.Lock()
	cp, ok := c.providers[discoveryURL]
	c.mu.Unlock()
	if ok && time.Since(cp.fetched) < providerTTL {
		return cp.p, nil
	}
	cfg, err := c.discover(ctx, discoveryURL)
	if err != nil {
		return nil, err
	}
	p := cfg.NewProvider(oidc.ClientContext(context.Background(), c.http))
	c.mu.Lock()
	c.providers[discoveryURL] = cachedProvider{p: p, fetched: time.Now()}
	c.mu.Unlock()
	return p, nil
}

func (c *OIDCClient) oauth(p *oidc.Provider, idp application.IdentityProvider, redirectURI string) *oauth2.Config {
	return &oauth2.Config{ClientID: idp.ClientID, ClientSecret: idp.ClientSecret, Endpoint: p.Endpoint(),
		RedirectURL: redirectURI, Scopes: idp.Scopes}
}

// AuthURL is the provider's authorization URL with state, nonce and the
// S256 PKCE challenge of verifier.
func (c *OIDCClient) AuthURL(ctx context.Context, idp application.IdentityProvider, redirectURI, state, nonce, verifier string) (string, error) {
	p, err := c.provider(ctx, idp.DiscoveryURL)
	if err != nil {
		return "", err
	}
	return c.oauth(p, idp, redirectURI).AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier)), nil
}

// Exchange trades the code (with the PKCE verifier) for tokens and verifies
// the ID token.
func (c *OIDCClient) Exchange(ctx context.Context, idp application.IdentityProvider, redirectURI, code, verifier string) (application.IdentityClaims, error) {
	p, err := c.provider(ctx, idp.DiscoveryURL)
	if err != nil {
		return application.IdentityClaims{}, err
	}
	hctx := oidc.ClientContext(ctx, c.http)
	tok, err := c.oauth(p, idp, redirectURI).Exchange(hctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		return application.IdentityClaims{}, fmt.Errorf("token exchange: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return application.IdentityClaims{}, errors.New("token response has no id_token")
	}
	v := p.VerifierContext(hctx, &oidc.Config{ClientID: idp.ClientID, Now: func() time.Time { return time.Now().Add(-idTokenLeeway) }})
	idt, err := v.Verify(hctx, raw)
	if err != nil {
		return application.IdentityClaims{}, fmt.Errorf("verify id token: %w", err)
	}
	var claims struct {
		Email         string `json:"email"`
		EmailVerified *bool  `json:"email_verified"`
		Name          string `json:"name"`
	}
	if err := idt.Claims(&claims); err != nil {
		return application.IdentityClaims{}, fmt.Errorf("read id token claims: %w", err)
	}
	return application.IdentityClaims{Issuer: idt.Issuer, Subject: idt.Subject, Email: claims.Email,
		EmailVerified: claims.EmailVerified, Name: claims.Name, Nonce: idt.Nonce}, nil
}

// Probe fetches the discovery document and the signing keys.
func (c *OIDCClient) Probe(ctx context.Context, discoveryURL string) (application.ProviderCheck, error) {
	cfg, err := c.discover(ctx, discoveryURL)
	if err != nil {
		return application.ProviderCheck{}, err
	}
	var keys jose.JSONWebKeySet
	if err := c.getJSON(ctx, cfg.JWKSURL, &keys); err != nil {
		return application.ProviderCheck{}, fmt.Errorf("signing keys: %w", err)
	}
	if len(keys.Keys) == 0 {
		return application.ProviderCheck{}, errors.New("signing keys: the JWKS holds no keys")
	}
	return application.ProviderCheck{Issuer: cfg.IssuerURL, AuthorizationEndpoint: cfg.AuthURL, TokenEndpoint: cfg.TokenURL,
		JWKSURI: cfg.JWKSURL, Keys: len(keys.Keys)}, nil
}

func (c *OIDCClient) getJSON(ctx context.Context, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("GET %s: not JSON: %w", url, err)
	}
	return nil
}
