package infrastructure

import (
	"context"

	"github.com/google/uuid"

	modelsapp "github.com/agora-platform/agora/internal/models/application"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/audio"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/upload"
)

// Transcriber transcribes recorded attachments through the models
// module's gateway with the tenant's default transcription model.
type Transcriber struct{ gateway *modelsapp.Gateway }

// NewTranscriber returns the adapter.
func NewTranscriber(gw *modelsapp.Gateway) Transcriber { return Transcriber{gateway: gw} }

// IsAudio reports whether mime is a recording.
func (Transcriber) IsAudio(mime string) bool { return audio.IsAudio(mime) }

// Model returns the tenant's default transcription model: an attachment
// belongs to no space.
func (t Transcriber) Model(ctx context.Context, tenant tenancy.ID, _ actor.Caller, _ *uuid.UUID) (uuid.UUID, error) {
	return t.gateway.TranscriptionModel(ctx, tenant, nil)
}

// Transcribe reads a stored recording, in segments when it is long.
func (t Transcriber) Transcribe(ctx context.Context, tenant tenancy.ID, model uuid.UUID, rec upload.Recording, progress func(done, total int) error) (string, error) {
	return t.gateway.Transcribe(ctx, tenant, model, modelsapp.Recording(rec), progress)
}

var _ upload.Transcriber = Transcriber{}
