package api_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/platform/testkit"
	tenantsdomain "github.com/agora-platform/agora/internal/tenants/domain"
)

// askIn streams a question in a session (none: a new one) over real HTTP
// and returns the done event (a zero one when the request failed).
func (l *library) askIn(t *testing.T, assistant, session, question string) streamedAnswer {
	t.Helper()
	srv := httptest.NewServer(l.e.H)
	t.Cleanup(srv.Close)
	body := fmt.Sprintf(`{"assistant_id":%q,"question":%q,"stream":true}`, assistant, question)
	if session != "" {
		body = fmt.Sprintf(`{"assistant_id":%q,"session_id":%q,"question":%q,"stream":true}`, assistant, session, question)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/conversations/", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+l.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var done streamedAnswer
	event := ""
	for sc := bufio.NewScanner(resp.Body); sc.Scan(); {
		line := sc.Text()
		if name, ok := strings.CutPrefix(line, "event: "); ok {
			event = name
		}
		if data, ok := strings.CutPrefix(line, "data: "); ok && event == "done" {
			require.NoError(t, json.Unmarshal([]byte(data), &done))
		}
	}
	return done
}

// permitsAndLibrary adds two documents that both say what something costs.
func (l *library) permitsAndLibrary(t *testing.T) (permits, library string) {
	t.Helper()
	permits = l.upload(t, "permits.txt", []byte("Residents apply for a parking permit at the service centre. A parking permit costs 500 kronor a year.")).InfoBlob.ID
	library = l.upload(t, "library.txt", []byte("Anyone may borrow books with a library card. A new library card costs 20 kronor.")).InfoBlob.ID
	return permits, library
}

func TestAFollowUpRetrievesWithItsContextLocally(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Services")
	permits, _ := l.permitsAndLibrary(t)
	assistant := l.assistant(t)
	first := l.askIn(t, assistant, "", "How do I get a parking permit?")
	require.Equal(t, permits, first.References[0].ID)
	follow := l.askIn(t, assistant, first.SessionID, "And what does it cost?")
	require.NotEmpty(t, follow.References)
	require.Equal(t, permits, follow.References[0].ID, "the follow-up searches with the first question's terms")
	require.Contains(t, follow.Answer, "500 kronor")
}

func TestAFollowUpIsCondensedByTheLanguageModel(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Services")
	permits, _ := l.permitsAndLibrary(t)
	fake := testkit.NewFakeAI(t,
		testkit.Reply{Tokens: []string{"You apply at the service centre [1]."}},
		testkit.Reply{Tokens: []string{"parking permit price"}, Usage: [2]int{90, 4}},
		testkit.Reply{Tokens: []string{"It costs 500 kronor a year [1]."}})
	_, err := l.e.App.Tenants.Service.SetCredential(context.Background(), l.tenant, tenantsdomain.OpenAI,
		tenantsdomain.CredentialInput{APIKey: "sk-upstream", Endpoint: fake.URL()})
	require.NoError(t, err)
	rec := l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/completion-models/",
		`{"name":"GPT `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"gpt-4o-mini","token_limit":16000}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	model := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/completion-models/"+model+"/", `{"is_enabled":true}`).Code)
	rec = l.e.Do(http.MethodPost, "/api/v1/assistants/", `{"name":"Clerk","space_id":"`+l.space+`","prompt":{"text":"Answer from the documents."},`+
		`"completion_model":{"id":"`+model+`"},"groups":[{"id":"`+l.collection+`"}]}`, l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assistant := testkit.JSON[struct{ ID string }](t, rec).ID

	first := l.askIn(t, assistant, "", "How do I get a parking permit?")
	follow := l.askIn(t, assistant, first.SessionID, "And what does it cost?")
	require.Len(t, fake.Requests, 3, "one short call condenses the follow-up")
	condense := fmt.Sprint(fake.Requests[1]["messages"])
	require.Contains(t, condense, "standalone search query")
	require.Contains(t, condense, "How do I get a parking permit?", "it sees the earlier turn")
	require.Contains(t, condense, "And what does it cost?")
	require.Equal(t, permits, follow.References[0].ID, "the condensed query finds the permit document")

	var tokens int
	require.NoError(t, l.e.App.DB.NewRaw(`SELECT coalesce(sum(prompt_tokens + completion_tokens), 0) FROM usage_records
		WHERE tenant_id = ? AND prompt_tokens = 90 AND completion_tokens = 4`, l.tenant.UUID).Scan(context.Background(), &tokens))
	require.Equal(t, 94, tokens, "the condensing call's tokens are counted")
}

func TestTheLocalAnswererListsOnlyWhatItQuoted(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Services")
	permits, _ := l.permitsAndLibrary(t)
	assistant := l.assistant(t)
	done := l.askIn(t, assistant, "", "What does a parking permit cost?")
	require.Len(t, done.References, 1, "the library document was found too but not quoted: %+v", done.References)
	require.Equal(t, permits, done.References[0].ID)
	done = l.askIn(t, assistant, "", "Vilka öppettider har simhallen?")
	require.Equal(t, "Jag hittade inget om det här i den kunskap jag fick.", done.Answer)
	require.Empty(t, done.References, "nothing quoted, nothing listed")
}
