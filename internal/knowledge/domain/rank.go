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
	// RRFK is reciprocal rank fusion's constant.
	RRFK = 60
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

// Fuse merges ranked lists of ids by reciprocal rank fusion: an id scores
// the sum of 1/(RRFK + rank) over the lists it is in (rank from 1). Ties
// keep the order of first appearance.
func Fuse(lists ...[]uuid.UUID) []Fused {
	scores := map[uuid.UUID]float64{}
	var order []uuid.UUID
	for _, l := range lists {
		for i, id := range l {
			if _, seen := scores[id]; !seen {
				order = append(order, id)
			}
			scores[id] += 1 / float64(RRFK+i+1)
		}
	}
	out := make([]Fused, len(order))
	for i, id := range order {
		out[i] = Fused{ID: id, Score: scores[id]}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out
}

// Fused is an id with its fused score.
type Fused struct {
	ID    uuid.UUID
	Score float64
}
