package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// runEvent is an app_run_updates message's data.
type runEvent struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Error  string `json:"error"`
	Steps  []struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"steps"`
}

// watchRuns subscribes to app_run_updates on base.
func watchRuns(t *testing.T, base, token string) <-chan runEvent {
	t.Helper()
	return watchChannel[runEvent](t, base, token, "app_run_updates")
}

// uploadFile sends a file to /files/ (with a query such as ?purpose=app)
// and returns its id.
func (m *member) uploadFile(t *testing.T, query, name string, content []byte) string {
	t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", name)
	require.NoError(t, err)
	_, _ = part.Write(content)
	require.NoError(t, w.Close())
	req, err := http.NewRequest(http.MethodPost, m.base+"/api/v1/files/"+query, &body)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%s", raw)
	var f struct{ ID string }
	require.NoError(t, json.Unmarshal(raw, &f))
	return f.ID
}

// awaitRun follows a run's events until it ends and returns them.
func awaitRun(t *testing.T, events <-chan runEvent, id string) []runEvent {
	t.Helper()
	var seen []runEvent
	deadline := time.After(2 * time.Minute)
	for {
		select {
		case e, ok := <-events:
			require.True(t, ok, "the WebSocket closed early")
			if e.ID != id {
				continue
			}
			seen = append(seen, e)
			if e.Status == "complete" || e.Status == "failed" {
				return seen
			}
		case <-deadline:
			t.Fatalf("the run did not end; events so far: %+v", seen)
		}
	}
}

// TestWorkflowsThroughTheRealProcesses: with the real API and worker
// binaries and fake upstreams, an app makes minutes from a recording
// (fake Whisper, fake chat model) with its steps' progress arriving on a
// WebSocket held by another API process; a service returns schema-valid
// JSON; an upstream that answers invalid JSON twice fails a run with the
// schema path; a 4-step workflow with a condition takes the right branch.
func TestWorkflowsThroughTheRealProcesses(t *testing.T) {
	s := newStack(t)
	s.worker(t)
	runs, watcher := s.api(t), s.api(t)
	m := newMember(t, runs)
	fake := testkit.NewFakeAI(t)
	resp, out := sysadmin(t, http.MethodPut, runs+"/api/v1/sysadmin/tenants/"+m.tenant+"/credentials/openai", `{"api_key":"sk-upstream","endpoint":"`+fake.URL()+`"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", out)
	suffix := time.Now().Format("150405.000000")
	m.enable(t, "completion-models", `{"name":"Scripted `+suffix+`","provider_type":"openai","provider_model":"gpt-script","token_limit":8192}`)
	m.enable(t, "transcription-models", `{"name":"Whisper `+suffix+`","provider_type":"openai","provider_model":"whisper-1"}`)
	events := watchRuns(t, watcher, m.token)
	create := func(kind, name, def string) string {
		return m.do(t, http.MethodPost, "/api/v1/workflows/", `{"kind":"`+kind+`","space_id":"`+m.space+`","name":"`+name+`","published":true,"definition":`+def+`}`,
			http.StatusCreated)["id"].(string)
	}

	t.Run("an app makes minutes from a recording, its steps pushed over the WebSocket of another API process", func(t *testing.T) {
		fake.Script(testkit.Reply{Tokens: []string{"We open the swimming hall in March."}}, testkit.Reply{Tokens: []string{"Minutes: ", "the hall opens in March."}})
		app := create("app", "Minutes from a recording", `{"fields":[{"name":"recording","type":"recording","required":true}],"steps":[
			{"id":"transcript","kind":"transcribe","file":"recording"},
			{"id":"minutes","kind":"prompt","inputs":["transcript"],"template":"Write minutes of:\n{{ steps.transcript }}"}]}`)
		recording := m.uploadFile(t, "?purpose=app", "council.wav", testkit.WAV(1600))
		run := m.do(t, http.MethodPost, "/api/v1/apps/"+app+"/runs/", `{"input":{"recording":"`+recording+`"}}`, http.StatusAccepted)
		seen := awaitRun(t, events, run["id"].(string))
		last := seen[len(seen)-1]
		require.Equal(t, "complete", last.Status, "%+v", seen)
		var transcribing, writing bool
		for _, e := range seen {
			for _, st := range e.Steps {
				transcribing = transcribing || (st.ID == "transcript" && st.Status == "in_progress")
				writing = writing || (st.ID == "minutes" && st.Status == "in_progress")
			}
		}
		require.True(t, transcribing && writing, "each step's progress arrived: %+v", seen)
		got := m.do(t, http.MethodGet, "/api/v1/app-runs/"+run["id"].(string)+"/", "", http.StatusOK)
		require.Equal(t, "Minutes: the hall opens in March.", got["output"])
	})

	t.Run("a service returns schema-valid JSON", func(t *testing.T) {
		fake.Script(testkit.Reply{Tokens: []string{`{"case":"parking","urgent":false}`}})
		svc := create("service", "Classify a message", `{"fields":[{"name":"message","type":"text","required":true}],"steps":[{"id":"classify","kind":"extract",
			"template":"Classify: {{ input.message }}","schema":{"type":"object","required":["case"],"properties":{"case":{"enum":["parking","school","other"]},"urgent":{"type":"boolean"}}}}]}`)
		res := m.do(t, http.MethodPost, "/api/v1/services/"+svc+"/run/", `{"input":{"message":"My car was towed."}}`, http.StatusOK)
		require.Equal(t, map[string]any{"case": "parking", "urgent": false}, res["output"])
	})

	t.Run("invalid JSON twice fails the run with the schema path", func(t *testing.T) {
		fake.Script(testkit.Reply{Tokens: []string{"I think it is about parking."}}, testkit.Reply{Tokens: []string{`{"case":"taxes"}`}})
		app := create("app", "Sort a message", `{"fields":[{"name":"message","type":"text","required":true}],"steps":[{"id":"classify","kind":"extract",
			"template":"Classify: {{ input.message }}","schema":{"type":"object","required":["case"],"properties":{"case":{"enum":["parking","school"]}}}}]}`)
		run := m.do(t, http.MethodPost, "/api/v1/apps/"+app+"/runs/", `{"input":{"message":"Hello"}}`, http.StatusAccepted)
		seen := awaitRun(t, events, run["id"].(string))
		last := seen[len(seen)-1]
		require.Equal(t, "failed", last.Status)
		require.Contains(t, last.Error, "/case: value must be one of")
		got := m.do(t, http.MethodGet, "/api/v1/app-runs/"+run["id"].(string)+"/", "", http.StatusOK)
		require.Equal(t, "failed", got["status"])
		step := got["steps"].([]any)[0].(map[string]any)
		require.Equal(t, "failed", step["status"])
		require.Contains(t, step["error"], "/case: value must be one of")
	})

	t.Run("a 4-step workflow with a condition takes the right branch", func(t *testing.T) {
		fake.Script(testkit.Reply{Tokens: []string{`{"case":"school"}`}}, testkit.Reply{Tokens: []string{"School meals are free."}})
		flow := create("workflow", "Answer a citizen", `{"fields":[{"name":"message","type":"text","required":true}],"steps":[
			{"id":"classify","kind":"extract","template":"Classify: {{ input.message }}","schema":{"type":"object","properties":{"case":{"type":"string"}}}},
			{"id":"route","kind":"condition","inputs":["classify"],"expression":"steps.classify.case == \"parking\"","then":"parking","else":"school"},
			{"id":"parking","kind":"prompt","template":"About parking: {{ input.message }}"},
			{"id":"school","kind":"prompt","template":"About school: {{ input.message }}"}]}`)
		calls := len(fake.Requests)
		run := m.do(t, http.MethodPost, "/api/v1/workflows/"+flow+"/runs/", `{"input":{"message":"Are school meals free?"}}`, http.StatusAccepted)
		seen := awaitRun(t, events, run["id"].(string))
		require.Equal(t, "complete", seen[len(seen)-1].Status, "%+v", seen)
		got := m.do(t, http.MethodGet, "/api/v1/app-runs/"+run["id"].(string)+"/", "", http.StatusOK)
		require.Equal(t, "School meals are free.", got["output"])
		status := map[string]any{}
		for _, st := range got["steps"].([]any) {
			status[st.(map[string]any)["id"].(string)] = st.(map[string]any)["status"]
		}
		require.Equal(t, map[string]any{"classify": "complete", "route": "complete", "parking": "skipped", "school": "complete"}, status)
		require.Equal(t, calls+2, len(fake.Requests), "the branch not taken asked no model")
		require.Contains(t, fake.Requests[len(fake.Requests)-1]["messages"].([]any)[0].(map[string]any)["content"], "About school")
	})
}

