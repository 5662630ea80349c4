package domain_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

func TestNew(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	id := tenancy.ID{UUID: uuid.New()}
	tests := []struct {
		name, in, display string
		wantDisplay       string
		wantErr           bool
	}{
		{name: "plain", in: "Sundsvall", wantDisplay: "Sundsvall"},
		{name: "trimmed with display", in: "  Region Västernorrland ", display: " Region VN ", wantDisplay: "Region VN"},
		{name: "unicode letters", in: "Malmö stad", wantDisplay: "Malmö stad"},
		{name: "too short", in: "a", wantErr: true},
		{name: "too long", in: strings.Repeat("x", domain.MaxNameLen+1), wantErr: true},
		{name: "slash", in: "a/b", wantErr: true},
		{name: "control in display", in: "Umeå", display: "Um\x00eå", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := domain.New(id, tt.in, tt.display, "", now)
			if tt.wantErr {
				require.Error(t, err)
				kind, _ := errs.KindOf(err)
				require.Equal(t, errs.Invalid, kind)
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.wantDisplay, got.DisplayName)
			require.Equal(t, domain.StateActive, got.State)
			require.False(t, got.Provisioned())
			require.Equal(t, now, got.CreatedAt)
		})
	}
}

func TestSlugify(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"Sundsvalls kommun":           "sundsvalls-kommun",
		"Malmö stad":                  "malmo-stad",
		"  Region -- Västernorrland!": "region-vasternorrland",
		"Ö":                           "o",
	} {
		require.Equal(t, want, domain.Slugify(in), in)
	}
}

func TestApplyValidatesAndLeavesTenantUnchangedOnError(t *testing.T) {
	t.Parallel()
	now := time.Now()
	tn, err := domain.New(tenancy.ID{UUID: uuid.New()}, "Umeå kommun", "", "", now)
	require.NoError(t, err)
	require.Equal(t, "umea-kommun", tn.Slug)
	require.Equal(t, "simple", tn.Settings.Language)

	before := tn
	bad := []domain.Patch{
		{Slug: ptr("Bad Slug")},
		{Slug: ptr("-x")},
		{State: ptr(domain.State("archived"))},
		{QuotaLimit: ptr(int64(-1))},
		{Settings: &domain.Settings{Language: "klingon"}},
		{Name: ptr("x")},
	}
	for _, p := range bad {
		err := tn.Apply(p, now.Add(time.Hour))
		kind, _ := errs.KindOf(err)
		require.Equal(t, errs.Invalid, kind, "%+v", p)
		require.Equal(t, before, tn, "a failed patch changes nothing")
	}

	later := now.Add(time.Hour)
	require.NoError(t, tn.Apply(domain.Patch{State: ptr(domain.StateSuspended), QuotaLimit: ptr(int64(1 << 30)),
		Settings: &domain.Settings{JITProvisioning: true, Language: "swedish"}}, later))
	require.ErrorIs(t, tn.CheckActive(), domain.ErrSuspended)
	require.Equal(t, later, tn.UpdatedAt)
	require.True(t, tn.Settings.JITProvisioning)
}

func TestCredentialInputPerProvider(t *testing.T) {
	t.Parallel()
	require.NoError(t, domain.CredentialInput{APIKey: "sk-1"}.Validate(domain.OpenAI))
	require.Error(t, domain.CredentialInput{}.Validate(domain.OpenAI), "hosted providers need a key")
	require.Error(t, domain.CredentialInput{APIKey: "k"}.Validate(domain.Azure), "azure needs endpoint, version, deployment")
	require.NoError(t, domain.CredentialInput{APIKey: "k", Endpoint: "https://x.openai.azure.com", APIVersion: "2024-10-21", Deployment: "gpt"}.Validate(domain.Azure))
	require.NoError(t, domain.CredentialInput{Endpoint: "http://vllm:8000/v1"}.Validate(domain.VLLM), "vllm key is optional")
	require.Error(t, domain.CredentialInput{Endpoint: "ftp://x"}.Validate(domain.VLLM))
	_, err := domain.ParseProvider("OpenAI")
	require.NoError(t, err)
	_, err = domain.ParseProvider("watson")
	require.Error(t, err)
}

func TestFederationInputNormalizes(t *testing.T) {
	t.Parallel()
	in, err := domain.FederationInput{Provider: "entra_id", DiscoveryEndpoint: "https://idp.example/.well-known/openid-configuration",
		ClientID: "c", ClientSecret: "s", AllowedDomains: []string{" Sundsvall.SE ", "@sundsvall.se", "kommun.se"}, Scopes: []string{"email"}}.Normalize()
	require.NoError(t, err)
	require.Equal(t, []string{"sundsvall.se", "kommun.se"}, in.AllowedDomains)
	require.Equal(t, []string{"openid", "email"}, in.Scopes)

	_, err = domain.FederationInput{Provider: "x", DiscoveryEndpoint: "not a url", ClientID: "c", ClientSecret: "s"}.Normalize()
	require.Error(t, err)
	_, err = domain.FederationInput{Provider: "x", DiscoveryEndpoint: "https://idp.example", ClientID: "c", ClientSecret: "s", AllowedDomains: []string{"no-dot"}}.Normalize()
	require.Error(t, err)

}

func ptr[T any](v T) *T { return &v }
