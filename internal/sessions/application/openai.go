package application

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

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
	Caller
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
	ms, err := s.Generator.Listed(ctx, tenant)
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

// CompletionInput is an OpenAI chat completion request.
type CompletionInput struct {
	Model       string
	Messages    []Message
	Temperature *float64
	MaxTokens   *int
}

// Completion is a started completion.
type Completion struct {
	Pieces Pieces
	Model  ListedModel
}

// Complete starts a chat completion for the OpenAI-compatible API.
func (s *Service) Complete(ctx context.Context, tenant tenancy.ID, c APICaller, in CompletionInput) (Completion, error) {
	if len(in.Messages) == 0 || len(in.Messages) > MaxMessages {
		return Completion{}, errs.Newf(errs.Invalid, "messages must hold 1 to %d messages", MaxMessages)
	}
	size := 0
	for _, m := range in.Messages {
		size += len([]rune(m.Content))
	}
	if size > 10*s.Limits.MaxQuestionChars {
		return Completion{}, errs.Newf(errs.TooLarge, "the messages are too long: %d characters, at most %d", size, 10*s.Limits.MaxQuestionChars)
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
	p, err := s.Generator.Complete(ctx, tenant, m.ID, in.Messages, in.Temperature, in.MaxTokens)
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
	vs, tokens, err := s.Generator.Embed(ctx, tenant, m.ID, inputs)
	if err != nil {
		return nil, ListedModel{}, 0, err
	}
	id := m.ID
	if err := s.RecordUsage(context.WithoutCancel(ctx), tenant, UsageRecord{User: c.UserID, Model: &id, Source: "embeddings", PromptTokens: tokens}); err != nil {
		s.Log.WarnContext(ctx, "usage not recorded", "err", err)
	}
	return vs, m, tokens, nil
}

// EmbedTexts embeds texts with an enabled embedding model for other
// modules (ingestion, retrieval) and records the usage under source. The
// daily token quota does not stop it: an organisation's own documents are
// always read; their cost shows in the usage.
func (s *Service) EmbedTexts(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID, source string, texts []string) ([][]float32, error) {
	vs, tokens, err := s.Generator.Embed(ctx, tenant, model, texts)
	if err != nil {
		return nil, err
	}
	if len(vs) != len(texts) {
		return nil, fmt.Errorf("the embedding model returned %d vectors for %d texts", len(vs), len(texts))
	}
	if err := s.RecordUsage(context.WithoutCancel(ctx), tenant, UsageRecord{User: user, Model: &model, Source: source, PromptTokens: tokens}); err != nil {
		s.Log.WarnContext(ctx, "usage not recorded", "source", source, "err", err)
	}
	return vs, nil
}

// checkRate counts a question (or completion) against the user's and the
// tenant's per-minute budgets. When the counter is unreachable the request
// passes: the limit degrades, chat does not fail.
func (s *Service) checkRate(ctx context.Context, tenant tenancy.ID, user uuid.UUID) error {
	if s.Rate == nil {
		return nil
	}
	buckets := []struct {
		key, who string
		limit    int
	}{
		{"chat:" + tenant.String() + ":user:" + user.String(), "you have", s.Limits.QuestionsPerUser},
		{"chat:" + tenant.String() + ":tenant", "your organisation has", s.Limits.QuestionsPerTenant},
	}
	for _, b := range buckets {
		if b.limit <= 0 {
			continue
		}
		wait, err := s.Rate.Allow(ctx, b.key, b.limit)
		if err != nil {
			s.Log.WarnContext(ctx, "question rate not checked", "tenant_id", tenant, "err", err)
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
	q := s.Limits.TenantTokensPerDay
	if q <= 0 {
		return nil
	}
	day := s.now().Truncate(24 * time.Hour)
	used, err := s.Repo.TokensSince(ctx, tenant, day)
	if err != nil {
		return fmt.Errorf("read token usage: %w", err)
	}
	if used >= q {
		return &errs.Error{Kind: errs.QuotaExceeded, Msg: "your organisation has used its tokens for today; try again tomorrow or ask your administrator",
			RetryAfter: time.Until(day.Add(24 * time.Hour))}
	}
	return nil
}
