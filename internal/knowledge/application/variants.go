package application

import (
	"context"
	"math"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// WithEmbedder returns a copy of k that embeds through e: evaluations time
// the embedder, benchmarks answer queries with prepared vectors.
func (k *Knowledge) WithEmbedder(e Embedder) *Knowledge {
	c := *k
	c.embedder = e
	return &c
}

// Exact returns a copy of k whose vector search always scans every chunk
// of its scope: the ground truth approximate search is measured against.
func (k *Knowledge) Exact() *Knowledge {
	c := *k
	c.exactBelow = math.MaxInt64
	return &c
}

// EmbeddingModel describes an enabled embedding model of the tenant.
func (k *Knowledge) EmbeddingModel(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (EmbeddingModel, error) {
	return k.models.Embedding(ctx, tenant, id)
}
