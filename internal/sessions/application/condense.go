package application

import (
	"context"
	"errors"
	"io"
	"strings"

	"github.com/agora-platform/agora/internal/sessions/domain"
)

// Condensing a follow-up question.
const (
	// condenseTurns is how many earlier turns a condensing call sees.
	condenseTurns = 3
	// condenseAnswerChars bounds each earlier answer it sees.
	condenseAnswerChars = 600
	// condenseMaxTokens bounds the query it writes.
	condenseMaxTokens = 64
)

const condenseInstruction = "You turn the user's last question into one standalone search query for a document search, " +
	"using the conversation only to resolve what the question refers to. Write the query in the question's language. " +
	"Reply with the query alone: no quotes, no explanation, no answer."

// searchQuery is what a turn searches the knowledge for: the question,
// or for a follow-up the question with what it refers to. With a language
// model the question is condensed with the recent turns (one short call,
// whose tokens count); with the local answerer, which is no language
// model, the previous question's salient terms are added by rule. A
// condensing call that fails falls back to the rule.
func (s *Service) searchQuery(ctx context.Context, t *Turn) string {
	q := t.Question.Question
	earlier := answered(t.Session.Questions)
	if len(earlier) == 0 {
		return q
	}
	rule := domain.FollowUp(earlier[len(earlier)-1].Question, q)
	if t.Model.Local {
		return rule
	}
	condensed, err := s.condense(ctx, t, earlier[max(0, len(earlier)-condenseTurns):])
	if err != nil || condensed == "" {
		s.log.WarnContext(ctx, "follow-up question not condensed; searching with the previous question's terms",
			"session_id", t.Session.ID, "err", err)
		return rule
	}
	return condensed
}

// condense asks the turn's model for a standalone query and records the
// call's usage.
func (s *Service) condense(ctx context.Context, t *Turn, turns []domain.Question) (string, error) {
	msgs := []Message{{Role: "system", Content: condenseInstruction}}
	for _, q := range turns {
		a := []rune(q.Answer)
		msgs = append(msgs, Message{Role: "user", Content: q.Question}, Message{Role: "assistant", Content: string(a[:min(len(a), condenseAnswerChars)])})
	}
	msgs = append(msgs, Message{Role: "user", Content: "Last question: " + t.Question.Question + "\nStandalone search query:"})
	zero, limit := 0.0, condenseMaxTokens
	pieces, err := s.models.Complete(ctx, t.Tenant, t.Model.ID, msgs, Sampling{Temperature: &zero, MaxTokens: &limit})
	if err != nil {
		return "", err
	}
	defer pieces.Close()
	var out strings.Builder
	usage := UsageRecord{User: t.Caller.UserID, Assistant: &t.Assistant.ID, Model: &t.Model.ID, Source: "chat", At: s.now()}
	for {
		p, err := pieces.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return "", err
		}
		out.WriteString(p.Delta)
		if p.HasUsage {
			usage.PromptTokens, usage.CompletionTokens = p.PromptTokens, p.CompletionTokens
		}
	}
	if usage.PromptTokens == 0 {
		var all strings.Builder
		for _, m := range msgs {
			all.WriteString(m.Content + "\n")
		}
		usage.PromptTokens, usage.CompletionTokens = s.models.Count(all.String()), s.models.Count(out.String())
	}
	s.RecordUsage(ctx, t.Tenant, usage)
	return strings.Trim(strings.TrimSpace(out.String()), `"'`), nil
}
