package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/audit"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/api"
	"github.com/agora-platform/agora/internal/users/domain"
)

func createKey(t testing.TB, v *env, token, body string) api.CreatedAPIKey {
	t.Helper()
	rec := v.Do(http.MethodPost, "/api/v1/users/api-keys/", body, token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return testkit.JSON[api.CreatedAPIKey](t, rec)
}

func TestAPIKeys(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	token, id := v.Token(t, tn, domain.RoleUser)

	k := createKey(t, v, token, `{"name":"script","scopes":["write"]}`)
	require.True(t, strings.HasPrefix(k.Key, "agk_"))
	require.True(t, strings.HasPrefix(k.Key, k.Prefix))

	rec := v.Do(http.MethodGet, "/api/v1/users/api-keys/", "", token)
	require.Equal(t, http.StatusOK, rec.Code)
	require.NotContains(t, rec.Body.String(), k.Key, "the secret is shown once")
	require.Equal(t, 1, testkit.JSON[api.APIKeyList](t, rec).Count)

	var stored int
	require.NoError(t, v.App.DB.QueryRowContext(context.Background(),
		"SELECT count(*) FROM api_keys WHERE key_hash = convert_to(?, 'UTF8') OR name LIKE ?", k.Key, "%"+k.Key[10:]+"%").Scan(&stored))
	require.Zero(t, stored, "only an HMAC of the key is stored")

	rec = v.withKey(http.MethodGet, "/api/v1/users/me/", "", k.Key)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, id.String(), testkit.JSON[api.MeResponse](t, rec).ID)
	rec = testkit.Do(v.H, http.MethodGet, "/api/v1/users/me/", "", "Authorization", "Bearer "+k.Key)
	require.Equal(t, http.StatusOK, rec.Code, "a key also works as a bearer token (OpenAI clients)")

	rec = v.withKey(http.MethodPost, "/api/v1/users/api-keys/", `{"name":"x","scopes":["read"]}`, k.Key)
	require.Equal(t, http.StatusForbidden, rec.Code, "keys cannot mint keys")

	rec = v.Do(http.MethodDelete, "/api/v1/users/api-keys/"+k.ID+"/", "", token)
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Equal(t, http.StatusUnauthorized, v.withKey(http.MethodGet, "/api/v1/users/me/", "", k.Key).Code)
	require.Equal(t, http.StatusUnauthorized, v.withKey(http.MethodGet, "/api/v1/users/me/", "", "agk_made-up").Code)

	entries, _, err := v.App.Audit.List(context.Background(), tn, audit.Filter{TargetID: k.ID})
	require.NoError(t, err)
	require.Len(t, entries, 2)
	require.Equal(t, "api_key.revoked", entries[0].Action)
	require.Equal(t, "api_key.created", entries[1].Action)
	for _, e := range entries {
		for _, val := range e.Details {
			require.NotContains(t, val, k.Key[len(k.Prefix):], "no secret in the audit log")
		}
	}
}

func TestAPIKeyScopesAndExpiry(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	owner, _ := v.Token(t, tn, domain.RoleOwner)

	read := createKey(t, v, owner, `{"name":"r","scopes":["read"]}`)
	require.Equal(t, http.StatusOK, v.withKey(http.MethodGet, "/api/v1/roles/", "", read.Key).Code)
	rec := v.withKey(http.MethodPost, "/api/v1/user-groups/", `{"name":"g"}`, read.Key)
	require.Equal(t, http.StatusForbidden, rec.Code, "read keys cannot write")
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "scopes")

	write := createKey(t, v, owner, `{"name":"w","scopes":["write"]}`)
	rec = v.withKey(http.MethodPost, "/api/v1/user-groups/", `{"name":"g-`+uuid.NewString()[:6]+`"}`, write.Key)
	require.Equal(t, http.StatusForbidden, rec.Code, "admin routes need the admin scope, even for an Owner's key")

	admin := createKey(t, v, owner, `{"name":"a","scopes":["admin"]}`)
	rec = v.withKey(http.MethodPost, "/api/v1/user-groups/", `{"name":"g-`+uuid.NewString()[:6]+`"}`, admin.Key)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())

	soon := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339Nano)
	short := createKey(t, v, owner, `{"name":"s","scopes":["read"],"expires_at":"`+soon+`"}`)
	require.Equal(t, http.StatusOK, v.withKey(http.MethodGet, "/api/v1/users/me/", "", short.Key).Code)
	require.Eventually(t, func() bool {
		return v.withKey(http.MethodGet, "/api/v1/users/me/", "", short.Key).Code == http.StatusUnauthorized
	}, 5*time.Second, 100*time.Millisecond, "an expired key stops working")

	rec = v.Do(http.MethodPost, "/api/v1/users/api-keys/", `{"name":"x","scopes":["root"]}`, owner)
	require.Equal(t, http.StatusBadRequest, rec.Code)
}

