package ai_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/safehttp"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// sleeps records the router's waits instead of sleeping.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(_ context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return nil
}

func router(s *sleeps, o ai.RouterOptions) *ai.Router {
	o.Sleep = s.sleep
	return ai.NewRouter(http.DefaultClient, o)
}

func ep(name string, f *testkit.FakeAI, prio int) ai.Endpoint {
	return ai.Endpoint{Name: name, Type: "openai", BaseURL: f.URL(), Priority: prio, Timeout: 5 * time.Second}
}

func chat(t *testing.T, r *ai.Router, eps ...ai.Endpoint) (string, error) {
	t.Helper()
	s, err := r.Chat(context.Background(), eps, ai.ChatRequest{Model: "m", Messages: []ai.Message{{Role: ai.User, Content: "q"}}})
	if err != nil {
		return "", err
	}
	defer s.Close()
	text, _, err := drain(t, s)
	return text, err
}

func TestRetryAfterServerErrorThenSuccess(t *testing.T) {
	t.Parallel()
	f := testkit.NewFakeAI(t, testkit.Reply{Status: 500}, testkit.Reply{Tokens: []string{"fine"}})
	s := &sleeps{}
	text, err := chat(t, router(s, ai.RouterOptions{}), ep("a", f, 0))
	require.NoError(t, err)
	require.Equal(t, "fine", text)
	require.EqualValues(t, 2, f.Calls.Load())
	require.Len(t, s.d, 1)
	require.LessOrEqual(t, s.d[0], 200*time.Millisecond, "jittered backoff below the first ceiling")
}

func TestRetryAfterIsHonoured(t *testing.T) {
	t.Parallel()
	f := testkit.NewFakeAI(t, testkit.Reply{Status: 429, RetryAfter: "3"}, testkit.Reply{Tokens: []string{"later"}})
	s := &sleeps{}
	text, err := chat(t, router(s, ai.RouterOptions{}), ep("a", f, 0))
	require.NoError(t, err)
	require.Equal(t, "later", text)
	require.Equal(t, []time.Duration{3 * time.Second}, s.d)

	// A wait longer than allowed fails over instead.
	slow := testkit.NewFakeAI(t, testkit.Reply{Status: 429, RetryAfter: "600"})
	other := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"elsewhere"}})
	s = &sleeps{}
	text, err = chat(t, router(s, ai.RouterOptions{}), ep("slow", slow, 0), ep("other", other, 1))
	require.NoError(t, err)
	require.Equal(t, "elsewhere", text)
	require.Empty(t, s.d)
}

func TestDeadPrimaryFailsOverToSecondary(t *testing.T) {
	t.Parallel()
	secondary := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"from", " secondary"}})
	dead := ai.Endpoint{Name: "dead", Type: "openai", BaseURL: "http://127.0.0.1:1/v1", Priority: 0}
	text, err := chat(t, router(&sleeps{}, ai.RouterOptions{}), ep("secondary", secondary, 5), dead)
	require.NoError(t, err)
	require.Equal(t, "from secondary", text)
}

func TestNoRetryForRequestsThatCannotSucceed(t *testing.T) {
	t.Parallel()
	f := testkit.NewFakeAI(t, testkit.Reply{Status: 400, ErrorBody: `{"error":{"message":"maximum context length exceeded","code":"context_length_exceeded"}}`})
	other := testkit.NewFakeAI(t)
	_, err := chat(t, router(&sleeps{}, ai.RouterOptions{}), ep("a", f, 0), ep("b", other, 1))
	e, ok := ai.AsError(err)
	require.True(t, ok)
	require.Equal(t, ai.KindContextLength, e.Kind)
	require.EqualValues(t, 1, f.Calls.Load())
	require.Zero(t, other.Calls.Load(), "no failover for a request no endpoint can serve")
}

func TestBreakerOpensSkipsAndRecovers(t *testing.T) {
	t.Parallel()
	primary := testkit.NewFakeAI(t, testkit.Reply{Status: 503})
	secondary := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"b"}})
	r := router(&sleeps{}, ai.RouterOptions{Attempts: 1, BreakerFailures: 3, BreakerOpen: 300 * time.Millisecond})
	p, s := ep("primary", primary, 0), ep("secondary", secondary, 1)
	for range 3 {
		text, err := chat(t, r, p, s)
		require.NoError(t, err)
		require.Equal(t, "b", text)
	}
	require.EqualValues(t, 3, primary.Calls.Load())
	require.Equal(t, "open", r.BreakerState("primary"))

	_, err := chat(t, r, p, s)
	require.NoError(t, err)
	require.EqualValues(t, 3, primary.Calls.Load(), "an open breaker skips the primary")

	primary.Script(testkit.Reply{Tokens: []string{"a"}})
	time.Sleep(350 * time.Millisecond)
	require.Equal(t, "half-open", r.BreakerState("primary"))
	text, err := chat(t, r, p, s)
	require.NoError(t, err)
	require.Equal(t, "a", text, "the half-open trial goes to the primary")
	require.Equal(t, "closed", r.BreakerState("primary"))
}

func TestMidStreamFailureIsNotRetried(t *testing.T) {
	t.Parallel()
	f := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"par", "tial", "x", "y"}, BreakAfter: 2})
	text, err := chat(t, router(&sleeps{}, ai.RouterOptions{}), ep("a", f, 0))
	require.Error(t, err)
	require.Equal(t, "partial", text)
	require.EqualValues(t, 1, f.Calls.Load())
}

