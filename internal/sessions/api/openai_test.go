package api_test

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// openAIWorld is a chat world plus a local embedding model and a user key.
type openAIWorld struct {
	*chat
	key       string
	model     string
	embedding string
}

func newOpenAI(t testing.TB, script ...testkit.Reply) *openAIWorld {
	t.Helper()
	c := newChat(t, script...)
	w := &openAIWorld{chat: c, model: c.modelName}
	w.embedding = "Local emb " + uuid.NewString()[:8]
	rec := c.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/embedding-models/", `{"name":"`+w.embedding+`","provider_type":"local","provider_model":"hash","dimensions":384}`)
	require.Equal(t, http.StatusCreated, rec.Code)
	id := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, c.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+c.tenant.String()+"/embedding-models/"+id+"/", `{"is_enabled":true}`).Code)
	rec = c.e.Do(http.MethodPost, "/api/v1/users/api-keys/", `{"name":"sdk","scopes":["write"]}`, c.token)
	require.Equal(t, http.StatusCreated, rec.Code)
	w.key = testkit.JSON[struct{ Key string }](t, rec).Key
	return w
}

func (w *openAIWorld) call(t *testing.T, method, path, body string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, w.srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+w.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func decode[T any](t *testing.T, resp *http.Response) T {
	t.Helper()
	var v T
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&v))
	return v
}

func TestOpenAIModelsAndNonStreamedChat(t *testing.T) {
	t.Parallel()
	w := newOpenAI(t, testkit.Reply{Tokens: []string{"Hello", " world"}, Usage: [2]int{9, 2}})
	models := decode[struct {
		Object string
		Data   []struct{ ID, Object, OwnedBy string }
	}](t, w.call(t, http.MethodGet, "/v1/models", ""))
	require.Equal(t, "list", models.Object)
	ids := map[string]bool{}
	for _, m := range models.Data {
		ids[m.ID] = true
		require.Equal(t, "model", m.Object)
	}
	require.True(t, ids[w.model] && ids[w.embedding])

	resp := w.call(t, http.MethodPost, "/v1/chat/completions", `{"model":"`+w.model+`","messages":[{"role":"developer","content":"be short"},{"role":"user","content":[{"type":"text","text":"hi"}]}]}`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	got := decode[map[string]any](t, resp)
	require.Equal(t, "chat.completion", got["object"])
	require.True(t, strings.HasPrefix(got["id"].(string), "chatcmpl-"))
	choice := got["choices"].([]any)[0].(map[string]any)
	require.Equal(t, map[string]any{"role": "assistant", "content": "Hello world"}, choice["message"])
	require.Equal(t, "stop", choice["finish_reason"])
	require.Equal(t, map[string]any{"prompt_tokens": 9.0, "completion_tokens": 2.0, "total_tokens": 11.0}, got["usage"])
	sent := w.fake.Requests[0]["messages"].([]any)
	require.Equal(t, "system", sent[0].(map[string]any)["role"], "developer messages become system messages")
}

func TestOpenAIStreamedChatWireFormat(t *testing.T) {
	t.Parallel()
	w := newOpenAI(t, testkit.Reply{Tokens: []string{"A", "B", "C"}, Usage: [2]int{5, 3}})
	resp := w.call(t, http.MethodPost, "/v1/chat/completions", `{"model":"`+w.model+`","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"x"}]}`)
	require.Equal(t, "text/event-stream", resp.Header.Get("Content-Type"))
	var lines []string
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if l := sc.Text(); l != "" {
			lines = append(lines, l)
		}
	}
	require.Equal(t, "data: [DONE]", lines[len(lines)-1])
	var content strings.Builder
	var finish string
	var usage map[string]any
	for i, l := range lines[:len(lines)-1] {
		require.True(t, strings.HasPrefix(l, "data: {"), l)
		var ch map[string]any
		require.NoError(t, json.Unmarshal([]byte(strings.TrimPrefix(l, "data: ")), &ch))
		require.Equal(t, "chat.completion.chunk", ch["object"])
		choices := ch["choices"].([]any)
		if len(choices) == 0 {
			usage = ch["usage"].(map[string]any)
			continue
		}
		delta := choices[0].(map[string]any)["delta"].(map[string]any)
		if i == 0 {
			require.Equal(t, "assistant", delta["role"])
		}
		if s, ok := delta["content"].(string); ok {
			content.WriteString(s)
		}
		if f, ok := choices[0].(map[string]any)["finish_reason"].(string); ok {
			finish = f
		}
	}
	require.Equal(t, "ABC", content.String())
	require.Equal(t, "stop", finish)
	require.Equal(t, 8.0, usage["total_tokens"])
	require.Eventually(t, func() bool {
		var got struct{ Prompt, Completion int }
		err := w.e.App.DB.NewSelect().Table("usage_records").ColumnExpr("prompt_tokens AS prompt, completion_tokens AS completion").
			Where("tenant_id = ?", w.tenant.UUID).Where("source = 'openai'").Scan(context.Background(), &got.Prompt, &got.Completion)
		return err == nil && got.Prompt == 5 && got.Completion == 3
	}, 5*time.Second, 20*time.Millisecond, "the usage is recorded after the stream ends")
}

