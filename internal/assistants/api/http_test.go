package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/assistants/api"
	"github.com/agora-platform/agora/internal/audit"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	spacesdomain "github.com/agora-platform/agora/internal/spaces/domain"
	usersapp "github.com/agora-platform/agora/internal/users/application"
	"github.com/agora-platform/agora/internal/users/domain"
)

type world struct {
	e                               *apptest.Env
	tenant                          tenancy.ID
	model                           string
	admin, editor, viewer, outsider string
	other                           string
	space                           string
}

// newWorld makes a tenant with a default completion model (limit 8192) and
// a shared space with an admin, an editor and a viewer, plus an outsider
// and a user of another tenant.
func newWorld(t *testing.T) *world {
	t.Helper()
	e := apptest.New(t)
	w := &world{e: e, tenant: e.Tenant(t)}
	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", `{"name":"Local `+uuid.NewString()[:8]+`","provider_type":"local","provider_model":"extractive","token_limit":8192}`)
	require.Equal(t, http.StatusCreated, rec.Code)
	w.model = testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+w.tenant.String()+"/completion-models/"+w.model+"/", `{"is_default":true}`).Code)

	var editorID, viewerID uuid.UUID
	w.admin, _ = e.Token(t, w.tenant, domain.RoleUser)
	w.editor, editorID = e.Token(t, w.tenant, domain.RoleUser)
	w.viewer, viewerID = e.Token(t, w.tenant, domain.RoleUser)
	w.outsider, _ = e.Token(t, w.tenant, domain.RoleUser)
	w.other, _ = e.Token(t, e.Tenant(t), domain.RoleOwner)
	rec = e.Do(http.MethodPost, "/api/v1/spaces/", `{"name":"Team"}`, w.admin)
	require.Equal(t, http.StatusCreated, rec.Code)
	w.space = testkit.JSON[struct{ ID string }](t, rec).ID
	for id, role := range map[uuid.UUID]string{editorID: "editor", viewerID: "viewer"} {
		require.Equal(t, http.StatusOK, e.Do(http.MethodPost, "/api/v1/spaces/"+w.space+"/members/", `{"id":"`+id.String()+`","role":"`+role+`"}`, w.admin).Code)
	}
	return w
}

func (w *world) create(t *testing.T, token, body string) api.AssistantResponse {
	t.Helper()
	rec := w.e.Do(http.MethodPost, "/api/v1/assistants/", body, token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return testkit.JSON[api.AssistantResponse](t, rec)
}

func TestCreateReadUpdateWithPromptHistory(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.create(t, w.editor, `{"name":"Parking helper","space_id":"`+w.space+`","prompt":{"text":"v1"},"completion_model_kwargs":{"temperature":0.2,"max_tokens":512}}`)
	require.Equal(t, w.model, a.CompletionModel.ID, "the tenant's default model")
	require.Equal(t, "v1", a.Prompt.Text)
	require.False(t, a.Published)
	require.ElementsMatch(t, []string{"read", "edit", "delete"}, a.Permissions, "editors cannot publish")

	path := "/api/v1/assistants/" + a.ID + "/"
	rec := w.e.Do(http.MethodPost, path, `{"prompt":{"text":"v2"},"name":"Parking & permits"}`, w.editor)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := testkit.JSON[api.AssistantResponse](t, rec)
	require.Equal(t, "v2", got.Prompt.Text)
	require.Equal(t, "Parking & permits", got.Name)
	require.NotNil(t, got.Kwargs.Temperature, "omitted fields stay")

	history := testkit.JSON[api.PromptList](t, w.e.Do(http.MethodGet, path+"prompts/", "", w.editor))
	require.Equal(t, 2, history.Count)
	require.Equal(t, "v2", history.Items[0].Text)
	require.True(t, history.Items[0].Selected)
	require.Equal(t, "v1", history.Items[1].Text)
	require.False(t, history.Items[1].Selected)

	require.Equal(t, got, testkit.JSON[api.AssistantResponse](t, w.e.Do(http.MethodGet, path, "", w.editor)))
}

func TestValidation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	base := `"name":"X","space_id":"` + w.space + `"`
	for body, why := range map[string]string{
		`{` + base + `,"completion_model_kwargs":{"temperature":3}}`:              "temperature above 2",
		`{` + base + `,"completion_model_kwargs":{"max_tokens":9000}}`:            "max_tokens above the model's limit",
		`{` + base + `,"completion_model":{"id":"` + uuid.NewString() + `"}}`:     "unknown model",
		`{` + base + `,"groups":[{"id":"` + uuid.NewString() + `"}]}`:             "collection not in the space",
		`{` + base + `,"websites":[{"id":"` + uuid.NewString() + `"}]}`:           "website not in the space",
		`{"name":"","space_id":"` + w.space + `"}`:                                "empty name",
		`{"name":"X","space_id":"nope"}`:                                          "bad space id",
		`{` + base + `,"prompt":{"text":"` + strings.Repeat("x", 100_001) + `"}}`: "prompt too long",
	} {
		rec := w.e.Do(http.MethodPost, "/api/v1/assistants/", body, w.admin)
		require.True(t, rec.Code == http.StatusBadRequest || rec.Code == http.StatusNotFound, "%s: %d %s", why, rec.Code, rec.Body.String())
	}
	// A model enabled for the tenant but not in the space's list.
	rec := w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", `{"name":"Other `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"gpt","token_limit":1000}`)
	other := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+w.tenant.String()+"/completion-models/"+other+"/", `{"is_enabled":true}`).Code)
	require.Equal(t, http.StatusOK, w.e.Do(http.MethodPatch, "/api/v1/spaces/"+w.space+"/", `{"models":["`+w.model+`"]}`, w.admin).Code)
	rec = w.e.Do(http.MethodPost, "/api/v1/assistants/", `{`+base+`,"completion_model":{"id":"`+other+`"}}`, w.admin)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "not enabled in the assistant's space")
}

