package infrastructure

import (
	"context"

	"github.com/google/uuid"

	modelsapp "github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/audio"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/upload"
	spacesapp "github.com/agora-platform/agora/internal/spaces/application"
)

// Transcriber transcribes recordings through the models module's gateway,
// with the space's default transcription model when there is one.
type Transcriber struct {
	spaces  *spacesapp.Service
	gateway *modelsapp.Gateway
}

// NewTranscriber returns the adapter.
func NewTranscriber(spaces *spacesapp.Service, gw *modelsapp.Gateway) Transcriber {
	return Transcriber{spaces: spaces, gateway: gw}
}

// IsAudio reports whether mime is a recording.
func (Transcriber) IsAudio(mime string) bool { return audio.IsAudio(mime) }

// Model returns the space's default transcription model, else the
// tenant's.
func (t Transcriber) Model(ctx context.Context, tenant tenancy.ID, c actor.Caller, space *uuid.UUID) (uuid.UUID, error) {
	var preferred []uuid.UUID
	if space != nil {
		e, err := t.spaces.Enter(ctx, tenant, c, *space)
		if err != nil {
			return uuid.Nil, err
		}
		preferred = e.DefaultModels
	}
	return t.gateway.TranscriptionModel(ctx, tenant, preferred)
}

// Transcribe reads a stored recording, in segments when it is long.
func (t Transcriber) Transcribe(ctx context.Context, tenant tenancy.ID, model uuid.UUID, rec upload.Recording, progress func(done, total int) error) (string, error) {
	return t.gateway.Transcribe(ctx, tenant, model, modelsapp.Recording(rec), progress)
}

var _ upload.Transcriber = Transcriber{}
