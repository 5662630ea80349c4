package application

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Limits of the OpenAI-compatible API.
const (
	MaxEmbedInputs    = 2048
	MaxEmbedInputSize = 100_000
	MaxMessages       = 1000
)

// APICaller is a caller of the OpenAI-compatible API.
type APICaller struct {
	actor.Caller
	// Models limits the key to these model names or ids (empty: all).
	Models []string
}

func (c APICaller) allows(m ListedModel) bool {
	if len(c.Models) == 0 {
		return true
	}
	for _, a := range c.Models {
		if strings.EqualFold(a, m.Name) || strings.EqualFold(a, m.ID.String()) {
			return true
		}
	}
	return false
}

// OpenAIModels lists the models the caller may use.
func (s *Service) OpenAIModels(ctx context.Context, tenant tenancy.ID, c APICaller) ([]ListedModel, error) {
	ms, err := s.models.Listed(ctx, tenant)
	if err != nil {
		return nil, fmt.Errorf("list models: %w", err)
	}
	var out []ListedModel
	for _, m := range ms {
		if c.allows(m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// model finds a model of kind by name or id among those the caller may use.
func (s *Service) model(ctx context.Context, tenant tenancy.ID, c APICaller, kind, name string) (ListedModel, error) {
	ms, err := s.OpenAIModels(ctx, tenant, c)
	if err != nil {
		return ListedModel{}, err
	}
	for _, m := range ms {
		if m.Kind == kind && (strings.EqualFold(m.Name, name) || m.ID.String() == name) {
			return m, nil
		}
	}
	return ListedModel{}, errs.Newf(errs.NotFound, "the model %q does not exist or you do not have access to it", name)
}

// CompletionInput is an OpenAI chat completion request. The sampling
// settings are as the client sent them (nil: not sent);
// MaxCompletionTokens wins over MaxTokens, its older name.
type CompletionInput struct {
	Model               string
	Messages            []Message
	N                   *int
	Temperature         *float64
	TopP                *float64
	MaxTokens           *int
	MaxCompletionTokens *int
	Stop                []string
	PresencePenalty     *float64
	FrequencyPenalty    *float64
}

// Ranges of the sampling settings, as OpenAI documents them.
const (
	MaxTemperature = 2.0
	MaxTopP        = 1.0
	MaxPenalty     = 2.0
	MaxStops       = 4
)

// check validates the settings against OpenAI's ranges and the model's
// token limit (0: not known yet); each error names its parameter.
func (in CompletionInput) check(tokenLimit int) error {
	if in.N != nil && *in.N != 1 {
		return errs.InvalidField("n", "n must be 1, not %d: one choice is answered", *in.N)
	}
	for _, f := range []struct {
		name    string
		v       *float64
		low, hi float64
	}{
		{"temperature", in.Temperature, 0, MaxTemperature},
		{"top_p", in.TopP, 0, MaxTopP},
		{"presence_penalty", in.PresencePenalty, -MaxPenalty, MaxPenalty},
		{"frequency_penalty", in.FrequencyPenalty, -MaxPenalty, MaxPenalty},
	} {
		if f.v != nil && !(*f.v >= f.low && *f.v <= f.hi) {
			return errs.InvalidField(f.name, "%s must be between %g and %g, not %g", f.name, f.low, f.hi, *f.v)
		}
	}
	for _, f := range []struct {
		name string
		v    *int
	}{{"max_tokens", in.MaxTokens}, {"max_completion_tokens", in.MaxCompletionTokens}} {
		switch {
		case f.v == nil:
		case *f.v < 1:
			return errs.InvalidField(f.name, "%s must be at least 1, not %d", f.name, *f.v)
		case tokenLimit > 0 && *f.v > tokenLimit:
			return errs.InvalidField(f.name, "%s must be at most the model's limit of %d tokens, not %d", f.name, tokenLimit, *f.v)
		}
	}
	if len(in.Stop) > MaxStops {
		return errs.InvalidField("stop", "stop must hold at most %d sequences, not %d", MaxStops, len(in.Stop))
	}
	for i, s := range in.Stop {
		if s == "" {
			return errs.InvalidField("stop", "stop[%d] is empty; give stop sequences of at least one character", i)
		}
	}
	return nil
}

// sampling is the checked settings for the model.
func (in CompletionInput) sampling() Sampling {
	limit := in.MaxTokens
	if in.MaxCompletionTokens != nil {
		limit = in.MaxCompletionTokens
	}
	return Sampling{Temperature: in.Temperature, TopP: in.TopP, MaxTokens: limit, Stop: in.Stop,
		PresencePenalty: in.PresencePenalty, FrequencyPenalty: in.FrequencyPenalty}
}

// Completion is a started completion.
type Completion struct {
	Pieces Pieces
	Model  ListedModel
}

// Complete starts a chat completion for the OpenAI-compatible API.
func (s *Service) Complete(ctx context.Context, tenant tenancy.ID, c APICaller, in CompletionInput) (Completion, error) {
	if len(in.Messages) == 0 || len(in.Messages) > MaxMessages {
		return Completion{}, errs.InvalidField("messages", "messages must hold 1 to %d messages", MaxMessages)
	}
	if err := in.check(0); err != nil {
		return Completion{}, err
	}
	size := 0
	for _, m := range in.Messages {
		size += len([]rune(m.Content))
	}
	if size > 10*s.limits.MaxQuestionChars {
		return Completion{}, errs.Newf(errs.TooLarge, "the messages are too long: %d characters, at most %d", size, 10*s.limits.MaxQuestionChars)
	}
	if err := s.checkRate(ctx, tenant, c.UserID); err != nil {
		return Completion{}, err
	}
	if err := s.checkQuota(ctx, tenant); err != nil {
		return Completion{}, err
	}
	m, err := s.model(ctx, tenant, c, "completion", in.Model)
	if err != nil {
		return Completion{}, err
	}
	if err := in.check(m.TokenLimit); err != nil {
		return Completion{}, err
	}
	p, err := s.models.Complete(ctx, tenant, m.ID, in.Messages, in.sampling())
	if err != nil {
		return Completion{}, err
	}
	return Completion{Pieces: p, Model: m}, nil
}

// Embed embeds inputs for the OpenAI-compatible API and records the usage.
func (s *Service) Embed(ctx context.Context, tenant tenancy.ID, c APICaller, model string, inputs []string) ([][]float32, ListedModel, int, error) {
	if len(inputs) == 0 || len(inputs) > MaxEmbedInputs {
		return nil, ListedModel{}, 0, errs.Newf(errs.Invalid, "input must hold 1 to %d texts", MaxEmbedInputs)
	}
	for i, in := range inputs {
		if len(in) > MaxEmbedInputSize {
			return nil, ListedModel{}, 0, errs.Newf(errs.TooLarge, "input %d is longer than %d bytes", i, MaxEmbedInputSize)
		}
	}
	if err := s.checkQuota(ctx, tenant); err != nil {
		return nil, ListedModel{}, 0, err
	}
	m, err := s.model(ctx, tenant, c, "embedding", model)
	if err != nil {
		return nil, ListedModel{}, 0, err
	}
	vs, tokens, err := s.models.Embed(ctx, tenant, m.ID, inputs)
	if err != nil {
		return nil, ListedModel{}, 0, err
	}
	id := m.ID
	s.RecordUsage(ctx, tenant, UsageRecord{User: c.UserID, Model: &id, Source: "embeddings", PromptTokens: tokens})
	return vs, m, tokens, nil
}

// checkRate counts a question (or completion) against the user's and the
// tenant's per-minute budgets. When the counter is unreachable the request
// passes: the limit degrades, chat does not fail.
func (s *Service) checkRate(ctx context.Context, tenant tenancy.ID, user uuid.UUID) error {
	if s.rate == nil {
		return nil
	}
	buckets := []struct {
		key, who string
		limit    int
	}{
		{"chat:" + tenant.String() + ":user:" + user.String(), "you have", s.limits.QuestionsPerUser},
		{"chat:" + tenant.String() + ":tenant", "your organisation has", s.limits.QuestionsPerTenant},
	}
	for _, b := range buckets {
		if b.limit <= 0 {
			continue
		}
		wait, err := s.rate.Allow(ctx, b.key, b.limit)
		if err != nil {
			s.log.WarnContext(ctx, "question rate not checked", "tenant_id", tenant, "err", err)
			return nil
		}
		if wait > 0 {
			return &errs.Error{Kind: errs.RateLimited, RetryAfter: max(wait, time.Second),
				Msg: fmt.Sprintf("%s asked %d questions in the last minute, the most allowed; wait a moment and ask again", b.who, b.limit)}
		}
	}
	return nil
}

// checkQuota refuses work when the tenant used its daily tokens.
func (s *Service) checkQuota(ctx context.Context, tenant tenancy.ID) error {
	return s.meter.CheckQuota(ctx, tenant)
}