// TestAdminPermissionGatesEveryAdminRoute walks every route that needs the
// admin permission with each predefined role.
func TestAdminPermissionGatesEveryAdminRoute(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	_, target := v.User(t, tn, domain.RoleUser)
	owner, _ := v.Token(t, tn, domain.RoleOwner)
	rec := v.Do(http.MethodPost, "/api/v1/roles/", `{"name":"R","permissions":["insights"]}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code)
	role := testkit.JSON[api.RoleResponse](t, rec).ID
	rec = v.Do(http.MethodPost, "/api/v1/user-groups/", `{"name":"G"}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code)
	group := testkit.JSON[api.GroupResponse](t, rec).ID

	routes := []struct{ method, path, body string }{
		{http.MethodPost, "/api/v1/users/admin/invite/", `{"email":"new-` + uuid.NewString()[:8] + `@kommun.example"}`},
		{http.MethodPatch, "/api/v1/users/admin/" + target.String() + "/", `{"username":"x"}`},
		{http.MethodPost, "/api/v1/roles/", `{"name":"X","permissions":[]}`},
		{http.MethodPost, "/api/v1/roles/" + role + "/", `{"name":"R2","permissions":["apps"]}`},
		{http.MethodDelete, "/api/v1/roles/" + role + "/", ""},
		{http.MethodPost, "/api/v1/user-groups/", `{"name":"H"}`},
		{http.MethodPost, "/api/v1/user-groups/" + group + "/", `{"name":"G2"}`},
		{http.MethodPost, "/api/v1/user-groups/" + group + "/users/" + target.String() + "/", ""},
		{http.MethodDelete, "/api/v1/user-groups/" + group + "/users/" + target.String() + "/", ""},
		{http.MethodDelete, "/api/v1/user-groups/" + group + "/", ""},
		{http.MethodGet, "/api/v1/audit/logs", ""},
		{http.MethodDelete, "/api/v1/users/admin/" + target.String() + "/", ""},
	}
	for _, role := range []string{domain.RoleUser, domain.RoleAIConfigurator} {
		token, _ := v.Token(t, tn, role)
		for _, r := range routes {
			rec := v.Do(r.method, r.path, r.body, token)
			require.Equal(t, http.StatusForbidden, rec.Code, "%s %s %s", role, r.method, r.path)
		}
	}
	for _, r := range routes {
		rec := v.Do(r.method, r.path, r.body, owner)
		require.Less(t, rec.Code, 300, "Owner %s %s: %s", r.method, r.path, rec.Body.String())
	}
}

