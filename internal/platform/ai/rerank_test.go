package ai_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func TestRerankScoresEveryDocumentInItsOrderAndFailsOver(t *testing.T) {
	t.Parallel()
	dead := testkit.NewFakeAI(t, testkit.Reply{Status: http.StatusServiceUnavailable})
	live := testkit.NewFakeAI(t)
	r := router(&sleeps{}, ai.RouterOptions{Attempts: 1})
	req := ai.RerankRequest{Model: "bge", Query: "harbour fee", Documents: []string{"parks", "the harbour fee is 250", "harbour"}}
	res, err := r.Rerank(context.Background(), []ai.Endpoint{ep("dead", dead, 0), ep("live", live, 1)}, req)
	require.NoError(t, err)
	require.Equal(t, []float64{0, 1, 0.5}, res.Scores, "scores in the request's order, though the server answers best first")
	require.Equal(t, 30, res.Tokens)
	require.Equal(t, "harbour fee", live.Requests[0]["query"])
	require.EqualValues(t, 3, live.Requests[0]["top_n"])

	_, err = r.Rerank(context.Background(), []ai.Endpoint{{Name: "claude", Type: "anthropic"}}, req)
	require.ErrorContains(t, err, "the anthropic provider cannot rerank")
}

func TestRerankRefusesAnAnswerThatLeavesADocumentOut(t *testing.T) {
	t.Parallel()
	for body, want := range map[string]string{
		`{"results":[{"index":0,"relevance_score":0.5}]}`:                                   "no score for document 1",
		`{"results":[{"index":0,"relevance_score":0.5},{"index":7,"relevance_score":0.1}]}`: "bad result (index 7)",
		`{"results":[{"index":0,"relevance_score":0.5},{"index":1}]}`:                       "bad result (index 1)",
		`not json`: "malformed rerank response",
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(body)) }))
		t.Cleanup(srv.Close)
		r := router(&sleeps{}, ai.RouterOptions{Attempts: 1})
		_, err := r.Rerank(context.Background(), []ai.Endpoint{{Name: "x", Type: "vllm", BaseURL: srv.URL}}, ai.RerankRequest{Model: "m", Query: "q", Documents: []string{"a", "b"}})
		require.ErrorContains(t, err, want, body)
	}
}
