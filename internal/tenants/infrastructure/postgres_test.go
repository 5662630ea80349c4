package infrastructure_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/fernet/fernet-go"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/secrets"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/tenants/application"
	"github.com/agora-platform/agora/internal/tenants/domain"
	"github.com/agora-platform/agora/internal/tenants/infrastructure"
)

func newTenant(t *testing.T, name string) domain.Tenant {
	t.Helper()
	tn, err := domain.New(tenancy.ID{UUID: uuid.Must(uuid.NewV7())}, name, "", "", time.Now().UTC().Truncate(time.Microsecond))
	require.NoError(t, err)
	return tn
}

func TestRepoInsertGet(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.DB(t))
	ctx := context.Background()
	tn := newTenant(t, "Repo "+uuid.NewString()[:8])

	require.NoError(t, repo.Insert(ctx, tn))
	got, err := repo.Get(ctx, tn.ID)
	require.NoError(t, err)
	require.Equal(t, tn.Name, got.Name)
	require.Equal(t, tn.DisplayName, got.DisplayName)
	require.Equal(t, domain.StateActive, got.State)
	require.True(t, tn.CreatedAt.Equal(got.CreatedAt))
	require.False(t, got.Provisioned())

	_, err = repo.Get(ctx, tenancy.ID{UUID: uuid.New()})
	require.ErrorIs(t, err, domain.ErrNotFound)
}

func TestRepoNameIsUniqueIgnoringCase(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.DB(t))
	ctx := context.Background()
	name := "Unique " + uuid.NewString()[:8]
	require.NoError(t, repo.Insert(ctx, newTenant(t, name)))
	err := repo.Insert(ctx, newTenant(t, strings.ToUpper(name)))
	require.ErrorIs(t, err, domain.ErrNameTaken)
}

func TestRepoMarkProvisioned(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.DB(t))
	ctx := context.Background()
	tn := newTenant(t, "Prov "+uuid.NewString()[:8])
	require.NoError(t, repo.Insert(ctx, tn))
	at := time.Now().UTC().Truncate(time.Microsecond)
	require.NoError(t, repo.MarkProvisioned(ctx, tn.ID, at))
	got, err := repo.Get(ctx, tn.ID)
	require.NoError(t, err)
	require.True(t, at.Equal(got.ProvisionedAt))
	require.ErrorIs(t, repo.MarkProvisioned(ctx, tenancy.ID{UUID: uuid.New()}, at), domain.ErrNotFound)
}

func TestRepoListPages(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.DB(t))
	ctx := context.Background()
	_, total, err := repo.List(ctx, 1, 0)
	require.NoError(t, err)
	require.NoError(t, repo.Insert(ctx, newTenant(t, "List "+uuid.NewString()[:8])))
	page, after, err := repo.List(ctx, 2, 0)
	require.NoError(t, err)
	require.GreaterOrEqual(t, after, total+1)
	require.LessOrEqual(t, len(page), 2)
	for i := 1; i < len(page); i++ {
		require.False(t, page[i].CreatedAt.Before(page[i-1].CreatedAt), "oldest first")
	}
}

func TestDirStoragePrepareIsIdempotent(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	s := infrastructure.NewDirStorage(root)
	id := tenancy.ID{UUID: uuid.New()}
	require.NoError(t, s.Prepare(context.Background(), id))
	require.NoError(t, s.Prepare(context.Background(), id))
	info, err := os.Stat(filepath.Join(root, id.String()))
	require.NoError(t, err)
	require.True(t, info.IsDir())
}

// seal encrypts plain under the suite's ENCRYPTION_KEY, as the service
// stores secrets: the key rotation test reads every stored secret of the
// installation and must be able to open these too.
func seal(t *testing.T, plain string) string {
	t.Helper()
	v, err := secrets.NewBox(fernet.MustDecodeKeys(testkit.EncryptionKey)).Encrypt(plain)
	require.NoError(t, err)
	return v
}

