package api_test

import (
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestAssistantsAnswerFromTheirKnowledge: an assistant on the local
// answerer with a collection answers from the one document that holds the
// answer, streams references naming it, and the session keeps them.
func TestAssistantsAnswerFromTheirKnowledge(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Service rules")
	l.upload(t, "permits.pdf", testkit.PDF(false, "Residents apply for parking permits online.", "A parking permit costs 500 kronor a month."))
	l.upload(t, "schools.docx", testkit.DOCX("School meals are free for every pupil."))

	assistant := l.assistant(t)
	done := l.ask(t, assistant, "What does a parking permit cost?")
	require.Contains(t, done.Answer, "A parking permit costs 500 kronor a month [1].")
	require.Len(t, done.References, 1, "only the cited document: %+v", done.References)
	require.Equal(t, "permits.pdf", done.References[0].Title)
	require.Contains(t, done.References[0].Chunk.Text, "500 kronor")
	require.Positive(t, done.References[0].Score)

	sess := testkit.JSON[struct {
		Questions []struct {
			References []struct{ Title string }
		}
	}](t, l.e.Do(http.MethodGet, "/api/v1/conversations/"+done.SessionID+"/", "", l.token))
	require.Equal(t, "permits.pdf", sess.Questions[0].References[0].Title, "stored with the answer")

	other := newLibrary(t, l.e, "Elsewhere")
	rec := l.e.Do(http.MethodPost, "/api/v1/assistants/"+assistant+"/", `{"groups":[{"id":"`+other.collection+`"}]}`, l.token)
	require.Equal(t, http.StatusBadRequest, rec.Code, "a collection of another space (here, tenant) cannot be attached")
}

// assistant makes an assistant on the local answerer over the library's
// collection.
func (l *library) assistant(t *testing.T) string {
	t.Helper()
	return l.assistantOver(t, `"groups":[{"id":"`+l.collection+`"}]`)
}

// assistantOver makes an assistant on the local answerer with the given
// knowledge fields ("groups" and "websites").
func (l *library) assistantOver(t *testing.T, knowledge string) string {
	t.Helper()
	rec := l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/", `{"name":"Local answerer `+uuid.NewString()[:8]+`","provider_type":"local","provider_model":"extractive","token_limit":8192}`)
	require.Equal(t, http.StatusCreated, rec.Code)
	model := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/completion-models/"+model+"/", `{"is_enabled":true,"is_default":true}`).Code)
	rec = l.e.Do(http.MethodPost, "/api/v1/assistants/", `{"name":"Clerk","space_id":"`+l.space+`","prompt":{"text":"Answer from the documents."},`+knowledge+`}`, l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	return testkit.JSON[struct{ ID string }](t, rec).ID
}

// streamedAnswer is a done event.
type streamedAnswer struct {
	SessionID  string `json:"session_id"`
	Answer     string
	References []struct {
		ID, Title, URL, Section string
		Page                    int
		FileURL                 string `json:"file_url"`
		Score                   float64
		Chunk                   struct{ Text string }
	}
}

// ask streams a question to the assistant in a new session over real
// HTTP and returns the done event.
func (l *library) ask(t *testing.T, assistant, question string) streamedAnswer {
	t.Helper()
	return l.askIn(t, assistant, "", question)
}
