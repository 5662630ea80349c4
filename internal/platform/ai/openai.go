package ai

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/agora-platform/agora/internal/platform/safehttp"
)

// DefaultBaseURLs are used when an endpoint names none.
var DefaultBaseURLs = map[string]string{
	"openai":  "https://api.openai.com/v1",
	"mistral": "https://api.mistral.ai/v1",
	"berget":  "https://api.berget.ai/v1",
	"ollama":  "http://127.0.0.1:11434/v1",
}

// OpenAI speaks the OpenAI chat completions and embeddings API, which
// vLLM, Ollama, Mistral, Berget and many servers share.
type OpenAI struct{ HTTP *http.Client }

type oaMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type oaChatRequest struct {
	Model            string       `json:"model"`
	Messages         []oaMessage  `json:"messages"`
	Stream           bool         `json:"stream"`
	StreamOptions    *oaStreamOpt `json:"stream_options,omitempty"`
	Temperature      *float64     `json:"temperature,omitempty"`
	MaxTokens        *int         `json:"max_tokens,omitempty"`
	TopP             *float64     `json:"top_p,omitempty"`
	Stop             []string     `json:"stop,omitempty"`
	PresencePenalty  *float64     `json:"presence_penalty,omitempty"`
	FrequencyPenalty *float64     `json:"frequency_penalty,omitempty"`
	ResponseFormat   *oaFormat    `json:"response_format,omitempty"`
}

// oaFormat asks for structured output of a JSON schema.
type oaFormat struct {
	Type       string `json:"type"`
	JSONSchema struct {
		Name   string          `json:"name"`
		Schema json.RawMessage `json:"schema"`
	} `json:"json_schema"`
}

// oaChat is the chat request body of the OpenAI wire format, for an
// endpoint of provider type typ.
func oaChat(req ChatRequest, typ string) oaChatRequest {
	body := oaChatRequest{Model: req.Model, Messages: oaMessages(req.Messages), Stream: true,
		StreamOptions: &oaStreamOpt{IncludeUsage: true}, Temperature: req.Temperature, MaxTokens: req.MaxTokens,
		TopP: req.TopP, Stop: req.Stop, PresencePenalty: req.PresencePenalty, FrequencyPenalty: req.FrequencyPenalty}
	if len(req.JSONSchema) > 0 && slices.Contains(StructuredOutput, typ) {
		body.ResponseFormat = &oaFormat{Type: "json_schema"}
		body.ResponseFormat.JSONSchema.Name, body.ResponseFormat.JSONSchema.Schema = "output", req.JSONSchema
	}
	return body
}

type oaStreamOpt struct {
	IncludeUsage bool `json:"include_usage"`
}

type oaUsage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
}

type oaChunk struct {
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason *string `json:"finish_reason"`
	} `json:"choices"`
	Usage *oaUsage `json:"usage"`
}

func baseURL(ep Endpoint) string {
	if ep.BaseURL != "" {
		return strings.TrimRight(ep.BaseURL, "/")
	}
	return DefaultBaseURLs[ep.Type]
}

func oaMessages(ms []Message) []oaMessage {
	out := make([]oaMessage, len(ms))
	for i, m := range ms {
		out[i] = oaMessage{Role: string(m.Role), Content: m.Content}
	}
	return out
}

// Chat streams a chat completion.
func (o OpenAI) Chat(ctx context.Context, ep Endpoint, req ChatRequest) (Stream, error) {
	resp, err := o.post(ctx, ep, baseURL(ep)+"/chat/completions", oaChat(req, ep.Type), bearer(ep.APIKey))
	if err != nil {
		return nil, err
	}
	return &oaStream{ep: ep.Name, body: resp.Body, events: newEventReader(resp.Body)}, nil
}

type oaStream struct {
	ep     string
	body   io.ReadCloser
	events *eventReader
	done   bool
}

func (s *oaStream) Recv() (Chunk, error) {
	for {
		_, data, err := s.events.next()
		if err == io.EOF {
			return Chunk{}, &Error{Kind: KindUnavailable, Endpoint: s.ep, Msg: "stream ended without [DONE]"}
		}
		if err != nil {
			return Chunk{}, &Error{Kind: KindUnavailable, Endpoint: s.ep, Msg: "stream broke: " + err.Error()}
		}
		if string(data) == "[DONE]" {
			s.done = true
			return Chunk{}, io.EOF
		}
		var c oaChunk
		if err := json.Unmarshal(data, &c); err != nil {
			return Chunk{}, &Error{Kind: KindUnavailable, Endpoint: s.ep, Msg: "malformed stream chunk"}
		}
		var out Chunk
		if c.Usage != nil {
			out.Usage = &Usage{PromptTokens: c.Usage.PromptTokens, CompletionTokens: c.Usage.CompletionTokens}
		}
		if len(c.Choices) > 0 {
			out.Delta = c.Choices[0].Delta.Content
			if fr := c.Choices[0].FinishReason; fr != nil {
				out.FinishReason = *fr
			}
		}
		if out.Delta != "" || out.FinishReason != "" || out.Usage != nil {
			return out, nil
		}
	}
}