func TestCustomRoleGrantsItsPermissions(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	owner, _ := v.Token(t, tn, domain.RoleOwner)
	email, id := v.User(t, tn, domain.RoleUser)
	rec := v.Do(http.MethodPost, "/api/v1/roles/", `{"name":"Admins too","permissions":["admin"]}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code)
	role := testkit.JSON[api.RoleResponse](t, rec).ID

	rec = v.Do(http.MethodPatch, "/api/v1/users/admin/"+id.String()+"/", `{"role_ids":["`+role+`"]}`, owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	token := v.login(t, email).AccessToken
	me := testkit.JSON[api.MeResponse](t, v.Do(http.MethodGet, "/api/v1/users/me/", "", token))
	require.Equal(t, []string{"assistants", "apps", "admin"}, me.Permissions)
	require.Equal(t, http.StatusOK, v.Do(http.MethodGet, "/api/v1/audit/logs", "", token).Code)

	rec = v.Do(http.MethodPatch, "/api/v1/users/admin/"+id.String()+"/", `{"role_ids":["`+uuid.NewString()+`"]}`, owner)
	require.Equal(t, http.StatusBadRequest, rec.Code, "unknown roles are refused")
}

func TestTenantKeepsAnOwner(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	owner, ownerID := v.Token(t, tn, domain.RoleOwner)
	rec := v.Do(http.MethodPatch, "/api/v1/users/admin/"+ownerID.String()+"/", `{"state":"deactivated"}`, owner)
	require.Equal(t, http.StatusConflict, rec.Code)
	rec = v.Do(http.MethodDelete, "/api/v1/users/admin/"+ownerID.String()+"/", "", owner)
	require.Equal(t, http.StatusConflict, rec.Code, "nobody deletes themselves")
	rec = v.Do(http.MethodPatch, "/api/v1/users/admin/"+ownerID.String()+"/", `{"predefined_roles":["User"]}`, owner)
	require.Equal(t, http.StatusConflict, rec.Code, "the last Owner cannot step down")
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "last active Owner")

	_, second := v.User(t, tn, domain.RoleOwner)
	rec = v.Do(http.MethodPatch, "/api/v1/users/admin/"+ownerID.String()+"/", `{"predefined_roles":["User"]}`, owner)
	require.Equal(t, http.StatusOK, rec.Code, "with a second Owner it can")
	_ = second
}

func TestInviteListAndSoftDelete(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	owner, _ := v.Token(t, tn, domain.RoleOwner)
	email := "invited-" + uuid.NewString()[:8] + "@kommun.example"
	rec := v.Do(http.MethodPost, "/api/v1/users/admin/invite/", `{"email":"`+email+`","predefined_roles":["AI Configurator"]}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	invited := testkit.JSON[api.UserResponse](t, rec)
	require.Equal(t, "invited", invited.State)
	rec = v.Do(http.MethodPost, "/api/v1/users/admin/invite/", `{"email":"`+strings.ToUpper(email)+`"}`, owner)
	require.Equal(t, http.StatusConflict, rec.Code, "e-mail addresses are unique, ignoring case")

	rec = v.Do(http.MethodGet, "/api/v1/users/?search=invited-", "", owner)
	list := testkit.JSON[api.UserList](t, rec)
	require.Equal(t, 1, list.Count)
	require.Equal(t, email, list.Items[0].Email)

	require.Equal(t, http.StatusNoContent, v.Do(http.MethodDelete, "/api/v1/users/admin/"+invited.ID+"/", "", owner).Code)
	require.Zero(t, testkit.JSON[api.UserList](t, v.Do(http.MethodGet, "/api/v1/users/?search=invited-", "", owner)).Count)
	rec = v.Do(http.MethodPost, "/api/v1/users/admin/invite/", `{"email":"`+email+`"}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code, "a deleted user's e-mail can be used again")
	var kept int
	require.NoError(t, v.App.DB.QueryRowContext(context.Background(),
		"SELECT count(*) FROM users WHERE email = ? AND state = 'deleted'", email).Scan(&kept))
	require.Equal(t, 1, kept, "deletion is soft")
}

func TestGroups(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	owner, _ := v.Token(t, tn, domain.RoleOwner)
	_, member := v.User(t, tn, domain.RoleUser)
	rec := v.Do(http.MethodPost, "/api/v1/user-groups/", `{"name":"Social services","description":"IFO"}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code)
	g := testkit.JSON[api.GroupResponse](t, rec)
	require.Equal(t, http.StatusConflict, v.Do(http.MethodPost, "/api/v1/user-groups/", `{"name":"social SERVICES"}`, owner).Code)

	rec = v.Do(http.MethodPost, "/api/v1/user-groups/"+g.ID+"/users/"+member.String()+"/", "", owner)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, []string{member.String()}, testkit.JSON[api.GroupResponse](t, rec).Members)
	require.Equal(t, http.StatusOK, v.Do(http.MethodPost, "/api/v1/user-groups/"+g.ID+"/users/"+member.String()+"/", "", owner).Code, "adding twice is fine")
	require.Equal(t, http.StatusNotFound, v.Do(http.MethodPost, "/api/v1/user-groups/"+g.ID+"/users/"+uuid.NewString()+"/", "", owner).Code)

	list := testkit.JSON[api.GroupList](t, v.Do(http.MethodGet, "/api/v1/user-groups/", "", owner))
	require.Equal(t, 1, list.Count)
	require.Equal(t, http.StatusNoContent, v.Do(http.MethodDelete, "/api/v1/user-groups/"+g.ID+"/users/"+member.String()+"/", "", owner).Code)
	require.Equal(t, http.StatusNotFound, v.Do(http.MethodDelete, "/api/v1/user-groups/"+g.ID+"/users/"+member.String()+"/", "", owner).Code)
}

