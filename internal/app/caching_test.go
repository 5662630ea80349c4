package app_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// TestChangesInOneProcessReachTheOthersCaches runs two API instances on
// the same database and Redis, as two replicas would. The first caches a
// user's API key and a tenant's state; revoking the key and suspending the
// tenant through the second takes effect on the first at once, long before
// the caches' TTL.
func TestChangesInOneProcessReachTheOthersCaches(t *testing.T) {
	t.Parallel()
	cfg := testkit.Config(t)
	cfg.CacheTTL = time.Hour
	here, there := apptest.With(t, cfg), apptest.With(t, cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go here.App.Caches.Listen(ctx)
	time.Sleep(100 * time.Millisecond) // let the subscription start

	tenant := here.Tenant(t)
	token, _ := here.Token(t, tenant, domain.RoleOwner)
	rec := here.Do(http.MethodPost, "/api/v1/users/api-keys/", `{"name":"k","scopes":["read"]}`, token)
	require.Equal(t, http.StatusCreated, rec.Code)
	key := testkit.JSON[struct{ ID, Key string }](t, rec)
	me := func() int { return here.Do(http.MethodGet, "/api/v1/users/me/", "", key.Key).Code }
	require.Equal(t, http.StatusOK, me())
	require.Equal(t, http.StatusOK, me(), "now cached")

	require.Equal(t, http.StatusNoContent, there.Do(http.MethodDelete, "/api/v1/users/api-keys/"+key.ID+"/", "", token).Code)
	require.Eventually(t, func() bool { return me() == http.StatusUnauthorized }, 2*time.Second, 10*time.Millisecond,
		"the revoked key stops working on the other replica")

	require.Equal(t, http.StatusOK, here.Do(http.MethodGet, "/api/v1/users/me/", "", token).Code)
	require.Equal(t, http.StatusOK, there.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+tenant.String()+"/", `{"state":"suspended"}`).Code)
	require.Eventually(t, func() bool {
		return here.Do(http.MethodGet, "/api/v1/users/me/", "", token).Code == http.StatusForbidden
	},
		2*time.Second, 10*time.Millisecond, "a suspended tenant's users are refused on the other replica")
}
