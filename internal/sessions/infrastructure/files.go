package infrastructure

import (
	"context"

	"github.com/google/uuid"

	filesapp "github.com/agora-platform/agora/internal/files/application"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/sessions/application"
)

// Files adapts the files module to the sessions module's port.
type Files struct{ svc *filesapp.Service }

// NewFiles returns the adapter.
func NewFiles(svc *filesapp.Service) Files { return Files{svc: svc} }

// Attachments reads the text of a user's files.
func (f Files) Attachments(ctx context.Context, tenant tenancy.ID, user uuid.UUID, ids []uuid.UUID) ([]application.Attachment, error) {
	as, err := f.svc.Attachments(ctx, tenant, user, ids)
	if err != nil {
		return nil, err
	}
	out := make([]application.Attachment, len(as))
	for i, a := range as {
		out[i] = application.Attachment{ID: a.ID, Name: a.Name, Text: a.Text}
	}
	return out, nil
}
