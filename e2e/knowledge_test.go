package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// stack is the real API and worker binaries on shared services.
type stack struct {
	bins string
	env  []string
}

func newStack(t *testing.T, extra ...string) *stack {
	t.Helper()
	redisURL := os.Getenv("TEST_PROCESS_REDIS_URL")
	if redisURL == "" {
		redisURL = testkit.RedisURL(t)
	}
	env := append(testkit.Env(t), "REDIS_URL="+redisURL, "LOG_FORMAT=json", "SHUTDOWN_TIMEOUT=10s")
	return &stack{bins: build(t, "api", "worker"), env: append(env, extra...)}
}

// api starts an API process and returns its base URL.
func (s *stack) api(t *testing.T) string {
	t.Helper()
	addr := freeAddr(t)
	base := "http://" + addr
	p := start(t, filepath.Join(s.bins, "api"), append(s.env, "HTTP_ADDR="+addr, "PUBLIC_ORIGIN="+base))
	t.Cleanup(func() { p.stop(t) })
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/api/healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil && resp.StatusCode == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond, "the API never started")
	return base
}

func (s *stack) worker(t *testing.T) *proc {
	t.Helper()
	return start(t, filepath.Join(s.bins, "worker"), s.env)
}

// member is a signed-in Owner of a fresh tenant with a local embedding
// model, the local answerer and a collection in their personal space.
type member struct {
	base, token, tenant, space, collection string
	email, password                        string
}

func newMember(t *testing.T, base string) *member {
	t.Helper()
	suffix := fmt.Sprint(time.Now().UnixNano())
	resp, tenant := sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/tenants/", `{"name":"Knowledge `+suffix+`"}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", tenant)
	m := &member{base: base, tenant: tenant["id"].(string)}
	email := "clerk-" + suffix + "@kommun.example"
	const pw = "correct-horse-battery-staple"
	resp, user := sysadmin(t, http.MethodPost, base+"/api/v1/sysadmin/users/",
		`{"email":"`+email+`","password":"`+pw+`","tenant_id":"`+m.tenant+`","predefined_roles":["Owner"]}`)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", user)
	m.email, m.password = email, pw
	m.enable(t, "embedding-models", `{"name":"Local `+suffix+`","provider_type":"local","provider_model":"hash","dimensions":384}`)
	m.enable(t, "completion-models", `{"name":"Answerer `+suffix+`","provider_type":"local","provider_model":"extractive","token_limit":8192}`)

	resp, err := http.Post(base+"/api/v1/users/login/token/", "application/x-www-form-urlencoded",
		strings.NewReader("username="+email+"&password="+pw))
	require.NoError(t, err)
	var tokens struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tokens))
	resp.Body.Close()
	m.token = tokens.AccessToken
	m.space = m.do(t, http.MethodGet, "/api/v1/spaces/type/personal/", "", http.StatusOK)["id"].(string)
	m.collection = m.newCollection(t, "Service rules")
	return m
}

