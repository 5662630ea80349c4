package infrastructure

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

// Argon2Params are the argon2id cost settings (ARGON2_MEMORY_KIB and
// ARGON2_ITERATIONS; the defaults follow RFC 9106's second recommendation).
type Argon2Params struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// PasswordHasher hashes with argon2id in the PHC string format and also
// verifies bcrypt hashes imported from Eneo (asking for a rehash).
type PasswordHasher struct{ p Argon2Params }

// NewPasswordHasher returns a hasher with the given costs.
func NewPasswordHasher(p Argon2Params) PasswordHasher { return PasswordHasher{p: p} }

// Hash returns "$argon2id$v=19$m=...,t=...,p=...$salt$hash".
func (h PasswordHasher) Hash(password string) (string, error) {
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, h.p.Time, h.p.Memory, h.p.Threads, 32)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, h.p.Memory, h.p.Time, h.p.Threads,
		base64.RawStdEncoding.EncodeToString(salt), base64.RawStdEncoding.EncodeToString(key)), nil
}

// Verify checks password against an argon2id or bcrypt hash. rehash is true
// for bcrypt hashes and for argon2id hashes made with other costs.
func (h PasswordHasher) Verify(hash, password string) (ok, rehash bool) {
	switch {
	case strings.HasPrefix(hash, "$argon2id$"):
		return h.verifyArgon2(hash, password)
	case strings.HasPrefix(hash, "$2a$"), strings.HasPrefix(hash, "$2b$"), strings.HasPrefix(hash, "$2y$"):
		return bcrypt.CompareHashAndPassword([]byte(hash), []byte(password)) == nil, true
	}
	return false, false
}

func (h PasswordHasher) verifyArgon2(hash, password string) (bool, bool) {
	parts := strings.Split(hash, "$")
	if len(parts) != 6 {
		return false, false
	}
	var version int
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return false, false
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 || p.Memory > 1<<20 || p.Time > 20 {
		return false, false
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, p != h.p
}
