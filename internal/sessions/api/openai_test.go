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
