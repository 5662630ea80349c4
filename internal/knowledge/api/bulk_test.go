package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestTextsAddedTogetherAreOneJob: a request of many texts is one job
// with progress by document, embedding the texts' chunks in full batches.
func TestTextsAddedTogetherAreOneJob(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Notices")
	l.upload(t, "known.txt", []byte("The harbour office opens at nine."))
	var texts []string
	for i := range 20 {
		texts = append(texts, fmt.Sprintf(`{"text":"Notice %d: the permit office answers request %d within %d days.","metadata":{"title":"Notice %d"}}`, i, i*7, i+1, i))
	}
	texts = append(texts, `{"text":"The harbour office opens at nine."}`)
	rec := l.e.Do(http.MethodPost, "/api/v1/groups/"+l.collection+"/info-blobs/", `{"info_blobs":[`+strings.Join(texts, ",")+`]}`, l.token)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	list := testkit.JSON[api.AcceptedList](t, rec)
	require.Equal(t, 21, list.Count)
	job := list.Items[0].ID
	for _, a := range list.Items {
		require.Equal(t, job, a.ID, "one job for the request")
		require.Equal(t, application.TaskIngestTexts, a.Task)
	}
	require.True(t, list.Items[20].Duplicate, "a text the collection holds already")

	var payload application.IngestTextsPayload
	var raw []byte
	require.NoError(t, l.e.App.DB.NewRaw("SELECT payload FROM jobs WHERE id = ?", job).Scan(context.Background(), &raw))
	require.NoError(t, json.Unmarshal(raw, &payload))
	require.Len(t, payload.Blobs, 20)
	require.NoError(t, l.e.App.Knowledge.Knowledge.IngestTexts(context.Background(), payload))

	done := l.job(t, job)
	require.Equal(t, "complete", done["status"])
	require.Equal(t, "ingested 20 of 20 documents", done["message"])
	for _, a := range list.Items[:20] {
		blob := testkit.JSON[api.InfoBlobResponse](t, l.e.Do(http.MethodGet, a.ResultLocation, "", l.token))
		require.Equal(t, "ready", blob.Status)
		require.Equal(t, 1, blob.Chunks)
	}
	hits := l.search(t, l.token, l.collection, "request 91 within 14 days")
	require.Equal(t, "Notice 13", hits[0].Title)

	var calls int
	require.NoError(t, l.e.App.DB.NewRaw("SELECT count(*) FROM usage_records WHERE tenant_id = ? AND source = 'ingestion'", l.tenant.UUID).
		Scan(context.Background(), &calls))
	require.Equal(t, 2, calls, "one embedding request for the single upload, one for all twenty texts")
}