func TestVisibilityAndPublishing(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.create(t, w.editor, `{"name":"Draft","space_id":"`+w.space+`"}`)
	path := "/api/v1/assistants/" + a.ID + "/"
	require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodGet, path, "", w.viewer).Code, "viewers do not see drafts")
	require.Equal(t, http.StatusForbidden, w.e.Do(http.MethodPost, path, `{"published":true}`, w.editor).Code, "editors cannot publish")
	require.Equal(t, http.StatusOK, w.e.Do(http.MethodPost, path, `{"published":true}`, w.admin).Code)
	rec := w.e.Do(http.MethodGet, path, "", w.viewer)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, []string{"read"}, testkit.JSON[api.AssistantResponse](t, rec).Permissions)
	require.Equal(t, http.StatusForbidden, w.e.Do(http.MethodPost, path, `{"name":"x"}`, w.viewer).Code)
	require.Equal(t, http.StatusForbidden, w.e.Do(http.MethodGet, path+"prompts/", "", w.viewer).Code)

	apps := testkit.JSON[api.ApplicationsResponse](t, w.e.Do(http.MethodGet, "/api/v1/spaces/"+w.space+"/applications/", "", w.viewer))
	require.Equal(t, 1, apps.Assistants.Count)
	for _, token := range []string{w.outsider, w.other} {
		require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodGet, path, "", token).Code)
		require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodPost, path, `{"name":"x"}`, token).Code)
		require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodDelete, path, "", token).Code)
		require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodGet, "/api/v1/spaces/"+w.space+"/applications/", "", token).Code)
		require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodPost, "/api/v1/assistants/", `{"name":"X","space_id":"`+w.space+`"}`, token).Code)
		require.Zero(t, testkit.JSON[api.AssistantList](t, w.e.Do(http.MethodGet, "/api/v1/assistants/", "", token)).Count)
	}
}

