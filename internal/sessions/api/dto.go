package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/sessions/application"
	"github.com/agora-platform/agora/internal/sessions/domain"
)

// FileRef refers to an uploaded file.
type FileRef struct {
	ID string `json:"id" format:"uuid"`
} // @name FileRef

// AskRequest is a question to an assistant.
type AskRequest struct {
	Question string    `json:"question" example:"What does a parking permit cost?"`
	Files    []FileRef `json:"files,omitempty"`
	Stream   bool      `json:"stream"`
} // @name AskRequest

// ConversationRequest is a question through /conversations/.
type ConversationRequest struct {
	Question    string    `json:"question"`
	SessionID   string    `json:"session_id,omitempty" format:"uuid"`
	AssistantID string    `json:"assistant_id,omitempty" format:"uuid"`
	Files       []FileRef `json:"files,omitempty"`
	Stream      bool      `json:"stream"`
	// ReplaceQuestionID asks again in that question's place (regenerate,
	// or edit and resend): it and the later questions of the session
	// leave the conversation.
	ReplaceQuestionID string `json:"replace_question_id,omitempty" format:"uuid"`
} // @name ConversationRequest

// ChatLimits is what a question may hold.
type ChatLimits struct {
	MaxQuestionChars int `json:"max_question_chars" example:"20000"`
} // @name ChatLimits

// ModelRef names the model that answered.
type ModelRef struct {
	ID   string `json:"id" format:"uuid"`
	Name string `json:"name"`
	// Offline is the built-in extractive model: it quotes the documents
	// and is no language model.
	Offline bool `json:"offline"`
} // @name ModelRef

// UsageDTO counts tokens.
type UsageDTO struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
} // @name ChatUsage

// AnswerResponse is an answer with its question.
type AnswerResponse struct {
	ID              string             `json:"id" format:"uuid"`
	SessionID       string             `json:"session_id" format:"uuid"`
	Question        string             `json:"question"`
	Answer          string             `json:"answer"`
	References      []domain.Reference `json:"references"`
	Files           []FileRef          `json:"files"`
	CreatedAt       time.Time          `json:"created_at"`
	CompletionModel ModelRef           `json:"completion_model"`
	Usage           *UsageDTO          `json:"usage,omitempty"`
	FinishReason    string             `json:"finish_reason,omitempty"`
	Status          string             `json:"status,omitempty"`
	// Flags are the question's warnings, such as likely_prompt_injection.
	Flags []string `json:"flags"`
} // @name Answer

// QuestionResponse is a stored question and answer.
type QuestionResponse struct {
	ID               string             `json:"id" format:"uuid"`
	Question         string             `json:"question"`
	Answer           string             `json:"answer"`
	Status           string             `json:"status" enums:"streaming,complete,partial,cancelled,failed,interrupted"`
	References       []domain.Reference `json:"references"`
	Files            []FileRef          `json:"files"`
	CompletionModel  string             `json:"completion_model_id" format:"uuid"`
	Model            ModelRef           `json:"completion_model"`
	PromptTokens     int                `json:"prompt_tokens"`
	CompletionTokens int                `json:"completion_tokens"`
	TTFTMs           *int64             `json:"time_to_first_token_ms"`
	TotalMs          int64              `json:"total_ms"`
	FinishReason     string             `json:"finish_reason"`
	Flags            []string           `json:"flags"`
	Feedback         *int               `json:"feedback"`
	FeedbackText     string             `json:"feedback_text,omitempty"`
	CreatedAt        time.Time          `json:"created_at"`
} // @name SessionQuestion

// SessionResponse is a session with its questions.
type SessionResponse struct {
	ID          string             `json:"id" format:"uuid"`
	Name        string             `json:"name"`
	AssistantID string             `json:"assistant_id" format:"uuid"`
	Questions   []QuestionResponse `json:"questions"`
	CreatedAt   time.Time          `json:"created_at"`
	UpdatedAt   time.Time          `json:"updated_at"`
} // @name Session

// SessionSummary is a session in a list.
type SessionSummary struct {
	ID          string    `json:"id" format:"uuid"`
	Name        string    `json:"name"`
	AssistantID string    `json:"assistant_id" format:"uuid"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
} // @name SessionSummary

// SessionList is a page of sessions; pass next_cursor for the next page.
type SessionList struct {
	Items      []SessionSummary `json:"items"`
	Count      int              `json:"count"`
	NextCursor string           `json:"next_cursor,omitempty"`
} // @name SessionList

// FeedbackRequest rates an answer (the latest when question_id is absent).
type FeedbackRequest struct {
	Value      int    `json:"value" enums:"-1,1"`
	Text       string `json:"text,omitempty"`
	QuestionID string `json:"question_id,omitempty" format:"uuid"`
} // @name FeedbackRequest

// TitleRequest names a session (empty: from its first question).
type TitleRequest struct {
	Title string `json:"title"`
} // @name TitleRequest

func answerOf(t *application.Turn, withText bool) AnswerResponse {
	a := AnswerResponse{ID: t.Question.ID.String(), SessionID: t.Session.ID.String(), Question: t.Question.Question,
		References: t.References(), Files: fileRefs(t.Question.Files), CreatedAt: t.Question.CreatedAt,
		CompletionModel: ModelRef{ID: t.Model.ID.String(), Name: t.Model.Name, Offline: t.Model.Local}, Flags: nonNilFlags(t.Question.Flags)}
	if withText {
		a.Answer = t.Answer()
	}
	return a
}

func fileRefs(ids []uuid.UUID) []FileRef {
	out := make([]FileRef, len(ids))
	for i, id := range ids {
		out[i] = FileRef{ID: id.String()}
	}
	return out
}

func nonNilFlags(fs []string) []string {
	if fs == nil {
		return []string{}
	}
	return fs
}

func toSession(s domain.Session, models map[uuid.UUID]application.ModelInfo) SessionResponse {
	out := SessionResponse{ID: s.ID.String(), Name: s.Title, AssistantID: s.Assistant.String(), Questions: []QuestionResponse{},
		CreatedAt: s.CreatedAt, UpdatedAt: s.UpdatedAt}
	for _, q := range s.Questions {
		r := QuestionResponse{ID: q.ID.String(), Question: q.Question, Answer: q.Answer, Status: string(q.Status), References: q.References,
			Files: fileRefs(q.Files), CompletionModel: q.Model.String(), PromptTokens: q.PromptTokens, CompletionTokens: q.CompletionTokens,
			TotalMs: q.Total.Milliseconds(), FinishReason: q.FinishReason, Flags: nonNilFlags(q.Flags), FeedbackText: q.FeedbackText, CreatedAt: q.CreatedAt}
		if m, ok := models[q.Model]; ok {
			r.Model = ModelRef{ID: m.ID.String(), Name: m.Name, Offline: m.Local}
		} else {
			r.Model = ModelRef{ID: q.Model.String()}
		}
		if q.TTFT > 0 {
			ms := q.TTFT.Milliseconds()
			r.TTFTMs = &ms
		}
		if q.FeedbackValue != 0 {
			v := q.FeedbackValue
			r.Feedback = &v
		}
		out.Questions = append(out.Questions, r)
	}
	return out
}
