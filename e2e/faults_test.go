package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// faultStack is the real API and worker on a PostgreSQL cluster and a
// redis-server of the test's own, which it stops and starts again.
type faultStack struct {
	pg    *testkit.PostgresServer
	redis *testkit.RedisServer
	owner *bun.DB
	base  string
}

func newFaultStack(t *testing.T) *faultStack {
	t.Helper()
	f := &faultStack{pg: testkit.StartPostgres(t), redis: testkit.StartRedis(t)}
	bins := build(t, "api", "worker", "agora")
	env := append(testkit.Env(t), "DATABASE_URL="+f.pg.AppURL(), "MIGRATION_DATABASE_URL="+f.pg.URL(),
		"REDIS_URL="+f.redis.URL(), "LOG_FORMAT=json", "SHUTDOWN_TIMEOUT=10s",
		// Quick heartbeats make the recovery sweep look for lost jobs often.
		"JOB_HEARTBEAT=250ms",
		// The chatters ask more questions a minute than a person would.
		"QUESTIONS_PER_MINUTE_PER_USER=0", "QUESTIONS_PER_MINUTE_PER_TENANT=0")
	migrate := exec.Command(filepath.Join(bins, "agora"), "migrate")
	migrate.Dir, migrate.Env = t.TempDir(), env
	out, err := migrate.CombinedOutput()
	require.NoError(t, err, "%s", out)
	owner, err := postgres.Open(t.Context(), f.pg.URL(), postgres.Options{MaxOpenConns: 2})
	require.NoError(t, err)
	t.Cleanup(func() { _ = owner.Close() })
	f.owner = owner
	s := &stack{bins: bins, env: env}
	f.base = s.api(t)
	s.worker(t)
	waitReady(t, f.base)
	return f
}

// readiness returns readyz's status code and checks.
func (f *faultStack) readiness(t *testing.T) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(f.base + "/api/readyz")
	require.NoError(t, err, "the API must keep answering")
	defer resp.Body.Close()
	var body struct{ Checks map[string]any }
	_ = json.NewDecoder(resp.Body).Decode(&body)
	return resp.StatusCode, body.Checks
}

// waitUnready waits until readyz answers 503 naming the service.
func (f *faultStack) waitUnready(t *testing.T, service string) {
	t.Helper()
	require.Eventually(t, func() bool {
		code, checks := f.readiness(t)
		return code == http.StatusServiceUnavailable && checks[service] != "ok"
	}, 30*time.Second, 100*time.Millisecond, "readyz never reported %s down", service)
}

// chatResult is one question's outcome as the client saw it.
type chatResult struct {
	code             int
	id, session, ans string
	body             string
}

// chatter asks questions one after another until stopped.
type chatter struct {
	mu      sync.Mutex
	results []chatResult
	stop    chan struct{}
	done    chan struct{}
}

func startChatting(m *member, assistant string, n int) *chatter {
	c := &chatter{stop: make(chan struct{}), done: make(chan struct{})}
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			for q := 0; ; q++ {
				select {
				case <-c.stop:
					return
				default:
				}
				r := m.chat(assistant, fmt.Sprintf("What does a parking permit cost? (%d.%d)", i, q))
				c.mu.Lock()
				c.results = append(c.results, r)
				c.mu.Unlock()
				time.Sleep(50 * time.Millisecond)
			}
		})
	}
	go func() { wg.Wait(); close(c.done) }()
	return c
}

func (c *chatter) finish() []chatResult {
	close(c.stop)
	<-c.done
	return c.results
}

// chat asks a question without streaming.
func (m *member) chat(assistant, question string) chatResult {
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodPost, m.base+"/api/v1/conversations/",
		strings.NewReader(`{"assistant_id":"`+assistant+`","question":"`+question+`","stream":false}`))
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return chatResult{code: -1, body: err.Error()}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := chatResult{code: resp.StatusCode, body: string(raw)}
	var a struct {
		ID        string `json:"id"`
		SessionID string `json:"session_id"`
		Answer    string `json:"answer"`
	}
	if json.Unmarshal(raw, &a) == nil {
		r.id, r.session, r.ans = a.ID, a.SessionID, a.Answer
	}
	return r
}

