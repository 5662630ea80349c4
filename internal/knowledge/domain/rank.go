package domain

import (
	"math"
	"sort"

	"github.com/google/uuid"
)

// BM25 parameters (Robertson's; Lucene's defaults).
const (
	BM25K1 = 1.2
	BM25B  = 0.75
)

// BM25 scores a chunk for a query: for each query term its frequency tf
// in the chunk, weighted by how rare the term is among the n chunks of the
// scope (df holds in how many it occurs), and normalised by the chunk's
// length against the average.
func BM25(tf map[string]int, df map[string]int, length int, n int64, avgLength float64) float64 {
	if avgLength <= 0 {
		avgLength = 1
	}
	score := 0.0
	for term, f := range tf {
		d := float64(df[term])
		if f == 0 || d == 0 {
			continue
		}
		idf := math.Log(1 + (float64(n)-d+0.5)/(d+0.5))
		norm := BM25K1 * (1 - BM25B + BM25B*float64(length)/avgLength)
		score += idf * float64(f) * (BM25K1 + 1) / (float64(f) + norm)
	}
	return score
}

// Fused is an id with its fused score.
type Fused struct {
	ID    uuid.UUID
	Score float64
}

// Scored is an id with a ranker's score for it (higher is better) and the
// weight of that ranker.
type Scored struct {
	ID     uuid.UUID
	Score  float64
	Weight float64
}

// FuseScores is normalised score fusion: each list's scores are scaled to
// 0..1 (its best 1, its worst 0) and an id scores the weighted sum of its
// scaled scores over the lists it is in. Unlike rank fusion it keeps how
// far apart a ranker put two ids, so a low-weight ranker only reorders
// what the stronger one scored alike. Ties keep the order of first
// appearance.
func FuseScores(lists ...[]Scored) []Fused {
	scores := map[uuid.UUID]float64{}
	var order []uuid.UUID
	for _, l := range lists {
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, s := range l {
			lo, hi = math.Min(lo, s.Score), math.Max(hi, s.Score)
		}
		for _, s := range l {
			if _, seen := scores[s.ID]; !seen {
				order = append(order, s.ID)
				scores[s.ID] = 0
			}
			scaled := 1.0
			if hi > lo {
				scaled = (s.Score - lo) / (hi - lo)
			}
			scores[s.ID] += s.Weight * scaled
		}
	}
	out := make([]Fused, len(order))
	for i, id := range order {
		out[i] = Fused{ID: id, Score: scores[id]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}

// RerankScores puts a rerank model's scores between 0 and 1, where
// search scores are: most models (Cohere, Jina, Infinity, vLLM's
// cross-encoders) give relevance in that range already and keep it;
// raw logits from any other are passed through the logistic function,
// which keeps their order.
func RerankScores(scores []float64) []float64 {
	out := make([]float64, len(scores))
	inRange := true
	for _, s := range scores {
		inRange = inRange && s >= 0 && s <= 1
	}
	for i, s := range scores {
		out[i] = s
		if !inRange {
			out[i] = 1 / (1 + math.Exp(-s))
		}
	}
	return out
}
