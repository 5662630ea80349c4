package app

import (
	"context"

	"github.com/google/uuid"

	filesapp "github.com/agora-platform/agora/internal/files/application"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	spacesapp "github.com/agora-platform/agora/internal/spaces/application"
)

// knowledgeLink lets the assistants module check the collections it
// attaches, though the files module is built after it.
type knowledgeLink struct {
	k *filesapp.Knowledge
	w *filesapp.Websites
}

func (l *knowledgeLink) CheckCollection(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) (uuid.UUID, error) {
	return l.k.CheckCollection(ctx, tenant, space, id)
}

func (l *knowledgeLink) CheckWebsite(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) (uuid.UUID, error) {
	return l.w.CheckWebsite(ctx, tenant, space, id)
}

// spaceKnowledge lists a space's collections for the spaces module.
type spaceKnowledge struct {
	k *filesapp.Knowledge
	w *filesapp.Websites
}

func (s spaceKnowledge) Collections(ctx context.Context, tenant tenancy.ID, space uuid.UUID) ([]spacesapp.KnowledgeItem, error) {
	cs, err := s.k.SpaceCollections(ctx, tenant, space)
	if err != nil {
		return nil, err
	}
	ws, err := s.w.SpaceWebsites(ctx, tenant, space)
	if err != nil {
		return nil, err
	}
	out := make([]spacesapp.KnowledgeItem, 0, len(cs)+len(ws))
	for _, c := range cs {
		out = append(out, spacesapp.KnowledgeItem{ID: c.ID, Name: c.Name, EmbeddingModel: c.EmbeddingModel, Documents: c.Blobs, Chunks: c.ChunkCount,
			CreatedAt: c.CreatedAt})
	}
	for _, w := range ws {
		out = append(out, spacesapp.KnowledgeItem{ID: w.ID, Name: w.Name, EmbeddingModel: w.EmbeddingModel, Documents: w.Pages, Chunks: w.Chunks,
			CreatedAt: w.CreatedAt, Website: true, URL: w.URL, CrawlType: string(w.CrawlType), Interval: string(w.Interval), LastSuccess: w.LastSuccess})
	}
	return out, nil
}
