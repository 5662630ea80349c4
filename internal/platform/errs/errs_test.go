package errs_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/errs"
)

func TestKindOfWalksTheChain(t *testing.T) {
	t.Parallel()
	sentinel := errs.New(errs.NotFound, "assistant not found")
	wrapped := fmt.Errorf("rename assistant 42: %w", sentinel)

	kind, msg := errs.KindOf(wrapped)
	require.Equal(t, errs.NotFound, kind)
	require.Equal(t, "assistant not found", msg)
	require.ErrorIs(t, wrapped, sentinel)
	require.Equal(t, "not_found", kind.Code())
}

func TestKindOfHidesUnclassifiedErrors(t *testing.T) {
	t.Parallel()
	kind, msg := errs.KindOf(errors.New("dial tcp 10.0.0.1:5432: connection refused"))
	require.Equal(t, errs.Internal, kind)
	require.Equal(t, "internal error", msg)
}

func TestInvalidFieldNamesTheField(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("complete: %w", errs.InvalidField("max_tokens", "max_tokens must be at least %d", 1))
	kind, msg := errs.KindOf(err)
	require.Equal(t, errs.Invalid, kind)
	require.Equal(t, "max_tokens must be at least 1", msg)
	require.Equal(t, "max_tokens", errs.FieldOf(err))
	require.Empty(t, errs.FieldOf(errs.New(errs.Invalid, "no field")))
	require.Empty(t, errs.FieldOf(errors.New("plain")))
}

func TestSentinelsWithSameKindButOtherTextDiffer(t *testing.T) {
	t.Parallel()
	a := errs.New(errs.NotFound, "tenant not found")
	b := errs.New(errs.NotFound, "user not found")
	require.NotErrorIs(t, a, b)
}

func TestEveryKindHasACode(t *testing.T) {
	t.Parallel()
	for k := errs.Internal; k <= errs.Unavailable; k++ {
		require.NotEmpty(t, k.Code(), "kind %d", k)
	}
}

func TestPermanentKinds(t *testing.T) {
	t.Parallel()
	for _, k := range []errs.Kind{errs.Invalid, errs.NotFound, errs.TooLarge, errs.UnsupportedMediaType, errs.Forbidden} {
		require.True(t, errs.Permanent(fmt.Errorf("step: %w", errs.New(k, "x"))), k.String())
	}
	for _, k := range []errs.Kind{errs.Internal, errs.Unavailable, errs.RateLimited} {
		require.False(t, errs.Permanent(errs.New(k, "x")), k.String())
	}
	require.False(t, errs.Permanent(errors.New("connection reset")))
}