func TestOpenAIEmbeddingsFloatAndBase64(t *testing.T) {
	t.Parallel()
	w := newOpenAI(t)
	got := decode[struct {
		Data []struct {
			Index     int
			Embedding []float32
		}
		Usage map[string]int
	}](t, w.call(t, http.MethodPost, "/v1/embeddings", `{"model":"`+w.embedding+`","input":["parking permit","library"]}`))
	require.Len(t, got.Data, 2)
	require.Len(t, got.Data[0].Embedding, 384)
	require.Positive(t, got.Usage["prompt_tokens"])

	b64 := decode[struct {
		Data []struct{ Embedding string }
	}](t, w.call(t, http.MethodPost, "/v1/embeddings", `{"model":"`+w.embedding+`","input":"parking permit","encoding_format":"base64"}`))
	raw, err := base64.StdEncoding.DecodeString(b64.Data[0].Embedding)
	require.NoError(t, err)
	require.Len(t, raw, 384*4)
	require.Equal(t, got.Data[0].Embedding[7], math.Float32frombits(binary.LittleEndian.Uint32(raw[28:])), "the same vector in base64")
}

func TestOpenAIErrorsAndKeyModelAllowList(t *testing.T) {
	t.Parallel()
	w := newOpenAI(t)
	resp := w.call(t, http.MethodPost, "/v1/chat/completions", `{"model":"no-such-model","messages":[{"role":"user","content":"x"}]}`)
	require.Equal(t, http.StatusNotFound, resp.StatusCode)
	body := decode[map[string]map[string]any](t, resp)
	require.Contains(t, body["error"]["message"], "does not exist")
	require.Equal(t, "not_found", body["error"]["code"])

	require.Equal(t, http.StatusBadRequest, w.call(t, http.MethodPost, "/v1/chat/completions", `{"model":"`+w.model+`","messages":[{"role":"tool","content":"x"}]}`).StatusCode)
	require.Equal(t, http.StatusBadRequest, w.call(t, http.MethodPost, "/v1/chat/completions", `{"model":"`+w.model+`","messages":[]}`).StatusCode)
	resp = w.call(t, http.MethodGet, "/v1/models", "")
	require.Equal(t, http.StatusOK, resp.StatusCode)
	noAuth, err := http.Get(w.srv.URL + "/v1/models")
	require.NoError(t, err)
	defer noAuth.Body.Close()
	require.Equal(t, http.StatusUnauthorized, noAuth.StatusCode)

	rec := w.e.Do(http.MethodPost, "/api/v1/users/api-keys/", `{"name":"limited","scopes":["write"],"models":["`+w.embedding+`"]}`, w.token)
	require.Equal(t, http.StatusCreated, rec.Code)
	w.key = testkit.JSON[struct{ Key string }](t, rec).Key
	models := decode[struct{ Data []struct{ ID string } }](t, w.call(t, http.MethodGet, "/v1/models", ""))
	require.Len(t, models.Data, 1)
	require.Equal(t, w.embedding, models.Data[0].ID)
	require.Equal(t, http.StatusNotFound, w.call(t, http.MethodPost, "/v1/chat/completions", `{"model":"`+w.model+`","messages":[{"role":"user","content":"x"}]}`).StatusCode,
		"the key is limited to the embedding model")
}

