package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/audit"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/spaces/api"
	spacesdomain "github.com/agora-platform/agora/internal/spaces/domain"
	"github.com/agora-platform/agora/internal/users/domain"
)

type world struct {
	e                               *apptest.Env
	admin, editor, viewer, outsider string
	editorID, viewerID, outsiderID  uuid.UUID
	other                           string // a user of another tenant
	space                           api.SpaceResponse
}

// newWorld makes a tenant with a shared space holding an admin, an editor
// and a viewer, a tenant member outside the space, and a user of another
// tenant.
func newWorld(t *testing.T) *world {
	t.Helper()
	e := apptest.New(t)
	tn := e.Tenant(t)
	w := &world{e: e}
	w.admin, _ = e.Token(t, tn, domain.RoleUser)
	w.editor, w.editorID = e.Token(t, tn, domain.RoleUser)
	w.viewer, w.viewerID = e.Token(t, tn, domain.RoleUser)
	w.outsider, w.outsiderID = e.Token(t, tn, domain.RoleUser)
	w.other, _ = e.Token(t, e.Tenant(t), domain.RoleOwner)
	rec := e.Do(http.MethodPost, "/api/v1/spaces/", `{"name":"Social services","description":"IFO"}`, w.admin)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	w.space = testkit.JSON[api.SpaceResponse](t, rec)
	for id, role := range map[uuid.UUID]string{w.editorID: "editor", w.viewerID: "viewer"} {
		rec = e.Do(http.MethodPost, "/api/v1/spaces/"+w.space.ID+"/members/", `{"id":"`+id.String()+`","role":"`+role+`"}`, w.admin)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	}
	return w
}

func TestPersonalSpaceComesWithTheUser(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tn := e.Tenant(t)
	_, id := e.User(t, tn, domain.RoleUser)
	sp, err := e.App.Spaces.Service.Personal(context.Background(), tn, spacesCaller(id))
	require.NoError(t, err)
	var n int
	require.NoError(t, e.App.DB.QueryRowContext(context.Background(),
		"SELECT count(*) FROM spaces WHERE tenant_id = ? AND owner_id = ?", tn.UUID, id).Scan(&n))
	require.Equal(t, 1, n, "created with the user, not on first visit")

	token := e.Login(t, mustEmail(t, e, tn, id))
	rec := e.Do(http.MethodGet, "/api/v1/spaces/type/personal/", "", token)
	require.Equal(t, http.StatusOK, rec.Code)
	got := testkit.JSON[api.SpaceResponse](t, rec)
	require.Equal(t, sp.ID.String(), got.ID)
	require.True(t, got.Personal)
	require.Equal(t, "owner", got.Role)
	require.Equal(t, http.StatusConflict, e.Do(http.MethodDelete, "/api/v1/spaces/"+got.ID+"/", "", token).Code, "personal spaces stay")
	require.Equal(t, http.StatusConflict, e.Do(http.MethodPost, "/api/v1/spaces/"+got.ID+"/members/", `{"id":"`+uuid.NewString()+`","role":"viewer"}`, token).Code)
}

func TestRolesInASharedSpace(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e, sp := w.e, "/api/v1/spaces/"+w.space.ID+"/"

	require.Equal(t, "admin", w.space.Role)
	require.Equal(t, "viewer", testkit.JSON[api.SpaceResponse](t, e.Do(http.MethodGet, sp, "", w.viewer)).Role)
	rec := e.Do(http.MethodPatch, sp, `{"name":"Renamed"}`, w.viewer)
	require.Equal(t, http.StatusForbidden, rec.Code, "a viewer cannot edit")
	rec = e.Do(http.MethodPost, sp+"members/", `{"id":"`+w.outsiderID.String()+`","role":"viewer"}`, w.editor)
	require.Equal(t, http.StatusForbidden, rec.Code, "an editor cannot manage members")

	for _, token := range []string{w.outsider, w.other} {
		for _, path := range []string{sp, sp + "knowledge/", sp + "group-members/"} {
			require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, path, "", token).Code, path)
		}
		require.Equal(t, http.StatusNotFound, e.Do(http.MethodPatch, sp, `{"name":"x"}`, token).Code)
		require.Equal(t, http.StatusNotFound, e.Do(http.MethodDelete, sp, "", token).Code)
		require.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, sp+"members/", `{"id":"`+w.outsiderID.String()+`","role":"viewer"}`, token).Code)
	}
	list := testkit.JSON[api.SpaceList](t, e.Do(http.MethodGet, "/api/v1/spaces/", "", w.outsider))
	for _, s := range list.Items {
		require.NotEqual(t, w.space.ID, s.ID, "a non-member does not see the space")
	}
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, sp+"members/", `{"id":"`+uuid.NewString()+`","role":"viewer"}`, w.admin).Code, "unknown users cannot join")
	require.Equal(t, http.StatusBadRequest, e.Do(http.MethodPost, sp+"members/", `{"id":"`+w.outsiderID.String()+`","role":"owner"}`, w.admin).Code)
}

