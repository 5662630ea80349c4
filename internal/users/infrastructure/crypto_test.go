package infrastructure_test

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/users/application"
	"github.com/agora-platform/agora/internal/users/infrastructure"
)

var cheap = infrastructure.Argon2Params{Memory: 1024, Time: 1, Threads: 1}

func TestArgon2RoundTrip(t *testing.T) {
	t.Parallel()
	h := infrastructure.NewPasswordHasher(cheap)
	hash, err := h.Hash("correct-horse-battery")
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(hash, "$argon2id$v=19$m=1024,t=1,p=1$"))
	ok, rehash := h.Verify(hash, "correct-horse-battery")
	require.True(t, ok)
	require.False(t, rehash)
	ok, _ = h.Verify(hash, "correct-horse-batterY")
	require.False(t, ok)

	stronger := infrastructure.NewPasswordHasher(infrastructure.Argon2Params{Memory: 2048, Time: 1, Threads: 1})
	ok, rehash = stronger.Verify(hash, "correct-horse-battery")
	require.True(t, ok)
	require.True(t, rehash, "a hash made with other costs is upgraded")
}

func TestBcryptFromEneoVerifiesAndAsksForRehash(t *testing.T) {
	t.Parallel()
	b, err := bcrypt.GenerateFromPassword([]byte("imported-password"), bcrypt.MinCost)
	require.NoError(t, err)
	h := infrastructure.NewPasswordHasher(cheap)
	ok, rehash := h.Verify(string(b), "imported-password")
	require.True(t, ok)
	require.True(t, rehash)
	ok, _ = h.Verify(string(b), "wrong")
	require.False(t, ok)
	ok, _ = h.Verify("plaintext", "plaintext")
	require.False(t, ok, "unknown hash formats never verify")
}

func TestJWT(t *testing.T) {
	t.Parallel()
	j := infrastructure.NewJWT("0123456789abcdef0123456789abcdef")
	c := application.Claims{UserID: uuid.New(), Tenant: tenancy.ID{UUID: uuid.New()}, TokenID: "tid", ExpiresAt: time.Now().Add(time.Minute)}
	tok, err := j.Issue(c)
	require.NoError(t, err)
	got, err := j.Parse(tok)
	require.NoError(t, err)
	require.Equal(t, c.UserID, got.UserID)
	require.Equal(t, c.Tenant, got.Tenant)
	require.Equal(t, "tid", got.TokenID)

	_, err = infrastructure.NewJWT("another-secret-0123456789abcdef0123").Parse(tok)
	require.Error(t, err, "wrong secret")

	expired, err := j.Issue(application.Claims{UserID: uuid.New(), Tenant: c.Tenant, TokenID: "x", ExpiresAt: time.Now().Add(-time.Minute)})
	require.NoError(t, err)
	_, err = j.Parse(expired)
	require.Error(t, err, "expired")

	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"sub": c.UserID.String(), "tid": c.Tenant.String(), "iss": "agora",
		"exp": time.Now().Add(time.Hour).Unix()})
	unsigned, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)
	_, err = j.Parse(unsigned)
	require.Error(t, err, "alg none is refused")
}
