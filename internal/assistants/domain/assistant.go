// Package domain holds assistants and their rules: prompt history, model
// settings validated against the model, and knowledge attachments.
package domain

import (
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Assistant answers questions in a space with a model, a prompt and knowledge.
type Assistant struct {
	ID          uuid.UUID
	Tenant      tenancy.ID
	Space       uuid.UUID
	Name        string
	Description string
	Model       uuid.UUID
	Kwargs      Kwargs
	// Prompt is the selected prompt's text.
	Prompt   string
	Groups   []uuid.UUID
	Websites []uuid.UUID
	// Retrieval shapes how the assistant searches its knowledge.
	Retrieval Retrieval
	// Starters are questions offered in an empty chat.
	Starters  []string
	Published bool
	CreatedBy uuid.UUID
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Kwargs are the generation settings; nil means the model's default.
type Kwargs struct {
	Temperature *float64
	MaxTokens   *int
}

// Retrieval is how an assistant searches its knowledge; zero values take
// the defaults (hybrid, DefaultTopK passages, no minimum score).
type Retrieval struct {
	// Mode is hybrid, vector or text ("": hybrid).
	Mode     string
	TopK     int
	MinScore float64
	// Rerank is a rerank model that reorders the fused passages before
	// the best TopK are kept (uuid.Nil: none).
	Rerank uuid.UUID
}

// DefaultTopK is how many passages an assistant retrieves by default;
// MaxTopK the most it may ask for.
const (
	DefaultTopK = 30
	MaxTopK     = 100
)

// Check validates the settings, naming the field at fault.
func (r Retrieval) Check() error {
	switch {
	case r.Mode != "" && r.Mode != "hybrid" && r.Mode != "vector" && r.Mode != "text":
		return errs.InvalidField("retrieval.mode", "retrieval.mode must be hybrid, vector or text, not %q", r.Mode)
	case r.TopK < 0 || r.TopK > MaxTopK:
		return errs.InvalidField("retrieval.top_k", "retrieval.top_k must be between 1 and %d (0: %d)", MaxTopK, DefaultTopK)
	case !(r.MinScore >= 0 && r.MinScore <= 1):
		return errs.InvalidField("retrieval.min_score", "retrieval.min_score must be between 0 and 1")
	}
	return nil
}

// Prompt is one version of an assistant's prompt; every change is kept.
type Prompt struct {
	ID        uuid.UUID
	Text      string
	Selected  bool
	CreatedBy uuid.UUID
	CreatedAt time.Time
}

// Limits on assistants.
const (
	MaxPromptLen   = 100_000
	MaxAttachments = 50
	MaxTemperature = 2.0
)

// Errors of the assistants domain.
var (
	ErrNotFound        = errs.New(errs.NotFound, "assistant not found")
	ErrKeyNotFound     = errs.New(errs.NotFound, "assistant API key not found")
	ErrNoPermission    = errs.New(errs.Forbidden, "your organisation role does not allow creating assistants")
	ErrModelNotInSpace = errs.New(errs.Invalid, "this model is not enabled in the assistant's space")
)

// Describe validates and sets name and description; nil keeps a field.
func (a *Assistant) Describe(name, description *string) error {
	if name != nil {
		n := strings.TrimSpace(*name)
		if c := utf8.RuneCountInString(n); c < 1 || c > 200 {
			return errs.New(errs.Invalid, "name must be 1 to 200 characters")
		}
		a.Name = n
	}
	if description != nil {
		d := strings.TrimSpace(*description)
		if utf8.RuneCountInString(d) > 2000 {
			return errs.New(errs.Invalid, "description must be at most 2000 characters")
		}
		a.Description = d
	}
	return nil
}

// Limits on starter questions.
const (
	MaxStarters   = 6
	MaxStarterLen = 300
)

// SetStarters validates and sets the starter questions: blank ones are
// dropped, the rest trimmed, at most MaxStarters of at most MaxStarterLen
// characters, none twice.
func (a *Assistant) SetStarters(qs []string) error {
	out := make([]string, 0, len(qs))
	for _, q := range qs {
		q = strings.TrimSpace(q)
		if q == "" {
			continue
		}
		if utf8.RuneCountInString(q) > MaxStarterLen {
			return errs.InvalidField("starter_questions", "starter_questions: each question must be at most %d characters", MaxStarterLen)
		}
		if slices.Contains(out, q) {
			return errs.InvalidField("starter_questions", "starter_questions: %q is given twice", q)
		}
		out = append(out, q)
	}
	if len(out) > MaxStarters {
		return errs.InvalidField("starter_questions", "starter_questions: at most %d questions", MaxStarters)
	}
	a.Starters = out
	return nil
}

// CheckPrompt validates a prompt text (it may be empty).
func CheckPrompt(text string) error {
	if utf8.RuneCountInString(text) > MaxPromptLen {
		return errs.Newf(errs.Invalid, "prompt.text must be at most %d characters", MaxPromptLen)
	}
	return nil
}

// CheckKwargs validates the settings against the model's token limit.
func (k Kwargs) Check(tokenLimit int) error {
	if t := k.Temperature; t != nil && (*t < 0 || *t > MaxTemperature) {
		return errs.Newf(errs.Invalid, "completion_model_kwargs.temperature must be between 0 and %g", MaxTemperature)
	}
	if m := k.MaxTokens; m != nil && (*m < 1 || *m > tokenLimit) {
		return errs.Newf(errs.Invalid, "completion_model_kwargs.max_tokens must be between 1 and the model's limit of %d", tokenLimit)
	}
	return nil
}

// CheckAttachments bounds and de-duplicates knowledge ids.
func CheckAttachments(groups, websites []uuid.UUID) ([]uuid.UUID, []uuid.UUID, error) {
	if len(groups)+len(websites) > MaxAttachments {
		return nil, nil, errs.Newf(errs.Invalid, "an assistant can use at most %d collections and websites", MaxAttachments)
	}
	return dedupe(groups), dedupe(websites), nil
}

func dedupe(ids []uuid.UUID) []uuid.UUID {
	seen := map[uuid.UUID]bool{}
	out := []uuid.UUID{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
