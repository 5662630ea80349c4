package application

import (
	"context"
	"math"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// WithEmbedder returns a copy of k that embeds through wrap(k's embedder):
// a wrapper that measures the embedder, or one that answers in its place
// (evaluation and benchmarks). k is unchanged.
func (k *Knowledge) WithEmbedder(wrap func(Embedder) Embedder) *Knowledge {
	c := *k
	c.embedder = wrap(k.embedder)
	return &c
}

// Exact returns a copy of k whose vector search always scans every chunk
// in scope instead of the approximate index: the reference that recall is
// measured against. k is unchanged.
func (k *Knowledge) Exact() *Knowledge {
	c := *k
	c.exactBelow = math.MaxInt64
	return &c
}

// EmbeddingModel returns an embedding model the tenant has enabled, or
// with uuid.Nil the tenant's default.
func (k *Knowledge) EmbeddingModel(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (EmbeddingModel, error) {
	return k.embeddingModel(ctx, tenant, id)
}

// WithVectorWeight returns a copy of k whose hybrid search counts every
// embedding model's ranking for w against full-text search's 1, whatever
// the models say: the evaluation measures weights with it. k is unchanged.
func (k *Knowledge) WithVectorWeight(w float64) *Knowledge {
	c := *k
	c.vectorWeight = &w
	return &c
}