// enable registers a model and makes it the tenant's default.
func (m *member) enable(t *testing.T, kind, body string) {
	t.Helper()
	resp, model := sysadmin(t, http.MethodPost, m.base+"/api/v1/sysadmin/"+kind+"/", body)
	require.Equal(t, http.StatusCreated, resp.StatusCode, "%v", model)
	resp, out := sysadmin(t, http.MethodPost, m.base+"/api/v1/sysadmin/tenants/"+m.tenant+"/"+kind+"/"+model["id"].(string)+"/",
		`{"is_enabled":true,"is_default":true}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", out)
}

func (m *member) newCollection(t *testing.T, name string) string {
	t.Helper()
	return m.do(t, http.MethodPost, "/api/v1/groups/", `{"name":"`+name+`","space_id":"`+m.space+`"}`, http.StatusCreated)["id"].(string)
}

func (m *member) do(t *testing.T, method, path, body string, want int) map[string]any {
	t.Helper()
	req, err := http.NewRequest(method, m.base+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	require.Equal(t, want, resp.StatusCode, "%s %s: %s", method, path, raw)
	var out map[string]any
	require.NoError(t, json.Unmarshal(raw, &out), "%s", raw)
	return out
}

// upload sends a file to a collection and returns the job id.
func (m *member) upload(t *testing.T, collection, name string, content []byte) string {
	t.Helper()
	id, err := m.tryUpload(collection, name, content)
	require.NoError(t, err)
	return id
}

// jobEvent is a job_updates message's data.
type jobEvent struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Progress int    `json:"progress"`
	Message  string `json:"message"`
}

// watchJobs opens a WebSocket to base and subscribes to job updates; the
// events arrive on the returned channel.
func watchJobs(t *testing.T, base, token string) <-chan jobEvent {
	t.Helper()
	return watch(t, base, token, "job_updates")
}

// watch subscribes to a channel (job_updates, crawl_run_updates).
func watch(t *testing.T, base, token, channel string) <-chan jobEvent {
	t.Helper()
	return watchChannel[jobEvent](t, base, token, channel)
}

// watchChannel opens a WebSocket to base, subscribes to channel and sends
// each message's data, decoded as T, on the returned channel.
func watchChannel[T any](t *testing.T, base, token, channel string) <-chan T {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(base, "http")+"/api/v1/ws",
		&websocket.DialOptions{Subprotocols: []string{"agora", "auth_" + token}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = ws.CloseNow() })
	require.Equal(t, "agora", ws.Subprotocol())
	for _, msg := range []string{`{"type":"subscribe","data":{"channel":"` + channel + `"}}`, `{"type":"ping"}`} {
		require.NoError(t, ws.Write(ctx, websocket.MessageText, []byte(msg)))
	}
	_, pong, err := ws.Read(ctx)
	require.NoError(t, err)
	require.JSONEq(t, `{"type":"pong"}`, string(pong), "the subscription was answered in order")

	events := make(chan T, 1024)
	go func() {
		defer close(events)
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var m struct {
				Type string
				Data T
			}
			if json.Unmarshal(data, &m) == nil && m.Type == channel {
				events <- m.Data
			}
		}
	}()
	return events
}

// TestKnowledgeThroughTheRealProcesses uploads a PDF, a DOCX, an XLSX and
// an HTML page to one API process, watches the worker process's progress
// arrive over a WebSocket held by another API process, then asks the
// assistant a question only the PDF answers.
func TestKnowledgeThroughTheRealProcesses(t *testing.T) {
	s := newStack(t)
	s.worker(t)
	uploads, watcher := s.api(t), s.api(t)
	m := newMember(t, uploads)
	events := watchJobs(t, watcher, m.token)

	docs := map[string][]byte{
		"permits.pdf":  testkit.PDF(false, "Residents apply for parking permits online.", "A parking permit costs 500 kronor a month."),
		"schools.docx": testkit.DOCX("School meals are free for every pupil.", "Menus are published each Friday."),
		"fees.xlsx":    testkit.XLSX([]string{"Service", "Fee"}, []string{"Library card replacement", "20 kronor"}),
		"waste.html":   []byte("<html><head><title>Waste</title></head><body><h1>Recycling</h1><p>Glass goes to the green containers.</p></body></html>"),
	}
	jobs := map[string]string{}
	for name, content := range docs {
		jobs[m.upload(t, m.collection, name, content)] = name
	}

	seen := map[string][]jobEvent{}
	deadline := time.After(2 * time.Minute)
	for done := 0; done < len(jobs); {
		select {
		case e, ok := <-events:
			require.True(t, ok, "the WebSocket closed early")
			if _, ours := jobs[e.ID]; !ours {
				continue
			}
			seen[e.ID] = append(seen[e.ID], e)
			require.NotEqual(t, "failed", e.Status, "%s: %s", jobs[e.ID], e.Message)
			if e.Status == "complete" {
				done++
			}
		case <-deadline:
			t.Fatalf("not every job completed; events so far: %+v", seen)
		}
	}
	for id, name := range jobs {
		var steps []int
		for _, e := range seen[id] {
			if e.Status == "in_progress" {
				steps = append(steps, e.Progress)
			}
		}
		require.NotEmpty(t, steps, "%s: progress arrived over the WebSocket", name)
		require.Equal(t, 100, seen[id][len(seen[id])-1].Progress, "%s ends at 100 %%", name)
		require.Equal(t, "complete", m.do(t, http.MethodGet, "/api/v1/jobs/"+id+"/", "", http.StatusOK)["status"])
	}

	assistant := m.do(t, http.MethodPost, "/api/v1/assistants/",
		`{"name":"Clerk","space_id":"`+m.space+`","prompt":{"text":"Answer from the documents."},"groups":[{"id":"`+m.collection+`"}]}`,
		http.StatusCreated)["id"].(string)
	done := ask(t, watcher, m.token, assistant, "What does a parking permit cost?")
	require.Contains(t, done.Answer, "500 kronor")
	require.NotEmpty(t, done.References)
	for _, r := range done.References {
		require.Equal(t, "permits.pdf", r.Title, "only the document holding the answer is cited")
	}
	require.Contains(t, done.References[0].Chunk.Text, "500 kronor")
}

type answer struct {
	Answer     string
	References []struct {
		Title string
		Chunk struct{ Text string }
	}
}

// ask streams a question and returns the done event, requiring text
// events before it.
func ask(t *testing.T, base, token, assistant, question string) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/conversations/", strings.NewReader(
		`{"assistant_id":"`+assistant+`","question":"`+question+`","stream":true}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Contains(t, resp.Header.Get("Content-Type"), "text/event-stream")
	var done answer
	event, texts := "", 0
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			event = name
			if name == "text" {
				texts++
			}
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok {
			require.NotEqual(t, "error", event, "%s", data)
			if event == "done" {
				require.NoError(t, json.Unmarshal([]byte(data), &done))
			}
		}
	}
	require.Positive(t, texts, "the answer streamed")
	return done
}

