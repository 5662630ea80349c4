package api_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	knowledgeapp "github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
	"github.com/agora-platform/agora/internal/workflows/api"
	"github.com/agora-platform/agora/internal/workflows/application"
)

// world is a tenant whose default language model is a scripted fake, an
// owner's shared space, and its members.
type world struct {
	e      *apptest.Env
	tenant tenancy.ID
	owner  string
	viewer string
	space  string
	fake   *testkit.FakeAI
}

func newWorld(t *testing.T, script ...testkit.Reply) *world {
	t.Helper()
	e := apptest.New(t)
	w := &world{e: e, tenant: e.Tenant(t), fake: testkit.NewFakeAI(t, script...)}
	rec := e.Sysadmin(http.MethodPut, "/api/v1/sysadmin/tenants/"+w.tenant.String()+"/credentials/openai", `{"api_key":"sk-fake-0123456789","endpoint":"`+w.fake.URL()+`"}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", `{"name":"Flow model `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"gpt-flow","token_limit":8000}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	model := testkit.JSON[struct{ ID string }](t, rec).ID
	rec = e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+w.tenant.String()+"/completion-models/"+model+"/", `{"is_enabled":true,"is_default":true}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var viewerID uuid.UUID
	w.owner, _ = e.Token(t, w.tenant, domain.RoleOwner)
	w.viewer, viewerID = e.Token(t, w.tenant, domain.RoleUser)
	rec = e.Do(http.MethodPost, "/api/v1/spaces/", `{"name":"Flows `+uuid.NewString()[:8]+`"}`, w.owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	w.space = testkit.JSON[struct{ ID string }](t, rec).ID
	rec = e.Do(http.MethodPost, "/api/v1/spaces/"+w.space+"/members/", `{"id":"`+viewerID.String()+`","role":"viewer"}`, w.owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return w
}

func (w *world) create(t *testing.T, kind, name, definition string, published bool) api.WorkflowResponse {
	t.Helper()
	body := `{"kind":"` + kind + `","space_id":"` + w.space + `","name":"` + name + `","published":` + map[bool]string{true: "true", false: "false"}[published] +
		`,"definition":` + definition + `}`
	rec := w.e.Do(http.MethodPost, "/api/v1/workflows/", body, w.owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return testkit.JSON[api.WorkflowResponse](t, rec)
}

const classify = `{"fields":[{"name":"message","type":"text","required":true}],
	"steps":[{"id":"classify","kind":"extract","template":"Classify this message from a citizen: {{ input.message }}",
	"schema":{"type":"object","required":["case"],"properties":{"case":{"enum":["parking","school","other"]}}}}]}`

// TestDefinitionsAreCheckedAtSaveWithThePlaceOfTheProblem: what a
// definition holds is checked when it is saved, and the answer names
// where the problem is.
func TestDefinitionsAreCheckedAtSaveWithThePlaceOfTheProblem(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	step := func(s string) string { return `{"fields":[{"name":"text","type":"text"}],"steps":[` + s + `]}` }
	cases := map[string]struct{ def, want string }{
		"unknown kind":        {step(`{"id":"a","kind":"sing","template":"x"}`), `steps[0].kind: unknown step kind "sing"`},
		"input not earlier":   {step(`{"id":"a","kind":"prompt","template":"x","inputs":["b"]},{"id":"b","kind":"prompt","template":"y"}`), `steps[0].inputs: "b" names no earlier step`},
		"reads an unlisted":   {step(`{"id":"a","kind":"prompt","template":"x"},{"id":"b","kind":"prompt","template":"{{ steps.a }}"}`), `steps[1].template: placeholder 1: steps.a names no earlier step this one takes as input`},
		"invalid schema":      {step(`{"id":"a","kind":"extract","template":"x","schema":{"type":"nonsense"}}`), `steps[0].schema: invalid schema at /type`},
		"expression broken":   {step(`{"id":"a","kind":"prompt","template":"x"},{"id":"b","kind":"condition","inputs":["a"],"expression":"steps.a ==","then":"c"},{"id":"c","kind":"prompt","template":"y"}`), `steps[1].expression:`},
		"refused URL":         {step(`{"id":"a","kind":"http","url":"http://169.254.169.254/latest"}`), `steps[0].url: `},
		"unknown collection":  {step(`{"id":"a","kind":"retrieve","template":"q","collections":["` + uuid.NewString() + `"]}`), `is no collection or website of this space`},
		"a service of two":    {step(`{"id":"a","kind":"prompt","template":"x"},{"id":"b","kind":"prompt","template":"y"}`), `steps: a service is one extract or prompt step`},
		"secret header named": {step(`{"id":"a","kind":"http","url":"https://8.8.8.8/hook","headers":{"Host":"x"}}`), `steps[0].headers: "Host" cannot be set`},
	}
	for name, c := range cases {
		kind := "workflow"
		if name == "a service of two" {
			kind = "service"
		}
		rec := w.e.Do(http.MethodPost, "/api/v1/workflows/", `{"kind":"`+kind+`","space_id":"`+w.space+`","name":"Bad","definition":`+c.def+`}`, w.owner)
		require.Equal(t, http.StatusBadRequest, rec.Code, "%s: %s", name, rec.Body.String())
		require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, c.want, name)
	}
}

// TestAServiceReturnsSchemaValidJSON: a service runs in the request and
// answers with output that satisfies its schema; an answer that does not
// fit is asked again with the problem, and two that do not fit fail with
// the schema path. Runs are stored.
func TestAServiceReturnsSchemaValidJSON(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testkit.Reply{Tokens: []string{"```json\n", `{"case":"parking"}`, "\n```"}, Usage: [2]int{30, 5}})
	svc := w.create(t, "service", "Classify a message", classify, true)

	rec := w.e.Do(http.MethodPost, "/api/v1/services/"+svc.ID+"/run/", `{"input":{"message":"My car was towed."}}`, w.viewer)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	res := testkit.JSON[api.ServiceResult](t, rec)
	require.Equal(t, map[string]any{"case": "parking"}, res.Output)
	require.Equal(t, 35, res.Tokens)
	msgs := w.fake.Requests[len(w.fake.Requests)-1]["messages"].([]any)
	require.Contains(t, msgs[1].(map[string]any)["content"], "My car was towed.", "the template is filled")
	format := w.fake.Requests[len(w.fake.Requests)-1]["response_format"].(map[string]any)
	require.Equal(t, "json_schema", format["type"], "an OpenAI provider is asked for structured output")
	require.Equal(t, []any{"case"}, format["json_schema"].(map[string]any)["schema"].(map[string]any)["required"])

	w.fake.Script(testkit.Reply{Tokens: []string{`{"case":"taxes"}`}}, testkit.Reply{Tokens: []string{`{"case":"parking"}`}})
	rec = w.e.Do(http.MethodPost, "/api/v1/services/"+svc.ID+"/run/", `{"input":{"message":"Where do I park?"}}`, w.viewer)
	require.Equal(t, http.StatusOK, rec.Code, "a second try that fits: %s", rec.Body.String())
	msgs = w.fake.Requests[len(w.fake.Requests)-1]["messages"].([]any)
	require.Contains(t, msgs[len(msgs)-1].(map[string]any)["content"], "/case: value must be one of", "the problem is fed back")

	w.fake.Script(testkit.Reply{Tokens: []string{`not json`}}, testkit.Reply{Tokens: []string{`{"case":"taxes"}`}})
	rec = w.e.Do(http.MethodPost, "/api/v1/services/"+svc.ID+"/run/", `{"input":{"message":"Hello"}}`, w.viewer)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Contains(t, testkit.JSON[httpx.ErrorBody](t, rec).Message, "step classify (extract): the model's answer does not fit the schema, also after a second try: /case: value must be one of")

	rec = w.e.Do(http.MethodPost, "/api/v1/services/"+svc.ID+"/run/", `{"input":{}}`, w.viewer)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "input.message: required")
	rec = w.e.Do(http.MethodPost, "/api/v1/services/"+svc.ID+"/run/", `{"input":{"message":"x","other":"y"}}`, w.viewer)
	require.Contains(t, rec.Body.String(), "input.other: no such field")

	runs := testkit.JSON[api.RunList](t, w.e.Do(http.MethodGet, "/api/v1/workflows/"+svc.ID+"/runs/", "", w.owner)).Items
	require.Len(t, runs, 3, "every run is stored (the refused inputs made none)")
	usage := testkit.JSON[struct {
		Items []struct {
			WorkflowID   *string `json:"workflow_id"`
			PromptTokens int     `json:"prompt_tokens"`
		} `json:"items"`
	}](t, w.e.Do(http.MethodGet, "/api/v1/token-usage/", "", w.owner))
	counted := 0
	for _, u := range usage.Items {
		if u.WorkflowID != nil && *u.WorkflowID == svc.ID {
			counted += u.PromptTokens
		}
	}
	require.GreaterOrEqual(t, counted, 30, "the steps' tokens are counted for the service")
	require.Equal(t, "failed", runs[0].Status)
	require.Equal(t, "complete", runs[2].Status)
}

// TestAnAppRunsInTheWorkerAndTakesTheRightBranch: an app's run answers
// 202 and runs in the worker: a 4-step workflow with a condition takes
// the branch the classification chose, skips the other, posts the result
// with an idempotency key, and keeps each step's input, output and
// tokens. A run taken up again does not repeat a completed step.
func TestAnAppRunsInTheWorkerAndTakesTheRightBranch(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testkit.Reply{Tokens: []string{`{"case":"parking"}`}}, testkit.Reply{Tokens: []string{"Pay at the machine."}})
	var posted atomic.Value
	var keys []string
	hook := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		posted.Store(body)
		keys = append(keys, r.Header.Get("Idempotency-Key")+"|"+r.Header.Get("X-Secret"))
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(`{"ticket":42}`))
	}))
	t.Cleanup(hook.Close)
	def := `{"fields":[{"name":"message","type":"text","required":true}],"steps":[
		{"id":"classify","kind":"extract","template":"Classify: {{ input.message }}","schema":{"type":"object","properties":{"case":{"type":"string"}}}},
		{"id":"route","kind":"condition","inputs":["classify"],"expression":"steps.classify.case == \"parking\"","then":"parking","else":"other"},
		{"id":"parking","kind":"prompt","template":"Answer about parking: {{ input.message }}"},
		{"id":"other","kind":"prompt","template":"Answer in general: {{ input.message }}"},
		{"id":"notify","kind":"http","inputs":["parking"],"url":"` + hook.URL + `/hook","headers":{"X-Secret":"s3cret"},"template":"{\"answer\": {{ steps.parking }} }"}
	],"output":"parking"}`
	// The http body needs the answer as JSON: the template writes it with toJSON.
	def = strings.Replace(def, `{{ steps.parking }}`, `{{ toJSON(steps.parking) }}`, 1)
	app := w.create(t, "app", "Answer a citizen", def, true)
	require.Equal(t, "********", app.Definition.Steps[4].Headers["X-Secret"], "secret headers are masked")

	rec := w.e.Do(http.MethodPost, "/api/v1/apps/"+app.ID+"/runs/", `{"input":{"message":"Where can I park?"}}`, w.viewer)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	run := testkit.JSON[api.RunResponse](t, rec)
	require.Equal(t, "queued", run.Status)
	require.NotEmpty(t, run.JobID)

	work := func() error {
		return w.e.App.Workflows.Service.RunJob(context.Background(), application.RunPayload{Tenant: w.tenant,
			Run: uuid.MustParse(run.ID), Job: uuid.MustParse(run.JobID)})
	}
	require.NoError(t, work())
	got := testkit.JSON[api.RunResponse](t, w.e.Do(http.MethodGet, "/api/v1/app-runs/"+run.ID+"/", "", w.viewer))
	require.Equal(t, "complete", got.Status, "%+v", got)
	require.Equal(t, "Pay at the machine.", got.Output)
	status := map[string]string{}
	for _, s := range got.Steps {
		status[s.ID] = s.Status
	}
	require.Equal(t, map[string]string{"classify": "complete", "route": "complete", "parking": "complete", "other": "skipped", "notify": "complete"}, status)
	require.Equal(t, map[string]any{"answer": "Pay at the machine."}, posted.Load())
	require.Equal(t, []string{run.ID + ":notify|s3cret"}, keys, "one post with the run's and step's key and the secret header")
	require.Equal(t, "Answer about parking: Where can I park?", got.Steps[2].Input)
	require.Equal(t, 2, len(w.fake.Requests), "the skipped branch asked no model")
	job := testkit.JSON[map[string]any](t, w.e.Do(http.MethodGet, "/api/v1/jobs/"+run.JobID+"/", "", w.viewer))
	require.Equal(t, "complete", job["status"])

	// Taken up again (a worker died after the last step): nothing runs twice.
	require.NoError(t, work())
	require.Equal(t, 2, len(w.fake.Requests))
	require.Len(t, keys, 1)

	require.Equal(t, http.StatusOK, w.e.Do(http.MethodGet, "/api/v1/app-runs/"+run.ID+"/", "", w.owner).Code, "those who may edit the app see its runs")
}

// TestVersionsAndVisibility: a new definition is a new version; a draft
// is visible to those who build it, not to viewers; another tenant finds
// nothing.
func TestVersionsAndVisibility(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	svc := w.create(t, "service", "Draft", classify, false)
	require.Equal(t, 1, svc.Version)
	require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodGet, "/api/v1/workflows/"+svc.ID+"/", "", w.viewer).Code, "a draft is hidden from viewers")
	rec := w.e.Do(http.MethodPatch, "/api/v1/workflows/"+svc.ID+"/", `{"definition":`+strings.Replace(classify, "Classify this", "Sort this", 1)+`,"published":true}`, w.owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, 2, testkit.JSON[api.WorkflowResponse](t, rec).Version)
	vs := testkit.JSON[api.VersionList](t, w.e.Do(http.MethodGet, "/api/v1/workflows/"+svc.ID+"/versions/", "", w.owner)).Items
	require.Len(t, vs, 2)
	require.Contains(t, vs[0].Definition.Steps[0].Template, "Sort this")
	require.Contains(t, vs[1].Definition.Steps[0].Template, "Classify this")
	require.Equal(t, http.StatusOK, w.e.Do(http.MethodGet, "/api/v1/workflows/"+svc.ID+"/", "", w.viewer).Code, "published now")
	require.Equal(t, http.StatusForbidden, w.e.Do(http.MethodPatch, "/api/v1/workflows/"+svc.ID+"/", `{"name":"Mine"}`, w.viewer).Code)
	list := testkit.JSON[api.WorkflowList](t, w.e.Do(http.MethodGet, "/api/v1/workflows/?kind=service&space_id="+w.space, "", w.viewer))
	require.Equal(t, 1, list.Count)

	other, _ := w.e.Token(t, w.e.Tenant(t), domain.RoleOwner)
	require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodGet, "/api/v1/workflows/"+svc.ID+"/", "", other).Code)
	require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodPost, "/api/v1/services/"+svc.ID+"/run/", `{"input":{"message":"x"}}`, other).Code)
	require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodPost, "/api/v1/apps/"+svc.ID+"/runs/", `{"input":{"message":"x"}}`, w.owner).Code,
		"a service is not an app")
	require.Equal(t, http.StatusNoContent, w.e.Do(http.MethodDelete, "/api/v1/workflows/"+svc.ID+"/", "", w.owner).Code)
	require.Equal(t, http.StatusNotFound, w.e.Do(http.MethodGet, "/api/v1/workflows/"+svc.ID+"/", "", w.owner).Code)
}

// TestMinutesFromARecording: an app takes a recording (uploaded with
// purpose=app, so it is not transcribed at upload) and a document; its
// run transcribes the recording in the worker and writes minutes from the
// transcript and the agenda's text.
func TestMinutesFromARecording(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testkit.Reply{Tokens: []string{"We decided to open the swimming hall in March."}},
		testkit.Reply{Tokens: []string{"Minutes: the swimming hall opens in March."}})
	rec := w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/transcription-models/", `{"name":"Whisper `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"whisper-1"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	whisper := testkit.JSON[struct{ ID string }](t, rec).ID
	rec = w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+w.tenant.String()+"/transcription-models/"+whisper+"/", `{"is_enabled":true,"is_default":true}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	app := w.create(t, "app", "Minutes from a recording", `{"fields":[{"name":"recording","type":"recording","required":true},{"name":"agenda","type":"file"}],
		"steps":[{"id":"transcript","kind":"transcribe","file":"recording"},
		{"id":"minutes","kind":"prompt","inputs":["transcript"],"template":"Agenda: {{ input.agenda }}\nWrite minutes of this meeting:\n{{ steps.transcript }}"}]}`, true)

	upload := func(name string, content []byte, purpose string) string {
		rec := testkit.Upload(w.e.H, "/api/v1/files/"+purpose, "file", name, content, "Authorization", "Bearer "+w.viewer)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		return testkit.JSON[struct{ ID string }](t, rec).ID
	}
	recording := upload("council.wav", testkit.WAV(1600), "?purpose=app")
	require.Empty(t, w.fake.Requests, "a recording kept for an app is not transcribed at upload")
	agenda := upload("agenda.md", []byte("# Agenda\n\n1. The swimming hall"), "")

	rec = w.e.Do(http.MethodPost, "/api/v1/apps/"+app.ID+"/runs/", `{"input":{"recording":"`+agenda+`"}}`, w.viewer)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "input.recording: agenda.md is not a recording")
	rec = w.e.Do(http.MethodPost, "/api/v1/apps/"+app.ID+"/runs/", `{"input":{"recording":"`+recording+`","agenda":"`+agenda+`"}}`, w.viewer)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	run := testkit.JSON[api.RunResponse](t, rec)
	require.NoError(t, w.e.App.Workflows.Service.RunJob(context.Background(), application.RunPayload{Tenant: w.tenant,
		Run: uuid.MustParse(run.ID), Job: uuid.MustParse(run.JobID)}))
	got := testkit.JSON[api.RunResponse](t, w.e.Do(http.MethodGet, "/api/v1/app-runs/"+run.ID+"/", "", w.viewer))
	require.Equal(t, "complete", got.Status, "%+v", got)
	require.Equal(t, "Minutes: the swimming hall opens in March.", got.Output)
	require.Equal(t, "We decided to open the swimming hall in March.", got.Steps[0].Output)
	require.Equal(t, "council.wav", w.fake.Requests[0]["file"])
	require.Contains(t, got.Steps[1].Input, "Agenda: # Agenda")
	require.Contains(t, got.Steps[1].Input, "open the swimming hall in March")

	other, _ := w.e.Token(t, w.tenant, domain.RoleUser)
	rec = w.e.Do(http.MethodPost, "/api/v1/apps/"+app.ID+"/runs/", `{"input":{"recording":"`+recording+`"}}`, other)
	require.Equal(t, http.StatusNotFound, rec.Code, "another user's file is not found, nor the app outside their spaces")
}

// TestACancelledRunNeverStarts: a queued run that is cancelled ends at
// once; its job never runs a step; cancelling again is 409.
func TestACancelledRunNeverStarts(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testkit.Reply{Tokens: []string{"Hello."}})
	app := w.create(t, "app", "Greeter", `{"fields":[{"name":"name","type":"text"}],"steps":[{"id":"greet","kind":"prompt","template":"Greet {{ input.name }}"}]}`, true)
	run := testkit.JSON[api.RunResponse](t, w.e.Do(http.MethodPost, "/api/v1/apps/"+app.ID+"/runs/", `{"input":{"name":"Ada"}}`, w.viewer))
	rec := w.e.Do(http.MethodPost, "/api/v1/app-runs/"+run.ID+"/cancel/", "", w.viewer)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, "cancelled", testkit.JSON[api.RunResponse](t, rec).Status)
	require.NoError(t, w.e.App.Workflows.Service.RunJob(context.Background(), application.RunPayload{Tenant: w.tenant,
		Run: uuid.MustParse(run.ID), Job: uuid.MustParse(run.JobID)}))
	require.Empty(t, w.fake.Requests, "the cancelled run's job did not run")
	got := testkit.JSON[api.RunResponse](t, w.e.Do(http.MethodGet, "/api/v1/app-runs/"+run.ID+"/", "", w.viewer))
	require.Equal(t, "cancelled", got.Status)
	require.Equal(t, http.StatusConflict, w.e.Do(http.MethodPost, "/api/v1/app-runs/"+run.ID+"/cancel/", "", w.viewer).Code)
}

// TestRetrieveAndAssistantSteps: a retrieve step finds passages of the
// space's collection for a query built from the input; an assistant step
// asks an assistant of the space as the run's user and takes its answer
// and references. Sources of another space are refused at save.
func TestRetrieveAndAssistantSteps(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testkit.Reply{Tokens: []string{"A permit costs 500 kronor [1]."}})
	rec := w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/embedding-models/", `{"name":"Local `+uuid.NewString()[:8]+`","provider_type":"local","provider_model":"hash","dimensions":384}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	emb := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, w.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+w.tenant.String()+"/embedding-models/"+emb+"/", `{"is_enabled":true,"is_default":true}`).Code)
	rec = w.e.Do(http.MethodPost, "/api/v1/groups/", `{"name":"Parking","space_id":"`+w.space+`"}`, w.owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	collection := testkit.JSON[struct{ ID string }](t, rec).ID
	rec = testkit.Upload(w.e.H, "/api/v1/groups/"+collection+"/info-blobs/upload/", "file", "permits.md",
		[]byte("# Parking permits\n\nA parking permit costs 500 kronor a month.\n\n# Libraries\n\nThe library opens at nine."), "Authorization", "Bearer "+w.owner)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	up := testkit.JSON[struct {
		ID       string
		InfoBlob struct{ ID string } `json:"info_blob"`
	}](t, rec)
	require.NoError(t, w.e.App.Knowledge.Knowledge.Ingest(context.Background(), knowledgeapp.IngestPayload{Tenant: w.tenant, Job: uuid.MustParse(up.ID), Blob: uuid.MustParse(up.InfoBlob.ID)}))
	rec = w.e.Do(http.MethodPost, "/api/v1/assistants/", `{"name":"Clerk","space_id":"`+w.space+`","published":true,"groups":[{"id":"`+collection+`"}]}`, w.owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assistant := testkit.JSON[struct{ ID string }](t, rec).ID

	flow := w.create(t, "workflow", "Look it up", `{"fields":[{"name":"q","type":"text","required":true}],"steps":[
		{"id":"search","kind":"retrieve","template":"{{ input.q }}","collections":["`+collection+`"],"top_k":2},
		{"id":"clerk","kind":"assistant","assistant_id":"`+assistant+`","inputs":["search"],"template":"{{ input.q }} (best passage: {{ steps.search[0].text }})"}]}`, true)
	rec = w.e.Do(http.MethodPost, "/api/v1/workflows/"+flow.ID+"/runs/", `{"input":{"q":"What does a parking permit cost?"}}`, w.viewer)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	run := testkit.JSON[api.RunResponse](t, rec)
	require.NoError(t, w.e.App.Workflows.Service.RunJob(context.Background(), application.RunPayload{Tenant: w.tenant,
		Run: uuid.MustParse(run.ID), Job: uuid.MustParse(run.JobID), Permissions: []string{"assistants", "apps"}}))
	got := testkit.JSON[api.RunResponse](t, w.e.Do(http.MethodGet, "/api/v1/app-runs/"+run.ID+"/", "", w.viewer))
	require.Equal(t, "complete", got.Status, "%+v", got)
	passages := got.Steps[0].Output.([]any)
	require.NotEmpty(t, passages)
	require.Contains(t, passages[0].(map[string]any)["text"], "500 kronor")
	require.Contains(t, got.Steps[1].Input, "best passage: ")
	answer := got.Output.(map[string]any)
	require.Equal(t, "A permit costs 500 kronor [1].", answer["answer"])
	refs := answer["references"].([]any)
	require.NotEmpty(t, refs)
	require.Equal(t, "permits.md", refs[0].(map[string]any)["title"])

	rec = w.e.Do(http.MethodPost, "/api/v1/spaces/", `{"name":"Elsewhere `+uuid.NewString()[:8]+`"}`, w.owner)
	elsewhere := testkit.JSON[struct{ ID string }](t, rec).ID
	rec = w.e.Do(http.MethodPost, "/api/v1/workflows/", `{"kind":"workflow","space_id":"`+elsewhere+`","name":"Borrow","definition":{"fields":[],"steps":[
		{"id":"search","kind":"retrieve","template":"x","collections":["`+collection+`"]}]}}`, w.owner)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "steps[0].collections[0]: "+collection+" is no collection or website of this space")
}

// TestSchedulesStartRunsOnce: a schedule with a cron expression runs the
// app with its input as the user who set it, once per due time however
// often the scheduler looks; an expression that cannot be read is 400.
func TestSchedulesStartRunsOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	app := w.create(t, "app", "Morning digest", `{"fields":[{"name":"topic","type":"text","required":true}],"steps":[{"id":"digest","kind":"prompt","template":"News on {{ input.topic }}"}]}`, true)
	rec := w.e.Do(http.MethodPut, "/api/v1/workflows/"+app.ID+"/schedule/", `{"cron":"every morning","input":{"topic":"parking"}}`, w.owner)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), "cron: ")
	rec = w.e.Do(http.MethodPut, "/api/v1/workflows/"+app.ID+"/schedule/", `{"cron":"0 7 * * 1-5","input":{}}`, w.owner)
	require.Equal(t, http.StatusBadRequest, rec.Code, "the input must fit the form")
	require.Contains(t, rec.Body.String(), "input.topic: required")
	rec = w.e.Do(http.MethodPut, "/api/v1/workflows/"+app.ID+"/schedule/", `{"cron":"0 7 * * 1-5","input":{"topic":"parking"}}`, w.owner)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got := testkit.JSON[api.WorkflowResponse](t, rec)
	require.NotNil(t, got.Schedule)
	require.Equal(t, 7, got.Schedule.NextRunAt.Local().Hour())
	require.Equal(t, http.StatusForbidden, w.e.Do(http.MethodPut, "/api/v1/workflows/"+app.ID+"/schedule/", `{"cron":"@daily"}`, w.viewer).Code)

	_, err := w.e.App.DB.ExecContext(context.Background(), "UPDATE workflows SET next_run_at = now() - interval '1 minute' WHERE id = ?", app.ID)
	require.NoError(t, err)
	_, err = w.e.App.Workflows.Service.RunSchedules(context.Background())
	require.NoError(t, err)
	_, err = w.e.App.Workflows.Service.RunSchedules(context.Background())
	require.NoError(t, err)
	runs := testkit.JSON[api.RunList](t, w.e.Do(http.MethodGet, "/api/v1/workflows/"+app.ID+"/runs/", "", w.owner)).Items
	require.Len(t, runs, 1, "one run for the due time")
	require.Equal(t, "schedule", runs[0].Trigger)
	require.Equal(t, map[string]any{"topic": "parking"}, runs[0].Input)
	after := testkit.JSON[api.WorkflowResponse](t, w.e.Do(http.MethodGet, "/api/v1/workflows/"+app.ID+"/", "", w.owner))
	require.True(t, after.Schedule.NextRunAt.After(time.Now()), "the next time is ahead")

	rec = w.e.Do(http.MethodPut, "/api/v1/workflows/"+app.ID+"/schedule/", `{"cron":""}`, w.owner)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Nil(t, testkit.JSON[api.WorkflowResponse](t, rec).Schedule)
}

