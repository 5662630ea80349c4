package infrastructure_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/models/infrastructure"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestTenantBNeverSeesAProviderOfA: a provider record of A is invisible to B, by B's id and by A's.
func TestTenantBNeverSeesAProviderOfA(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b, inA, inB := testkit.TwoTenants(t)
	p := domain.Provider{ID: uuid.Must(uuid.NewV7()), Tenant: a, Name: "Machine room", ProviderType: "vllm",
		Endpoint: "https://vllm.kommun.example/v1", CreatedAt: time.Now().UTC(), UpdatedAt: time.Now().UTC()}
	require.NoError(t, repo.InsertProvider(inA, p))
	got, err := repo.Provider(inA, a, p.ID)
	require.NoError(t, err)
	require.Equal(t, "Machine room", got.Name)
	testkit.Hidden(t, inB, a, b, "provider", domain.ErrProviderNotFound, func(ctx context.Context, tenant tenancy.ID) error {
		_, err := repo.Provider(ctx, tenant, p.ID)
		return err
	})
	listed, err := repo.Providers(inB, a)
	require.NoError(t, err)
	require.Empty(t, listed)
}
