package ai_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/ai"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// audio is a stand-in recording, opened anew for each attempt.
func audio(opened *int) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) {
		*opened++
		return io.NopCloser(bytes.NewReader(bytes.Repeat([]byte{0xff, 0xfb, 0x90, 0x64}, 1000))), nil
	}
}

func TestTranscribeOpenAIAndAzure(t *testing.T) {
	t.Parallel()
	fake := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"Hej ", "och välkommen."}})
	opened := 0
	req := ai.TranscribeRequest{Model: "whisper-1", Name: "meeting.mp3", Open: audio(&opened), Language: "sv"}
	got, err := ai.OpenAI{HTTP: http.DefaultClient}.Transcribe(context.Background(), ai.Endpoint{Name: "w", BaseURL: fake.URL(), APIKey: "sk-w"}, req)
	require.NoError(t, err)
	require.Equal(t, "Hej och välkommen.", got.Text)
	seen := fake.Requests[0]
	require.Equal(t, map[string]any{"model": "whisper-1", "response_format": "json", "language": "sv", "file": "meeting.mp3", "bytes": 4000}, seen)
	require.Equal(t, "Bearer sk-w", fake.Headers[0].Get("Authorization"))

	az := ai.Endpoint{Name: "az", Type: "azure", BaseURL: fake.Server.URL, APIKey: "az-key", APIVersion: "2024-06-01", Deployment: "whisper"}
	got, err = ai.Azure{HTTP: http.DefaultClient}.Transcribe(context.Background(), az, req)
	require.NoError(t, err)
	require.Equal(t, "Hej och välkommen.", got.Text)
	require.Equal(t, "az-key", fake.Headers[1].Get("api-key"))
}

func TestTranscribeRetriesFailsOverAndClassifies(t *testing.T) {
	t.Parallel()
	flaky := testkit.NewFakeAI(t, testkit.Reply{Status: http.StatusServiceUnavailable}, testkit.Reply{Tokens: []string{"second try"}})
	opened := 0
	req := ai.TranscribeRequest{Model: "whisper-1", Name: "a.wav", Open: audio(&opened)}
	r := router(&sleeps{}, ai.RouterOptions{})
	got, err := r.Transcribe(context.Background(), []ai.Endpoint{ep("flaky", flaky, 0)}, req)
	require.NoError(t, err)
	require.Equal(t, "second try", got.Text)
	require.Equal(t, 2, opened, "the audio is read again for the retry")

	dead := testkit.NewFakeAI(t, testkit.Reply{Status: http.StatusUnauthorized})
	spare := testkit.NewFakeAI(t, testkit.Reply{Tokens: []string{"from the spare"}})
	local := ai.Endpoint{Name: "local", Type: "local"}
	got, err = r.Transcribe(context.Background(), []ai.Endpoint{local, ep("dead", dead, 1), ep("spare", spare, 2)}, req)
	require.NoError(t, err)
	require.Equal(t, "from the spare", got.Text, "a provider that cannot transcribe is passed over, a refused key fails over")

	_, err = r.Transcribe(context.Background(), []ai.Endpoint{local}, req)
	e, ok := ai.AsError(err)
	require.True(t, ok)
	require.Equal(t, ai.KindBadRequest, e.Kind)
	require.Contains(t, e.Msg, "cannot transcribe")
}
