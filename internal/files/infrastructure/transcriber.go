package infrastructure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/files/application"
	modelsapp "github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/audio"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	spacesapp "github.com/agora-platform/agora/internal/spaces/application"
)

// transcriptionKind is the models module's kind of transcription models.
const transcriptionKind = "transcription"

// MaxRequestBytes is the most audio one transcription request carries
// (Whisper-style services take 25 MB); longer recordings are split.
const MaxRequestBytes = 24 << 20

// Transcriber picks transcription models and transcribes recordings,
// split into segments with ffmpeg when they are too long for one request.
type Transcriber struct {
	Spaces *spacesapp.Service
	Models *modelsapp.Service
	// Gateway sends each recording (or segment) to the model.
	Gateway  *modelsapp.Gateway
	Splitter audio.Splitter
}

// IsAudio reports whether mime is a recording.
func (Transcriber) IsAudio(mime string) bool { return audio.IsAudio(mime) }

// Model returns the space's default transcription model, else the
// tenant's.
func (t Transcriber) Model(ctx context.Context, tenant tenancy.ID, c actor.Caller, space *uuid.UUID) (uuid.UUID, error) {
	if space != nil {
		e, err := t.Spaces.Enter(ctx, tenant, c, *space)
		if err != nil {
			return uuid.Nil, err
		}
		for _, id := range e.DefaultModels {
			if m, err := t.Models.Enabled(ctx, tenant, id); err == nil && m.Kind == transcriptionKind {
				return m.ID, nil
			}
		}
	}
	m, err := t.Models.Default(ctx, tenant, transcriptionKind)
	if err != nil {
		return uuid.Nil, errs.New(errs.Invalid, "recordings cannot be transcribed: your organisation has no default transcription model; ask an administrator to choose one")
	}
	return m.ID, nil
}

// Transcribe sends the recording in one request, or split into segments
// of ten minutes when it is larger than one request may be.
func (t Transcriber) Transcribe(ctx context.Context, tenant tenancy.ID, model uuid.UUID, rec application.Recording, progress func(done, total int) error) (string, error) {
	ext := audio.Extensions[rec.MIME]
	name := strings.TrimSuffix(rec.Name, filepath.Ext(rec.Name)) + "." + ext
	if rec.Size <= MaxRequestBytes {
		text, err := t.Gateway.Transcribe(ctx, tenant, model, name, rec.Open)
		if err != nil {
			return "", transcriptionError(rec.Name, err)
		}
		return text, progress(1, 1)
	}
	src, err := rec.Open()
	if err != nil {
		return "", err
	}
	defer src.Close()
	segments, cleanup, err := t.Splitter.Split(ctx, src, ext)
	defer cleanup()
	if errors.Is(err, audio.ErrNoFFmpeg) {
		return "", errs.Newf(errs.TooLarge, "%s is larger than %d MiB, the most one transcription request may carry; install ffmpeg on the worker to split long recordings, or upload a shorter one",
			rec.Name, MaxRequestBytes>>20)
	}
	if err != nil {
		return "", errs.Wrap(errs.UnsupportedMediaType, fmt.Sprintf("%s: %v", rec.Name, err), err)
	}
	parts := make([]string, 0, len(segments))
	for i, seg := range segments {
		text, err := t.Gateway.Transcribe(ctx, tenant, model, filepath.Base(seg), func() (io.ReadCloser, error) { return os.Open(seg) })
		if err != nil {
			return "", transcriptionError(fmt.Sprintf("%s (segment %d of %d)", rec.Name, i+1, len(segments)), err)
		}
		parts = append(parts, strings.TrimSpace(text))
		if err := progress(i+1, len(segments)); err != nil {
			return "", err
		}
	}
	return strings.Join(parts, "\n\n"), nil
}

// transcriptionError says which recording failed and keeps the kind the
// provider layer gave (so a bad request is not tried again).
func transcriptionError(what string, err error) error {
	kind, msg := errs.KindOf(err)
	return errs.Wrap(kind, "transcription of "+what+" failed: "+msg, err)
}

var _ application.Transcriber = Transcriber{}