// TestOtherTenantSeesNothing: a user or key of tenant B gets 404 for every
// tenant-A user, role, group and key, and none of A's audit entries.
func TestOtherTenantSeesNothing(t *testing.T) {
	t.Parallel()
	v := setup(t)
	a, b := v.Tenant(t), v.Tenant(t)
	ownerA, _ := v.Token(t, a, domain.RoleOwner)
	_, userA := v.User(t, a, domain.RoleUser)
	role := testkit.JSON[api.RoleResponse](t, v.Do(http.MethodPost, "/api/v1/roles/", `{"name":"A role","permissions":["apps"]}`, ownerA)).ID
	group := testkit.JSON[api.GroupResponse](t, v.Do(http.MethodPost, "/api/v1/user-groups/", `{"name":"A group"}`, ownerA)).ID
	keyA := createKey(t, v, ownerA, `{"name":"a","scopes":["read"]}`).ID

	ownerB, _ := v.Token(t, b, domain.RoleOwner)
	adminKeyB := createKey(t, v, ownerB, `{"name":"b","scopes":["admin"]}`).Key
	routes := []struct{ method, path, body string }{
		{http.MethodPatch, "/api/v1/users/admin/" + userA.String() + "/", `{"username":"pwned"}`},
		{http.MethodDelete, "/api/v1/users/admin/" + userA.String() + "/", ""},
		{http.MethodGet, "/api/v1/roles/" + role + "/", ""},
		{http.MethodPost, "/api/v1/roles/" + role + "/", `{"name":"x","permissions":[]}`},
		{http.MethodDelete, "/api/v1/roles/" + role + "/", ""},
		{http.MethodGet, "/api/v1/user-groups/" + group + "/", ""},
		{http.MethodPost, "/api/v1/user-groups/" + group + "/", `{"name":"x"}`},
		{http.MethodDelete, "/api/v1/user-groups/" + group + "/", ""},
		{http.MethodPost, "/api/v1/user-groups/" + group + "/users/" + userA.String() + "/", ""},
		{http.MethodDelete, "/api/v1/users/api-keys/" + keyA + "/", ""},
	}
	for _, r := range routes {
		require.Equal(t, http.StatusNotFound, v.Do(r.method, r.path, r.body, ownerB).Code, "token %s %s", r.method, r.path)
		require.Equal(t, http.StatusNotFound, v.withKey(r.method, r.path, r.body, adminKeyB).Code, "key %s %s", r.method, r.path)
	}
	// B's own group cannot take A's user either.
	groupB := testkit.JSON[api.GroupResponse](t, v.Do(http.MethodPost, "/api/v1/user-groups/", `{"name":"B group"}`, ownerB)).ID
	require.Equal(t, http.StatusNotFound, v.Do(http.MethodPost, "/api/v1/user-groups/"+groupB+"/users/"+userA.String()+"/", "", ownerB).Code)

	users := testkit.JSON[api.UserList](t, v.Do(http.MethodGet, "/api/v1/users/", "", ownerB))
	for _, u := range users.Items {
		require.NotEqual(t, userA.String(), u.ID)
	}
	require.Zero(t, testkit.JSON[api.RoleList](t, v.Do(http.MethodGet, "/api/v1/roles/", "", ownerB)).Count)
	logs := testkit.JSON[audit.EntryList](t, v.Do(http.MethodGet, "/api/v1/audit/logs?limit=500", "", ownerB))
	for _, e := range logs.Items {
		require.NotEqual(t, userA.String(), e.TargetID)
		require.NotEqual(t, role, e.TargetID)
	}

	// And A's objects are untouched.
	require.Equal(t, http.StatusOK, v.Do(http.MethodGet, "/api/v1/roles/"+role+"/", "", ownerA).Code)
}

