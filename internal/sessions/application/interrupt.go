package application

import (
	"context"
	"fmt"
	"time"
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
	owners, err := s.Repo.StreamOwners(ctx)
	if err != nil {
		return 0, fmt.Errorf("find answers streaming: %w", err)
	}
	var dead []string
	if len(owners) > 0 && s.Owners != nil {
		alive, err := s.Owners.Alive(ctx, owners)
		if err != nil {
			return 0, fmt.Errorf("ask which answer writers are alive: %w", err)
		}
		dead = s.goneFor(owners, alive)
	}
	n := 0
	for _, owner := range append(dead, "") {
		open, err := s.Repo.OpenAnswers(ctx, owner, s.now().Add(-AbandonedAfter))
		if err != nil {
			return n, fmt.Errorf("find the answers of %q: %w", owner, err)
		}
		for _, a := range open {
			marked, err := s.Repo.Interrupt(ctx, a, s.Generator.Count(a.Answer), s.now())
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
		if alive[o] || o == s.Owner {
			continue
		}
		since, ok := s.missing[o]
		if !ok {
			since = now
		}
		seen[o] = since
		if now.Sub(since) >= s.OwnerGrace {
			dead = append(dead, o)
		}
	}
	s.missing = seen
	return dead
}
