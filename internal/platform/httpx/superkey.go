package httpx

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"strconv"
	"time"

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

// Audit actions of the super-key guard. Entries have no tenant.
const (
	// ActionSuperKeyFailed is a request to the sysadmin API without the
	// right super key.
	ActionSuperKeyFailed = "sysadmin.auth_failed"
	// ActionSuperKeyThrottled is the first request a client address sends
	// while it is refused for too many failures; the refused requests after
	// it in the same window are counted, not recorded one by one, so a flood
	// does not become a flood of audit rows.
	ActionSuperKeyThrottled = "sysadmin.auth_throttled"
)

// FailureThrottle counts failed attempts per client address. An error means
// its store is unreachable: the attempt then passes unthrottled.
type FailureThrottle interface {
	// Blocked returns how long the address stays refused (0: it may try).
	Blocked(ctx context.Context, ip string) (time.Duration, error)
	// Fail counts a failure and returns the failures in the window so far
	// and how long the address is now refused (0: not yet).
	Fail(ctx context.Context, ip string) (int, time.Duration, error)
}

// SuperKeyOptions configure SuperKey.
type SuperKeyOptions struct {
	// Key is SUPER_API_KEY; empty turns the sysadmin API off.
	Key string
	// Throttle refuses addresses that sent too many wrong keys (nil: none).
	Throttle FailureThrottle
	// Limit is the throttle's failures per window, for the audit details.
	Limit int
	// Audit records every failed attempt (nil: not recorded).
	Audit audit.Recorder
}

// SuperKey guards the sysadmin routes with the super key in X-API-Key. Both
// sides are hashed first so the comparison takes the same time whatever the
// length or content of the key presented. A request without the right key
// is audited (no tenant; the client address, user agent and request id)
// and counted against its client address; an address with too many
// failures is refused with 429 and Retry-After before its key is looked
// at, so a right key from it is refused too until the window ends and a
// guesser learns nothing. When the throttle's store (Redis) is down,
// attempts pass unthrottled but are still audited.
func SuperKey(o SuperKeyOptions) echo.MiddlewareFunc {
	want := sha256.Sum256([]byte(o.Key))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c *echo.Context) error {
			if o.Key == "" {
				return errSysadminOff
			}
			req := c.Request()
			ctx, ip := req.Context(), c.RealIP()
			if o.Throttle != nil {
				if wait, _ := o.Throttle.Blocked(ctx, ip); wait > 0 {
					return o.throttled(ctx, c, ip, wait)
				}
			}
			got := req.Header.Get(APIKeyHeader)
			if got == "" {
				return o.failed(ctx, c, ip, "missing key", errMissingKey)
			}
			h := sha256.Sum256([]byte(got))
			if subtle.ConstantTimeCompare(h[:], want[:]) != 1 {
				return o.failed(ctx, c, ip, "wrong key", errWrongKey)
			}
			c.SetRequest(req.WithContext(audit.WithActor(ctx, audit.Actor{Type: "sysadmin"})))
			return next(c)
		}
	}
}

// failed counts and audits a failed attempt, and answers with err.
func (o SuperKeyOptions) failed(ctx context.Context, c *echo.Context, ip, reason string, err error) error {
	details := map[string]string{"reason": reason, "method": c.Request().Method, "path": c.Request().URL.Path}
	if o.Throttle != nil {
		if n, _, ferr := o.Throttle.Fail(ctx, ip); ferr != nil {
			details["throttle"] = "unavailable"
		} else {
			details["failures_in_window"] = strconv.Itoa(n)
		}
	}
	o.record(ctx, ActionSuperKeyFailed, details)
	return err
}

// throttled refuses an address that failed too often; the first refusal
// of a window is audited.
func (o SuperKeyOptions) throttled(ctx context.Context, c *echo.Context, ip string, wait time.Duration) error {
	if n, _, err := o.Throttle.Fail(ctx, ip); err == nil && n == o.Limit+1 {
		o.record(ctx, ActionSuperKeyThrottled, map[string]string{"method": c.Request().Method, "path": c.Request().URL.Path,
			"failures_per_window": strconv.Itoa(o.Limit), "retry_after_seconds": strconv.Itoa(int(wait.Round(time.Second).Seconds()))})
	}
	return &errs.Error{Kind: errs.RateLimited, RetryAfter: wait,
		Msg: "too many failed attempts with the super key from this address; wait and try again"}
}

func (o SuperKeyOptions) record(ctx context.Context, action string, details map[string]string) {
	if o.Audit == nil {
		return
	}
	o.Audit.Record(context.WithoutCancel(ctx), audit.Event{Action: action, TargetType: "sysadmin_api", Outcome: audit.Failure, Details: details})
}