func TestOpenAISamplingSettingsAreChecked(t *testing.T) {
	t.Parallel()
	w := newOpenAI(t, testkit.Reply{Tokens: []string{"fine"}})
	chat := func(settings string) *http.Response {
		return w.call(t, http.MethodPost, "/v1/chat/completions", `{"model":"`+w.model+`","messages":[{"role":"user","content":"hi"}]`+settings+`}`)
	}
	for _, tc := range []struct {
		settings, param, says string
	}{
		{`,"max_tokens":-1`, "max_tokens", "max_tokens must be at least 1, not -1"},
		{`,"max_tokens":0`, "max_tokens", "at least 1"},
		{`,"max_tokens":8193`, "max_tokens", "at most the model's limit of 8192 tokens"},
		{`,"max_completion_tokens":-5`, "max_completion_tokens", "max_completion_tokens must be at least 1, not -5"},
		{`,"max_completion_tokens":1000000`, "max_completion_tokens", "the model's limit of 8192"},
		{`,"temperature":-3`, "temperature", "temperature must be between 0 and 2, not -3"},
		{`,"temperature":2.01`, "temperature", "between 0 and 2"},
		{`,"top_p":-0.1`, "top_p", "top_p must be between 0 and 1"},
		{`,"top_p":1.5`, "top_p", "top_p must be between 0 and 1"},
		{`,"n":0`, "n", "n must be 1"},
		{`,"n":2`, "n", "n must be 1"},
		{`,"n":-1`, "n", "n must be 1"},
		{`,"stop":["a","b","c","d","e"]`, "stop", "at most 4 sequences"},
		{`,"stop":[""]`, "stop", "stop[0] is empty"},
		{`,"stop":42`, "stop", "a string or an array"},
		{`,"stop":[1,2]`, "stop", "a string or an array"},
		{`,"presence_penalty":-2.5`, "presence_penalty", "presence_penalty must be between -2 and 2"},
		{`,"presence_penalty":3`, "presence_penalty", "between -2 and 2"},
		{`,"frequency_penalty":-100`, "frequency_penalty", "frequency_penalty must be between -2 and 2"},
		{`,"frequency_penalty":2.5`, "frequency_penalty", "between -2 and 2"},
	} {
		resp := chat(tc.settings)
		require.Equal(t, http.StatusBadRequest, resp.StatusCode, tc.settings)
		body := decode[map[string]map[string]any](t, resp)
		require.Equal(t, map[string]any{"message": body["error"]["message"], "type": "invalid_request_error", "param": tc.param, "code": "invalid"},
			body["error"], tc.settings)
		require.Contains(t, body["error"]["message"], tc.says, tc.settings)
	}
	require.Zero(t, w.fake.Calls.Load(), "nothing out of range reaches the provider")

	for _, settings := range []string{
		`,"max_tokens":1`, `,"max_tokens":8192`, `,"max_completion_tokens":1`, `,"max_completion_tokens":8192`,
		`,"temperature":0`, `,"temperature":2`, `,"top_p":0`, `,"top_p":1`, `,"n":1`, `,"stop":"\n"`, `,"stop":null`,
		`,"stop":["a","b","c","d"]`, `,"presence_penalty":-2,"frequency_penalty":2`,
	} {
		resp := chat(settings)
		require.Equal(t, http.StatusOK, resp.StatusCode, settings)
		got := decode[map[string]any](t, resp)
		require.Equal(t, "fine", got["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["content"], settings)
	}

	resp := chat(`,"temperature":0.5,"top_p":0.9,"max_completion_tokens":100,"stop":["END","STOP"],"presence_penalty":0.5,"frequency_penalty":-0.5`)
	require.Equal(t, http.StatusOK, resp.StatusCode)
	sent := w.fake.Requests[len(w.fake.Requests)-1]
	require.Equal(t, 0.5, sent["temperature"])
	require.Equal(t, 0.9, sent["top_p"])
	require.EqualValues(t, 100, sent["max_tokens"])
	require.Equal(t, []any{"END", "STOP"}, sent["stop"])
	require.Equal(t, 0.5, sent["presence_penalty"])
	require.Equal(t, -0.5, sent["frequency_penalty"])
}
