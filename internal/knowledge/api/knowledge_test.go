package api_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/httpx"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/internal/users/domain"
)

// library is a tenant with a local embedding model as its default, an
// Owner, and a collection in the Owner's personal space.
type library struct {
	e          *apptest.Env
	tenant     tenancy.ID
	token      string
	space      string
	collection string
}

func newLibrary(t *testing.T, e *apptest.Env, name string) *library {
	t.Helper()
	l := &library{e: e, tenant: e.Tenant(t)}
	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/embedding-models/", `{"name":"Local `+uuid.NewString()[:8]+`","provider_type":"local","provider_model":"hash","dimensions":384}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	model := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/embedding-models/"+model+"/", `{"is_enabled":true,"is_default":true}`).Code)
	l.token, _ = e.Token(t, l.tenant, domain.RoleOwner)
	l.space = testkit.JSON[struct{ ID string }](t, e.Do(http.MethodGet, "/api/v1/spaces/type/personal/", "", l.token)).ID
	rec = e.Do(http.MethodPost, "/api/v1/groups/", `{"name":"`+name+`","space_id":"`+l.space+`"}`, l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	l.collection = testkit.JSON[api.CollectionResponse](t, rec).ID
	return l
}

// upload sends a document and runs its ingestion as the worker would.
func (l *library) upload(t *testing.T, name string, content []byte) api.AcceptedResponse {
	t.Helper()
	rec := testkit.Upload(l.e.H, "/api/v1/groups/"+l.collection+"/info-blobs/upload/", "file", name, content, "Authorization", "Bearer "+l.token)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	a := testkit.JSON[api.AcceptedResponse](t, rec)
	l.work(t, a)
	return a
}

func (l *library) work(t *testing.T, a api.AcceptedResponse) {
	t.Helper()
	if a.Duplicate {
		return
	}
	err := l.e.App.Knowledge.Knowledge.Ingest(context.Background(), application.IngestPayload{Tenant: l.tenant,
		Job: uuid.MustParse(a.ID), Blob: uuid.MustParse(a.InfoBlob.ID)})
	require.NoError(t, err)
}

func (l *library) job(t *testing.T, id string) map[string]any {
	t.Helper()
	return testkit.JSON[map[string]any](t, l.e.Do(http.MethodGet, "/api/v1/jobs/"+id+"/", "", l.token))
}