func TestGroupMembersAndHighestRole(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e, sp := w.e, "/api/v1/spaces/"+w.space.ID+"/"
	tenantAdmin, _ := e.Token(t, mustTenant(t, e, w.viewerID), domain.RoleOwner)
	rec := e.Do(http.MethodPost, "/api/v1/user-groups/", `{"name":"Editors `+uuid.NewString()[:6]+`"}`, tenantAdmin)
	require.Equal(t, http.StatusCreated, rec.Code)
	group := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/user-groups/"+group+"/users/"+w.viewerID.String()+"/", "", tenantAdmin).Code)
	require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/user-groups/"+group+"/users/"+w.outsiderID.String()+"/", "", tenantAdmin).Code)

	rec = e.Do(http.MethodPost, sp+"group-members/", `{"id":"`+group+`","role":"editor"}`, w.admin)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "editor", testkit.JSON[api.SpaceResponse](t, e.Do(http.MethodGet, sp, "", w.viewer)).Role, "the group's editor role beats the direct viewer role")
	require.Equal(t, "editor", testkit.JSON[api.SpaceResponse](t, e.Do(http.MethodGet, sp, "", w.outsider)).Role, "group members enter the space")

	require.Equal(t, http.StatusOK, e.Do(http.MethodPatch, sp+"group-members/"+group+"/", `{"role":"viewer"}`, w.admin).Code)
	require.Equal(t, "viewer", testkit.JSON[api.SpaceResponse](t, e.Do(http.MethodGet, sp, "", w.outsider)).Role)
	require.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, sp+"group-members/"+group+"/", "", w.admin).Code)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, sp, "", w.outsider).Code)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodPost, sp+"group-members/", `{"id":"`+uuid.NewString()+`","role":"viewer"}`, w.admin).Code, "unknown groups cannot join")
}

func TestLastAdminStaysAndSpaceDeletion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e, sp := w.e, "/api/v1/spaces/"+w.space.ID+"/"
	me := testkit.JSON[api.SpaceResponse](t, e.Do(http.MethodGet, sp, "", w.admin))
	var adminID string
	for _, m := range me.Members {
		if m.Role == "admin" {
			adminID = m.ID
		}
	}
	require.Equal(t, http.StatusConflict, e.Do(http.MethodPatch, sp+"members/"+adminID+"/", `{"role":"viewer"}`, w.admin).Code)
	require.Equal(t, http.StatusConflict, e.Do(http.MethodDelete, sp+"members/"+adminID+"/", "", w.admin).Code)
	require.Equal(t, http.StatusOK, e.Do(http.MethodPatch, sp+"members/"+w.editorID.String()+"/", `{"role":"admin"}`, w.admin).Code)
	require.Equal(t, http.StatusOK, e.Do(http.MethodPatch, sp+"members/"+adminID+"/", `{"role":"viewer"}`, w.admin).Code, "with a second admin it can step down")
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodPatch, sp+"members/"+w.outsiderID.String()+"/", `{"role":"viewer"}`, w.editor).Code)

	require.Equal(t, http.StatusForbidden, e.Do(http.MethodDelete, sp, "", w.viewer).Code)
	require.Equal(t, http.StatusNoContent, e.Do(http.MethodDelete, sp, "", w.editor).Code)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, sp, "", w.editor).Code)
	entries, _, err := e.App.Audit.List(context.Background(), mustTenant(t, e, w.editorID), audit.Filter{TargetID: w.space.ID})
	require.NoError(t, err)
	actions := map[string]bool{}
	for _, en := range entries {
		actions[en.Action] = true
	}
	require.True(t, actions["space.member_set"] && actions["space.deleted"], "membership changes are audited: %v", actions)
}

func TestOrganizationSpaceForTenantAdmins(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	tn := e.Tenant(t)
	owner, _ := e.Token(t, tn, domain.RoleOwner)
	user, _ := e.Token(t, tn, domain.RoleUser)
	rec := e.Do(http.MethodGet, "/api/v1/spaces/type/organization/", "", owner)
	require.Equal(t, http.StatusOK, rec.Code)
	org := testkit.JSON[api.SpaceResponse](t, rec)
	require.Equal(t, "organization", org.Kind)
	require.Equal(t, org.ID, testkit.JSON[api.SpaceResponse](t, e.Do(http.MethodGet, "/api/v1/spaces/type/organization/", "", owner)).ID, "one per tenant")
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/spaces/type/organization/", "", user).Code)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/spaces/"+org.ID+"/", "", user).Code)
}

