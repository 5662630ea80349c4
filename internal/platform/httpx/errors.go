package httpx

import (
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v5"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// ErrorBody is the JSON body of every error response.
type ErrorBody struct {
	Message string `json:"message" example:"tenant not found"`
	Code    string `json:"code" example:"not_found" enums:"invalid,unauthenticated,forbidden,not_found,conflict,too_large,unsupported_media_type,rate_limited,quota_exceeded,unavailable,internal"`
} // @name Error

var statusOf = map[errs.Kind]int{
	errs.Internal:             http.StatusInternalServerError,
	errs.Invalid:              http.StatusBadRequest,
	errs.NotFound:             http.StatusNotFound,
	errs.Conflict:             http.StatusConflict,
	errs.Forbidden:            http.StatusForbidden,
	errs.Unauthenticated:      http.StatusUnauthorized,
	errs.TooLarge:             http.StatusRequestEntityTooLarge,
	errs.UnsupportedMediaType: http.StatusUnsupportedMediaType,
	errs.RateLimited:          http.StatusTooManyRequests,
	errs.QuotaExceeded:        http.StatusTooManyRequests,
	errs.Unavailable:          http.StatusServiceUnavailable,
}

// kindOfStatus classifies the status codes Echo itself produces (routing,
// binding, body limit).
var kindOfStatus = map[int]errs.Kind{
	http.StatusBadRequest:            errs.Invalid,
	http.StatusUnauthorized:          errs.Unauthenticated,
	http.StatusForbidden:             errs.Forbidden,
	http.StatusNotFound:              errs.NotFound,
	http.StatusMethodNotAllowed:      errs.Invalid,
	http.StatusRequestEntityTooLarge: errs.TooLarge,
	http.StatusUnsupportedMediaType:  errs.UnsupportedMediaType,
	http.StatusTooManyRequests:       errs.RateLimited,
	http.StatusServiceUnavailable:    errs.Unavailable,
}

// ErrorHandler is the one place that turns an error into an HTTP status and
// the {"message","code"} body, and the one place that logs failed requests
// (5xx only). 5xx bodies never carry the cause.
func ErrorHandler(log *slog.Logger) echo.HTTPErrorHandler {
	return func(c *echo.Context, err error) {
		if r, uerr := echo.UnwrapResponse(c.Response()); uerr == nil && r.Committed {
			return
		}
		status, body := classify(err)
		if status >= http.StatusInternalServerError {
			log.ErrorContext(c.Request().Context(), "request failed",
				"err", err, "method", c.Request().Method, "route", c.Path(), "status", status)
		}
		if ra := errs.RetryAfterOf(err); ra > 0 {
			c.Response().Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(ra.Seconds()))))
		}
		if c.Request().Method == http.MethodHead {
			_ = c.NoContent(status)
			return
		}
		if strings.HasPrefix(c.Request().URL.Path, "/v1/") {
			_ = c.JSON(status, openAIError(status, body, errs.FieldOf(err)))
			return
		}
		_ = c.JSON(status, body)
	}
}

// OpenAIErrorBody is the body of every error of the OpenAI-compatible API,
// in OpenAI's format, which its client libraries parse.
type OpenAIErrorBody struct {
	Error OpenAIErrorDetail `json:"error"`
} // @name OpenAIError

// OpenAIErrorDetail says what failed: Type is OpenAI's kind of error,
// Param the request field at fault (null when none is), Code Agora's
// error code (as in Error).
type OpenAIErrorDetail struct {
	Message string  `json:"message" example:"temperature must be between 0 and 2, not 3"`
	Type    string  `json:"type" example:"invalid_request_error" enums:"invalid_request_error,requests,insufficient_quota,server_error"`
	Param   *string `json:"param" example:"temperature"`
	Code    string  `json:"code" example:"invalid"`
} // @name OpenAIErrorDetail

// OpenAIError classifies err as ErrorHandler does and returns its status
// and body in the OpenAI-compatible API's format; a stream that fails
// after its status was sent ends with this body as its last event.
func OpenAIError(err error) (int, OpenAIErrorBody) {
	status, body := classify(err)
	return status, openAIError(status, body, errs.FieldOf(err))
}

func openAIError(status int, body ErrorBody, field string) OpenAIErrorBody {
	typ := "invalid_request_error"
	switch {
	case status >= http.StatusInternalServerError:
		typ = "server_error"
	case body.Code == errs.QuotaExceeded.Code():
		typ = "insufficient_quota"
	case status == http.StatusTooManyRequests:
		typ = "requests"
	}
	d := OpenAIErrorDetail{Message: body.Message, Type: typ, Code: body.Code}
	if field != "" {
		d.Param = &field
	}
	return OpenAIErrorBody{Error: d}
}

func classify(err error) (int, ErrorBody) {
	if kind, msg := errs.KindOf(err); kind != errs.Internal {
		return statusOf[kind], ErrorBody{Message: msg, Code: kind.Code()}
	}
	if code := echo.StatusCode(err); code >= 400 && code < 500 {
		kind, ok := kindOfStatus[code]
		if !ok {
			kind = errs.Invalid
		}
		msg := http.StatusText(code)
		if he, ok := errors.AsType[*echo.HTTPError](err); ok && he.Message != "" {
			msg = he.Message
		}
		return code, ErrorBody{Message: msg, Code: kind.Code()}
	}
	if code := echo.StatusCode(err); code == http.StatusServiceUnavailable {
		return code, ErrorBody{Message: "service unavailable", Code: errs.Unavailable.Code()}
	}
	return http.StatusInternalServerError, ErrorBody{Message: "internal error", Code: errs.Internal.Code()}
}
