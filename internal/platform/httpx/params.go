package httpx

import (
	"strconv"

	"github.com/google/uuid"
	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// PathUUID reads the path parameter name as a UUID; what names the object
// in the error: "invalid space id: expected a UUID".
func PathUUID(c *echo.Context, name, what string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, errs.Newf(errs.Invalid, "invalid %s id: expected a UUID", what)
	}
	return id, nil
}

// QueryInt reads the optional whole-number query parameter name, def when
// it is absent.
func QueryInt(c *echo.Context, name string, def int) (int, error) {
	v := c.QueryParam(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		return 0, errs.InvalidField(name, "%s must be a whole number", name)
	}
	return n, nil
}
