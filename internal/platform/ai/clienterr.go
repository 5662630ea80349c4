package ai

import (
	"context"
	"errors"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// RefusedMessage is what a client learns when the model provider's
// address is refused by the fetch guard: trying again will not help.
const RefusedMessage = "the model provider's address is refused by the fetch guard (it is not a public address); " +
	"an operator can allow it in FETCH_ALLOWED_HOSTS"

// ClientError turns a provider failure into the error a client sees, with
// what they can do; the provider's own message stays in the logs.
func ClientError(err error) error {
	if err == nil || errors.Is(err, context.Canceled) {
		return err
	}
	if _, ok := errs.AsKind(err); ok {
		return err
	}
	e, ok := AsError(err)
	if !ok {
		return errs.Wrap(errs.Unavailable, "the model is unavailable right now; try again later", err)
	}
	switch e.Kind {
	case KindAuth:
		return errs.Wrap(errs.Unavailable, "the model provider refused the credentials; ask your administrator to check them", err)
	case KindQuota:
		return errs.Wrap(errs.QuotaExceeded, "the model provider's quota is used up; ask your administrator", err)
	case KindRateLimited:
		out := errs.Wrap(errs.RateLimited, "the model provider is busy; try again shortly", err)
		out.RetryAfter = e.RetryAfter
		return out
	case KindContextLength:
		return errs.Wrap(errs.TooLarge, "the conversation is too long for this model; start a new conversation or shorten the question", err)
	case KindContentFilter:
		return errs.Wrap(errs.Invalid, "the model provider's content filter blocked this request", err)
	case KindBadRequest:
		return errs.Wrap(errs.Invalid, "the model provider rejected the request: "+e.Msg, err)
	case KindRefused:
		return errs.Wrap(errs.Unavailable, RefusedMessage, err)
	}
	return errs.Wrap(errs.Unavailable, "the model is unavailable right now; try again later", err)
}
