package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/fernet/fernet-go"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/app"
	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/secrets"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/tenants/api"
	"github.com/agora-platform/agora/internal/tenants/domain"
)

func createTenant(t *testing.T, a *app.App) api.TenantResponse {
	t.Helper()
	rec := sysadmin(a.HTTP(), http.MethodPost, base, `{"name":"`+uniqueName("Cred")+`"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return testkit.JSON[api.TenantResponse](t, rec)
}

// rowsContaining counts the rows of every table in the database whose text
// contains s.
func rowsContaining(t *testing.T, a *app.App, s string) int {
	t.Helper()
	ctx := context.Background()
	var tables []string
	require.NoError(t, a.DB.NewSelect().Table("information_schema.tables").Column("table_name").
		Where("table_schema = 'public'").Where("table_type = 'BASE TABLE'").Scan(ctx, &tables))
	require.Contains(t, tables, "tenant_credentials")
	total := 0
	for _, table := range tables {
		var n int
		err := a.DB.QueryRowContext(ctx, "SELECT count(*) FROM ? AS r WHERE r::text LIKE '%' || ? || '%'", bun.Ident(table), s).Scan(&n)
		require.NoError(t, err, table)
		total += n
	}
	return total
}

func TestCredentialsAreEncryptedAtRestAndMasked(t *testing.T) {
	t.Parallel()
	a := apptest.New(t).App
	e := a.HTTP()
	tn := createTenant(t, a)
	key := "sk-test-" + strings.ReplaceAll(uuid.NewString(), "-", "")

	rec := sysadmin(e, http.MethodPut, base+tn.ID+"/credentials/openai", `{"api_key":"`+key+`"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := testkit.JSON[api.CredentialResponse](t, rec)
	require.Equal(t, secrets.Mask(key), got.APIKey)
	require.NotContains(t, rec.Body.String(), key[8:])

	rec = sysadmin(e, http.MethodGet, base+tn.ID+"/credentials", "")
	require.Equal(t, http.StatusOK, rec.Code)
	list := testkit.JSON[api.CredentialList](t, rec)
	require.Equal(t, 1, list.Count)
	require.Equal(t, secrets.Mask(key), list.Items[0].APIKey)

	require.Zero(t, rowsContaining(t, a, key[8:]), "no plaintext key in any row, audit log included")
	var stored string
	require.NoError(t, a.DB.QueryRowContext(context.Background(),
		"SELECT api_key FROM tenant_credentials WHERE tenant_id = ?", uuid.MustParse(tn.ID)).Scan(&stored))
	require.True(t, strings.HasPrefix(stored, secrets.Prefix))

	id, _ := uuid.Parse(tn.ID)
	r, err := a.Tenants.Service.ResolveCredential(context.Background(), tenantID(id), domain.OpenAI)
	require.NoError(t, err)
	require.Equal(t, key, r.APIKey)
	require.Equal(t, "tenant", r.Source)

	rec = sysadmin(e, http.MethodDelete, base+tn.ID+"/credentials/openai", "")
	require.Equal(t, http.StatusNoContent, rec.Code)
	rec = sysadmin(e, http.MethodDelete, base+tn.ID+"/credentials/openai", "")
	require.Equal(t, http.StatusNotFound, rec.Code)
}

func TestCredentialValidation(t *testing.T) {
	t.Parallel()
	a := apptest.New(t).App
	e := a.HTTP()
	tn := createTenant(t, a)
	for path, body := range map[string]string{
		"watson": `{"api_key":"x"}`,
		"azure":  `{"api_key":"x"}`,
		"openai": `{"api_key":""}`,
	} {
		rec := sysadmin(e, http.MethodPut, base+tn.ID+"/credentials/"+path, body)
		require.Equal(t, http.StatusBadRequest, rec.Code, path)
	}
	rec := sysadmin(e, http.MethodPut, base+uuid.NewString()+"/credentials/openai", `{"api_key":"k"}`)
	require.Equal(t, http.StatusNotFound, rec.Code)
}

func TestResolverStrictAndSharedModes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	cfg := testkit.Config(t)
	cfg.MistralAPIKey = "global-mistral-key"
	shared := apptest.With(t, cfg).App
	tn := createTenant(t, shared)
	id := tenantID(uuid.MustParse(tn.ID))

	r, err := shared.Tenants.Service.ResolveCredential(ctx, id, domain.Mistral)
	require.NoError(t, err)
	require.Equal(t, Resolved{"global-mistral-key", "global"}, Resolved{r.APIKey, r.Source})
	_, err = shared.Tenants.Service.ResolveCredential(ctx, id, domain.Anthropic)
	require.ErrorIs(t, err, domain.ErrNoCredential, "no global anthropic key either")

	cfg.TenantCredentials = true
	strict := apptest.With(t, cfg).App
	_, err = strict.Tenants.Service.ResolveCredential(ctx, id, domain.Mistral)
	require.ErrorIs(t, err, domain.ErrNoCredential, "strict mode never falls back to the global key")
	_, err = strict.Tenants.Service.SetCredential(ctx, id, domain.Mistral, domain.CredentialInput{APIKey: "tenant-mistral"})
	require.NoError(t, err)
	r, err = strict.Tenants.Service.ResolveCredential(ctx, id, domain.Mistral)
	require.NoError(t, err)
	require.Equal(t, "tenant-mistral", r.APIKey)
}

// Resolved is the part of a resolved credential the resolver test compares.
type Resolved struct{ Key, Source string }

func TestFederationIsEncryptedMaskedAndRemovable(t *testing.T) {
	t.Parallel()
	a := apptest.New(t).App
	e := a.HTTP()
	tn := createTenant(t, a)
	secret := "idp-secret-" + uuid.NewString()

	rec := sysadmin(e, http.MethodGet, base+tn.ID+"/federation", "")
	require.Equal(t, http.StatusNotFound, rec.Code)

	body := `{"provider":"keycloak","discovery_endpoint":"https://idp.example.org/realms/x/.well-known/openid-configuration",` +
		`"client_id":"agora","client_secret":"` + secret + `","allowed_domains":["Example.org"]}`
	rec = sysadmin(e, http.MethodPut, base+tn.ID+"/federation", body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	f := testkit.JSON[api.FederationResponse](t, rec)
	require.Equal(t, secrets.Mask(secret), f.ClientSecret)
	require.Equal(t, []string{"example.org"}, f.AllowedDomains)
	require.Equal(t, []string{"openid", "email", "profile"}, f.Scopes)
	require.Zero(t, rowsContaining(t, a, secret), "no plaintext secret in any row")

	rec = sysadmin(e, http.MethodGet, base+tn.ID+"/federation", "")
	require.Equal(t, http.StatusOK, rec.Code)
	require.NotContains(t, rec.Body.String(), secret)

	plain, err := a.Tenants.Service.FederationSecret(context.Background(), tenantID(uuid.MustParse(tn.ID)))
	require.NoError(t, err)
	require.Equal(t, secret, plain.ClientSecret)

	require.Equal(t, http.StatusNoContent, sysadmin(e, http.MethodDelete, base+tn.ID+"/federation", "").Code)
	require.Equal(t, http.StatusNotFound, sysadmin(e, http.MethodDelete, base+tn.ID+"/federation", "").Code)
}

// TestRotationKeepsEverySecretReadable stores secrets under an old key,
// rotates to a new one, and reads them back with the new key alone.
// Rotation covers the whole installation, so the new key is the suite's own:
// other tests' secrets are already under it and stay as they are.
func TestRotationKeepsEverySecretReadable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var oldKey fernet.Key
	require.NoError(t, oldKey.Generate())
	newKey := fernet.MustDecodeKeys(testkit.EncryptionKey)[0]

	cfg := testkit.Config(t)
	cfg.EncryptionKey = oldKey.Encode()
	before := apptest.With(t, cfg).App
	tn := createTenant(t, before)
	id := tenantID(uuid.MustParse(tn.ID))
	// Even if this test fails, no secret under the throwaway key may stay
	// behind for a later rotation to trip over.
	t.Cleanup(func() { _ = before.Tenants.Service.Delete(context.WithoutCancel(ctx), id) })
	_, err := before.Tenants.Service.SetCredential(ctx, id, domain.Anthropic, domain.CredentialInput{APIKey: "anthropic-old"})
	require.NoError(t, err)
	_, err = before.Tenants.Service.SetFederation(ctx, id, domain.FederationInput{Provider: "x", DiscoveryEndpoint: "https://idp.example",
		ClientID: "c", ClientSecret: "fed-old"})
	require.NoError(t, err)

	cfg.EncryptionKey = newKey.Encode() + "," + oldKey.Encode()
	during := apptest.With(t, cfg).App
	n, err := during.Ops().RotateKeys(ctx)
	require.NoError(t, err)
	require.GreaterOrEqual(t, n, 2)

	cfg.EncryptionKey = newKey.Encode()
	after := apptest.With(t, cfg).App
	r, err := after.Tenants.Service.ResolveCredential(ctx, id, domain.Anthropic)
	require.NoError(t, err)
	require.Equal(t, "anthropic-old", r.APIKey)
	f, err := after.Tenants.Service.FederationSecret(ctx, id)
	require.NoError(t, err)
	require.Equal(t, "fed-old", f.ClientSecret)
}

func TestEncryptionOffRefusesToStoreSecrets(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.EncryptionKey = ""
	a := apptest.With(t, cfg).App
	tn := createTenant(t, a)
	rec := sysadmin(a.HTTP(), http.MethodPut, base+tn.ID+"/credentials/openai", `{"api_key":"sk-1"}`)
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "ENCRYPTION_KEY")
}
