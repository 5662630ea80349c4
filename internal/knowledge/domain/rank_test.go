package domain_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/knowledge/domain"
)

func TestBM25(t *testing.T) {
	t.Parallel()
	df := map[string]int{"permit": 10, "the": 900}
	rare := domain.BM25(map[string]int{"permit": 1}, df, 100, 1000, 100)
	common := domain.BM25(map[string]int{"the": 1}, df, 100, 1000, 100)
	require.Greater(t, rare, common, "a rare term weighs more")
	twice := domain.BM25(map[string]int{"permit": 2}, df, 100, 1000, 100)
	require.Greater(t, twice, rare)
	require.Less(t, twice, 2*rare, "term frequency saturates")
	long := domain.BM25(map[string]int{"permit": 1}, df, 400, 1000, 100)
	require.Less(t, long, rare, "a long chunk is normalised down")
	require.Zero(t, domain.BM25(map[string]int{"absent": 3}, df, 100, 1000, 100))
	// idf(permit) = ln(1 + (1000-10+0.5)/(10+0.5)) ; tf part = 1*2.2/(1+1.2) = 1
	require.InDelta(t, 4.5574, rare, 1e-3)
}

func TestFuse(t *testing.T) {
	t.Parallel()
	a, b, c, d := uuid.New(), uuid.New(), uuid.New(), uuid.New()
	got := domain.Fuse([]uuid.UUID{a, b, c}, []uuid.UUID{c, d})
	require.Equal(t, c, got[0].ID, "in both lists, it wins")
	require.InDelta(t, 1.0/63+1.0/61, got[0].Score, 1e-12)
	require.Equal(t, []uuid.UUID{c, a, b, d}, []uuid.UUID{got[0].ID, got[1].ID, got[2].ID, got[3].ID}, "b and d tie; b came first")
}
