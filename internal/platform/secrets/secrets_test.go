package secrets_test

import (
	"strings"
	"testing"

	"github.com/fernet/fernet-go"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/secrets"
)

// The Fernet specification's published test vector: the same token that
// Python's cryptography.fernet produces and accepts.
const (
	specKey   = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4="
	specToken = "gAAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODy021cpGVWKZ_eEwCGM4BLLF_5CV9dOPmrhuVUPgJobwOz7JcbmrR64jVmpU4IwqDA=="
	otherKey  = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
)

func box(t *testing.T, keys ...string) *secrets.Box {
	t.Helper()
	ks, err := fernet.DecodeKeys(keys...)
	require.NoError(t, err)
	return secrets.NewBox(ks)
}

func TestDecryptsPythonFernetTestVector(t *testing.T) {
	t.Parallel()
	got, err := box(t, specKey).Decrypt(secrets.Prefix + specToken)
	require.NoError(t, err)
	require.Equal(t, "hello", got)
}

func TestRoundTripAndPrefix(t *testing.T) {
	t.Parallel()
	b := box(t, specKey)
	enc, err := b.Encrypt("sk-live-abcdef0123456789")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(enc, secrets.Prefix))
	require.NotContains(t, enc, "abcdef0123456789")
	plain, err := b.Decrypt(enc)
	require.NoError(t, err)
	require.Equal(t, "sk-live-abcdef0123456789", plain)

	_, err = b.Decrypt(strings.TrimPrefix(enc, secrets.Prefix))
	require.ErrorContains(t, err, "prefix")
	_, err = box(t, otherKey).Decrypt(enc)
	require.ErrorIs(t, err, secrets.ErrUndecryptable)
}

func TestRotation(t *testing.T) {
	t.Parallel()
	old := box(t, otherKey)
	enc, err := old.Encrypt("client-secret")
	require.NoError(t, err)

	both := box(t, specKey, otherKey) // new key first, old key still decrypts
	plain, err := both.Decrypt(enc)
	require.NoError(t, err)
	require.Equal(t, "client-secret", plain)

	rotated, changed, err := both.Rotate(enc)
	require.NoError(t, err)
	require.True(t, changed)
	plain, err = box(t, specKey).Decrypt(rotated)
	require.NoError(t, err, "after rotation the new key alone opens it")
	require.Equal(t, "client-secret", plain)

	again, changed, err := both.Rotate(rotated)
	require.NoError(t, err)
	require.False(t, changed, "already under the first key")
	require.Equal(t, rotated, again)
}

func TestNoKey(t *testing.T) {
	t.Parallel()
	b := secrets.NewBox(nil)
	require.False(t, b.Enabled())
	_, err := b.Encrypt("x")
	require.ErrorIs(t, err, secrets.ErrNoKey)
}

func TestMask(t *testing.T) {
	t.Parallel()
	require.Equal(t, "", secrets.Mask(""))
	require.Equal(t, "****", secrets.Mask("short"))
	require.Equal(t, "sk-l...6789", secrets.Mask("sk-live-abcdef0123456789"))
}
