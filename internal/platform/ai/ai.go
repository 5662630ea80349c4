// Package ai talks to model providers: the OpenAI-compatible driver (OpenAI,
// vLLM, Ollama, Mistral, Berget, any /v1 server), Azure OpenAI, Anthropic
// Messages, and the built-in offline "local" provider; a router spreads
// requests over endpoints with retries, failover and circuit breakers.
// Only the models module uses it (internal/archtest checks this).
package ai

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Role is who said a message.
type Role string

// The roles.
const (
	System    Role = "system"
	User      Role = "user"
	Assistant Role = "assistant"
)

// Message is one turn of a conversation.
type Message struct {
	Role    Role
	Content string
}

// ChatRequest asks a model for an answer.
type ChatRequest struct {
	// Model is the provider's name for the model.
	Model       string
	Messages    []Message
	Temperature *float64
	MaxTokens   *int
	// TopP, Stop and the penalties are passed on where the provider's
	// API has them (Anthropic has no penalties); nil and empty leave the
	// model's defaults.
	TopP             *float64
	Stop             []string
	PresencePenalty  *float64
	FrequencyPenalty *float64
	// JSONSchema asks for an answer that satisfies this JSON schema, in
	// the provider's structured-output mode where its API has one
	// (OpenAI, Azure OpenAI, vLLM: response_format json_schema); other
	// providers get the schema in the instructions only.
	JSONSchema json.RawMessage
}

// StructuredOutput lists the provider types whose chat API takes a JSON
// schema as response_format.
var StructuredOutput = []string{"openai", "azure", "vllm"}

// Usage counts tokens.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
}

// Chunk is one piece of a streamed answer.
type Chunk struct {
	Delta        string
	FinishReason string
	// Usage is set on the chunk that reports it (usually the last).
	Usage *Usage
}

// Stream yields chunks until Recv returns io.EOF.
type Stream interface {
	Recv() (Chunk, error)
	Close() error
}

// EmbedRequest asks for embeddings of inputs.
type EmbedRequest struct {
	Model      string
	Inputs     []string
	Dimensions int
}

// EmbedResult holds one vector per input, in order.
type EmbedResult struct {
	Vectors [][]float32
	Usage   Usage
}

// Endpoint is one place a model is served.
type Endpoint struct {
	Name       string
	Type       string // openai, azure, anthropic, vllm, mistral, berget, ollama, local
	BaseURL    string
	APIKey     string
	APIVersion string // azure
	Deployment string // azure
	// Model is the provider's name for the model at this endpoint; it
	// overrides the request's, so a fallback can serve another model.
	Model string
	// Timeout bounds connecting and waiting for the first token.
	Timeout time.Duration
	// MaxConcurrency bounds requests in flight (0: no bound).
	MaxConcurrency int
	Priority       int
}

// Driver speaks one provider's wire format.
type Driver interface {
	Chat(ctx context.Context, ep Endpoint, req ChatRequest) (Stream, error)
	Embed(ctx context.Context, ep Endpoint, req EmbedRequest) (EmbedResult, error)
}

// Kind classifies provider failures.
type Kind string

// The failure kinds; the message layer maps them to client errors.
const (
	KindAuth          Kind = "auth"
	KindQuota         Kind = "quota"
	KindRateLimited   Kind = "rate_limited"
	KindContextLength Kind = "context_too_long"
	KindContentFilter Kind = "content_filter"
	KindUnavailable   Kind = "unavailable"
	KindBadRequest    Kind = "bad_request"
	// KindRefused is a provider whose address the fetch guard refuses (not
	// public, not in FETCH_ALLOWED_HOSTS): no retry helps, only the
	// operator's allow-list or another endpoint.
	KindRefused Kind = "address_refused"
)

// Error is a classified provider failure.
type Error struct {
	Kind       Kind
	Status     int
	RetryAfter time.Duration
	Endpoint   string
	Msg        string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s: %s (status %d): %s", e.Endpoint, e.Kind, e.Status, e.Msg)
}

// Retryable reports whether trying again (here or elsewhere) may succeed.
func (e *Error) Retryable() bool {
	return e.Kind == KindUnavailable || e.Kind == KindRateLimited
}

// AsError returns the classified error in err's chain, if any.
func AsError(err error) (*Error, bool) { return errors.AsType[*Error](err) }