// TestTheSystemRidesOutRestartsOfItsServices restarts Redis and then
// PostgreSQL under the real API and worker during chats and a bulk
// ingestion. While a service is down, readyz answers 503 naming it, the
// API keeps answering with clear errors (chats go on without Redis: the
// rate limits fail open), and afterwards every job has completed once and
// every answer a client got is stored exactly once.
func TestTheSystemRidesOutRestartsOfItsServices(t *testing.T) {
	f := newFaultStack(t)
	m := newMember(t, f.base)
	m.waitJob(t, m.upload(t, m.collection, "permits.txt", []byte("A parking permit costs 500 kronor a year.")), "complete")
	assistant := m.do(t, http.MethodPost, "/api/v1/assistants/",
		`{"name":"Clerk","space_id":"`+m.space+`","prompt":{"text":"Answer from the documents."},"groups":[{"id":"`+m.collection+`"}]}`,
		http.StatusCreated)["id"].(string)

	var jobs []string
	bulk := func(phase string, n int) {
		for i := range n {
			name := fmt.Sprintf("%s-%02d.txt", phase, i)
			doc := append([]byte("# Handbook "+name+"\n\n"), largeDocument(40+i)...)
			jobs = append(jobs, m.upload(t, m.collection, name, doc))
		}
	}
	chats := startChatting(m, assistant, 3)

	// Redis: the queue and everything in it are gone, as after a crash.
	bulk("before-redis", 8)
	f.redis.Stop()
	f.waitUnready(t, "redis")
	bulk("without-redis", 3) // queued in PostgreSQL; the recovery sweep sends them
	r := m.chat(assistant, "What does a parking permit cost without Redis?")
	require.Equal(t, http.StatusOK, r.code, "chat goes on without Redis: %s", r.body)
	require.Contains(t, r.ans, "500 kronor")
	time.Sleep(time.Second)
	f.redis.Start()
	waitReady(t, f.base)

	// PostgreSQL: stopped at once, as in a crash, mid-ingestion.
	bulk("before-postgres", 8)
	time.Sleep(300 * time.Millisecond)
	f.pg.Stop()
	f.waitUnready(t, "database")
	r = m.chat(assistant, "What does a parking permit cost without a database?")
	require.Equal(t, http.StatusServiceUnavailable, r.code, "%s", r.body)
	require.Contains(t, r.body, "the database is unavailable right now")
	resp := m.raw(t, http.MethodGet, "/api/v1/spaces/")
	require.Equal(t, http.StatusServiceUnavailable, resp.code, "%s", resp.body)
	time.Sleep(time.Second)
	f.pg.Start()
	waitReady(t, f.base)
	time.Sleep(time.Second)
	results := chats.finish()

	for _, id := range jobs {
		m.waitJob(t, id, "complete")
	}
	f.requireIngestedOnce(t, m, len(jobs)+1)
	f.requireAnswersStoredOnce(t, m, results)
}

// raw sends a request as the member and returns what came back.
func (m *member) raw(t *testing.T, method, path string) chatResult {
	t.Helper()
	req, err := http.NewRequest(method, m.base+path, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+m.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return chatResult{code: resp.StatusCode, body: string(raw)}
}

// requireIngestedOnce checks each upload became one document whose chunks
// were written once.
func (f *faultStack) requireIngestedOnce(t *testing.T, m *member, uploads int) {
	t.Helper()
	var docs []struct {
		Title      string `bun:"title"`
		ChunkCount int    `bun:"chunk_count"`
		Chunks     int    `bun:"chunks"`
		Distinct   int    `bun:"distinct_no"`
	}
	require.NoError(t, f.owner.NewRaw(`SELECT b.title, b.chunk_count, count(c.id) AS chunks, count(DISTINCT c.chunk_no) AS distinct_no
		FROM info_blobs b LEFT JOIN chunks c ON c.info_blob_id = b.id WHERE b.collection_id = ? GROUP BY b.id`, m.collection).
		Scan(t.Context(), &docs))
	require.Len(t, docs, uploads, "one document per upload")
	for _, d := range docs {
		require.Positive(t, d.Chunks, d.Title)
		require.Equal(t, d.ChunkCount, d.Chunks, "%s: chunks written once", d.Title)
		require.Equal(t, d.Chunks, d.Distinct, d.Title)
	}
}

// requireAnswersStoredOnce checks every answer a client received is stored
// once, complete, and that no request failed with anything but a clear
// 503 while a service was down.
func (f *faultStack) requireAnswersStoredOnce(t *testing.T, m *member, results []chatResult) {
	t.Helper()
	ok, unavailable := 0, 0
	for _, r := range results {
		switch r.code {
		case http.StatusOK:
			ok++
			var stored []struct {
				Answer string `bun:"answer"`
				Status string `bun:"status"`
			}
			require.NoError(t, f.owner.NewRaw("SELECT answer, status FROM questions WHERE id = ? AND session_id = ?", r.id, r.session).
				Scan(t.Context(), &stored))
			require.Len(t, stored, 1, "answer %s of session %s", r.id, r.session)
			require.Equal(t, r.ans, stored[0].Answer)
			require.Equal(t, "complete", stored[0].Status)
		case http.StatusServiceUnavailable:
			unavailable++
			require.Contains(t, r.body, "unavailable", "a 503 says what is wrong")
		default:
			t.Fatalf("a chat got %d: %s", r.code, r.body)
		}
	}
	var complete int
	require.NoError(t, f.owner.NewRaw("SELECT count(*) FROM questions WHERE tenant_id = ? AND status = 'complete'", m.tenant).
		Scan(t.Context(), &complete))
	// The two questions asked directly above: one answered, one refused.
	require.Equal(t, ok+1, complete, "no answer stored twice")
	require.Positive(t, ok)
	t.Logf("chats during the restarts: %d answered, %d refused with 503", ok, unavailable)
}
