// Package errs classifies errors into the few kinds that transports map to
// status codes. Every message carried by an *Error is safe to show a client.
package errs

import (
	"errors"
	"fmt"
	"time"
)

// Kind says what class of failure an error is; transports map it to a status.
type Kind int

// The kinds; their codes are the wire values of the "code" field in API.md.
const (
	Internal Kind = iota
	Invalid
	NotFound
	Conflict
	Forbidden
	Unauthenticated
	TooLarge
	UnsupportedMediaType
	RateLimited
	QuotaExceeded
	Unavailable
)

var codes = map[Kind]string{
	Internal:             "internal",
	Invalid:              "invalid",
	NotFound:             "not_found",
	Conflict:             "conflict",
	Forbidden:            "forbidden",
	Unauthenticated:      "unauthenticated",
	TooLarge:             "too_large",
	UnsupportedMediaType: "unsupported_media_type",
	RateLimited:          "rate_limited",
	QuotaExceeded:        "quota_exceeded",
	Unavailable:          "unavailable",
}

// Code returns the kind's wire name, e.g. "not_found".
func (k Kind) Code() string { return codes[k] }

// String returns the kind's wire name.
func (k Kind) String() string { return codes[k] }

// Error is a classified error whose Msg is safe to show a client.
// RetryAfter, when set, tells the client how long to wait (rate limits).
// Field, when set, names the request field the error is about
// ("max_tokens", "messages[0].content"); the OpenAI-compatible API
// answers it as "param". Cause, when set, is kept for logs and errors.Is,
// never shown.
type Error struct {
	Kind       Kind
	Msg        string
	RetryAfter time.Duration
	Field      string
	Cause      error
}

// New returns an *Error of the given kind with a client-safe message.
func New(kind Kind, msg string) *Error { return &Error{Kind: kind, Msg: msg} }

// Newf is New with a formatted message; the arguments must be safe to show.
func Newf(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, args...)}
}

// InvalidField is an Invalid error about one request field, with a
// formatted message; the arguments must be safe to show.
func InvalidField(field, format string, args ...any) *Error {
	return &Error{Kind: Invalid, Field: field, Msg: fmt.Sprintf(format, args...)}
}

// Wrap classifies cause with a client-safe message.
func Wrap(kind Kind, msg string, cause error) *Error {
	return &Error{Kind: kind, Msg: msg, Cause: cause}
}

// Error returns the message, and the cause's for logs.
func (e *Error) Error() string {
	if e.Cause != nil {
		return e.Msg + ": " + e.Cause.Error()
	}
	return e.Msg
}

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Cause }

// AsKind returns the kind of the first *Error in err's chain.
func AsKind(err error) (Kind, bool) {
	e, ok := errors.AsType[*Error](err)
	if !ok {
		return Internal, false
	}
	return e.Kind, true
}

// Is reports whether target is the same sentinel value, so package-level
// sentinels work with errors.Is.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Msg == e.Msg
}

// KindOf returns the kind and the client-safe message of the first *Error in
// err's chain, or Internal and "internal error" when there is none.
func KindOf(err error) (Kind, string) {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Kind, e.Msg
	}
	return Internal, "internal error"
}

// FieldOf returns the request field of the first *Error in err's chain, or
// "" when the error is about no single field.
func FieldOf(err error) string {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Field
	}
	return ""
}

// RetryAfterOf returns the retry hint of the first *Error in err's chain.
func RetryAfterOf(err error) time.Duration {
	if e, ok := errors.AsType[*Error](err); ok {
		return e.RetryAfter
	}
	return 0
}

// Permanent reports whether err is one that trying again cannot fix: bad
// input, a row that is gone, something too large or of a type not taken,
// a refusal. The job runner fails such a job at once and the task queue
// does not retry it; both ask here, so the two cannot disagree.
func Permanent(err error) bool {
	switch kind, _ := KindOf(err); kind {
	case Invalid, NotFound, TooLarge, UnsupportedMediaType, Forbidden:
		return true
	}
	return false
}
