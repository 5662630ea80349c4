package application

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// usedTokens is a usage store whose tenant has used a number of tokens.
type usedTokens struct {
	UsageStore
	n int
}

func (u usedTokens) TokensSince(context.Context, tenancy.ID, time.Time) (int, error) { return u.n, nil }

// TestQuotaRefusesOnceTheTokensAreUsed: at the quota the tenant is refused
// until tomorrow; below it, and without a quota, work goes on.
func TestQuotaRefusesOnceTheTokensAreUsed(t *testing.T) {
	t.Parallel()
	tenant := tenancy.ID{UUID: uuid.New()}
	err := NewMetering(usedTokens{n: 100}, 100).CheckQuota(context.Background(), tenant)
	kind, _ := errs.KindOf(err)
	require.Equal(t, errs.QuotaExceeded, kind, "the tenant used its tokens")
	var e *errs.Error
	require.ErrorAs(t, err, &e)
	require.Positive(t, e.RetryAfter, "the client is told when to come back")
	require.NoError(t, NewMetering(usedTokens{n: 99}, 100).CheckQuota(context.Background(), tenant))
	require.NoError(t, NewMetering(usedTokens{n: 1 << 30}, 0).CheckQuota(context.Background(), tenant), "no quota")
}
