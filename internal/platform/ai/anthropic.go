package ai

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
)

// AnthropicVersion is the Messages API version Agora speaks.
const AnthropicVersion = "2023-06-01"

// anthropicDefaultMaxTokens is sent when the caller sets no limit: the
// Messages API requires one.
const anthropicDefaultMaxTokens = 4096

// Anthropic speaks the Anthropic Messages API (streaming).
type Anthropic struct{ HTTP *http.Client }

type anMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type anRequest struct {
	Model       string      `json:"model"`
	System      string      `json:"system,omitempty"`
	Messages    []anMessage `json:"messages"`
	MaxTokens   int         `json:"max_tokens"`
	Temperature *float64    `json:"temperature,omitempty"`
	TopP        *float64    `json:"top_p,omitempty"`
	Stop        []string    `json:"stop_sequences,omitempty"`
	Stream      bool        `json:"stream"`
}

// Chat streams a message. System messages become the system prompt; the
// Messages API has no presence or frequency penalty, so those are not sent.
func (a Anthropic) Chat(ctx context.Context, ep Endpoint, req ChatRequest) (Stream, error) {
	body := anRequest{Model: req.Model, MaxTokens: anthropicDefaultMaxTokens, Temperature: req.Temperature, TopP: req.TopP,
		Stop: req.Stop, Stream: true}
	if req.MaxTokens != nil {
		body.MaxTokens = *req.MaxTokens
	}
	var system []string
	for _, m := range req.Messages {
		if m.Role == System {
			system = append(system, m.Content)
			continue
		}
		body.Messages = append(body.Messages, anMessage{Role: string(m.Role), Content: m.Content})
	}
	body.System = strings.Join(system, "\n\n")
	base := strings.TrimRight(ep.BaseURL, "/")
	if base == "" {
		base = "https://api.anthropic.com"
	}
	h := http.Header{}
	h.Set("x-api-key", ep.APIKey)
	h.Set("anthropic-version", AnthropicVersion)
	resp, err := post(ctx, a.HTTP, ep, base+"/v1/messages", body, h)
	if err != nil {
		return nil, err
	}
	return &anStream{ep: ep.Name, body: resp.Body, events: newEventReader(resp.Body)}, nil
}

// Embed is not offered by Anthropic.
func (Anthropic) Embed(context.Context, Endpoint, EmbedRequest) (EmbedResult, error) {
	return EmbedResult{}, &Error{Kind: KindBadRequest, Msg: "Anthropic offers no embeddings"}
}

type anStream struct {
	ep     string
	body   io.ReadCloser
	events *eventReader
	input  int
	done   bool
}

type anEvent struct {
	Type    string `json:"type"`
	Message struct {
		Usage struct {
			InputTokens int `json:"input_tokens"`
		} `json:"usage"`
	} `json:"message"`
	Delta struct {
		Type       string `json:"type"`
		Text       string `json:"text"`
		StopReason string `json:"stop_reason"`
	} `json:"delta"`
	Usage struct {
		OutputTokens int `json:"output_tokens"`
	} `json:"usage"`
	Error struct {
		Type    string `json:"type"`
		Message string `json:"message"`
	} `json:"error"`
}

// stopReasons maps Anthropic's stop reasons to OpenAI's finish reasons.
var stopReasons = map[string]string{"end_turn": "stop", "stop_sequence": "stop", "max_tokens": "length", "tool_use": "tool_calls"}

func (s *anStream) Recv() (Chunk, error) {
	for {
		if s.done {
			return Chunk{}, io.EOF
		}
		_, data, err := s.events.next()
		if err != nil {
			return Chunk{}, &Error{Kind: KindUnavailable, Endpoint: s.ep, Msg: "stream ended before message_stop"}
		}
		var e anEvent
		if err := json.Unmarshal(data, &e); err != nil {
			return Chunk{}, &Error{Kind: KindUnavailable, Endpoint: s.ep, Msg: "malformed stream event"}
		}
		switch e.Type {
		case "message_start":
			s.input = e.Message.Usage.InputTokens
		case "content_block_delta":
			if e.Delta.Type == "text_delta" && e.Delta.Text != "" {
				return Chunk{Delta: e.Delta.Text}, nil
			}
		case "message_delta":
			fr := stopReasons[e.Delta.StopReason]
			if fr == "" {
				fr = e.Delta.StopReason
			}
			return Chunk{FinishReason: fr, Usage: &Usage{PromptTokens: s.input, CompletionTokens: e.Usage.OutputTokens}}, nil
		case "message_stop":
			s.done = true
		case "error":
			kind := KindUnavailable
			if e.Error.Type == "rate_limit_error" {
				kind = KindRateLimited
			}
			return Chunk{}, &Error{Kind: kind, Endpoint: s.ep, Msg: e.Error.Message}
		}
	}
}

func (s *anStream) Close() error { return closeBody(s.body, s.done) }
