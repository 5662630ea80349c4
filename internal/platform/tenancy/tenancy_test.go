package tenancy_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/tenancy"
)

func TestContextRoundTrip(t *testing.T) {
	t.Parallel()
	id := tenancy.ID{UUID: uuid.New()}
	got, ok := tenancy.From(tenancy.With(context.Background(), id))
	require.True(t, ok)
	require.Equal(t, id, got)
}

func TestMissingTenantFailsClosed(t *testing.T) {
	t.Parallel()
	_, ok := tenancy.From(context.Background())
	require.False(t, ok)
	_, ok = tenancy.From(tenancy.With(context.Background(), tenancy.ID{}))
	require.False(t, ok, "a zero id must not count as a tenant")
	require.Panics(t, func() { tenancy.MustFrom(context.Background()) })
}

func TestParse(t *testing.T) {
	t.Parallel()
	_, err := tenancy.Parse("not-a-uuid")
	require.Error(t, err)
	u := uuid.New()
	id, err := tenancy.Parse(u.String())
	require.NoError(t, err)
	require.Equal(t, u, id.UUID)
}
