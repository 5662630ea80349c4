package httpx

import (
	"crypto/sha256"
	"crypto/subtle"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/audit"
	"github.com/agora-platform/agora/internal/platform/errs"
)

// APIKeyHeader carries the sysadmin super key and user API keys.
const APIKeyHeader = "X-API-Key"

var (
	errMissingKey  = errs.New(errs.Unauthenticated, "missing X-API-Key header: the sysadmin API needs the super key")
	errWrongKey    = errs.New(errs.Unauthenticated, "invalid API key")
	errSysadminOff = errs.New(errs.Unauthenticated, "the sysadmin API is turned off: set SUPER_API_KEY to turn it on")
)

// SuperKey guards the sysadmin routes with the super key in X-API-Key. Both
// sides are hashed first so the comparison takes the same time whatever the
// length or content of the key presented.
func SuperKey(superKey string) echo.MiddlewareFunc {
	want := sha256.Sum256([]byte(superKey))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			got := c.Request().Header.Get(APIKeyHeader)
			switch {
			case superKey == "":
				return errSysadminOff
			case got == "":
				return errMissingKey
			}
			h := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(h[:], want[:]) != 1 {
				return errWrongKey
			}
			req := c.Request()
			c.SetRequest(req.WithContext(audit.WithActor(req.Context(), audit.Actor{Type: "sysadmin"})))
			return next(c)
		}
	}
}