// TestAKilledWorkerTakesARunUpAtItsFirstUnfinishedStep: a worker killed
// in the middle of a run's second step leaves the first stored; another
// worker takes the run up from the second step, and the first is never
// asked again.
func TestAKilledWorkerTakesARunUpAtItsFirstUnfinishedStep(t *testing.T) {
	s := newStack(t, "JOB_HEARTBEAT=250ms")
	base := s.api(t)
	m := newMember(t, base)
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"First."}}, testkit.Reply{Tokens: []string{"Too late."}, FirstToken: time.Minute})
	resp, out := sysadmin(t, http.MethodPut, base+"/api/v1/sysadmin/tenants/"+m.tenant+"/credentials/openai", `{"api_key":"sk-upstream","endpoint":"`+fake.URL()+`"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", out)
	m.enable(t, "completion-models", `{"name":"Scripted `+time.Now().Format("150405.000000")+`","provider_type":"openai","provider_model":"gpt-script","token_limit":8192}`)
	app := m.do(t, http.MethodPost, "/api/v1/workflows/", `{"kind":"app","space_id":"`+m.space+`","name":"Two steps","published":true,"definition":{
		"fields":[{"name":"text","type":"text","required":true}],"steps":[
		{"id":"first","kind":"prompt","template":"One: {{ input.text }}"},
		{"id":"second","kind":"prompt","inputs":["first"],"template":"Two: {{ steps.first }}"}]}}`, http.StatusCreated)["id"].(string)

	w := s.worker(t)
	run := m.do(t, http.MethodPost, "/api/v1/apps/"+app+"/runs/", `{"input":{"text":"go"}}`, http.StatusAccepted)["id"].(string)
	step := func(id string) map[string]any {
		for _, st := range m.do(t, http.MethodGet, "/api/v1/app-runs/"+run+"/", "", http.StatusOK)["steps"].([]any) {
			if st := st.(map[string]any); st["id"] == id {
				return st
			}
		}
		return nil
	}
	require.Eventually(t, func() bool {
		s := step("second")
		return s != nil && s["status"] == "in_progress"
	}, time.Minute, 50*time.Millisecond, "the run never reached its second step")
	require.NoError(t, w.cmd.Process.Kill())
	<-w.done
	w.stopped = true
	require.Equal(t, "complete", step("first")["status"])

	fake.Script(testkit.Reply{Tokens: []string{"Second."}})
	s.worker(t)
	require.Eventually(t, func() bool {
		return m.do(t, http.MethodGet, "/api/v1/app-runs/"+run+"/", "", http.StatusOK)["status"] == "complete"
	}, 2*time.Minute, 100*time.Millisecond, "the run was not taken up")
	got := m.do(t, http.MethodGet, "/api/v1/app-runs/"+run+"/", "", http.StatusOK)
	require.Equal(t, "Second.", got["output"])
	require.EqualValues(t, 1, step("first")["attempts"], "the completed step was not run again")
	require.EqualValues(t, 2, step("second")["attempts"])
	require.EqualValues(t, 3, fake.Calls.Load(), "the model was asked for the first step once and the second twice")
}
