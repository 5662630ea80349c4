package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/config"
)

const (
	secret = "0123456789abcdef0123456789abcdef"
	key    = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
)

func valid() map[string]string {
	return map[string]string{"JWT_SECRET": secret, "ENCRYPTION_KEY": key}
}

func TestDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.FromMap(valid())
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:8080", c.HTTPAddr)
	require.Equal(t, "text", c.LogFormat)
	require.Equal(t, 15*time.Minute, c.JWTExpiry(), "JWT_EXPIRY_SECONDS is seconds")
	require.Len(t, c.EncryptionKeys(), 1)
	require.Equal(t, 30*time.Second, c.WebSocketCheckEvery, "sockets close within 30 s of a revocation")
}

func TestWebSocketCheckIntervalIsAtMostThirtySeconds(t *testing.T) {
	t.Parallel()
	for v, ok := range map[string]bool{"1s": true, "30s": true, "31s": false, "500ms": false} {
		vars := valid()
		vars["WEBSOCKET_CHECK_INTERVAL"] = v
		_, err := config.FromMap(vars)
		if ok {
			require.NoError(t, err, v)
		} else {
			require.ErrorContains(t, err, "WEBSOCKET_CHECK_INTERVAL", v)
		}
	}
}

func TestValidationListsEveryProblem(t *testing.T) {
	t.Parallel()
	_, err := config.FromMap(map[string]string{
		"LOG_FORMAT":          "xml",
		"DATABASE_URL":        "mysql://x",
		"SUPER_API_KEY":       "short",
		"FETCH_ALLOWED_HOSTS": "intranet.example,10.0.0.0/99",
	})
	require.Error(t, err)
	for _, name := range []string{"JWT_SECRET", "LOG_FORMAT", "DATABASE_URL", "SUPER_API_KEY", "FETCH_ALLOWED_HOSTS"} {
		require.Contains(t, err.Error(), name)
	}
}

func TestBadNumberIsReported(t *testing.T) {
	t.Parallel()
	vars := valid()
	vars["JWT_EXPIRY_SECONDS"] = "ten"
	_, err := config.FromMap(vars)
	require.ErrorContains(t, err, "JWT_EXPIRY_SECONDS")
}

func TestSeveralEncryptionKeys(t *testing.T) {
	t.Parallel()
	vars := valid()
	vars["ENCRYPTION_KEY"] = key + ", " + "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	c, err := config.FromMap(vars)
	require.NoError(t, err)
	require.Len(t, c.EncryptionKeys(), 2)
}

func TestEnvFileDoesNotOverrideEnvironment(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, ".env")
	require.NoError(t, os.WriteFile(file, []byte("JWT_SECRET="+secret+"\nENCRYPTION_KEY="+key+"\nHTTP_ADDR=0.0.0.0:9999\nLOG_LEVEL=debug\n"), 0o600))
	t.Setenv("HTTP_ADDR", "127.0.0.1:7777")
	t.Setenv("JWT_SECRET", "")
	os.Unsetenv("JWT_SECRET")
	t.Setenv("ENCRYPTION_KEY", "")
	os.Unsetenv("ENCRYPTION_KEY")
	t.Setenv("LOG_LEVEL", "")
	os.Unsetenv("LOG_LEVEL")

	c, err := config.Load(file)
	require.NoError(t, err)
	require.Equal(t, "127.0.0.1:7777", c.HTTPAddr, "the environment wins over .env")
	require.Equal(t, "debug", c.LogLevel)
}

func TestMissingEnvFileIsFine(t *testing.T) {
	t.Setenv("JWT_SECRET", secret)
	t.Setenv("ENCRYPTION_KEY", key)
	_, err := config.Load(filepath.Join(t.TempDir(), "absent.env"))
	require.NoError(t, err)
}

func TestEncryptionKeyRequiredOnlyWhenSecretsAreStored(t *testing.T) {
	t.Parallel()
	_, err := config.FromMap(map[string]string{"JWT_SECRET": secret})
	require.NoError(t, err, "no feature that stores secrets is on")
	for _, flag := range []string{"TENANT_CREDENTIALS_ENABLED", "FEDERATION_PER_TENANT_ENABLED", "TENANT_SELF_SERVICE_CREDENTIALS_ENABLED"} {
		_, err = config.FromMap(map[string]string{"JWT_SECRET": secret, flag: "true"})
		require.ErrorContains(t, err, "ENCRYPTION_KEY is required when", flag)
	}
	_, err = config.FromMap(map[string]string{"JWT_SECRET": secret, "ENCRYPTION_KEY": "nope"})
	require.ErrorContains(t, err, "Fernet keys")
}

func TestSingleTenantOIDCNeedsItsParts(t *testing.T) {
	t.Parallel()
	vars := valid()
	vars["OIDC_DISCOVERY_ENDPOINT"] = "https://idp.example.org/.well-known/openid-configuration"
	_, err := config.FromMap(vars)
	require.ErrorContains(t, err, "OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and OIDC_TENANT")
	vars["OIDC_CLIENT_ID"], vars["OIDC_CLIENT_SECRET"], vars["OIDC_TENANT"] = "agora", "s3cret", "demo"
	c, err := config.FromMap(vars)
	require.NoError(t, err)
	require.Equal(t, []string{"openid", "email", "profile"}, c.OIDCScopes)
}

func TestAPIKeyPepperDerivedFromJWTSecret(t *testing.T) {
	t.Parallel()
	c, err := config.FromMap(valid())
	require.NoError(t, err)
	require.Len(t, c.APIKeyPepperBytes(), 32)
	require.NotContains(t, string(c.APIKeyPepperBytes()), secret)
}

// TestExampleFileListsEveryVariable keeps configs/agora.example.env true to
// the Config struct: every variable the code reads is documented there, and
// nothing there is unknown to the code.
func TestExampleFileListsEveryVariable(t *testing.T) {
	t.Parallel()
	body, err := os.ReadFile("../../../configs/agora.example.env")
	require.NoError(t, err)
	documented := map[string]bool{}
	for _, line := range strings.Split(string(body), "\n") {
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), "#"))
		if name, _, ok := strings.Cut(line, "="); ok && name == strings.ToUpper(name) && !strings.Contains(name, " ") {
			documented[strings.TrimSpace(name)] = true
		}
	}
	read := map[string]bool{}
	ct := reflect.TypeFor[config.Config]()
	for i := range ct.NumField() {
		if name := ct.Field(i).Tag.Get("env"); name != "" {
			read[name] = true
			require.True(t, documented[name], "%s is read by the code but not documented in configs/agora.example.env", name)
		}
	}
	for name := range documented {
		require.True(t, read[name], "%s is documented but the code does not read it", name)
	}
}

// TestIdleConnectionsDefaultToTheOpenLimit: the pool keeps as many idle
// connections as it may open unless told otherwise, and more idle than
// open is refused.
func TestIdleConnectionsDefaultToTheOpenLimit(t *testing.T) {
	t.Parallel()
	vars := valid()
	vars["DB_MAX_OPEN_CONNS"] = "40"
	c, err := config.FromMap(vars)
	require.NoError(t, err)
	require.Equal(t, 40, c.DBMaxIdleConns)
	vars["DB_MAX_IDLE_CONNS"] = "5"
	c, err = config.FromMap(vars)
	require.NoError(t, err)
	require.Equal(t, 5, c.DBMaxIdleConns)
	vars["DB_MAX_IDLE_CONNS"] = "41"
	_, err = config.FromMap(vars)
	require.ErrorContains(t, err, "DB_MAX_IDLE_CONNS")
}
