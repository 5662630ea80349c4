package testkit

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"
)

// Reply is one scripted answer of a FakeAI.
type Reply struct {
	// Status other than 200 answers with an OpenAI-style error body.
	Status     int
	RetryAfter string
	ErrorBody  string
	// Tokens are streamed one per chunk (or joined when not streaming).
	Tokens []string
	// FirstToken waits before the first chunk; Gap between chunks.
	FirstToken time.Duration
	Gap        time.Duration
	// BreakAfter cuts the stream after that many tokens (0: never).
	BreakAfter int
	Usage      [2]int
}

// FakeAI is an OpenAI-compatible upstream for tests: chat completions
// (stream and not), embeddings, transcriptions and rerank. Replies are taken from a script in order;
// the last one repeats. It records what it saw.
type FakeAI struct {
	Server *httptest.Server

	mu       sync.Mutex
	script   []Reply
	Requests []map[string]any
	Headers  []http.Header
	// Calls counts chat requests; Cancelled counts streams whose client
	// went away before the end.
	Calls     atomic.Int64
	Cancelled atomic.Int64
	// RerankScore scores a document for /rerank (nil: Overlap); set it
	// before the first request.
	RerankScore func(query, doc string) float64
}

// NewFakeAI starts a fake upstream stopped at the end of the test.
func NewFakeAI(t testing.TB, script ...Reply) *FakeAI {
	t.Helper()
	f := &FakeAI{script: script}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", f.chat)
	mux.HandleFunc("POST /v1/embeddings", f.embeddings)
	mux.HandleFunc("POST /openai/deployments/{dep}/chat/completions", f.chat)
	mux.HandleFunc("POST /openai/deployments/{dep}/embeddings", f.embeddings)
	mux.HandleFunc("POST /v1/rerank", f.rerank)
	mux.HandleFunc("POST /v1/audio/transcriptions", f.transcriptions)
	mux.HandleFunc("POST /openai/deployments/{dep}/audio/transcriptions", f.transcriptions)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Server.Close)
	return f
}

// URL is the base URL clients use ("…/v1").
func (f *FakeAI) URL() string { return f.Server.URL + "/v1" }

// Script replaces the remaining replies.
func (f *FakeAI) Script(replies ...Reply) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.script = replies
}

func (f *FakeAI) next(r *http.Request) (Reply, map[string]any) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	return f.take(body, r.Header), body
}

// take records a request and returns the next scripted reply.
func (f *FakeAI) take(seen map[string]any, h http.Header) Reply {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.Requests = append(f.Requests, seen)
	f.Headers = append(f.Headers, h.Clone())
	if len(f.script) == 0 {
		return Reply{Tokens: []string{"ok"}}
	}
	rep := f.script[0]
	if len(f.script) > 1 {
		f.script = f.script[1:]
	}
	return rep
}

func fail(w http.ResponseWriter, rep Reply) {
	if rep.RetryAfter != "" {
		w.Header().Set("Retry-After", rep.RetryAfter)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(rep.Status)
	body := rep.ErrorBody
	if body == "" {
		body = fmt.Sprintf(`{"error":{"message":"scripted failure %d","type":"server_error"}}`, rep.Status)
	}
	_, _ = w.Write([]byte(body))
}

func (f *FakeAI) chat(w http.ResponseWriter, r *http.Request) {
	f.Calls.Add(1)
	rep, body := f.next(r)
	if rep.Status != 0 && rep.Status != http.StatusOK {
		fail(w, rep)
		return
	}
	usage := map[string]int{"prompt_tokens": rep.Usage[0], "completion_tokens": rep.Usage[1], "total_tokens": rep.Usage[0] + rep.Usage[1]}
	if stream, _ := body["stream"].(bool); !stream {
		text := ""
		for _, tok := range rep.Tokens {
			text += tok
		}
		time.Sleep(rep.FirstToken)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"id": "chatcmpl-fake", "object": "chat.completion", "created": time.Now().Unix(),
			"model": body["model"], "choices": []map[string]any{{"index": 0, "message": map[string]string{"role": "assistant", "content": text}, "finish_reason": "stop"}},
			"usage": usage})
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	fl := w.(http.Flusher)
	send := func(v any) bool {
		b, _ := json.Marshal(v)
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		fl.Flush()
		return true
	}
	chunk := func(delta map[string]any, finish any) map[string]any {
		return map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": time.Now().Unix(), "model": body["model"],
			"choices": []map[string]any{{"index": 0, "delta": delta, "finish_reason": finish}}}
	}
	wait := func(d time.Duration) bool {
		select {
		case <-r.Context().Done():
			f.Cancelled.Add(1)
			return false
		case <-time.After(d):
			return true
		}
	}
	if !wait(rep.FirstToken) || !send(chunk(map[string]any{"role": "assistant", "content": ""}, nil)) {
		return
	}
	for i, tok := range rep.Tokens {
		if rep.BreakAfter > 0 && i == rep.BreakAfter {
			if hj, ok := w.(http.Hijacker); ok {
				if conn, _, err := hj.Hijack(); err == nil {
					_ = conn.Close()
				}
			}
			return
		}
		if i > 0 && !wait(rep.Gap) {
			return
		}
		if !send(chunk(map[string]any{"content": tok}, nil)) {
			f.Cancelled.Add(1)
			return
		}
	}
	send(chunk(map[string]any{}, "stop"))
	send(map[string]any{"id": "chatcmpl-fake", "object": "chat.completion.chunk", "choices": []any{}, "usage": usage})
	_, _ = fmt.Fprint(w, "data: [DONE]\n\n")
	fl.Flush()
}