func TestTenantPermissionGatesCreation(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	owner, _ := w.e.Token(t, w.tenant, domain.RoleOwner)
	rec := w.e.Do(http.MethodPost, "/api/v1/roles/", `{"name":"Readers","permissions":["insights"]}`, owner)
	require.Equal(t, http.StatusCreated, rec.Code)
	role := uuid.MustParse(testkit.JSON[struct{ ID string }](t, rec).ID)
	email := "reader-" + uuid.NewString()[:8] + "@kommun.example"
	_, err := w.e.App.Users.Service.Create(context.Background(), w.tenant, usersapp.CreateInput{Email: email, Password: apptest.Password, RoleIDs: []uuid.UUID{role}})
	require.NoError(t, err)
	token := w.e.Login(t, email)
	personal := testkit.JSON[struct{ ID string }](t, w.e.Do(http.MethodGet, "/api/v1/spaces/type/personal/", "", token)).ID
	rec = w.e.Do(http.MethodPost, "/api/v1/assistants/", `{"name":"X","space_id":"`+personal+`"}`, token)
	require.Equal(t, http.StatusForbidden, rec.Code, "no assistants permission, even in their own space")
	require.Contains(t, rec.Body.String(), "organisation role")
}

func TestAssistantKeysAndDeletion(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.create(t, w.admin, `{"name":"Widget","space_id":"`+w.space+`","published":true}`)
	path := "/api/v1/assistants/" + a.ID + "/"
	require.Equal(t, http.StatusForbidden, w.e.Do(http.MethodPost, path+"api-keys/", `{}`, w.viewer).Code)
	rec := w.e.Do(http.MethodPost, path+"api-keys/", `{"name":"website widget"}`, w.editor)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	key := testkit.JSON[api.KeyResponse](t, rec)
	require.True(t, strings.HasPrefix(key.Key, "aak_"))
	for _, route := range []string{"/api/v1/users/me/", "/api/v1/assistants/", path} {
		require.Equal(t, http.StatusUnauthorized, testkit.Do(w.e.H, http.MethodGet, route, "", "X-API-Key", key.Key).Code,
			"an assistant key is not a user key (%s)", route)
	}

	require.Equal(t, http.StatusForbidden, w.e.Do(http.MethodDelete, path, "", w.viewer).Code)
	require.Equal(t, http.StatusNoContent, w.e.Do(http.MethodDelete, path, "", w.editor).Code)
	require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodGet, path, "", w.admin).Code)

	b := w.create(t, w.admin, `{"name":"In a doomed space","space_id":"`+w.space+`"}`)
	require.Equal(t, http.StatusNoContent, w.e.Do(http.MethodDelete, "/api/v1/spaces/"+w.space+"/", "", w.admin).Code)
	var n int
	require.NoError(t, w.e.App.DB.QueryRowContext(context.Background(), "SELECT count(*) FROM assistants WHERE id = ?", uuid.MustParse(b.ID)).Scan(&n))
	require.Zero(t, n, "deleting a space deletes what it contains")
}

// TestAssistantMatrixAgainstTheRoutes walks every assistant route with
// every role and checks the answer against the matrix.
func TestAssistantMatrixAgainstTheRoutes(t *testing.T) {
	t.Parallel()
	type route struct {
		act    spacesdomain.Action
		method string
		suffix string
		body   string
	}
	routes := []route{
		{spacesdomain.Read, http.MethodGet, "", ""},
		{spacesdomain.Edit, http.MethodPost, "", `{"description":"edited"}`},
		{spacesdomain.Publish, http.MethodPost, "", `{"published":false}`},
		{spacesdomain.Delete, http.MethodDelete, "", ""},
		{spacesdomain.Create, http.MethodPost, "create", ""},
	}
	for _, r := range routes {
		for _, role := range []spacesdomain.Role{spacesdomain.RoleAdmin, spacesdomain.RoleEditor, spacesdomain.RoleViewer, spacesdomain.RoleNone} {
			w := newWorld(t)
			a := w.create(t, w.admin, `{"name":"Published","space_id":"`+w.space+`","published":true}`)
			token := map[spacesdomain.Role]string{spacesdomain.RoleAdmin: w.admin, spacesdomain.RoleEditor: w.editor,
				spacesdomain.RoleViewer: w.viewer, spacesdomain.RoleNone: w.outsider}[role]
			var rec = w.e.Do(r.method, "/api/v1/assistants/"+a.ID+"/", r.body, token)
			if r.suffix == "create" {
				rec = w.e.Do(http.MethodPost, "/api/v1/assistants/", `{"name":"New","space_id":"`+w.space+`"}`, token)
			}
			switch {
			case role == spacesdomain.RoleNone:
				require.Equal(t, http.StatusNotFound, rec.Code, "%s %s", role, r.act)
			case spacesdomain.Can(role, spacesdomain.ResAssistant, r.act):
				require.Less(t, rec.Code, 300, "%s may %s assistants: %s", role, r.act, rec.Body.String())
			default:
				require.Equal(t, http.StatusForbidden, rec.Code, "%s may not %s assistants", role, r.act)
			}
		}
	}
}