func (s *oaStream) Close() error { return closeBody(s.body, s.done) }

// closeBody closes a response body. After a complete answer it first reads
// what little is left (the chunked encoding's end), so the connection goes
// back to the pool instead of being torn down and dialled again for the
// next request; before that, it closes at once, which stops the upstream.
func closeBody(body io.ReadCloser, complete bool) error {
	if complete {
		_, _ = io.Copy(io.Discard, io.LimitReader(body, 64<<10))
	}
	return body.Close()
}

type oaEmbedRequest struct {
	Model      string   `json:"model"`
	Input      []string `json:"input"`
	Dimensions int      `json:"dimensions,omitempty"`
}

type oaEmbedResponse struct {
	Data []struct {
		Index     int       `json:"index"`
		Embedding []float32 `json:"embedding"`
	} `json:"data"`
	Usage oaUsage `json:"usage"`
}

// Embed asks for embeddings.
func (o OpenAI) Embed(ctx context.Context, ep Endpoint, req EmbedRequest) (EmbedResult, error) {
	resp, err := o.post(ctx, ep, baseURL(ep)+"/embeddings", oaEmbedRequest{Model: req.Model, Input: req.Inputs}, bearer(ep.APIKey))
	if err != nil {
		return EmbedResult{}, err
	}
	defer resp.Body.Close()
	return decodeEmbeddings(ep.Name, resp.Body, len(req.Inputs))
}

func decodeEmbeddings(ep string, r io.Reader, n int) (EmbedResult, error) {
	var out oaEmbedResponse
	if err := json.NewDecoder(io.LimitReader(r, 256<<20)).Decode(&out); err != nil {
		return EmbedResult{}, &Error{Kind: KindUnavailable, Endpoint: ep, Msg: "malformed embeddings response"}
	}
	vs := make([][]float32, n)
	for _, d := range out.Data {
		if d.Index >= 0 && d.Index < n {
			vs[d.Index] = d.Embedding
		}
	}
	for i, v := range vs {
		if v == nil {
			return EmbedResult{}, &Error{Kind: KindUnavailable, Endpoint: ep, Msg: fmt.Sprintf("no embedding for input %d", i)}
		}
	}
	return EmbedResult{Vectors: vs, Usage: Usage{PromptTokens: out.Usage.PromptTokens}}, nil
}

func bearer(key string) http.Header {
	h := http.Header{}
	if key != "" {
		h.Set("Authorization", "Bearer "+key)
	}
	return h
}

func (o OpenAI) post(ctx context.Context, ep Endpoint, url string, body any, headers http.Header) (*http.Response, error) {
	return post(ctx, o.HTTP, ep, url, body, headers)
}

// post sends JSON and classifies a failed answer.
func post(ctx context.Context, client *http.Client, ep Endpoint, url string, body any, headers http.Header) (*http.Response, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return nil, &Error{Kind: KindBadRequest, Endpoint: ep.Name, Msg: "bad endpoint URL: " + err.Error()}
	}
	req.Header = headers
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	return send(ctx, client, ep, req)
}

// send performs a request and classifies a failed answer.
func send(ctx context.Context, client *http.Client, ep Endpoint, req *http.Request) (*http.Response, error) {
	resp, err := client.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if safehttp.Refused(err) {
			return nil, &Error{Kind: KindRefused, Endpoint: ep.Name, Msg: "the provider's address is refused by the fetch guard: " + err.Error()}
		}
		return nil, &Error{Kind: KindUnavailable, Endpoint: ep.Name, Msg: "cannot reach the provider: " + err.Error()}
	}
	if resp.StatusCode/100 == 2 {
		return resp, nil
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return nil, classify(ep.Name, resp.StatusCode, resp.Header, msg)
}

// classify turns a failed HTTP answer into an Error.
func classify(ep string, status int, h http.Header, body []byte) *Error {
	text := strings.ToLower(string(body))
	e := &Error{Endpoint: ep, Status: status, Msg: providerMessage(body)}
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = KindAuth
	case status == http.StatusTooManyRequests && (strings.Contains(text, "insufficient_quota") || strings.Contains(text, "quota")):
		e.Kind = KindQuota
	case status == http.StatusTooManyRequests:
		e.Kind = KindRateLimited
	case strings.Contains(text, "context_length") || strings.Contains(text, "maximum context") || strings.Contains(text, "too many tokens") || strings.Contains(text, "prompt is too long"):
		e.Kind = KindContextLength
	case strings.Contains(text, "content_filter") || strings.Contains(text, "content management policy"):
		e.Kind = KindContentFilter
	case status >= 500 || status == http.StatusRequestTimeout:
		e.Kind = KindUnavailable
	default:
		e.Kind = KindBadRequest
	}
	e.RetryAfter = retryAfter(h)
	return e
}

func providerMessage(body []byte) string {
	var v struct {
		Error struct {
			Message string `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &v) == nil && v.Error.Message != "" {
		return v.Error.Message
	}
	s := string(body)
	if len(s) > 300 {
		s = s[:300]
	}
	return s
}

// retryAfter reads Retry-After (seconds or an HTTP date).
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s >= 0 {
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}