// transcriptions answers a Whisper-style multipart upload with the reply's
// tokens joined as the text. It records the form fields, the file's name
// and its size in bytes ("file", "bytes").
func (f *FakeAI) transcriptions(w http.ResponseWriter, r *http.Request) {
	f.Calls.Add(1)
	seen := map[string]any{}
	mr, err := r.MultipartReader()
	if err != nil {
		http.Error(w, `{"error":{"message":"expected multipart/form-data"}}`, http.StatusBadRequest)
		return
	}
	for {
		part, err := mr.NextPart()
		if err != nil {
			break
		}
		data, _ := io.ReadAll(part)
		if part.FormName() == "file" {
			seen["file"], seen["bytes"] = part.FileName(), len(data)
			continue
		}
		seen[part.FormName()] = string(data)
	}
	rep := f.take(seen, r.Header)
	if rep.Status != 0 && rep.Status != http.StatusOK {
		fail(w, rep)
		return
	}
	text := ""
	for _, tok := range rep.Tokens {
		text += tok
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"text": text})
}

func (f *FakeAI) embeddings(w http.ResponseWriter, r *http.Request) {
	rep, body := f.next(r)
	if rep.Status != 0 && rep.Status != http.StatusOK {
		fail(w, rep)
		return
	}
	inputs, _ := body["input"].([]any)
	data := make([]map[string]any, len(inputs))
	for i, in := range inputs {
		s := fmt.Sprint(in)
		data[i] = map[string]any{"object": "embedding", "index": i, "embedding": []float32{float32(len(s)), 1, float32(i)}}
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"object": "list", "data": data, "model": body["model"],
		"usage": map[string]int{"prompt_tokens": len(inputs), "total_tokens": len(inputs)}})
}

// rerank answers the /rerank API (vLLM, Infinity, Jina, Cohere) with a
// score per document (RerankScore, else Overlap), results best first as
// the real servers give them.
func (f *FakeAI) rerank(w http.ResponseWriter, r *http.Request) {
	rep, body := f.next(r)
	if rep.Status != 0 && rep.Status != http.StatusOK {
		fail(w, rep)
		return
	}
	query, _ := body["query"].(string)
	docs, _ := body["documents"].([]any)
	type result struct {
		Index int     `json:"index"`
		Score float64 `json:"relevance_score"`
	}
	score := f.RerankScore
	if score == nil {
		score = Overlap
	}
	results := make([]result, len(docs))
	for i, d := range docs {
		results[i] = result{Index: i, Score: score(query, fmt.Sprint(d))}
	}
	sort.SliceStable(results, func(i, j int) bool { return results[i].Score > results[j].Score })
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"model": body["model"], "results": results,
		"usage": map[string]int{"total_tokens": len(docs) * 10}})
}

// Overlap is the share of query's words of three letters or more that
// doc holds (case-insensitive): the fake reranker's relevance score.
func Overlap(query, doc string) float64 {
	doc = strings.ToLower(doc)
	n, found := 0, 0
	for _, w := range strings.FieldsFunc(strings.ToLower(query), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len([]rune(w)) < 3 {
			continue
		}
		n++
		if strings.Contains(doc, w) {
			found++
		}
	}
	if n == 0 {
		return 0
	}
	return float64(found) / float64(n)
}

// Itoa is strconv.Itoa, for building scripts.
var Itoa = strconv.Itoa