func TestSpaceDefaultModelWinsOverTheTenantDefault(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rec := w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", `{"name":"Space pick `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"gpt","token_limit":4000}`)
	pick := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+w.tenant.String()+"/completion-models/"+pick+"/", `{"is_enabled":true}`).Code)
	require.Equal(t, http.StatusOK, w.e.Do(http.MethodPatch, "/api/v1/spaces/"+w.space+"/", `{"models":["`+w.model+`","`+pick+`"],"default_models":["`+pick+`"]}`, w.admin).Code)
	a := w.create(t, w.admin, `{"name":"Uses the space default","space_id":"`+w.space+`"}`)
	require.Equal(t, pick, a.CompletionModel.ID)
}

func TestListAndAudit(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.create(t, w.admin, `{"name":"Listed","space_id":"`+w.space+`","published":true}`)
	draft := w.create(t, w.admin, `{"name":"Draft","space_id":"`+w.space+`"}`)
	names := func(token string) []string {
		var out []string
		for _, it := range testkit.JSON[api.AssistantList](t, w.e.Do(http.MethodGet, "/api/v1/assistants/", "", token)).Items {
			out = append(out, it.Name)
		}
		return out
	}
	require.ElementsMatch(t, []string{"Listed", "Draft"}, names(w.editor))
	require.ElementsMatch(t, []string{"Listed"}, names(w.viewer))
	require.Equal(t, http.StatusOK, w.e.Do(http.MethodPost, "/api/v1/assistants/"+a.ID+"/", `{"name":"Renamed"}`, w.admin).Code)
	require.Equal(t, http.StatusNoContent, w.e.Do(http.MethodDelete, "/api/v1/assistants/"+draft.ID+"/", "", w.admin).Code)

	seen := map[string]bool{}
	for _, id := range []string{a.ID, draft.ID} {
		entries, _, err := w.e.App.Audit.List(context.Background(), w.tenant, audit.Filter{TargetID: id})
		require.NoError(t, err)
		for _, e := range entries {
			seen[e.Action] = true
		}
	}
	require.True(t, seen["assistant.created"] && seen["assistant.updated"] && seen["assistant.deleted"], "%v", seen)
	entries, _, err := w.e.App.Audit.List(context.Background(), w.tenant, audit.Filter{Action: "model.enablement_changed"})
	require.NoError(t, err)
	require.NotEmpty(t, entries, "model enablement is audited")
}

// TestRetrievalSettings: an assistant keeps how it searches its knowledge
// (mode, top_k, min_score), shows the defaults when none were given, keeps
// them when an update leaves them out, and refuses values out of range by
// name.
func TestRetrievalSettings(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	plain := w.create(t, w.admin, `{"name":"Plain","space_id":"`+w.space+`"}`)
	require.Equal(t, api.Retrieval{Mode: "hybrid"}, plain.Retrieval, "the defaults: hybrid, 0 = 30 passages, no minimum")
	a := w.create(t, w.admin, `{"name":"Exact words","space_id":"`+w.space+`","retrieval":{"mode":"text","top_k":5,"min_score":0.3}}`)
	require.Equal(t, api.Retrieval{Mode: "text", TopK: 5, MinScore: 0.3}, a.Retrieval)
	path := "/api/v1/assistants/" + a.ID + "/"
	rec := w.e.Do(http.MethodPost, path, `{"name":"Exact words, renamed"}`, w.admin)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, a.Retrieval, testkit.JSON[api.AssistantResponse](t, rec).Retrieval, "omitted settings stay")
	rec = w.e.Do(http.MethodPost, path, `{"retrieval":{"mode":"vector","top_k":50}}`, w.admin)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, api.Retrieval{Mode: "vector", TopK: 50}, testkit.JSON[api.AssistantResponse](t, w.e.Do(http.MethodGet, path, "", w.admin)).Retrieval)
	for body, field := range map[string]string{
		`{"retrieval":{"mode":"fuzzy"}}`:  "retrieval.mode",
		`{"retrieval":{"top_k":101}}`:     "retrieval.top_k",
		`{"retrieval":{"min_score":1.2}}`: "retrieval.min_score",
	} {
		rec := w.e.Do(http.MethodPost, path, body, w.admin)
		require.Equal(t, http.StatusBadRequest, rec.Code, body)
		require.Contains(t, rec.Body.String(), field, body)
	}
}

