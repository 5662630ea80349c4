package application

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
)

// AbandonedAfter is how long an answer may stream before it is taken to
// be abandoned whoever writes it: far longer than any answer takes, a
// backstop for answers whose writer cannot be asked.
const AbandonedAfter = time.Hour

// Interrupt marks the answers whose process died as interrupted: each
// keeps its partial text, and its usage (the tokens of the prompt and of
// what was written) is recorded once. Owners that cannot be asked (Redis
// is away) are left for the next round. It returns how many it marked.
func (s *Service) Interrupt(ctx context.Context) (int, error) {
	owners, err := s.repo.StreamOwners(ctx)
	if err != nil {
		return 0, fmt.Errorf("find answers streaming: %w", err)
	}
	var dead []string
	if len(owners) > 0 && s.owners != nil {
		alive, err := s.owners.Alive(ctx, owners)
		if err != nil {
			return 0, fmt.Errorf("ask which answer writers are alive: %w", err)
		}
		dead = s.goneFor(owners, alive)
	}
	n := 0
	for _, owner := range append(dead, "") {
		open, err := s.repo.OpenAnswers(ctx, owner, s.now().Add(-AbandonedAfter))
		if err != nil {
			return n, fmt.Errorf("find the answers of %q: %w", owner, err)
		}
		for _, a := range open {
			marked, err := s.interrupt(ctx, a)
			if err != nil {
				return n, fmt.Errorf("mark answer %s interrupted: %w", a.Question, err)
			}
			if marked {
				n++
			}
		}
	}
	return n, nil
}

// goneFor returns the writers missing for OwnerGrace or longer, and
// remembers when the others went missing.
func (s *Service) goneFor(owners []string, alive map[string]bool) []string {
	s.missingMu.Lock()
	defer s.missingMu.Unlock()
	now := s.now()
	seen := make(map[string]time.Time, len(owners))
	var dead []string
	for _, o := range owners {
		if alive[o] || o == s.owner {
			continue
		}
		since, ok := s.missing[o]
		if !ok {
			since = now
		}
		seen[o] = since
		if now.Sub(since) >= s.ownerGrace {
			dead = append(dead, o)
		}
	}
	s.missing = seen
	return dead
}

// interrupt marks one open answer interrupted and records its usage (the
// tokens of the prompt and of what was written) in one transaction, only
// while it is still streaming.
func (s *Service) interrupt(ctx context.Context, a OpenAnswer) (bool, error) {
	tokens, at := s.models.Count(a.Answer), s.now()
	marked := false
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		var err error
		if marked, err = s.repo.Interrupt(ctx, a, tokens, at); err != nil || !marked {
			return err
		}
		assistant, model := a.Assistant, a.Model
		usage := UsageRecord{User: a.User, Assistant: &assistant, Source: "chat", PromptTokens: a.PromptTokens, CompletionTokens: tokens, At: at}
		if model != uuid.Nil {
			usage.Model = &model
		}
		return s.meter.Record(ctx, a.Tenant, usage)
	})
	return marked, err
}
