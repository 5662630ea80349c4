package infrastructure_test

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/models/infrastructure"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestASecondTenantSeesNothingOfTheFirst: a model provider of tenant A is
// neither found nor listed by tenant B, by B's id (the tenant condition)
// or, in B's unit of work, by A's id (row-level security, the second line).
func TestASecondTenantSeesNothingOfTheFirst(t *testing.T) {
	t.Parallel()
	repo := infrastructure.NewRepo(testkit.AppDB(t))
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	now := time.Now().UTC()
	p := domain.Provider{ID: uuid.Must(uuid.NewV7()), Tenant: a, Name: "Machine room", ProviderType: "vllm",
		Endpoint: "https://vllm.kommun.example/v1", CreatedAt: now, UpdatedAt: now}
	inA := tenancy.With(t.Context(), a)
	require.NoError(t, repo.InsertProvider(inA, p))
	got, err := repo.Provider(inA, a, p.ID)
	require.NoError(t, err)
	require.Equal(t, "Machine room", got.Name)

	inB := tenancy.With(t.Context(), b)
	_, err = repo.Provider(inB, b, p.ID)
	require.ErrorIs(t, err, domain.ErrProviderNotFound)
	_, err = repo.Provider(inB, a, p.ID)
	require.ErrorIs(t, err, domain.ErrProviderNotFound, "row-level security hides A's provider inside B's unit of work")
	listed, err := repo.Providers(inB, a)
	require.NoError(t, err)
	require.Empty(t, listed)
}