func TestAuditLogFilters(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	owner, ownerID := v.Token(t, tn, domain.RoleOwner)
	email, _ := v.User(t, tn, domain.RoleUser)
	require.Equal(t, http.StatusUnauthorized, v.SignIn(email, "wrong-password-here").Code)

	rec := v.Do(http.MethodGet, "/api/v1/audit/logs?action=auth.login&outcome=failure", "", owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	logs := testkit.JSON[audit.EntryList](t, rec)
	require.Equal(t, 1, logs.Count)
	require.Equal(t, v.IP(), logs.Items[0].IP)
	require.Equal(t, "anonymous", logs.Items[0].ActorType)

	rec = v.Do(http.MethodGet, "/api/v1/audit/logs?action=auth.login&outcome=success&actor_id="+ownerID.String(), "", owner)
	require.Equal(t, 1, testkit.JSON[audit.EntryList](t, rec).Count)
	since := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	require.Zero(t, testkit.JSON[audit.EntryList](t, v.Do(http.MethodGet, "/api/v1/audit/logs?since="+since, "", owner)).Count)
	require.Equal(t, http.StatusBadRequest, v.Do(http.MethodGet, "/api/v1/audit/logs?since=yesterday", "", owner).Code)
	require.Equal(t, http.StatusBadRequest, v.Do(http.MethodGet, "/api/v1/audit/logs?outcome=maybe", "", owner).Code)
}

func TestSysadminUserRoutesNeedTheSuperKey(t *testing.T) {
	t.Parallel()
	v := setup(t)
	tn := v.Tenant(t)
	body := `{"email":"sys-` + uuid.NewString()[:8] + `@kommun.example","password":"` + apptest.Password + `","tenant_id":"` + tn.String() + `","predefined_roles":["Owner"]}`
	for _, r := range []struct{ method, path, body string }{
		{http.MethodPost, "/api/v1/sysadmin/users/", body},
		{http.MethodGet, "/api/v1/sysadmin/users/?tenant_id=" + tn.String(), ""},
		{http.MethodGet, "/api/v1/sysadmin/users/" + uuid.NewString() + "/", ""},
		{http.MethodPost, "/api/v1/sysadmin/users/" + uuid.NewString() + "/", `{}`},
		{http.MethodDelete, "/api/v1/sysadmin/users/" + uuid.NewString() + "/", ""},
	} {
		require.Equal(t, http.StatusUnauthorized, testkit.Do(v.H, r.method, r.path, r.body).Code, "%s %s", r.method, r.path)
		owner, _ := v.Token(t, tn, domain.RoleOwner)
		require.Equal(t, http.StatusUnauthorized, v.Do(r.method, r.path, r.body, owner).Code, "a user token is not the super key")
	}

	rec := testkit.Do(v.H, http.MethodPost, "/api/v1/sysadmin/users/", body, httpx.APIKeyHeader, testkit.SuperKey)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	u := testkit.JSON[api.UserResponse](t, rec)
	require.Equal(t, "active", u.State)
	rec = testkit.Do(v.H, http.MethodPost, "/api/v1/sysadmin/users/"+u.ID+"/", `{"password":"short"}`, httpx.APIKeyHeader, testkit.SuperKey)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	rec = testkit.Do(v.H, http.MethodGet, "/api/v1/sysadmin/users/"+u.ID+"/", "", httpx.APIKeyHeader, testkit.SuperKey)
	require.Equal(t, http.StatusOK, rec.Code)
	rec = testkit.Do(v.H, http.MethodPost, "/api/v1/sysadmin/users/", strings.Replace(body, tn.String(), uuid.NewString(), 1), httpx.APIKeyHeader, testkit.SuperKey)
	require.Equal(t, http.StatusNotFound, rec.Code, "unknown tenant")
}
