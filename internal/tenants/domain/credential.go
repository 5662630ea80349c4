package domain

import (
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// Provider names an AI provider whose credentials a tenant can hold.
type Provider string

// The providers.
const (
	OpenAI    Provider = "openai"
	Anthropic Provider = "anthropic"
	Azure     Provider = "azure"
	VLLM      Provider = "vllm"
	Mistral   Provider = "mistral"
	Berget    Provider = "berget"
)

// Providers lists every provider.
var Providers = []Provider{OpenAI, Anthropic, Azure, VLLM, Mistral, Berget}

// ErrNoCredential is returned in strict mode when a tenant has no key.
var ErrNoCredential = errs.New(errs.Forbidden, "no credentials are configured for this provider in your organisation; ask your administrator to add them")

// ParseProvider validates a provider name.
func ParseProvider(s string) (Provider, error) {
	p := Provider(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Providers, p) {
		return "", errs.Newf(errs.Invalid, "unknown provider %q; use one of openai, anthropic, azure, vllm, mistral, berget", s)
	}
	return p, nil
}

// Credential is a tenant's access to a provider. APIKey holds the encrypted
// key ("enc:fernet:v1:..."), never the plain one.
type Credential struct {
	Provider   Provider
	APIKey     string
	Endpoint   string
	APIVersion string
	Deployment string
	UpdatedAt  time.Time
}

// CredentialInput is what an operator gives, with the plain key.
type CredentialInput struct {
	APIKey     string
	Endpoint   string
	APIVersion string
	Deployment string
}

// Validate checks the fields each provider needs: a key for the hosted
// providers; endpoint, API version and deployment for Azure; a base URL
// for vLLM (whose key is optional).
func (in CredentialInput) Validate(p Provider) error {
	in.APIKey = strings.TrimSpace(in.APIKey)
	if p != VLLM && in.APIKey == "" {
		return errs.Newf(errs.Invalid, "api_key is required for %s", p)
	}
	if len(in.APIKey) > 4096 {
		return errs.New(errs.Invalid, "api_key is too long")
	}
	switch p {
	case Azure:
		if in.Endpoint == "" || in.APIVersion == "" || in.Deployment == "" {
			return errs.New(errs.Invalid, "azure needs api_key, endpoint, api_version and deployment_name")
		}
	case VLLM:
		if in.Endpoint == "" {
			return errs.New(errs.Invalid, "vllm needs endpoint (the server's base URL, e.g. http://vllm:8000/v1)")
		}
	}
	if in.Endpoint != "" {
		if u, err := url.Parse(in.Endpoint); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errs.New(errs.Invalid, "endpoint must be an http(s) URL")
		}
	}
	return nil
}
