package testkit_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
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
	require.Equal(t, testkit.AppDatabaseURL(t), c.DatabaseURL, "the code under test runs as the application's role")
	require.Equal(t, testkit.DatabaseURL(t), c.MigrationDatabaseURL)
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

// TestLoggerRecordsPanics: a recovered panic logged at error level lands
// in the panic log `make test` checks; ordinary errors do not.
func TestLoggerRecordsPanics(t *testing.T) {
	path := filepath.Join(t.TempDir(), "panics")
	t.Setenv(testkit.PanicLogEnv, path)
	log := testkit.Logger(nil)
	log.Error("request failed", "err", "the model is unavailable right now")
	_, err := os.Stat(path)
	require.True(t, os.IsNotExist(err), "an ordinary error is no panic")
	log.With("route", "/v1/chat/completions").Error("request failed", "err", "[PANIC RECOVER] runtime error: slice bounds out of range [:-1]")
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	require.Contains(t, string(b), "slice bounds out of range")
	require.True(t, testkit.HasPanic("worker log\npanic: boom\n\ngoroutine 1"))
	require.False(t, testkit.HasPanic("TestNoPanic passed"))
}
