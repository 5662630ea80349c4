package domain

import (
	"strings"
	"unicode/utf8"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// Password length limits. The upper bound keeps hashing cheap enough that
// long inputs cannot be used to tie up the server.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 256
)

// commonPasswords are passwords long enough to pass the length rule that
// attackers try first. The list is small on purpose: the length rule does
// most of the work.
var commonPasswords = []string{
	"123456789012", "1234567890123", "12345678901234", "123456123456", "qwertyuiopas",
	"qwertyuiop123", "qwerty123456", "password1234", "password12345", "passwordpassword",
	"iloveyou1234", "abcdefghijkl", "abc123abc123", "111111111111", "000000000000",
	"aaaaaaaaaaaa", "letmein12345", "welcome12345", "administrator", "changeme1234",
	"sommar2024!!", "sommaren2024", "vinter2024!!", "lösenord1234", "losenord1234",
	"hejsan123456", "password123!", "Password123!", "Passw0rd1234", "summer2024!!",
	"football1234", "baseball1234", "trustno1trustno1", "1q2w3e4r5t6y", "zaq12wsxcde3",
}

// CheckPassword enforces the password policy: at least 12 characters, at
// most 256, not the e-mail address or its name part, not a common password.
func CheckPassword(password, email string) error {
	n := utf8.RuneCountInString(password)
	if n < MinPasswordLen {
		return errs.Newf(errs.Invalid, "password must be at least %d characters long", MinPasswordLen)
	}
	if n > MaxPasswordLen {
		return errs.Newf(errs.Invalid, "password must be at most %d characters long", MaxPasswordLen)
	}
	lower := strings.ToLower(password)
	email = strings.ToLower(email)
	local, _, _ := strings.Cut(email, "@")
	if lower == email || (len(local) >= 4 && strings.Contains(lower, local)) {
		return errs.New(errs.Invalid, "password must not contain your e-mail address")
	}
	for _, c := range commonPasswords {
		if lower == strings.ToLower(c) {
			return errs.New(errs.Invalid, "this password is too common; choose another")
		}
	}
	if strings.Count(lower, string([]rune(lower)[0])) == utf8.RuneCountInString(lower) {
		return errs.New(errs.Invalid, "password must not be one repeated character")
	}
	return nil
}
