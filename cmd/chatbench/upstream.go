package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// holdMarker in a question makes the upstream stop after the first token
// until release is called: the open-streams phase uses it.
const holdMarker = "[hold]"

// upstream is a scripted OpenAI-compatible server: every chat completion
// streams the same tokens after the same time to first token.
type upstream struct {
	ttft, gap time.Duration
	tokens    int
	srv       *http.Server
	url       string

	mu    sync.Mutex
	hold  chan struct{}
	times map[string]upTimes
}

// upTimes is what the upstream itself spent on one request: from having
// read it to the first token, and to the end, as written to the socket.
type upTimes struct {
	ttft, total time.Duration
}

// tagPrefix marks the request id inside a question, so the upstream can
// tell which request it is answering.
const tagPrefix = "req-"

func tagOf(body []byte) string {
	i := bytes.Index(body, []byte(tagPrefix))
	if i < 0 {
		return ""
	}
	j := i + len(tagPrefix)
	for j < len(body) && (body[j] == '-' || body[j] >= '0' && body[j] <= '9') {
		j++
	}
	return string(body[i:j])
}

func (u *upstream) record(tag string, t upTimes) {
	if tag == "" {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.times[tag] = t
}

// forget drops what was recorded so far (warm-up requests).
func (u *upstream) forget() {
	u.mu.Lock()
	defer u.mu.Unlock()
	clear(u.times)
}

// took returns and forgets what the upstream spent on a request.
func (u *upstream) took(tag string) (upTimes, bool) {
	u.mu.Lock()
	defer u.mu.Unlock()
	t, ok := u.times[tag]
	delete(u.times, tag)
	return t, ok
}

func startUpstream(ttft, gap time.Duration, tokens int) (*upstream, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("upstream listen: %w", err)
	}
	u := &upstream{ttft: ttft, gap: gap, tokens: tokens, hold: make(chan struct{}), url: "http://" + ln.Addr().String(),
		times: map[string]upTimes{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", u.chat)
	u.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = u.srv.Serve(ln) }()
	return u, nil
}

// release lets every held stream finish and arms a new hold.
func (u *upstream) release() {
	u.mu.Lock()
	defer u.mu.Unlock()
	close(u.hold)
	u.hold = make(chan struct{})
}

func (u *upstream) holdChan() chan struct{} {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.hold
}

var (
	tokenChunk = []byte(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":0,"model":"bench","choices":[{"index":0,"delta":{"content":"tok "},"finish_reason":null}]}` + "\n\n")
	stopChunk  = []byte(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":0,"model":"bench","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}` + "\n\n")
	doneLine   = []byte("data: [DONE]\n\n")
)

func (u *upstream) chat(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	start := time.Now()
	var first time.Duration
	held := bytes.Contains(body, []byte(holdMarker))
	hold := u.holdChan()
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	if !wait(r, u.ttft, nil) {
		return
	}
	for i := range u.tokens {
		if _, err := w.Write(tokenChunk); err != nil || rc.Flush() != nil {
			return
		}
		if i == 0 {
			first = time.Since(start)
		}
		if i == 0 && held {
			if !wait(r, 0, hold) {
				return
			}
		}
		if i < u.tokens-1 && !wait(r, u.gap, nil) {
			return
		}
	}
	usage := fmt.Sprintf(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":0,"model":"bench","choices":[],"usage":{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}}`+"\n\n",
		len(body)/4, u.tokens, len(body)/4+u.tokens)
	_, _ = w.Write(stopChunk)
	_, _ = io.WriteString(w, usage)
	_, _ = w.Write(doneLine)
	_ = rc.Flush()
	u.record(tagOf(body), upTimes{ttft: first, total: time.Since(start)})
}

// wait sleeps d, or until hold closes when hold is set; false when the
// client went away first.
func wait(r *http.Request, d time.Duration, hold chan struct{}) bool {
	if hold == nil && d <= 0 {
		return true
	}
	var timer <-chan time.Time
	if hold == nil {
		t := time.NewTimer(d)
		defer t.Stop()
		timer = t.C
	}
	select {
	case <-timer:
		return true
	case <-hold:
		return true
	case <-r.Context().Done():
		return false
	}
}
