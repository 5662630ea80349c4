package ai_test

import (
	"context"
	"errors"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/agora-platform/agora/internal/platform/prompt"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

func drain(t *testing.T, s ai.Stream) (string, ai.Chunk, error) {
	t.Helper()
	var b strings.Builder
	var last ai.Chunk
	for {
		c, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return b.String(), last, nil
		}
		if err != nil {
			return b.String(), last, err
		}
		b.WriteString(c.Delta)
		if c.FinishReason != "" || c.Usage != nil {
			last = c
		}
	}
}

func TestOpenAIStreamsDeltasAndUsage(t *testing.T) {
	t.Parallel()
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"Hej", " från", " Sundsvall"}, Usage: [2]int{12, 3}})
	ep := ai.Endpoint{Name: "fake", Type: "openai", BaseURL: fake.URL(), APIKey: "sk-test"}
	temp := 0.3
	s, err := ai.OpenAI{HTTP: http.DefaultClient}.Chat(context.Background(), ep, ai.ChatRequest{Model: "gpt-x",
		Messages: []ai.Message{{Role: ai.System, Content: "be brief"}, {Role: ai.User, Content: "hi"}}, Temperature: &temp})
	require.NoError(t, err)
	defer s.Close()
	text, last, err := drain(t, s)
	require.NoError(t, err)
	require.Equal(t, "Hej från Sundsvall", text)
	require.Equal(t, &ai.Usage{PromptTokens: 12, CompletionTokens: 3}, last.Usage)
	require.Equal(t, "Bearer sk-test", fake.Headers[0].Get("Authorization"))
	require.Equal(t, "gpt-x", fake.Requests[0]["model"])
	require.Equal(t, 0.3, fake.Requests[0]["temperature"])
	require.Equal(t, map[string]any{"include_usage": true}, fake.Requests[0]["stream_options"])
}

func TestOpenAIErrorsAreClassified(t *testing.T) {
	t.Parallel()
	cases := []struct {
		rep   testkit.Reply
		kind  ai.Kind
		retry time.Duration
	}{
		{testkit.Reply{Status: 401}, ai.KindAuth, 0},
		{testkit.Reply{Status: 429, RetryAfter: "2"}, ai.KindRateLimited, 2 * time.Second},
		{testkit.Reply{Status: 429, ErrorBody: `{"error":{"message":"You exceeded your current quota","code":"insufficient_quota"}}`}, ai.KindQuota, 0},
		{testkit.Reply{Status: 400, ErrorBody: `{"error":{"message":"This model's maximum context length is 8192 tokens","code":"context_length_exceeded"}}`}, ai.KindContextLength, 0},
		{testkit.Reply{Status: 400, ErrorBody: `{"error":{"message":"filtered","code":"content_filter"}}`}, ai.KindContentFilter, 0},
		{testkit.Reply{Status: 503}, ai.KindUnavailable, 0},
		{testkit.Reply{Status: 422}, ai.KindBadRequest, 0},
	}
	for _, c := range cases {
		fake := testkit.NewFakeAI(t, c.rep)
		_, err := ai.OpenAI{HTTP: http.DefaultClient}.Chat(context.Background(), ai.Endpoint{Name: "fake", BaseURL: fake.URL()}, ai.ChatRequest{Model: "m"})
		e, ok := ai.AsError(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, c.kind, e.Kind, "status %d", c.rep.Status)
		require.Equal(t, c.retry, e.RetryAfter)
	}
	_, err := ai.OpenAI{HTTP: http.DefaultClient}.Chat(context.Background(), ai.Endpoint{Name: "dead", BaseURL: "http://127.0.0.1:1/v1"}, ai.ChatRequest{})
	e, ok := ai.AsError(err)
	require.True(t, ok)
	require.Equal(t, ai.KindUnavailable, e.Kind)
	require.True(t, e.Retryable())
}

