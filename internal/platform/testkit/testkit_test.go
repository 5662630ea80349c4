package testkit_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

func TestTenantIsFreshAndStored(t *testing.T) {
	t.Parallel()
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	require.NotEqual(t, a, b)
	var n int
	err := testkit.DB(t).QueryRowContext(context.Background(),
		"SELECT count(*) FROM tenants WHERE id IN (?, ?)", a.UUID, b.UUID).Scan(&n)
	require.NoError(t, err)
	require.Equal(t, 2, n)
}

func TestConfigIsValidAndPointsAtTheTestServices(t *testing.T) {
	t.Parallel()
	c := testkit.Config(t)
	require.Equal(t, testkit.DatabaseURL(t), c.DatabaseURL)
	require.Equal(t, testkit.RedisURL(t), c.RedisURL)
	require.DirExists(t, c.FileStorageDir)
}

func TestDoSendsJSON(t *testing.T) {
	t.Parallel()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"ct":"` + r.Header.Get("Content-Type") + `","k":"` + r.Header.Get("X-K") + `"}`))
	})
	got := testkit.JSON[map[string]string](t, testkit.Do(h, http.MethodPost, "/", `{}`, "X-K", "v"))
	require.Equal(t, map[string]string{"ct": "application/json", "k": "v"}, got)
}
