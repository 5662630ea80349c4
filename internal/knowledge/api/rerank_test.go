package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/platform/testkit"
	tenantsdomain "github.com/agora-platform/agora/internal/tenants/domain"
)

// harbour holds four documents; "guest harbour berth" ranks berths.md
// first by both rankers.
func (l *library) harbour(t *testing.T) map[string]string {
	t.Helper()
	ids := map[string]string{}
	for name, text := range map[string]string{
		"berths.md":  "# Berths\n\nA guest berth in the guest harbour costs 250 kronor a night.",
		"opening.md": "# Opening\n\nThe guest harbour opens on the first of May.",
		"fuel.md":    "# Fuel\n\nThe harbour sells diesel at the fuel quay.",
		"parks.md":   "# Parks\n\nDogs must be kept on a lead in city parks.",
	} {
		ids[name] = l.upload(t, name, []byte(text)).InfoBlob.ID
	}
	return ids
}

// reranker registers a rerank model (and a completion model) served by a
// fake upstream whose reranker prefers passages about diesel.
func (l *library) reranker(t *testing.T) (fake *testkit.FakeAI, rerank, completion string) {
	t.Helper()
	fake = testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"Here is what the documents say."}})
	fake.RerankScore = func(_, doc string) float64 {
		if strings.Contains(doc, "diesel") {
			return 0.9
		}
		return 0.1
	}
	for _, p := range []tenantsdomain.Provider{tenantsdomain.OpenAI, tenantsdomain.VLLM} {
		_, err := l.e.App.Tenants.Service.SetCredential(context.Background(), l.tenant, p,
			tenantsdomain.CredentialInput{APIKey: "sk-upstream", Endpoint: fake.URL()})
		require.NoError(t, err)
	}
	register := func(kind, body string) string {
		rec := l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/"+kind+"-models/", body)
		require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
		id := testkit.JSON[struct{ ID string }](t, rec).ID
		rec = l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/"+kind+"-models/"+id+"/", `{"is_enabled":true}`)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		return id
	}
	rerank = register("rerank", `{"name":"Reranker `+uuid.NewString()[:8]+`","provider_type":"vllm","provider_model":"bge-reranker-v2-m3"}`)
	completion = register("completion", `{"name":"GPT `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"gpt-4o-mini","token_limit":16000}`)
	return fake, rerank, completion
}

func TestARerankModelReordersSearchResults(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Harbour")
	docs := l.harbour(t)
	fake, rerank, completion := l.reranker(t)
	search := func(body string) *http.Response {
		rec := l.e.Do(http.MethodPost, "/api/v1/groups/"+l.collection+"/searches/", body, l.token)
		return rec.Result()
	}
	hits := func(body string) []api.SearchHit {
		t.Helper()
		rec := l.e.Do(http.MethodPost, "/api/v1/groups/"+l.collection+"/searches/", body, l.token)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		return testkit.JSON[api.SearchResponse](t, rec).Items
	}
	plain := hits(`{"search_string":"guest harbour berth","top_k":2}`)
	require.Equal(t, docs["berths.md"], plain[0].InfoBlobID, "fused order without a rerank model")

	reranked := hits(`{"search_string":"guest harbour berth","top_k":2,"rerank_model_id":"` + rerank + `"}`)
	require.Len(t, reranked, 2)
	require.Equal(t, docs["fuel.md"], reranked[0].InfoBlobID, "the rerank model's favourite comes first")
	require.InDelta(t, 0.9, reranked[0].Score, 1e-9, "scores are the rerank model's")
	call := fake.Requests[len(fake.Requests)-1]
	require.Equal(t, "bge-reranker-v2-m3", call["model"])
	require.Equal(t, "guest harbour berth", call["query"])
	require.Len(t, call["documents"], 4, "every fused candidate goes to the reranker, not only the top_k")

	only := hits(`{"search_string":"guest harbour berth","min_score":0.5,"rerank_model_id":"` + rerank + `"}`)
	require.Len(t, only, 1, "min_score applies to the rerank scores")

	var tokens int
	require.NoError(t, l.e.App.DB.NewRaw(`SELECT coalesce(sum(prompt_tokens), 0) FROM usage_records WHERE tenant_id = ? AND source = 'retrieval' AND model_id = ?`,
		l.tenant.UUID, rerank).Scan(context.Background(), &tokens))
	require.Positive(t, tokens, "the rerank calls are metered")

	for body, want := range map[string]int{
		`{"search_string":"harbour","rerank_model_id":"` + completion + `"}`:       http.StatusBadRequest,
		`{"search_string":"harbour","rerank_model_id":"not-a-uuid"}`:               http.StatusBadRequest,
		`{"search_string":"harbour","rerank_model_id":"` + uuid.NewString() + `"}`: http.StatusNotFound,
	} {
		require.Equal(t, want, search(body).StatusCode, body)
	}

	fake.Script(testkit.Reply{Status: http.StatusBadRequest, ErrorBody: `{"error":{"message":"bad documents"}}`})
	resp := search(`{"search_string":"harbour","rerank_model_id":"` + rerank + `"}`)
	require.GreaterOrEqual(t, resp.StatusCode, 400, "a search that asked for reranking says when it failed")
}

func TestAnAssistantWithARerankModelAnswersFromTheRerankedPassages(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Harbour")
	docs := l.harbour(t)
	fake, rerank, completion := l.reranker(t)
	rec := l.e.Do(http.MethodPost, "/api/v1/assistants/", `{"name":"Harbour master","space_id":"`+l.space+`","prompt":{"text":"Answer from the documents."},`+
		`"completion_model":{"id":"`+completion+`"},"groups":[{"id":"`+l.collection+`"}],"retrieval":{"top_k":2}}`, l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	assistant := testkit.JSON[struct {
		ID        string
		Retrieval struct {
			RerankModelID *string `json:"rerank_model_id"`
		}
	}](t, rec)
	require.Nil(t, assistant.Retrieval.RerankModelID, "no rerank model unless one is chosen")
	require.Equal(t, docs["berths.md"], l.askIn(t, assistant.ID, "", "guest harbour berth").References[0].ID)

	for body, field := range map[string]string{
		`{"retrieval":{"rerank_model_id":"` + completion + `"}}`: "must name a rerank model",
		`{"retrieval":{"rerank_model_id":"nope"}}`:               "rerank_model_id",
	} {
		rec := l.e.Do(http.MethodPost, "/api/v1/assistants/"+assistant.ID+"/", body, l.token)
		require.Equal(t, http.StatusBadRequest, rec.Code, body)
		require.Contains(t, rec.Body.String(), field)
	}
	rec = l.e.Do(http.MethodPost, "/api/v1/assistants/"+assistant.ID+"/", `{"retrieval":{"top_k":2,"rerank_model_id":"`+rerank+`"}}`, l.token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), `"rerank_model_id":"`+rerank+`"`)

	done := l.askIn(t, assistant.ID, "", "guest harbour berth")
	require.Equal(t, docs["fuel.md"], done.References[0].ID, "the reranked passage is source 1")
	last := fmt.Sprint(fake.Requests[len(fake.Requests)-1]["messages"])
	require.Less(t, strings.Index(last, "diesel"), strings.Index(last, "250 kronor"), "the prompt gives the reranked passage first")

	fake.Script(testkit.Reply{Status: http.StatusBadRequest, ErrorBody: `{"error":{"message":"too many documents"}}`}, testkit.Reply{Tokens: []string{"Still answered."}})
	done = l.askIn(t, assistant.ID, "", "guest harbour berth")
	require.NotEmpty(t, done.References, "a failing rerank model leaves the fused order; the assistant still answers")
}