func TestOpenAIMidStreamBreakIsAnError(t *testing.T) {
	t.Parallel()
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"a", "b", "c", "d"}, BreakAfter: 2})
	s, err := ai.OpenAI{HTTP: http.DefaultClient}.Chat(context.Background(), ai.Endpoint{Name: "fake", BaseURL: fake.URL()}, ai.ChatRequest{Model: "m"})
	require.NoError(t, err)
	text, _, err := drain(t, s)
	require.Equal(t, "ab", text)
	e, ok := ai.AsError(err)
	require.True(t, ok, "%v", err)
	require.Equal(t, ai.KindUnavailable, e.Kind)
}

func TestOpenAIEmbeddings(t *testing.T) {
	t.Parallel()
	fake := testkit.NewFakeAI(t)
	res, err := ai.OpenAI{HTTP: http.DefaultClient}.Embed(context.Background(), ai.Endpoint{Name: "fake", BaseURL: fake.URL()},
		ai.EmbedRequest{Model: "e", Inputs: []string{"a", "bbb"}})
	require.NoError(t, err)
	require.Equal(t, [][]float32{{1, 1, 0}, {3, 1, 1}}, res.Vectors)
}

func TestAzureURLAndKey(t *testing.T) {
	t.Parallel()
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"ok"}})
	ep := ai.Endpoint{Name: "az", Type: "azure", BaseURL: fake.Server.URL, APIKey: "az-key", APIVersion: "2024-10-21", Deployment: "gpt4o"}
	topP := 0.5
	s, err := ai.Azure{HTTP: http.DefaultClient}.Chat(context.Background(), ep, ai.ChatRequest{Messages: []ai.Message{{Role: ai.User, Content: "x"}},
		TopP: &topP, Stop: []string{"END"}})
	require.NoError(t, err)
	text, _, err := drain(t, s)
	require.NoError(t, err)
	require.Equal(t, "ok", text)
	require.Equal(t, 0.5, fake.Requests[0]["top_p"])
	require.Equal(t, []any{"END"}, fake.Requests[0]["stop"])
	require.Equal(t, "az-key", fake.Headers[0].Get("api-key"))
	require.Empty(t, fake.Headers[0].Get("Authorization"))

	var seen string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = r.URL.String()
		w.WriteHeader(http.StatusUnauthorized)
	}))
	defer srv.Close()
	ep.BaseURL = srv.URL
	_, err = ai.Azure{HTTP: http.DefaultClient}.Chat(context.Background(), ep, ai.ChatRequest{})
	require.Error(t, err)
	require.Equal(t, "/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21", seen)
}

