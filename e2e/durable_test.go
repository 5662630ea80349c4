package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestAKilledAPIKeepsTheAnswerItWasWriting kills the API process with
// SIGKILL while it streams an answer from a slow model. The session the
// client learnt of in the first event survives: after a restart it holds
// the question and the partial answer, marked interrupted, and the usage
// of what was written is recorded.
func TestAKilledAPIKeepsTheAnswerItWasWriting(t *testing.T) {
	s := newStack(t)
	addr := freeAddr(t)
	base := "http://" + addr
	env := append(s.env, "HTTP_ADDR="+addr, "PUBLIC_ORIGIN="+base)
	api := start(t, filepath.Join(s.bins, "api"), env)
	waitHealthy(t, base)
	m := newMember(t, base)

	words := make([]string, 200)
	for i := range words {
		words[i] = fmt.Sprintf("word%d ", i)
	}
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: words, Gap: 100 * time.Millisecond})
	resp, out := sysadmin(t, http.MethodPut, base+"/api/v1/sysadmin/tenants/"+m.tenant+"/credentials/openai",
		`{"api_key":"sk-upstream","endpoint":"`+fake.URL()+`"}`)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", out)
	m.enable(t, "completion-models", fmt.Sprintf(`{"name":"Slow %d","provider_type":"openai","provider_model":"gpt-slow","token_limit":8192}`, time.Now().UnixNano()))
	assistant := m.do(t, http.MethodPost, "/api/v1/assistants/",
		`{"name":"Storyteller","space_id":"`+m.space+`","prompt":{"text":"Tell long stories."}}`, http.StatusCreated)["id"].(string)

	req, err := http.NewRequest(http.MethodPost, base+"/api/v1/conversations/",
		strings.NewReader(`{"assistant_id":"`+assistant+`","question":"Tell me a long story.","stream":true}`))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Content-Type", "application/json")
	stream, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer stream.Body.Close()
	sc := bufio.NewScanner(stream.Body)
	var session string
	texts := 0
	for texts < 40 && sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e struct {
			SessionID string `json:"session_id"`
		}
		require.NoError(t, json.Unmarshal([]byte(data), &e))
		session = e.SessionID
		texts++
	}
	require.NotEmpty(t, session)
	require.Equal(t, 40, texts, "the answer was streaming")

	require.NoError(t, api.cmd.Process.Kill())
	<-api.done
	api.stopped = true

	api = start(t, filepath.Join(s.bins, "api"), env)
	t.Cleanup(func() { api.stop(t) })
	waitHealthy(t, base)
	var q struct {
		Status, Answer, Question string
	}
	require.Eventually(t, func() bool {
		got := m.do(t, http.MethodGet, "/api/v1/conversations/"+session+"/", "", http.StatusOK)
		qs := got["questions"].([]any)
		require.Len(t, qs, 1)
		b, _ := json.Marshal(qs[0])
		require.NoError(t, json.Unmarshal(b, &q))
		return q.Status == "interrupted"
	}, time.Minute, 200*time.Millisecond, "the answer of the killed process is marked interrupted (last seen %q)", q.Status)
	require.Equal(t, "Tell me a long story.", q.Question)
	require.True(t, strings.HasPrefix(q.Answer, "word0 word1 "), "the partial answer is kept: %q", q.Answer)
	require.NotContains(t, q.Answer, "word199", "the answer was cut off")

	usage := m.do(t, http.MethodGet, "/api/v1/token-usage/", "", http.StatusOK)
	b, _ := json.Marshal(usage)
	require.Contains(t, string(b), `"completion_tokens"`, "usage is recorded: %s", b)
	var rows struct {
		Items []struct {
			CompletionTokens int `json:"completion_tokens"`
		} `json:"items"`
	}
	require.NoError(t, json.Unmarshal(b, &rows))
	total := 0
	for _, r := range rows.Items {
		total += r.CompletionTokens
	}
	require.Positive(t, total, "the interrupted answer's tokens are counted: %s", b)
}

// waitHealthy waits for an API process to answer its liveness probe.
func waitHealthy(t *testing.T, base string) {
	t.Helper()
	require.Eventually(t, func() bool {
		resp, err := http.Get(base + "/api/healthz")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 60*time.Second, 100*time.Millisecond, "the API never started")
}