// TestASecondTenantSeesNothingOfTheFirst: tenant A's provider credential and
// identity provider, the module's tenant-owned rows, are neither read,
// replaced nor removed through tenant B: by B's id on the owner's
// connection, which row-level security does not hold (the tenant condition
// alone), nor by A's id in B's unit of work (row-level security, the second
// line).
func TestASecondTenantSeesNothingOfTheFirst(t *testing.T) {
	t.Parallel()
	a, b, inA, inB := testkit.TwoTenants(t)
	now := time.Now().UTC().Truncate(time.Microsecond)
	keyOfA, keyOfB, secretOfA, byB := seal(t, "key-of-a"), seal(t, "key-of-b"), seal(t, "secret-of-a"), seal(t, "by-b")
	cred := domain.Credential{Provider: domain.OpenAI, APIKey: keyOfA, Endpoint: "https://llm.kommun.example/v1", UpdatedAt: now}
	fed := domain.Federation{Provider: "entra_id", DiscoveryEndpoint: "https://idp.kommun.example/.well-known/openid-configuration",
		ClientID: "agora-a", ClientSecret: secretOfA, AllowedDomains: []string{"kommun.example"}, Scopes: []string{"openid"},
		UpdatedAt: now}
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	require.NoError(t, repo.PutCredential(inA, a, cred))
	require.NoError(t, repo.PutFederation(inA, a, fed))
	require.NoError(t, repo.PutCredential(inB, b, domain.Credential{Provider: domain.Anthropic, APIKey: keyOfB, UpdatedAt: now}))

	owner, ctx := infrastructure.NewRepo(testkit.DB(t)), t.Context()
	creds, err := owner.Credentials(ctx, b)
	require.NoError(t, err)
	require.Len(t, creds, 1)
	require.Equal(t, domain.Anthropic, creds[0].Provider, "B lists its own credential only")
	_, err = owner.Federation(ctx, b)
	require.ErrorIs(t, err, domain.ErrNoFederation)
	removed, err := owner.DeleteCredential(ctx, b, domain.OpenAI)
	require.NoError(t, err)
	require.False(t, removed)
	removed, err = owner.DeleteFederation(ctx, b)
	require.NoError(t, err)
	require.False(t, removed)
	require.NoError(t, owner.ReplaceSecret(ctx, application.StoredSecret{Tenant: b, Kind: "credential", Provider: string(domain.OpenAI)}, byB))
	require.NoError(t, owner.ReplaceSecret(ctx, application.StoredSecret{Tenant: b, Kind: "federation"}, byB))

	creds, err = repo.Credentials(inB, a)
	require.NoError(t, err)
	require.Empty(t, creds, "row-level security hides A's credentials inside B's unit of work")
	_, err = repo.Federation(inB, a)
	require.ErrorIs(t, err, domain.ErrNoFederation, "row-level security hides A's identity provider inside B's unit of work")
	removed, err = repo.DeleteCredential(inB, a, domain.OpenAI)
	require.NoError(t, err)
	require.False(t, removed)
	removed, err = repo.DeleteFederation(inB, a)
	require.NoError(t, err)
	require.False(t, removed)
	err = repo.PutCredential(inB, a, domain.Credential{Provider: domain.OpenAI, APIKey: byB, UpdatedAt: now})
	require.ErrorContains(t, err, "row-level security", "B's unit of work cannot write a row of A")
	err = repo.PutFederation(inB, a, domain.Federation{Provider: "keycloak", DiscoveryEndpoint: "https://idp.region.example",
		ClientID: "agora-b", ClientSecret: byB, UpdatedAt: now})
	require.ErrorContains(t, err, "row-level security", "B's unit of work cannot write a row of A")
	listed, err := repo.EncryptedSecrets(inB)
	require.NoError(t, err)
	require.Equal(t, []application.StoredSecret{{Tenant: b, Kind: "credential", Provider: string(domain.Anthropic), Value: keyOfB}},
		listed, "the listing without a tenant condition holds B's secret only inside B's unit of work")

	creds, err = repo.Credentials(inA, a)
	require.NoError(t, err)
	require.Len(t, creds, 1)
	require.Equal(t, cred.APIKey, creds[0].APIKey, "A's credential is as A left it")
	require.Equal(t, cred.Endpoint, creds[0].Endpoint)
	got, err := repo.Federation(inA, a)
	require.NoError(t, err)
	require.Equal(t, fed.ClientID, got.ClientID, "A's identity provider is as A left it")
	require.Equal(t, fed.ClientSecret, got.ClientSecret)
}
