package infrastructure_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
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