// anthropicFake speaks the Messages API's streaming events.
func anthropicFake(t *testing.T, events string, check func(r *http.Request, body string)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		check(r, string(b))
		w.Header().Set("Content-Type", "text/event-stream")
		_, _ = w.Write([]byte(events))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAnthropicStreams(t *testing.T) {
	t.Parallel()
	events := "event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"usage\":{\"input_tokens\":25}}}\n\n" +
		"event: ping\ndata: {\"type\":\"ping\"}\n\n" +
		"event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Hello\"}}\n\n" +
		"event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\" there\"}}\n\n" +
		"event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n" +
		"event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"max_tokens\"},\"usage\":{\"output_tokens\":2}}\n\n" +
		"event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n"
	srv := anthropicFake(t, events, func(r *http.Request, body string) {
		require.Equal(t, "/v1/messages", r.URL.Path)
		require.Equal(t, "ak", r.Header.Get("x-api-key"))
		require.Equal(t, ai.AnthropicVersion, r.Header.Get("anthropic-version"))
		require.Contains(t, body, `"system":"rules"`)
		require.Contains(t, body, `"max_tokens":4096`)
		require.NotContains(t, body, `"role":"system"`)
		require.Contains(t, body, `"top_p":0.9`)
		require.Contains(t, body, `"stop_sequences":["END"]`)
		require.NotContains(t, body, `penalty`, "the Messages API has no penalties")
	})
	topP, penalty := 0.9, 0.5
	s, err := ai.Anthropic{HTTP: http.DefaultClient}.Chat(context.Background(), ai.Endpoint{Name: "an", BaseURL: srv.URL, APIKey: "ak"},
		ai.ChatRequest{Model: "claude", Messages: []ai.Message{{Role: ai.System, Content: "rules"}, {Role: ai.User, Content: "hi"}},
			TopP: &topP, Stop: []string{"END"}, PresencePenalty: &penalty})
	require.NoError(t, err)
	text, last, err := drain(t, s)
	require.NoError(t, err)
	require.Equal(t, "Hello there", text)
	require.Equal(t, "length", last.FinishReason)
	require.Equal(t, &ai.Usage{PromptTokens: 25, CompletionTokens: 2}, last.Usage)

	overloaded := "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"
	srv = anthropicFake(t, overloaded, func(*http.Request, string) {})
	s, err = ai.Anthropic{HTTP: http.DefaultClient}.Chat(context.Background(), ai.Endpoint{Name: "an", BaseURL: srv.URL}, ai.ChatRequest{})
	require.NoError(t, err)
	_, _, err = drain(t, s)
	e, ok := ai.AsError(err)
	require.True(t, ok)
	require.Equal(t, ai.KindUnavailable, e.Kind)
	require.Contains(t, e.Msg, "Overloaded")
}

func TestLocalEmbedder(t *testing.T) {
	t.Parallel()
	res, err := ai.Local{}.Embed(context.Background(), ai.Endpoint{}, ai.EmbedRequest{Inputs: []string{
		"Parking permits are issued by the city", "The city issues parking permits", "Swimming pool opening hours"}})
	require.NoError(t, err)
	cos := func(a, b []float32) float64 {
		var s float64
		for i := range a {
			s += float64(a[i]) * float64(b[i])
		}
		return s
	}
	var norm float64
	for _, x := range res.Vectors[0] {
		norm += float64(x) * float64(x)
	}
	require.InDelta(t, 1, math.Sqrt(norm), 1e-6)
	require.Len(t, res.Vectors[0], ai.LocalDimensions)
	require.Greater(t, cos(res.Vectors[0], res.Vectors[1]), cos(res.Vectors[0], res.Vectors[2]))
	again := ai.LocalEmbed("Parking permits are issued by the city", ai.LocalDimensions)
	require.Equal(t, res.Vectors[0], again, "deterministic")
}

func TestLocalAnswererCitesTheMatchingPassage(t *testing.T) {
	t.Parallel()
	system := "Answer from the sources.\n" + prompt.Source(1, "Pools", "The pool opens at 7. Saunas are free.") + "\n" +
		prompt.Source(2, "Parking", "Parking permits cost 500 kronor per month. Apply online.")
	five := 5
	s, err := ai.Local{}.Chat(context.Background(), ai.Endpoint{}, ai.ChatRequest{Messages: []ai.Message{
		{Role: ai.System, Content: system}, {Role: ai.User, Content: "What does a parking permit cost?"}}})
	require.NoError(t, err)
	text, last, err := drain(t, s)
	require.NoError(t, err)
	require.Equal(t, "Parking permits cost 500 kronor per month [2].", text)
	require.Equal(t, "stop", last.FinishReason)

	s, _ = ai.Local{}.Chat(context.Background(), ai.Endpoint{}, ai.ChatRequest{MaxTokens: &five, Messages: []ai.Message{
		{Role: ai.System, Content: system}, {Role: ai.User, Content: "parking permits cost"}}})
	_, last, _ = drain(t, s)
	require.Equal(t, "length", last.FinishReason)

	s, _ = ai.Local{}.Chat(context.Background(), ai.Endpoint{}, ai.ChatRequest{Messages: []ai.Message{{Role: ai.User, Content: "Who won the match?"}}})
	text, _, _ = drain(t, s)
	require.Equal(t, ai.NoAnswer, text)
}

func TestLocalAnswererClampsLimitsAndHonoursStop(t *testing.T) {
	t.Parallel()
	system := prompt.Source(1, "Parking", "Parking permits cost 500 kronor per month. Apply online.")
	ask := func(req ai.ChatRequest) (string, ai.Chunk) {
		req.Messages = []ai.Message{{Role: ai.System, Content: system}, {Role: ai.User, Content: "What does a parking permit cost?"}}
		s, err := ai.Local{}.Chat(context.Background(), ai.Endpoint{}, req)
		require.NoError(t, err)
		text, last, err := drain(t, s)
		require.NoError(t, err)
		return text, last
	}
	for _, n := range []int{-1, math.MinInt, 0} {
		text, last := ask(ai.ChatRequest{MaxTokens: &n})
		require.Empty(t, text, "a limit of %d allows no words", n)
		require.Equal(t, "length", last.FinishReason)
		require.Zero(t, last.Usage.CompletionTokens)
	}
	big := math.MaxInt
	text, last := ask(ai.ChatRequest{MaxTokens: &big})
	require.Equal(t, "Parking permits cost 500 kronor per month [1].", text)
	require.Equal(t, "stop", last.FinishReason)

	text, last = ask(ai.ChatRequest{Stop: []string{"", "kronor", "month"}})
	require.Equal(t, "Parking permits cost 500 ", text, "the answer ends before the first stop sequence")
	require.Equal(t, "stop", last.FinishReason)
	text, _ = ask(ai.ChatRequest{Stop: []string{"Parking"}})
	require.Empty(t, text)
}

func TestLocalAnswererQuotesAttachmentsByName(t *testing.T) {
	t.Parallel()
	user := prompt.Attachment("fees & rules.md", "Library cards are free. A lost card costs 20 kronor.") + "\n\nWhat does a lost card cost?"
	s, err := ai.Local{}.Chat(context.Background(), ai.Endpoint{}, ai.ChatRequest{Messages: []ai.Message{{Role: ai.User, Content: user}}})
	require.NoError(t, err)
	text, _, err := drain(t, s)
	require.NoError(t, err)
	require.Equal(t, "A lost card costs 20 kronor [fees & rules.md].", text, "the attachment is a source, not part of the question")
}

func TestCountTokensOffline(t *testing.T) {
	t.Parallel()
	require.Equal(t, 2, ai.CountTokens("hello world"))
	require.Greater(t, ai.CountMessages([]ai.Message{{Role: ai.User, Content: "hello world"}}), 2)
}

// TestLocalAnswererQuotesPlainTextInTheQuestionsLanguage: quoted Markdown
// loses its markup (emphasis, a link's address, a table row's pipes: its
// cells are named by the header), headings and a table's rule line are
// never quoted, and with nothing to quote the answer is in the question's
// language.
func TestLocalAnswererQuotesPlainTextInTheQuestionsLanguage(t *testing.T) {
	t.Parallel()
	doc := "## Handläggningstider\n\n| Ärendetyp | Handläggningstid |\n|---|---|\n| **Bygglov**, enkelt ärende | 4 veckor |\n\n- Se [avgifterna](https://kommun.example/avgifter) för bygglov."
	ask := func(question string) string {
		t.Helper()
		s, err := ai.Local{}.Chat(context.Background(), ai.Endpoint{}, ai.ChatRequest{Messages: []ai.Message{
			{Role: ai.System, Content: prompt.Source(1, "Bygglov", doc)}, {Role: ai.User, Content: question}}})
		require.NoError(t, err)
		text, _, err := drain(t, s)
		require.NoError(t, err)
		return text
	}
	answer := ask("Hur lång är handläggningstiden för bygglov?")
	require.Contains(t, answer, "Ärendetyp: Bygglov, enkelt ärende; Handläggningstid: 4 veckor [1]", "a row is quoted as its header names it")
	require.Contains(t, answer, "Se avgifterna för bygglov [1]")
	require.NotContains(t, answer, "Handläggningstider [1]", "a heading answers nothing")
	for _, mark := range []string{"|", "**", "##", "---", "](", "- Se"} {
		require.NotContains(t, answer, mark)
	}
	require.Equal(t, ai.NoAnswerSwedish, ask("Vem vann matchen i går?"))
	require.Equal(t, ai.NoAnswer, ask("Who won the match yesterday?"))
}
