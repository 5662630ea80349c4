// Package domain holds chat sessions and their rules: question limits,
// prompt-injection flags, titles, feedback and the prompt budget.
package domain

import (
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Session is a conversation of one user with one assistant.
type Session struct {
	ID        uuid.UUID
	Tenant    tenancy.ID
	User      uuid.UUID
	Assistant uuid.UUID
	// Key is the assistant-scoped API key the session was started through
	// (zero: the user's own sign-in or API key). Such a key sees only the
	// sessions it started.
	Key       uuid.UUID
	Title     string
	Questions []Question
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Status is how an answer ended.
type Status string

// The statuses: streaming (being written now); complete; partial (the
// provider failed mid-answer); cancelled (the client went away); failed
// (no answer at all); interrupted (the process writing it died; what it
// had written is kept).
const (
	Streaming   Status = "streaming"
	Complete    Status = "complete"
	Partial     Status = "partial"
	Cancelled   Status = "cancelled"
	Failed      Status = "failed"
	Interrupted Status = "interrupted"
)

// Reference is a source an answer drew on.
type Reference struct {
	ID        string  `json:"id"`
	Title     string  `json:"title"`
	URL       string  `json:"url,omitempty"`
	GroupID   string  `json:"group_id,omitempty"`
	WebsiteID string  `json:"website_id,omitempty"`
	Score     float64 `json:"score"`
	// Section is the path of headings above the passage; Page the page
	// (slide, sheet) it starts on, 0 when the document has none.
	Section string `json:"section,omitempty"`
	Page    int    `json:"page,omitempty"`
	// FileURL opens the uploaded document, at the page for a PDF.
	FileURL string     `json:"file_url,omitempty"`
	Chunk   *ChunkText `json:"chunk,omitempty"`
}

// Label names the reference for a reader: its title, section and page.
func (r Reference) Label() string {
	out := r.Title
	if r.Section != "" {
		out += " — " + r.Section
	}
	if r.Page > 0 {
		out += " (" + pageWord + " " + strconv.Itoa(r.Page) + ")"
	}
	return out
}

// pageWord is how a label names a page; "s." reads as page in Swedish
// and as short for it in English.
const pageWord = "s."

// ChunkText is the passage a reference points at.
type ChunkText struct {
	Text    string `json:"text"`
	ChunkNo int    `json:"chunk_no"`
}

var citation = regexp.MustCompile(`\[(\d{1,3})\]`)

// Citations returns the source numbers text cites as [n], in order.
func Citations(text string) []int {
	var out []int
	for _, m := range citation.FindAllStringSubmatch(text, -1) {
		n, _ := strconv.Atoi(m[1])
		out = append(out, n)
	}
	return out
}

// Question is one question and its answer.
type Question struct {
	ID               uuid.UUID
	Question         string
	Answer           string
	Status           Status
	ErrorCode        string
	Model            uuid.UUID
	PromptTokens     int
	CompletionTokens int
	// TTFT is the time to the first token; zero when none came.
	TTFT         time.Duration
	Total        time.Duration
	FinishReason string
	References   []Reference
	Flags        []string
	// Files are the files the question attached.
	Files         []uuid.UUID
	Analysis      map[string]any
	FeedbackValue int
	FeedbackText  string
	CreatedAt     time.Time
}

// VisibleTo reports whether a caller that authenticated with the
// assistant-scoped key key (zero: not through such a key) may see the
// session: a key sees only the sessions it started; the user's own
// credentials see all of the user's sessions.
func (s Session) VisibleTo(key uuid.UUID) bool { return key == uuid.Nil || s.Key == key }

// HasUsage reports whether the provider reported token counts.
func (q Question) HasUsage() bool { return q.PromptTokens > 0 || q.CompletionTokens > 0 }

// Errors of the sessions domain.
var (
	ErrNotFound         = errs.New(errs.NotFound, "session not found")
	ErrQuestionNotFound = errs.New(errs.NotFound, "question not found in this session")
	ErrEmptyQuestion    = errs.New(errs.Invalid, "question must not be empty")
	ErrBadFeedback      = errs.New(errs.Invalid, "feedback value must be -1 or 1, and text at most 2000 characters")
)

// CheckQuestion validates a question against the size limit.
func CheckQuestion(q string, maxChars int) error {
	q = strings.TrimSpace(q)
	if q == "" {
		return ErrEmptyQuestion
	}
	if n := utf8.RuneCountInString(q); n > maxChars {
		return errs.Newf(errs.TooLarge, "the question is too long: %d characters, at most %d", n, maxChars)
	}
	return nil
}

// TitleFrom makes a session title from its first question: the first line,
// cut at a word boundary near 60 characters.
func TitleFrom(q string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(q), "\n")
	r := []rune(strings.TrimSpace(line))
	if len(r) <= 60 {
		return string(r)
	}
	cut := 60
	for i := 60; i > 30; i-- {
		if r[i] == ' ' {
			cut = i
			break
		}
	}
	return strings.TrimSpace(string(r[:cut])) + "…"
}

// CheckTitle validates a title a user gives.
func CheckTitle(t string) (string, error) {
	t = strings.TrimSpace(t)
	if n := utf8.RuneCountInString(t); n < 1 || n > 200 {
		return "", errs.New(errs.Invalid, "title must be 1 to 200 characters")
	}
	return t, nil
}

// CheckFeedback validates feedback.
func CheckFeedback(value int, text string) error {
	if (value != -1 && value != 1) || utf8.RuneCountInString(text) > 2000 {
		return ErrBadFeedback
	}
	return nil
}

// Budget splits a model's context between the answer, history and
// knowledge: the answer keeps its maximum (a quarter of the window when
// unset), history gets about a fifth of the window, knowledge up to 40 %.
type Budget struct {
	Answer    int
	History   int
	Knowledge int
	Total     int
}

// BudgetFor returns the budget of a model with tokenLimit.
func BudgetFor(tokenLimit int, maxTokens *int) Budget {
	answer := tokenLimit / 4
	if maxTokens != nil && *maxTokens < tokenLimit {
		answer = *maxTokens
	}
	return Budget{Answer: answer, History: tokenLimit / 5, Knowledge: tokenLimit * 2 / 5, Total: tokenLimit}
}

// FitHistory keeps the newest turns whose token cost fits the budget,
// returning them oldest first.
func FitHistory(turns []Question, budget int, cost func(Question) int) []Question {
	used := 0
	start := len(turns)
	for i := len(turns) - 1; i >= 0; i-- {
		c := cost(turns[i])
		if used+c > budget {
			break
		}
		used += c
		start = i
	}
	return turns[start:]
}
