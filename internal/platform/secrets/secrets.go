// Package secrets encrypts stored secrets (provider keys, IdP client
// secrets, crawler passwords) with Fernet, in the form Eneo's Python code
// reads and writes: "enc:fernet:v1:<token>". Several keys may be configured;
// the first encrypts, all decrypt, so keys can be rotated.
package secrets

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/fernet/fernet-go"
)

// Prefix marks an encrypted value.
const Prefix = "enc:fernet:v1:"

// ErrNoKey is returned when a secret must be encrypted or decrypted but no
// ENCRYPTION_KEY is configured.
var ErrNoKey = errors.New("no ENCRYPTION_KEY is configured; set one to store secrets (see configs/agora.example.env)")

// ErrUndecryptable is returned for a value no configured key opens.
var ErrUndecryptable = errors.New("secret cannot be decrypted with any configured ENCRYPTION_KEY")

// Box encrypts and decrypts secrets.
type Box struct{ keys []*fernet.Key }

// NewBox returns a Box with keys; the first encrypts. A Box without keys
// reports ErrNoKey on use.
func NewBox(keys []*fernet.Key) *Box { return &Box{keys: keys} }

// Enabled reports whether a key is configured.
func (b *Box) Enabled() bool { return len(b.keys) > 0 }

// Encrypt returns plain encrypted under the first key, with the prefix.
func (b *Box) Encrypt(plain string) (string, error) {
	if !b.Enabled() {
		return "", ErrNoKey
	}
	tok, err := fernet.EncryptAndSign([]byte(plain), b.keys[0])
	if err != nil {
		return "", fmt.Errorf("encrypt secret: %w", err)
	}
	return Prefix + string(tok), nil
}

// Decrypt opens a value made by Encrypt (or by Eneo) with any configured key.
func (b *Box) Decrypt(value string) (string, error) {
	if !b.Enabled() {
		return "", ErrNoKey
	}
	tok, ok := strings.CutPrefix(value, Prefix)
	if !ok {
		return "", fmt.Errorf("decrypt secret: value lacks the %q prefix", Prefix)
	}
	msg := fernet.VerifyAndDecrypt([]byte(tok), 0, b.keys)
	if msg == nil {
		return "", ErrUndecryptable
	}
	return string(msg), nil
}

// Rotate re-encrypts value under the first key. It reports whether the value
// changed hands, i.e. was not already encrypted under the first key.
func (b *Box) Rotate(value string) (string, bool, error) {
	plain, err := b.Decrypt(value)
	if err != nil {
		return "", false, err
	}
	tok, _ := strings.CutPrefix(value, Prefix)
	if fernet.VerifyAndDecrypt([]byte(tok), 0, b.keys[:1]) != nil {
		return value, false, nil
	}
	out, err := b.Encrypt(plain)
	return out, err == nil, err
}

// Mask shows enough of a secret to recognise it and never all of it:
// "sk-p...x9Qz" for long secrets, "****" for short ones.
func Mask(secret string) string {
	n := utf8.RuneCountInString(secret)
	if n == 0 {
		return ""
	}
	if n < 12 {
		return "****"
	}
	r := []rune(secret)
	return string(r[:4]) + "..." + string(r[n-4:])
}

// MaskEncrypted returns the masked form of an encrypted value, or "****"
// when it cannot be opened; it never returns the secret.
func (b *Box) MaskEncrypted(value string) string {
	if value == "" {
		return ""
	}
	plain, err := b.Decrypt(value)
	if err != nil {
		return "****"
	}
	return Mask(plain)
}