func TestSpaceModelsMustBeEnabledForTheTenant(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	e, sp := w.e, "/api/v1/spaces/"+w.space.ID+"/"
	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", `{"name":"M `+uuid.NewString()[:8]+`","provider_type":"local","provider_model":"extractive","token_limit":8192}`)
	require.Equal(t, http.StatusCreated, rec.Code)
	model := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusBadRequest, e.Do(http.MethodPatch, sp, `{"models":["`+model+`"]}`, w.admin).Code, "not enabled for the tenant")
	tn := mustTenant(t, e, w.editorID)
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+tn.String()+"/completion-models/"+model+"/", `{"is_enabled":true}`).Code)
	rec = e.Do(http.MethodPatch, sp, `{"models":["`+model+`"]}`, w.admin)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, []string{model}, testkit.JSON[api.SpaceResponse](t, rec).Models)

	rec = e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", `{"name":"N `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"gpt","token_limit":1000}`)
	second := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+tn.String()+"/completion-models/"+second+"/", `{"is_enabled":true}`).Code)
	require.Equal(t, http.StatusBadRequest, e.Do(http.MethodPatch, sp, `{"default_models":["`+second+`"]}`, w.admin).Code, "a default must be among the space's models")
	require.Equal(t, http.StatusBadRequest, e.Do(http.MethodPatch, sp, `{"models":["`+model+`","`+second+`"],"default_models":["`+model+`","`+second+`"]}`, w.admin).Code, "one default per kind")
	rec = e.Do(http.MethodPatch, sp, `{"models":["`+model+`","`+second+`"],"default_models":["`+second+`"]}`, w.admin)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, []string{second}, testkit.JSON[api.SpaceResponse](t, rec).DefaultModels)
	rec = e.Do(http.MethodPatch, sp, `{"models":["`+model+`"]}`, w.admin)
	require.Empty(t, testkit.JSON[api.SpaceResponse](t, rec).DefaultModels, "a model leaving the space takes its default along")
}

// TestMatrixAgainstTheRoutes walks every space and member route with every
// role and checks the answer against the matrix.
func TestMatrixAgainstTheRoutes(t *testing.T) {
	t.Parallel()
	type route struct {
		res     spacesdomain.Resource
		act     spacesdomain.Action
		method  string
		path    func(w *world) string
		body    func(w *world) string
		destroy bool
	}
	routes := []route{
		{spacesdomain.ResSpace, spacesdomain.Read, http.MethodGet, func(w *world) string { return "" }, nil, false},
		{spacesdomain.ResSpace, spacesdomain.Edit, http.MethodPatch, func(w *world) string { return "" }, func(*world) string { return `{"description":"x"}` }, false},
		{spacesdomain.ResMember, spacesdomain.Read, http.MethodGet, func(w *world) string { return "group-members/" }, nil, false},
		{spacesdomain.ResMember, spacesdomain.Create, http.MethodPost, func(w *world) string { return "members/" }, func(w *world) string { return `{"id":"` + w.outsiderID.String() + `","role":"viewer"}` }, false},
		{spacesdomain.ResMember, spacesdomain.Edit, http.MethodPatch, func(w *world) string { return "members/" + w.viewerID.String() + "/" }, func(*world) string { return `{"role":"viewer"}` }, false},
		{spacesdomain.ResMember, spacesdomain.Delete, http.MethodDelete, func(w *world) string { return "members/" + w.viewerID.String() + "/" }, nil, false},
		{spacesdomain.ResSpace, spacesdomain.Delete, http.MethodDelete, func(w *world) string { return "" }, nil, true},
	}
	for _, r := range routes {
		for _, role := range []spacesdomain.Role{spacesdomain.RoleAdmin, spacesdomain.RoleEditor, spacesdomain.RoleViewer, spacesdomain.RoleNone} {
			w := newWorld(t) // fresh, so a delete in one cell does not affect the next
			token := map[spacesdomain.Role]string{spacesdomain.RoleAdmin: w.admin, spacesdomain.RoleEditor: w.editor,
				spacesdomain.RoleViewer: w.viewer, spacesdomain.RoleNone: w.outsider}[role]
			body := ""
			if r.body != nil {
				body = r.body(w)
			}
			rec := w.e.Do(r.method, "/api/v1/spaces/"+w.space.ID+"/"+r.path(w), body, token)
			switch {
			case role == spacesdomain.RoleNone:
				require.Equal(t, http.StatusNotFound, rec.Code, "%s %s %s", role, r.act, r.res)
			case spacesdomain.Can(role, r.res, r.act):
				require.Less(t, rec.Code, 300, "%s may %s %s: %s", role, r.act, r.res, rec.Body.String())
			default:
				require.Equal(t, http.StatusForbidden, rec.Code, "%s may not %s %s", role, r.act, r.res)
			}
		}
	}
}

func spacesCaller(id uuid.UUID) actor.Caller { return actor.Caller{UserID: id} }

func mustEmail(t *testing.T, e *apptest.Env, tn tenancy.ID, id uuid.UUID) string {
	t.Helper()
	u, err := e.App.Users.Service.Get(context.Background(), tn, id)
	require.NoError(t, err)
	return u.Email
}

func mustTenant(t *testing.T, e *apptest.Env, user uuid.UUID) tenancy.ID {
	t.Helper()
	tn, err := e.App.Users.Service.TenantOfUser(context.Background(), user)
	require.NoError(t, err)
	return tn
}
