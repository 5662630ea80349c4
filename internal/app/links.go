package app

import (
	"context"

	"github.com/google/uuid"

	filesapp "github.com/agora-platform/agora/internal/files/application"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	sessionsapp "github.com/agora-platform/agora/internal/sessions/application"
)

// embedLink lets the files module embed through the sessions module (the
// one that talks to models), which is built after it.
type embedLink struct{ svc *sessionsapp.Service }

func (l *embedLink) Embed(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID, source string, texts []string) ([][]float32, error) {
	return l.svc.EmbedTexts(ctx, tenant, user, model, source, texts)
}

// knowledgeLink lets the assistants module check the collections it
// attaches, though the files module is built after it.
type knowledgeLink struct{ k *filesapp.Knowledge }

func (l *knowledgeLink) CheckCollection(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) (uuid.UUID, error) {
	return l.k.CheckCollection(ctx, tenant, space, id)
}

// CheckWebsite refuses every website: crawling is not built yet.
func (l *knowledgeLink) CheckWebsite(_ context.Context, _ tenancy.ID, _, id uuid.UUID) (uuid.UUID, error) {
	return uuid.Nil, errs.Newf(errs.Invalid, "website %s not found in this space", id)
}
