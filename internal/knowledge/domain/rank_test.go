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

// TestFuseScoresKeepsTheStrongerRankersMargins: a low-weight ranker
// reorders only what the stronger one scored alike; scores are scaled per
// list, so BM25's scale and cosine similarity's do not matter.
func TestFuseScoresKeepsTheStrongerRankersMargins(t *testing.T) {
	t.Parallel()
	a, b, c, d, e := uuid.New(), uuid.New(), uuid.New(), uuid.New(), uuid.New()
	text := []domain.Scored{{ID: a, Score: 12, Weight: 1}, {ID: b, Score: 11.9, Weight: 1}, {ID: c, Score: 6, Weight: 1}, {ID: e, Score: 0, Weight: 1}}
	vector := []domain.Scored{{ID: b, Score: 0.9, Weight: 0.1}, {ID: d, Score: 0.8, Weight: 0.1}, {ID: a, Score: 0.1, Weight: 0.1}}
	got := domain.FuseScores(vector, text)
	ids := make([]uuid.UUID, len(got))
	for i, f := range got {
		ids[i] = f.ID
	}
	require.Equal(t, []uuid.UUID{b, a, c, d, e}, ids, "b, nearly tied with a in BM25, wins on the vector; c's BM25 margin holds over d")
	require.InDelta(t, 0.1+11.9/12, got[0].Score, 1e-12)
	require.InDelta(t, 1.0, got[1].Score, 1e-12, "a: BM25's best, the vector's worst")
	one := domain.FuseScores([]domain.Scored{{ID: a, Score: 5, Weight: 1}})
	require.InDelta(t, 1.0, one[0].Score, 1e-12, "a lone hit is its list's best")
}

func TestRerankScoresStayBetweenZeroAndOneInTheirOrder(t *testing.T) {
	require.Equal(t, []float64{0.9, 0, 1}, domain.RerankScores([]float64{0.9, 0, 1}), "relevance already in range is kept")
	logits := domain.RerankScores([]float64{-3, 4.5, 0})
	require.InDelta(t, 0.5, logits[2], 1e-9)
	require.True(t, logits[1] > logits[2] && logits[2] > logits[0] && logits[0] > 0 && logits[1] < 1, "logits keep their order: %v", logits)
}
