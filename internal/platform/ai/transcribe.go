package ai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
)

// TranscribeRequest is audio to turn into text.
type TranscribeRequest struct {
	Model string
	// Name is the file name; providers tell the audio format by its
	// extension (mp3, m4a, wav, ogg, webm, mp4).
	Name string
	// Open reads the audio; it is called anew for every attempt.
	Open func() (io.ReadCloser, error)
	// Language (ISO-639-1) and Prompt are optional hints.
	Language string
	Prompt   string
}

// Transcript is the text of some audio.
type Transcript struct {
	Text string
}

// Transcriber is a driver that can transcribe audio (Whisper-style
// /audio/transcriptions).
type Transcriber interface {
	Transcribe(ctx context.Context, ep Endpoint, req TranscribeRequest) (Transcript, error)
}

// Transcribe posts audio to /audio/transcriptions.
func (o OpenAI) Transcribe(ctx context.Context, ep Endpoint, req TranscribeRequest) (Transcript, error) {
	return transcribe(ctx, o.HTTP, ep, baseURL(ep)+"/audio/transcriptions", req, bearer(ep.APIKey))
}

// Transcribe posts audio to a deployment's /audio/transcriptions.
func (a Azure) Transcribe(ctx context.Context, ep Endpoint, req TranscribeRequest) (Transcript, error) {
	return transcribe(ctx, a.HTTP, ep, a.url(ep, "audio/transcriptions"), req, azureHeaders(ep.APIKey))
}

// transcribe streams the audio as multipart form data (never whole in
// memory) and reads the JSON answer.
func transcribe(ctx context.Context, client *http.Client, ep Endpoint, url string, req TranscribeRequest, headers http.Header) (Transcript, error) {
	audio, err := req.Open()
	if err != nil {
		return Transcript{}, fmt.Errorf("open audio %s: %w", req.Name, err)
	}
	defer audio.Close()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() { pw.CloseWithError(writeAudioForm(mw, req, audio)) }()
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, url, pr)
	if err != nil {
		_ = pr.Close()
		return Transcript{}, &Error{Kind: KindBadRequest, Endpoint: ep.Name, Msg: "bad endpoint URL: " + err.Error()}
	}
	hr.Header = headers
	hr.Header.Set("Content-Type", mw.FormDataContentType())
	resp, err := send(ctx, client, ep, hr)
	_ = pr.Close() // stops the writer if the request ended early
	if err != nil {
		return Transcript{}, err
	}
	defer resp.Body.Close()
	var out struct {
		Text string `json:"text"`
	}
	if err := json.NewDecoder(io.LimitReader(resp.Body, 16<<20)).Decode(&out); err != nil {
		return Transcript{}, &Error{Kind: KindUnavailable, Endpoint: ep.Name, Msg: "malformed transcription response"}
	}
	return Transcript{Text: out.Text}, nil
}

func writeAudioForm(mw *multipart.Writer, req TranscribeRequest, audio io.Reader) error {
	fields := [][2]string{{"model", req.Model}, {"response_format", "json"}, {"language", req.Language}, {"prompt", req.Prompt}}
	for _, f := range fields {
		if f[1] == "" {
			continue
		}
		if err := mw.WriteField(f[0], f[1]); err != nil {
			return err
		}
	}
	part, err := mw.CreateFormFile("file", req.Name)
	if err != nil {
		return err
	}
	if _, err := io.Copy(part, audio); err != nil {
		return err
	}
	return mw.Close()
}
