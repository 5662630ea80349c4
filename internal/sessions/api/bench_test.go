package api_test

import (
	"bufio"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// streamOnce posts a streamed chat completion and reads it to the end.
func streamOnce(b *testing.B, url, auth, body string) {
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	req.Header.Set("Authorization", auth)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(resp.Body)
		b.Fatalf("%s: %s", resp.Status, raw)
	}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
	}
}

// BenchmarkOpenAIStream is one streamed /v1/chat/completions of five tokens
// through Agora (authentication, rate limits, model resolution, the router,
// re-encoding every chunk); BenchmarkOpenAIStreamDirect is the same request
// straight to the fake upstream. Their difference is what Agora costs per
// request; cmd/chatbench measures the same under concurrency.
func BenchmarkOpenAIStream(b *testing.B) {
	w := newOpenAI(b, testkit.Reply{Tokens: []string{"a", "b", "c", "d", "e"}, Usage: [2]int{5, 5}})
	// The same installation with the request budgets lifted.
	cfg := w.e.App.Config
	cfg.QuestionsPerUser, cfg.QuestionsPerTenant, cfg.RateLimitPerKey, cfg.RateLimitPerTenant = 0, 0, 1<<30, 1<<30
	srv := httptest.NewServer(apptest.With(b, cfg).H)
	b.Cleanup(srv.Close)
	body := `{"model":"` + w.model + `","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`
	b.ReportAllocs()
	for b.Loop() {
		streamOnce(b, srv.URL+"/v1/chat/completions", "Bearer "+w.key, body)
	}
}

func BenchmarkOpenAIStreamDirect(b *testing.B) {
	fake := testkit.NewFakeAI(b, testkit.Reply{Tokens: []string{"a", "b", "c", "d", "e"}, Usage: [2]int{5, 5}})
	body := `{"model":"gpt-fake","stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":"hi"}]}`
	b.ReportAllocs()
	for b.Loop() {
		streamOnce(b, fake.URL()+"/chat/completions", "Bearer sk-upstream", body)
	}
}