func (l *library) search(t *testing.T, token, collection, query string) []api.SearchHit {
	t.Helper()
	rec := l.e.Do(http.MethodPost, "/api/v1/groups/"+collection+"/searches/", `{"search_string":"`+query+`","num_chunks":5}`, token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return testkit.JSON[api.SearchResponse](t, rec).Items
}

func TestIngestEveryFormatAndSearch(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Municipal rules")
	docs := map[string][]byte{
		"parking.pdf":  testkit.PDF(false, "Parking permits for residents cost 500 kronor a month.", "Apply at the service centre."),
		"schools.docx": testkit.DOCX("School meals are free for every pupil.", "Menus are published each Friday."),
		"fees.xlsx":    testkit.XLSX([]string{"Service", "Fee"}, []string{"Library card replacement", "20 kronor"}),
		"snow.pptx":    testkit.PPTX("Winter", "Snow clearing of cycle paths starts before seven."),
		"waste.html":   []byte("<html><head><title>Waste</title><script>x()</script></head><body><h1>Recycling</h1><p>Glass goes to the green containers.</p></body></html>"),
		"notes.md":     []byte("# Harbour\n\nThe guest harbour opens on the first of May."),
	}
	for name, content := range docs {
		a := l.upload(t, name, content)
		job := l.job(t, a.ID)
		require.Equal(t, "complete", job["status"], "%s: %v", name, job)
		require.Equal(t, 100.0, job["progress"])
		blob := testkit.JSON[api.InfoBlobResponse](t, l.e.Do(http.MethodGet, a.ResultLocation, "", l.token))
		require.Equal(t, "ready", blob.Status, name)
		require.Positive(t, blob.Chunks, name)
	}
	for query, want := range map[string]string{
		"how much does a parking permit cost": "parking.pdf",
		"are school meals free":               "schools.docx",
		"replacement library card fee":        "fees.xlsx",
		"when is snow cleared on cycle paths": "snow.pptx",
		"where does glass go":                 "waste.html",
		"when does the guest harbour open":    "notes.md",
	} {
		hits := l.search(t, l.token, l.collection, query)
		require.NotEmpty(t, hits, query)
		require.Equal(t, want, hits[0].URL, "%q finds %s first; got %+v", query, want, hits[0])
	}
	col := testkit.JSON[api.CollectionResponse](t, l.e.Do(http.MethodGet, "/api/v1/groups/"+l.collection+"/", "", l.token))
	require.Equal(t, 6, col.InfoBlobs)
	require.EqualValues(t, 6, col.Chunks)
	space := testkit.JSON[struct {
		Groups []struct {
			ID        string
			InfoBlobs int `json:"info_blobs"`
		}
	}](t, l.e.Do(http.MethodGet, "/api/v1/spaces/"+l.space+"/knowledge/", "", l.token))
	require.Len(t, space.Groups, 1, "the space lists its collection")
	require.Equal(t, l.collection, space.Groups[0].ID)
	require.Equal(t, 6, space.Groups[0].InfoBlobs)
	listed := testkit.JSON[api.CollectionList](t, l.e.Do(http.MethodGet, "/api/v1/groups/", "", l.token))
	require.Equal(t, 1, listed.Count)
	blobs := testkit.JSON[api.InfoBlobList](t, l.e.Do(http.MethodGet, "/api/v1/groups/"+l.collection+"/info-blobs/", "", l.token))
	require.Equal(t, 6, blobs.Count)
}

func TestIngestIsIdempotentAndDeletesClean(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Rules")
	text := []byte(strings.Repeat("The council meets on Tuesdays in the town hall. ", 200))
	a := l.upload(t, "council.txt", text)
	blob := testkit.JSON[api.InfoBlobResponse](t, l.e.Do(http.MethodGet, a.ResultLocation, "", l.token))
	require.Greater(t, blob.Chunks, 1)

	// A retry of the task (the worker died after writing) changes nothing.
	_, err := l.e.App.DB.NewUpdate().Table("jobs").Set("status = 'queued'").Where("id = ?", a.ID).Exec(context.Background())
	require.NoError(t, err)
	require.NoError(t, l.e.App.Knowledge.Knowledge.Ingest(context.Background(), application.IngestPayload{Tenant: l.tenant,
		Job: uuid.MustParse(a.ID), Blob: uuid.MustParse(a.InfoBlob.ID)}))
	chunks := func() int {
		n, err := l.e.App.DB.NewSelect().Table("chunks").Where("tenant_id = ?", l.tenant.UUID).Count(context.Background())
		require.NoError(t, err)
		return int(n)
	}
	require.Equal(t, blob.Chunks, chunks(), "no duplicate chunks after a retry")
	// The term table matches the chunks: every lexeme's document frequency.
	terms := func() map[string]int {
		var rows []struct {
			Lexeme string
			DF     int
		}
		require.NoError(t, l.e.App.DB.NewRaw("SELECT lexeme, df FROM collection_terms WHERE tenant_id = ? AND df > 0", l.tenant.UUID).
			Scan(context.Background(), &rows))
		out := map[string]int{}
		for _, r := range rows {
			out[r.Lexeme] = r.DF
		}
		return out
	}
	n := blob.Chunks
	require.Equal(t, map[string]int{"council.txt": n, "the": n, "council": n, "meets": n, "on": n, "tuesdays": n, "in": n, "town": n, "hall": n},
		terms(), "document frequencies (the title is indexed with every chunk) are counted once, also after a retry")
	col := testkit.JSON[api.CollectionResponse](t, l.e.Do(http.MethodGet, "/api/v1/groups/"+l.collection+"/", "", l.token))
	require.EqualValues(t, blob.Chunks, col.Chunks, "the totals are right too")

	again := testkit.JSON[api.AcceptedResponse](t, testkit.Upload(l.e.H, "/api/v1/groups/"+l.collection+"/info-blobs/upload/", "file", "copy.txt", text,
		"Authorization", "Bearer "+l.token))
	require.True(t, again.Duplicate, "the same content again")
	require.Equal(t, a.InfoBlob.ID, again.InfoBlob.ID)
	require.Equal(t, "complete", l.job(t, again.ID)["status"])
	require.Equal(t, blob.Chunks, chunks())

	require.Equal(t, http.StatusNoContent, l.e.Do(http.MethodDelete, a.ResultLocation, "", l.token).Code)
	require.Zero(t, chunks(), "a deleted document's chunks are gone")
	require.Empty(t, terms(), "and so are its terms")
	col = testkit.JSON[api.CollectionResponse](t, l.e.Do(http.MethodGet, "/api/v1/groups/"+l.collection+"/", "", l.token))
	require.Zero(t, col.Chunks)

	l.upload(t, "other.txt", []byte("Something else entirely."))
	require.Equal(t, 1, chunks())
	require.Equal(t, http.StatusNoContent, l.e.Do(http.MethodDelete, "/api/v1/groups/"+l.collection+"/", "", l.token).Code)
	require.Zero(t, chunks(), "a deleted collection's chunks are gone")
}

func TestBadDocuments(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Inbox")
	upload := func(name string, content []byte) (int, string) {
		rec := testkit.Upload(l.e.H, "/api/v1/groups/"+l.collection+"/info-blobs/upload/", "file", name, content, "Authorization", "Bearer "+l.token)
		if rec.Code != http.StatusAccepted {
			return rec.Code, testkit.JSON[httpx.ErrorBody](t, rec).Message
		}
		a := testkit.JSON[api.AcceptedResponse](t, rec)
		l.work(t, a)
		job := l.job(t, a.ID)
		blob := testkit.JSON[api.InfoBlobResponse](t, l.e.Do(http.MethodGet, a.ResultLocation, "", l.token))
		require.Equal(t, "failed", blob.Status, name)
		return http.StatusAccepted, job["status"].(string) + ": " + job["message"].(string)
	}
	good := testkit.PDF(false, "Plenty of readable text in this document.")
	for name, tc := range map[string]struct {
		file    string
		content []byte
		status  int
		says    string
	}{
		"corrupt pdf":      {"broken.pdf", good[:len(good)/2], http.StatusAccepted, "failed: broken.pdf: the file is damaged"},
		"encrypted pdf":    {"secret.pdf", testkit.PDF(true, "secret"), http.StatusAccepted, "failed: secret.pdf: the document is password-protected"},
		"zip bomb as docx": {"bomb.docx", testkit.ZipBombDOCX(), http.StatusAccepted, "failed: bomb.docx: the document expands to far more"},
		"empty":            {"empty.txt", nil, http.StatusBadRequest, "empty.txt is empty"},
		"pdf without text": {"scan.pdf", testkit.PDF(false), http.StatusAccepted, "failed: scan.pdf holds no text"},
		"broken image":     {"image.txt", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"), http.StatusAccepted, "failed: image.txt could not be read by OCR"},
		"unreadable type":  {"tune.mid", []byte("MThd\x00\x00\x00\x06\x00\x01\x00\x01\x00\x60MTrk\x00\x00\x00\x04\x00\xff\x2f\x00"), http.StatusUnsupportedMediaType, "which cannot be read"},
		"invalid utf-8":    {"latin1.txt", []byte("Caf\xe9 au lait \xe0 la cr\xe8me, written long ago in Latin-1"), http.StatusAccepted, "failed: latin1.txt cannot be read"},
		"NUL-laden text":   {"nul.txt", []byte("text\x00with\x00nuls\x00in\x00it and more text"), http.StatusUnsupportedMediaType, "cannot be read"},
		"over the limit":   {"huge.txt", []byte(strings.Repeat("a", 100<<20+1)), http.StatusRequestEntityTooLarge, ""},
	} {
		status, says := upload(tc.file, tc.content)
		require.Equal(t, tc.status, status, "%s: %s", name, says)
		require.Contains(t, says, tc.says, name)
	}
	col := testkit.JSON[api.CollectionResponse](t, l.e.Do(http.MethodGet, "/api/v1/groups/"+l.collection+"/", "", l.token))
	require.Zero(t, col.Chunks, "nothing half-written remains")
}

func TestTenantsNeverSeeEachOthersKnowledge(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	a, b := newLibrary(t, e, "Handbook"), newLibrary(t, e, "Handbook")
	same := []byte("The emergency number of the water works is 0800 123 456.")
	a.upload(t, "water.txt", same)
	own := b.upload(t, "water.txt", same).InfoBlob.ID
	require.Len(t, a.search(t, a.token, a.collection, "water works emergency number"), 1)
	hits := b.search(t, b.token, b.collection, "water works emergency number")
	require.Len(t, hits, 1, "B finds its own copy only")
	var owner uuid.UUID
	require.NoError(t, e.App.DB.NewSelect().Table("chunks").Column("tenant_id").Where("id = ?", hits[0].ID).Scan(context.Background(), &owner))
	require.Equal(t, b.tenant.UUID, owner)
	rec := e.Do(http.MethodPost, "/api/v1/groups/"+a.collection+"/searches/", `{"search_string":"water"}`, b.token)
	require.Equal(t, http.StatusNotFound, rec.Code, "A's collection does not exist for B")
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/groups/"+a.collection+"/", "", b.token).Code)

	done := b.ask(t, b.assistant(t), "What is the emergency number of the water works?")
	require.Contains(t, done.Answer, "0800 123 456")
	require.Len(t, done.References, 1)
	require.Equal(t, own, done.References[0].ID, "B's answer cites B's copy")
}

// TestCollectionsOfNewModelsAtOnce: each new embedding model gets its own
// HNSW index when its first collection is made; builds at the same time
// take turns instead of deadlocking.
func TestCollectionsOfNewModelsAtOnce(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	type ask struct{ token, body string }
	var asks []ask
	for range 4 {
		l := &library{e: e, tenant: e.Tenant(t)}
		rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/embedding-models/", `{"name":"Local `+uuid.NewString()[:8]+`","provider_type":"local","provider_model":"hash","dimensions":384}`)
		model := testkit.JSON[struct{ ID string }](t, rec).ID
		require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/embedding-models/"+model+"/", `{"is_enabled":true}`).Code)
		token, _ := e.Token(t, l.tenant, domain.RoleOwner)
		space := testkit.JSON[struct{ ID string }](t, e.Do(http.MethodGet, "/api/v1/spaces/type/personal/", "", token)).ID
		asks = append(asks, ask{token, `{"name":"Concurrent","space_id":"` + space + `","embedding_model":{"id":"` + model + `"}}`})
	}
	codes := make(chan int, len(asks))
	for _, a := range asks {
		go func() { codes <- e.Do(http.MethodPost, "/api/v1/groups/", a.body, a.token).Code }()
	}
	for range asks {
		require.Equal(t, http.StatusCreated, <-codes)
	}
}

// TestSearchTakesModeTopKAndMinScore: the search API ranks by the mode
// asked for, returns at most top_k passages with scores between 0 and 1
// (the best of a single ranker scoring 1), drops those below min_score,
// and names the field it refuses.
func TestSearchTakesModeTopKAndMinScore(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Harbour")
	for name, text := range map[string]string{
		"berths.md":  "# Berths\n\nA guest berth in the harbour costs 250 kronor a night.",
		"opening.md": "# Opening\n\nThe guest harbour opens on the first of May.",
		"fuel.md":    "# Fuel\n\nThe harbour sells diesel at the fuel quay.",
		"parks.md":   "# Parks\n\nDogs must be kept on a lead in city parks.",
	} {
		l.upload(t, name, []byte(text))
	}
	search := func(body string) *httptest.ResponseRecorder {
		return l.e.Do(http.MethodPost, "/api/v1/groups/"+l.collection+"/searches/", body, l.token)
	}
	hits := func(body string) []api.SearchHit {
		t.Helper()
		rec := search(body)
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		return testkit.JSON[api.SearchResponse](t, rec).Items
	}
	for _, mode := range []string{"hybrid", "vector", "text"} {
		got := hits(`{"search_string":"guest harbour berth","mode":"` + mode + `","top_k":2}`)
		require.NotEmpty(t, got, mode)
		require.LessOrEqual(t, len(got), 2, mode)
		require.Contains(t, got[0].Text, "berth", mode)
		for _, h := range got {
			require.True(t, h.Score >= 0 && h.Score <= 1, "%s: score %v", mode, h.Score)
		}
	}
	require.InDelta(t, 1.0, hits(`{"search_string":"guest harbour berth","mode":"text"}`)[0].Score, 1e-9, "a single ranker's best scores 1")
	all := hits(`{"search_string":"harbour","mode":"text","num_chunks":10}`)
	require.Len(t, all, 3, "the three harbour documents match; num_chunks still works")
	top := hits(`{"search_string":"harbour","mode":"text","num_chunks":10,"min_score":0.99}`)
	require.NotEmpty(t, top)
	require.Less(t, len(top), len(all), "min_score drops the weaker passages")
	for _, h := range top {
		require.GreaterOrEqual(t, h.Score, 0.99)
	}
	for body, field := range map[string]string{
		`{"search_string":"harbour","mode":"fuzzy"}`:  "mode",
		`{"search_string":"harbour","min_score":1.5}`: "min_score",
		`{"search_string":"harbour","top_k":1000}`:    "top_k",
	} {
		rec := search(body)
		require.Equal(t, http.StatusBadRequest, rec.Code, body)
		require.Contains(t, rec.Body.String(), field, body)
	}
}

// TestACollectionGetsItsSpacesDefaultEmbeddingModel: a collection made
// without naming a model gets the space's default embedding model, not
// the organisation's.
func TestACollectionGetsItsSpacesDefaultEmbeddingModel(t *testing.T) {
	t.Parallel()
	e := apptest.New(t)
	l := newLibrary(t, e, "Tenant default")
	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/embedding-models/", `{"name":"Space pick `+uuid.NewString()[:8]+`","provider_type":"local","provider_model":"hash","dimensions":384}`)
	pick := testkit.JSON[struct{ ID string }](t, rec).ID
	require.Equal(t, http.StatusOK, e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/embedding-models/"+pick+"/", `{"is_enabled":true}`).Code)
	rec = e.Do(http.MethodPost, "/api/v1/spaces/", `{"name":"Picky `+uuid.NewString()[:8]+`"}`, l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	space := testkit.JSON[struct{ ID string }](t, rec).ID
	rec = e.Do(http.MethodPatch, "/api/v1/spaces/"+space+"/", `{"models":["`+pick+`"],"default_models":["`+pick+`"]}`, l.token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	rec = e.Do(http.MethodPost, "/api/v1/groups/", `{"name":"Uses the space default","space_id":"`+space+`"}`, l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.Equal(t, pick, testkit.JSON[api.CollectionResponse](t, rec).EmbeddingModel.ID)
	rec = e.Do(http.MethodPost, "/api/v1/groups/", `{"name":"Tenant default here","space_id":"`+l.space+`"}`, l.token)
	require.NotEqual(t, pick, testkit.JSON[api.CollectionResponse](t, rec).EmbeddingModel.ID, "a space without defaults keeps the organisation's")
}