// TestASpaceListingNoLanguageModelLeavesTheChoiceOpen: a space whose
// model list names only an embedding model does not restrict language
// models; one that names a language model does.
func TestASpaceListingNoLanguageModelLeavesTheChoiceOpen(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	rec := w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/embedding-models/", `{"name":"Space embed `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"emb","dimensions":8}`)
	emb := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+w.tenant.String()+"/embedding-models/"+emb+"/", `{"is_enabled":true}`).Code)
	rec = w.e.Do(http.MethodPatch, "/api/v1/spaces/"+w.space+"/", `{"models":["`+emb+`"],"default_models":["`+emb+`"]}`, w.admin)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	a := w.create(t, w.admin, `{"name":"Open choice","space_id":"`+w.space+`","completion_model":{"id":"`+w.model+`"}}`)
	require.Equal(t, w.model, a.CompletionModel.ID)

	rec = w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", `{"name":"Listed `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"gpt","token_limit":4000}`)
	listed := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+w.tenant.String()+"/completion-models/"+listed+"/", `{"is_enabled":true}`).Code)
	require.Equal(t, http.StatusOK, w.e.Do(http.MethodPatch, "/api/v1/spaces/"+w.space+"/", `{"models":["`+emb+`","`+listed+`"]}`, w.admin).Code)
	rec = w.e.Do(http.MethodPost, "/api/v1/assistants/", `{"name":"Closed","space_id":"`+w.space+`","completion_model":{"id":"`+w.model+`"}}`, w.admin)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
}

// TestStarterQuestions: an assistant keeps its starter questions trimmed
// and without blanks; an update replaces them, one that leaves them out
// keeps them, and too many, too long or repeated ones are refused by name.
func TestStarterQuestions(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	a := w.create(t, w.admin, `{"name":"Starters","space_id":"`+w.space+`","starter_questions":["  How do I apply? ","","What does it cost?"]}`)
	require.Equal(t, []string{"How do I apply?", "What does it cost?"}, a.StarterQuestions)
	rec := w.e.Do(http.MethodPost, "/api/v1/assistants/"+a.ID+"/", `{"name":"Renamed"}`, w.admin)
	require.Equal(t, []string{"How do I apply?", "What does it cost?"}, testkit.JSON[api.AssistantResponse](t, rec).StarterQuestions)
	rec = w.e.Do(http.MethodPost, "/api/v1/assistants/"+a.ID+"/", `{"starter_questions":["When is it open?"]}`, w.admin)
	require.Equal(t, []string{"When is it open?"}, testkit.JSON[api.AssistantResponse](t, rec).StarterQuestions)
	for _, bad := range []string{`["a","b","c","d","e","f","g"]`, `["` + strings.Repeat("x", 301) + `"]`, `["Same","Same"]`} {
		rec = w.e.Do(http.MethodPost, "/api/v1/assistants/"+a.ID+"/", `{"starter_questions":`+bad+`}`, w.admin)
		require.Equal(t, http.StatusBadRequest, rec.Code, bad)
		require.Contains(t, rec.Body.String(), "starter_questions", bad)
	}
	rec = w.e.Do(http.MethodGet, "/api/v1/assistants/"+a.ID+"/", "", w.admin)
	require.Equal(t, []string{"When is it open?"}, testkit.JSON[api.AssistantResponse](t, rec).StarterQuestions, "refused updates change nothing")
	rec = w.e.Do(http.MethodPost, "/api/v1/assistants/"+a.ID+"/", `{"starter_questions":[]}`, w.admin)
	require.Equal(t, []string{}, testkit.JSON[api.AssistantResponse](t, rec).StarterQuestions)
}