// TestWebhooksNeedASignatureAndWorkOnce: a webhook's URL and secret are
// shown once; a request signed with the secret over the timestamp and
// body starts a run; a replay, a wrong signature, an old timestamp and a
// removed webhook are refused.
func TestWebhooksNeedASignatureAndWorkOnce(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	app := w.create(t, "workflow", "Case intake", `{"fields":[{"name":"text","type":"text","required":true}],"steps":[{"id":"ack","kind":"prompt","template":"Acknowledge {{ input.text }}"}]}`, true)
	rec := w.e.Do(http.MethodPost, "/api/v1/workflows/"+app.ID+"/webhook/", "", w.owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	hook := testkit.JSON[api.WebhookResponse](t, rec)
	require.Contains(t, hook.URL, "/api/v1/hooks/wh_")
	path := hook.URL[strings.Index(hook.URL, "/api/v1/hooks/"):]
	require.True(t, testkit.JSON[api.WorkflowResponse](t, w.e.Do(http.MethodGet, "/api/v1/workflows/"+app.ID+"/", "", w.owner)).Webhook)

	send := func(body, ts, sig string) *httptest.ResponseRecorder {
		return testkit.Do(w.e.H, http.MethodPost, path, body, "Content-Type", "application/json",
			application.TimestampHeader, ts, application.SignatureHeader, sig)
	}
	sign := func(body, ts string) string {
		return "sha256=" + hex.EncodeToString(application.Sign(hook.Secret, ts, []byte(body)))
	}
	body := `{"input":{"text":"A new case"}}`
	now := strconv.FormatInt(time.Now().Unix(), 10)
	rec = send(body, now, sign(body, now))
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	require.Equal(t, "queued", testkit.JSON[api.HookAccepted](t, rec).Status)
	require.Equal(t, http.StatusConflict, send(body, now, sign(body, now)).Code, "a replay is refused")
	require.Equal(t, http.StatusUnauthorized, send(body, now, sign(`{"input":{"text":"other"}}`, now)).Code, "a signature of another body")
	old := strconv.FormatInt(time.Now().Add(-10*time.Minute).Unix(), 10)
	require.Equal(t, http.StatusUnauthorized, send(body, old, sign(body, old)).Code, "outside the replay window")
	runs := testkit.JSON[api.RunList](t, w.e.Do(http.MethodGet, "/api/v1/workflows/"+app.ID+"/runs/", "", w.owner)).Items
	require.Len(t, runs, 1)
	require.Equal(t, "webhook", runs[0].Trigger)

	require.Equal(t, http.StatusNoContent, w.e.Do(http.MethodDelete, "/api/v1/workflows/"+app.ID+"/webhook/", "", w.owner).Code)
	later := strconv.FormatInt(time.Now().Unix()+1, 10)
	require.Equal(t, http.StatusUnauthorized, send(body, later, sign(body, later)).Code, "a removed webhook")
}

// TestServiceKeysRunOnlyTheirService: a service's key is shown once and
// runs its service; it cannot run another service nor reach any other
// route; revoked, it stops working.
func TestServiceKeysRunOnlyTheirService(t *testing.T) {
	t.Parallel()
	w := newWorld(t, testkit.Reply{Tokens: []string{`{"case":"school"}`}})
	svc := w.create(t, "service", "Classify", classify, true)
	other := w.create(t, "service", "Classify again", classify, true)
	rec := w.e.Do(http.MethodPost, "/api/v1/services/"+svc.ID+"/api-keys/", `{"name":"case system"}`, w.owner)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	key := testkit.JSON[api.KeyResponse](t, rec)
	require.True(t, strings.HasPrefix(key.Key, "svk_"))
	require.Equal(t, http.StatusForbidden, w.e.Do(http.MethodPost, "/api/v1/services/"+svc.ID+"/api-keys/", "", w.viewer).Code, "viewers make no keys")

	run := func(id string) *httptest.ResponseRecorder {
		return testkit.Do(w.e.H, http.MethodPost, "/api/v1/services/"+id+"/run/", `{"input":{"message":"Are meals free at school?"}}`, "X-API-Key", key.Key)
	}
	rec = run(svc.ID)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Equal(t, map[string]any{"case": "school"}, testkit.JSON[api.ServiceResult](t, rec).Output)
	require.Equal(t, http.StatusForbidden, run(other.ID).Code, "another service")
	require.Equal(t, http.StatusUnauthorized, testkit.Do(w.e.H, http.MethodGet, "/api/v1/workflows/", "", "X-API-Key", key.Key).Code, "any other route")

	keys := testkit.JSON[api.KeyList](t, w.e.Do(http.MethodGet, "/api/v1/services/"+svc.ID+"/api-keys/", "", w.owner)).Items
	require.Len(t, keys, 1)
	require.Empty(t, keys[0].Key, "the secret is never shown again")
	require.Equal(t, http.StatusNoContent, w.e.Do(http.MethodDelete, "/api/v1/services/"+svc.ID+"/api-keys/"+key.ID+"/", "", w.owner).Code)
	require.Eventually(t, func() bool { return run(svc.ID).Code == http.StatusUnauthorized }, 5*time.Second, 100*time.Millisecond, "a revoked key stops working")
}
