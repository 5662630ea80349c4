package api_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/platform/testkit"
	tenantsdomain "github.com/agora-platform/agora/internal/tenants/domain"
)

// whisper makes a fake Whisper-compatible server the tenant's default
// transcription model.
func (l *library) whisper(t *testing.T, script ...testkit.Reply) *testkit.FakeAI {
	t.Helper()
	fake := testkit.NewFakeAI(t, script...)
	_, err := l.e.App.Tenants.Service.SetCredential(context.Background(), l.tenant, tenantsdomain.OpenAI,
		tenantsdomain.CredentialInput{APIKey: "sk-upstream", Endpoint: fake.URL()})
	require.NoError(t, err)
	rec := l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/transcription-models/",
		`{"name":"Whisper `+uuid.NewString()[:8]+`","provider_type":"openai","provider_model":"whisper-1"}`)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	model := testkit.JSON[struct{ ID string }](t, rec).ID
	rec = l.e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/transcription-models/"+model+"/", `{"is_enabled":true,"is_default":true}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return fake
}

func TestRecordingsBecomeSearchableKnowledgeThatChatCites(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Council meetings")
	fake := l.whisper(t, testkit.Reply{Tokens: []string{"The council decided that the new swimming hall opens in March. ",
		"The budget for snow clearing rises by ten percent."}})

	a := l.upload(t, "council-2026-11-03.wav", testkit.WAV(1600))
	job := l.job(t, a.ID)
	require.Equal(t, "complete", job["status"], "%v", job)
	require.Len(t, fake.Requests, 1)
	require.Equal(t, "council-2026-11-03.wav", fake.Requests[0]["file"], "the format is told by the extension")
	require.Equal(t, "whisper-1", fake.Requests[0]["model"])
	require.Equal(t, "Bearer sk-upstream", fake.Headers[0].Get("Authorization"))
	blob := testkit.JSON[api.InfoBlobResponse](t, l.e.Do(http.MethodGet, a.ResultLocation, "", l.token))
	require.Equal(t, "audio/wav", blob.MimeType)
	require.Positive(t, blob.Chunks)

	hits := l.search(t, l.token, l.collection, "when does the swimming hall open")
	require.NotEmpty(t, hits)
	require.Contains(t, hits[0].Text, "swimming hall opens in March")

	done := l.ask(t, l.assistant(t), "When does the new swimming hall open?")
	require.Contains(t, done.Answer, "March")
	require.Len(t, done.References, 1, "%+v", done.References)
	require.Equal(t, "council-2026-11-03.wav", done.References[0].Title)
}

func TestAFailingTranscriptionFailsTheJobWithTheReason(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Council meetings")
	l.whisper(t, testkit.Reply{Status: http.StatusBadRequest, ErrorBody: `{"error":{"message":"Audio file might be corrupted or unsupported"}}`})
	a := l.upload(t, "broken.wav", testkit.WAV(800))
	job := l.job(t, a.ID)
	require.Equal(t, "failed", job["status"], "%v", job)
	require.Contains(t, job["message"], "transcription of broken.wav failed")
	require.Contains(t, job["message"], "Audio file might be corrupted or unsupported")
	blob := testkit.JSON[api.InfoBlobResponse](t, l.e.Do(http.MethodGet, "/api/v1/info-blobs/"+a.InfoBlob.ID+"/", "", l.token))
	require.Equal(t, "failed", blob.Status)
	require.Zero(t, blob.Chunks)
}

func TestRecordingsNeedATranscriptionModel(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Council meetings")
	rec := testkit.Upload(l.e.H, "/api/v1/groups/"+l.collection+"/info-blobs/upload/", "file", "meeting.wav", testkit.WAV(800), "Authorization", "Bearer "+l.token)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
	require.Contains(t, rec.Body.String(), "no default transcription model")
}

func TestRecordedChatAttachmentsAreTranscribed(t *testing.T) {
	t.Parallel()
	l := newLibrary(t, apptest.New(t), "Council meetings")
	l.whisper(t, testkit.Reply{Tokens: []string{"Please book the meeting room for Friday."}})
	rec := testkit.Upload(l.e.H, "/api/v1/files/", "file", "memo.wav", testkit.WAV(800), "Authorization", "Bearer "+l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	f := testkit.JSON[struct {
		ID    string
		Chars int
	}](t, rec)
	require.Equal(t, len("Please book the meeting room for Friday."), f.Chars)
}
