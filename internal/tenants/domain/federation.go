package domain

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// Federation is a tenant's own OpenID Connect identity provider.
// ClientSecret holds the encrypted secret, never the plain one.
type Federation struct {
	Provider          string
	DiscoveryEndpoint string
	ClientID          string
	ClientSecret      string
	AllowedDomains    []string
	Scopes            []string
	UpdatedAt         time.Time
}

// ErrNoFederation is returned when a tenant has no identity provider.
var ErrNoFederation = errs.New(errs.NotFound, "no identity provider is configured for this tenant")

// FederationInput is what the sysadmin gives, with the plain secret.
type FederationInput struct {
	Provider          string
	DiscoveryEndpoint string
	ClientID          string
	ClientSecret      string
	AllowedDomains    []string
	Scopes            []string
}

// DefaultScopes are requested when none are configured.
var DefaultScopes = []string{"openid", "email", "profile"}

// Normalize validates the input and returns it cleaned: lowercase domains
// without duplicates, and "openid" always among the scopes.
func (in FederationInput) Normalize() (FederationInput, error) {
	in.Provider = strings.TrimSpace(in.Provider)
	in.ClientID = strings.TrimSpace(in.ClientID)
	if in.Provider == "" || len(in.Provider) > 64 {
		return in, errs.New(errs.Invalid, "provider is required (a label such as entra_id, mobilityguard, keycloak)")
	}
	u, err := url.Parse(strings.TrimSpace(in.DiscoveryEndpoint))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return in, errs.New(errs.Invalid, "discovery_endpoint must be the URL of the provider's .well-known/openid-configuration")
	}
	in.DiscoveryEndpoint = u.String()
	if in.ClientID == "" || in.ClientSecret == "" {
		return in, errs.New(errs.Invalid, "client_id and client_secret are required")
	}
	var domains []string
	for _, d := range in.AllowedDomains {
		d = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(d), "@")))
		if d == "" || strings.ContainsAny(d, " /@:") || !strings.Contains(d, ".") {
			return in, errs.Newf(errs.Invalid, "allowed_domains has %q, which is not a domain like example.org", d)
		}
		if !slices.Contains(domains, d) {
			domains = append(domains, d)
		}
	}
	in.AllowedDomains = domains
	if len(in.Scopes) == 0 {
		in.Scopes = DefaultScopes
	}
	if !slices.Contains(in.Scopes, "openid") {
		in.Scopes = append([]string{"openid"}, in.Scopes...)
	}
	return in, nil
}
