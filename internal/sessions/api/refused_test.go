package api_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestRefusedProviderAddressIsExplainedNotRetried: the tenant's provider
// was saved while its address was allowed; then the operator's
// FETCH_ALLOWED_HOSTS no longer covers it (as when its name starts
// resolving to an inside address). Chat, streamed or not, and /v1 say that
// the address is refused by the fetch guard and name FETCH_ALLOWED_HOSTS,
// instead of "try again later"; the provider is never called.
func TestRefusedProviderAddressIsExplainedNotRetried(t *testing.T) {
	t.Parallel()
	w := newOpenAI(t, testkit.Reply{Tokens: []string{"never"}})
	cfg := w.e.App.Config
	cfg.FetchAllowedHosts = nil
	strict := apptest.With(t, cfg)
	srv := httptest.NewServer(strict.H)
	t.Cleanup(srv.Close)
	call := func(path, body, credential string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+credential)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		t.Cleanup(func() { resp.Body.Close() })
		return resp
	}
	explained := func(what, msg string) {
		t.Helper()
		require.Equal(t, ai.RefusedMessage, msg, what)
		require.Contains(t, msg, "FETCH_ALLOWED_HOSTS", what)
		require.NotContains(t, msg, "try again later", what)
	}

	resp := call("/api/v1/conversations/", `{"assistant_id":"`+w.assistant+`","question":"q","stream":true}`, w.token)
	evs := events(t, resp.Body)
	require.NotEmpty(t, evs)
	last := evs[len(evs)-1]
	require.Equal(t, "error", last.name)
	require.Equal(t, "unavailable", last.data["error_code"])
	explained("streamed chat", last.data["error"].(string))

	resp = call("/api/v1/assistants/"+w.assistant+"/sessions/", `{"question":"q"}`, w.token)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	explained("chat", decode[struct{ Message, Code string }](t, resp).Message)

	resp = call("/v1/chat/completions", `{"model":"`+w.model+`","messages":[{"role":"user","content":"x"}]}`, w.key)
	require.Equal(t, http.StatusServiceUnavailable, resp.StatusCode)
	var oa struct {
		Error struct{ Message, Type string } `json:"error"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&oa))
	explained("/v1", oa.Error.Message)

	resp = call("/v1/chat/completions", `{"model":"`+w.model+`","stream":true,"messages":[{"role":"user","content":"x"}]}`, w.key)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	require.Contains(t, string(body), ai.RefusedMessage, "streamed /v1: %s", body)

	require.Zero(t, w.fake.Calls.Load(), "the refused provider was never called")
}
