package ops_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/ops"
)

func TestRankingMetrics(t *testing.T) {
	t.Parallel()
	rel := func(ids ...string) map[string]bool {
		m := map[string]bool{}
		for _, id := range ids {
			m[id] = true
		}
		return m
	}
	for _, c := range []struct {
		name              string
		ranked            []string
		rel               map[string]bool
		k                 int
		ndcg, recall, mrr float64
	}{
		{"the one relevant document first", []string{"a", "b", "c"}, rel("a"), 10, 1, 1, 1},
		{"one of two, second", []string{"x", "a"}, rel("a", "b"), 10, (1 / math.Log2(3)) / (1 + 1/math.Log2(3)), 0.5, 0.5},
		{"below the cut", []string{"x", "y", "a"}, rel("a"), 2, 0, 0, 0},
		{"no judgments", []string{"a"}, rel(), 10, 0, 0, 0},
		{"nothing found", nil, rel("a"), 10, 0, 0, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			require.InDelta(t, c.ndcg, ops.NDCG(c.ranked, c.rel, c.k), 1e-9)
			require.InDelta(t, c.recall, ops.Recall(c.ranked, c.rel, c.k), 1e-9)
			require.InDelta(t, c.mrr, ops.MRR(c.ranked, c.rel, c.k), 1e-9)
		})
	}
}