func TestFirstTokenTimeout(t *testing.T) {
	t.Parallel()
	slow := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"late"}, FirstToken: 2 * time.Second})
	fast := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"fast"}})
	p := ep("slow", slow, 0)
	p.Timeout = 100 * time.Millisecond
	text, err := chat(t, router(&sleeps{}, ai.RouterOptions{Attempts: 1}), p, ep("fast", fast, 1))
	require.NoError(t, err)
	require.Equal(t, "fast", text)
}

func TestCancelStopsTheUpstream(t *testing.T) {
	t.Parallel()
	f := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"a", "b", "c", "d", "e"}, Gap: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	s, err := ai.NewRouter(http.DefaultClient, ai.RouterOptions{}).Chat(ctx, []ai.Endpoint{ep("a", f, 0)}, ai.ChatRequest{Model: "m"})
	require.NoError(t, err)
	_, err = s.Recv()
	require.NoError(t, err)
	cancel()
	require.NoError(t, s.Close())
	require.Eventually(t, func() bool { return f.Cancelled.Load() == 1 }, 3*time.Second, 20*time.Millisecond, "the fake sees the client go")
}

func TestConcurrencyLimitQueues(t *testing.T) {
	t.Parallel()
	f := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"a", "b"}, Gap: 100 * time.Millisecond})
	e := ep("a", f, 0)
	e.MaxConcurrency = 1
	queues(t, ai.NewRouter(http.DefaultClient, ai.RouterOptions{}), e)
}

func TestDefaultConcurrencyLimitAppliesToEndpointsWithoutOne(t *testing.T) {
	t.Parallel()
	f := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"a", "b"}, Gap: 100 * time.Millisecond})
	queues(t, ai.NewRouter(http.DefaultClient, ai.RouterOptions{DefaultMaxConcurrency: 1}), ep("a", f, 0))
}

// queues checks that a second request to e waits while a first is open.
func queues(t *testing.T, r *ai.Router, e ai.Endpoint) {
	t.Helper()
	s1, err := r.Chat(context.Background(), []ai.Endpoint{e}, ai.ChatRequest{Model: "m"})
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err = r.Chat(ctx, []ai.Endpoint{e}, ai.ChatRequest{Model: "m"})
	require.Error(t, err, "the second request waits for the slot until its deadline")
	require.NoError(t, s1.Close())
	s2, err := r.Chat(context.Background(), []ai.Endpoint{e}, ai.ChatRequest{Model: "m"})
	require.NoError(t, err, "the slot is free again")
	require.NoError(t, s2.Close())
}

func TestEmbedFailsOver(t *testing.T) {
	t.Parallel()
	bad := testkit.NewFakeAI(t, testkit.Reply{Status: 503})
	good := testkit.NewFakeAI(t)
	res, err := router(&sleeps{}, ai.RouterOptions{Attempts: 1}).Embed(context.Background(),
		[]ai.Endpoint{ep("bad", bad, 0), ep("good", good, 1)}, ai.EmbedRequest{Inputs: []string{"x"}})
	require.NoError(t, err)
	require.Len(t, res.Vectors, 1)
}

// TestRefusedAddressSaysSoAndIsNotRetried: a provider whose address the
// fetch guard refuses (a loopback fake, not in the allow-list) fails at
// once with a reason that names FETCH_ALLOWED_HOSTS, is not retried, does
// not open its breaker, and the next endpoint is tried.
func TestRefusedAddressSaysSoAndIsNotRetried(t *testing.T) {
	t.Parallel()
	refused := testkit.NewFakeAI(t)
	good := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"ok"}})
	allow, err := safehttp.ParseAllowList([]string{good.Server.Listener.Addr().String()})
	require.NoError(t, err)
	client := &http.Client{Transport: &http.Transport{DialContext: allow.DialContext(5*time.Second, nil)}}
	s := &sleeps{}
	r := ai.NewRouter(client, ai.RouterOptions{Sleep: s.sleep, BreakerFailures: 2})

	for range 3 {
		_, err = chat(t, r, ep("refused", refused, 0))
		require.Error(t, err)
		e, ok := ai.AsError(err)
		require.True(t, ok, "%v", err)
		require.Equal(t, ai.KindRefused, e.Kind)
	}
	require.Zero(t, refused.Calls.Load(), "nothing reached the refused address")
	require.Empty(t, s.d, "a refused address is not retried")
	require.Equal(t, "closed", r.BreakerState("refused"), "a refusal is not the endpoint's trouble")

	kind, msg := errs.KindOf(ai.ClientError(err))
	require.Equal(t, errs.Unavailable, kind)
	require.Equal(t, ai.RefusedMessage, msg)
	require.Contains(t, msg, "refused by the fetch guard")
	require.Contains(t, msg, "FETCH_ALLOWED_HOSTS")
	require.NotContains(t, msg, "try again later")

	text, err := chat(t, r, ep("refused", refused, 0), ep("good", good, 1))
	require.NoError(t, err)
	require.Equal(t, "ok", text, "the next endpoint answers")

	_, err = r.Embed(context.Background(), []ai.Endpoint{ep("refused", refused, 0)}, ai.EmbedRequest{Inputs: []string{"x"}})
	_, msg = errs.KindOf(ai.ClientError(err))
	require.Equal(t, ai.RefusedMessage, msg)
	require.Empty(t, s.d, "embeddings do not retry it either")
}