// TestKilledWorkerLeavesNoHalfWrittenDocument kills the worker process in
// the middle of a large document: after a restart the job completes and
// the document has exactly as many chunks as a clean run gives it.
func TestKilledWorkerLeavesNoHalfWrittenDocument(t *testing.T) {
	s := newStack(t, "JOB_HEARTBEAT=250ms", "CHUNK_TOKENS=100", "CHUNK_OVERLAP=10", "EMBED_BATCH=8")
	base := s.api(t)
	m := newMember(t, base)
	doc := largeDocument(1500)

	w := s.worker(t)
	began := time.Now()
	clean := m.upload(t, m.collection, "handbook.md", doc)
	m.waitJob(t, clean, "complete")
	t.Logf("clean run: %d chunks in %s", m.chunks(t, clean), time.Since(began).Round(time.Millisecond))

	killed := m.upload(t, m.newCollection(t, "Copy"), "handbook.md", doc)
	require.Eventually(t, func() bool {
		p := m.do(t, http.MethodGet, "/api/v1/jobs/"+killed+"/", "", http.StatusOK)["progress"].(float64)
		return p >= 20 && p <= 80
	}, time.Minute, 20*time.Millisecond, "the job never got to the middle")
	require.NoError(t, w.cmd.Process.Kill())
	<-w.done
	w.stopped = true
	require.Zero(t, m.chunks(t, killed), "nothing is written before the document is whole")

	s.worker(t)
	m.waitJob(t, killed, "complete")
	want := m.chunks(t, clean)
	require.Greater(t, want, 500)
	require.Equal(t, want, m.chunks(t, killed))
}

// largeDocument is a markdown handbook of n distinct paragraphs.
func largeDocument(n int) []byte {
	var b strings.Builder
	topics := []string{"parking", "schools", "libraries", "waste", "harbours", "permits", "elderly care", "snow clearing"}
	for i := range n {
		topic := topics[i%len(topics)]
		fmt.Fprintf(&b, "## Rule %d on %s\n\nRule %d says that %s requests numbered %d are answered within %d days by the %s office, "+
			"and that residents may appeal decision %d within %d weeks to the municipal board.\n\n",
			i, topic, i, topic, i*7, i%30+1, topic, i*13, i%8+1)
	}
	return []byte(b.String())
}

func (m *member) waitJob(t *testing.T, id, status string) {
	t.Helper()
	var last map[string]any
	require.Eventually(t, func() bool {
		last = m.do(t, http.MethodGet, "/api/v1/jobs/"+id+"/", "", http.StatusOK)
		require.NotEqual(t, "failed", last["status"], "%v", last)
		return last["status"] == status
	}, 3*time.Minute, 100*time.Millisecond, "job %s never became %s: %v", id, status, last)
}

// chunks counts the rows of the document a job ingested.
func (m *member) chunks(t *testing.T, job string) int {
	t.Helper()
	var n int
	require.NoError(t, testkit.DB(t).NewRaw(
		"SELECT count(*) FROM chunks c JOIN info_blobs b ON b.id = c.info_blob_id WHERE b.job_id = ?", job).Scan(context.Background(), &n))
	return n
}
