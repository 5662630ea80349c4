package application

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Mode picks the rankers a search uses.
type Mode string

// The search modes: both rankers fused, or one of them.
const (
	Hybrid Mode = "hybrid"
	Vector Mode = "vector"
	Text   Mode = "text"
)

// Search tuning.
const (
	// DefaultExactBelow is the scope size under which vector search scans
	// every chunk instead of the approximate index: exact, and fast enough.
	DefaultExactBelow = 50_000
	// TextCandidates bounds the full-text matches BM25 ranks; a search
	// ranks twice as many as it keeps (textCandidates), at least 100.
	TextCandidates = 300
	// MaxQueryChars bounds a search string.
	MaxQueryChars = 2000
	// RerankCandidates is how many fused passages at least a rerank model
	// scores (more when more are asked for): enough to lift a passage
	// the rankers placed low, few enough to bound the call.
	RerankCandidates = 50
)

// SearchOptions shape a search; zero values take the defaults.
type SearchOptions struct {
	// N is how many passages at most (default 10).
	N int
	// Mode picks the rankers (default hybrid).
	Mode Mode
	// MinScore drops passages scoring below it (0 to 1; scores are
	// scaled so that 1 is the best any mode gives).
	MinScore float64
	// Rerank is a rerank model that reorders the fused candidates
	// (uuid.Nil: none); MinScore then applies to its scores.
	Rerank uuid.UUID
}

// candidates is how many passages the rankers give before reranking.
func (o SearchOptions) candidates() int {
	if o.Rerank == uuid.Nil {
		return o.N
	}
	return max(o.N, RerankCandidates)
}

// check fills in the defaults and refuses what is out of range, naming
// the field.
func (o SearchOptions) check() (SearchOptions, error) {
	if o.N == 0 {
		o.N = 10
	}
	if o.Mode == "" {
		o.Mode = Hybrid
	}
	switch {
	case o.N < 1 || o.N > domain.MaxSearchChunks:
		return o, errs.InvalidField("top_k", "top_k (num_chunks) must be between 1 and %d", domain.MaxSearchChunks)
	case o.Mode != Hybrid && o.Mode != Vector && o.Mode != Text:
		return o, errs.InvalidField("mode", "mode must be hybrid, vector or text, not %q", o.Mode)
	case !(o.MinScore >= 0 && o.MinScore <= 1):
		return o, errs.InvalidField("min_score", "min_score must be between 0 and 1")
	}
	return o, nil
}

// SearchCollection searches one collection the caller can read.
func (k *Knowledge) SearchCollection(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, query string, opts SearchOptions) ([]Hit, error) {
	opts, err := opts.check()
	if err != nil {
		return nil, err
	}
	col, err := k.collection(ctx, tenant, c, id, resInfoBlob, actRead)
	if err != nil {
		return nil, err
	}
	return k.searchWith(ctx, tenant, c.UserID, []domain.Collection{col}, query, opts, true)
}

// SearchCollections searches collections by id for a caller already
// allowed to read them (an assistant's knowledge, for its users). A
// rerank model that fails leaves the fused order (logged): the answer is
// still grounded, only less finely ordered.
func (k *Knowledge) SearchCollections(ctx context.Context, tenant tenancy.ID, user uuid.UUID, ids []uuid.UUID, query string, opts SearchOptions) ([]Hit, error) {
	opts, err := opts.check()
	if err != nil {
		return nil, err
	}
	cols, err := k.repo.CollectionsByID(ctx, tenant, ids)
	if err != nil {
		return nil, err
	}
	return k.searchWith(ctx, tenant, user, cols, query, opts, false)
}

// searchWith ranks, reranks when the options name a rerank model, and
// drops what scores below the minimum. A rerank that fails fails the
// search when strict, else leaves the fused order.
func (k *Knowledge) searchWith(ctx context.Context, tenant tenancy.ID, user uuid.UUID, cols []domain.Collection, query string, opts SearchOptions, strict bool) ([]Hit, error) {
	hits, err := k.Search(ctx, tenant, user, cols, query, opts.candidates(), opts.Mode)
	if err != nil {
		return nil, err
	}
	if opts.Rerank != uuid.Nil {
		reranked, err := k.rerank(ctx, tenant, user, opts.Rerank, query, hits)
		switch {
		case err == nil:
			hits = reranked
		case strict:
			return nil, fmt.Errorf("rerank: %w", err)
		default:
			k.log.WarnContext(ctx, "rerank failed; the fused order is kept", "model", opts.Rerank, "err", err)
		}
	}
	return above(hits[:min(opts.N, len(hits))], opts.MinScore), nil
}

// rerank reorders hits by a rerank model's scores.
func (k *Knowledge) rerank(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID, query string, hits []Hit) ([]Hit, error) {
	if k.reranker == nil {
		return nil, errs.New(errs.Invalid, "reranking is not available in this process")
	}
	if len(hits) == 0 {
		return hits, nil
	}
	docs := make([]string, len(hits))
	for i, h := range hits {
		docs[i] = h.Text
	}
	scores, err := k.reranker.Rerank(ctx, tenant, user, model, "retrieval", query, docs)
	if err != nil {
		return nil, err
	}
	out := slices.Clone(hits)
	for i, s := range domain.RerankScores(scores) {
		out[i].Score = s
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	return out, nil
}

// above keeps the hits scoring least or more.
func above(hits []Hit, least float64) []Hit {
	kept := hits[:0]
	for _, h := range hits {
		if h.Score >= least {
			kept = append(kept, h)
		}
	}
	return kept
}

// Search ranks the chunks of the collections for the query: by vector
// distance, by BM25 over full-text matches, or both fused by reciprocal
// rank fusion.
func (k *Knowledge) Search(ctx context.Context, tenant tenancy.ID, user uuid.UUID, cols []domain.Collection, query string, n int, mode Mode) ([]Hit, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, errs.New(errs.Invalid, "the search string is empty")
	}
	if utf8.RuneCountInString(query) > MaxQueryChars {
		query = string([]rune(query)[:MaxQueryChars])
	}
	depth := max(2*n, 50)
	var vec, text []Hit
	for _, s := range k.scopes(tenant, cols) {
		v, t, err := k.rank(ctx, s, user, query, depth, mode)
		if err != nil {
			return nil, err
		}
		vec, text = append(vec, v...), append(text, t...)
	}
	sort.SliceStable(vec, func(i, j int) bool { return vec[i].Distance < vec[j].Distance })
	sort.SliceStable(text, func(i, j int) bool { return text[i].BM25 > text[j].BM25 })
	return k.hydrate(ctx, tenant, fuse(vec, text, n, mode == Hybrid))
}

// rank runs the mode's rankers over one scope, both at once in hybrid
// mode (each on its own database connection).
func (k *Knowledge) rank(ctx context.Context, s Scope, user uuid.UUID, query string, depth int, mode Mode) ([]Hit, []Hit, error) {
	var vec, text []Hit
	var vecErr, textErr error
	var wg sync.WaitGroup
	if mode != Text {
		wg.Go(func() { vec, vecErr = k.nearest(ctx, s, user, query, depth) })
	}
	if mode != Vector {
		wg.Go(func() { text, textErr = k.bm25(ctx, s, query, depth) })
	}
	wg.Wait()
	return vec, text, errors.Join(vecErr, textErr)
}

// hydrate reads the text, title and source of the hits only full-text
// search found (it leaves them out, to rank without reading them).
func (k *Knowledge) hydrate(ctx context.Context, tenant tenancy.ID, hits []Hit) ([]Hit, error) {
	var missing []uuid.UUID
	for _, h := range hits {
		if h.Text == "" {
			missing = append(missing, h.Chunk)
		}
	}
	if len(missing) == 0 {
		return hits, nil
	}
	found, err := k.repo.Chunks(ctx, tenant, missing)
	if err != nil {
		return nil, err
	}
	out := hits[:0]
	for _, h := range hits {
		if h.Text == "" {
			f, ok := found[h.Chunk]
			if !ok {
				continue // deleted since it was ranked
			}
			h.Text, h.Title, h.Source, h.Section, h.PageStart, h.PageEnd = f.Text, f.Title, f.Source, f.Section, f.PageStart, f.PageEnd
		}
		out = append(out, h)
	}
	return out, nil
}

// scopes groups collections by embedding model and language.
func (k *Knowledge) scopes(tenant tenancy.ID, cols []domain.Collection) []Scope {
	var out []Scope
	index := map[string]int{}
	for _, c := range cols {
		key := c.EmbeddingModel.String() + "/" + c.Language
		i, ok := index[key]
		if !ok {
			i = len(out)
			index[key] = i
			out = append(out, Scope{Tenant: tenant, Model: EmbeddingModel{ID: c.EmbeddingModel}, Language: c.Language})
		}
		out[i].Collections = append(out[i].Collections, c.ID)
		out[i].Chunks += c.ChunkCount
	}
	return out
}

func (k *Knowledge) nearest(ctx context.Context, s Scope, user uuid.UUID, query string, depth int) ([]Hit, error) {
	model, err := k.models.Embedding(ctx, s.Tenant, s.Model.ID)
	if err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	s.Model = model
	vs, err := k.embedder.Embed(ctx, s.Tenant, user, model.ID, "retrieval", []string{query})
	if err != nil {
		return nil, fmt.Errorf("embed the search string: %w", err)
	}
	hits, err := k.repo.Nearest(ctx, s, vs[0], depth, s.Chunks <= k.exactBelow)
	weight := model.FusionWeight
	if k.vectorWeight != nil {
		weight = *k.vectorWeight
	}
	for i := range hits {
		hits[i].weight = weight
	}
	return hits, err
}

// textCandidates is how many full-text matches BM25 ranks for a search
// that keeps depth of them: the matches are first picked by ts_rank, a
// plainer measure, so BM25 sees twice as many as are kept.
func textCandidates(depth int) int { return min(TextCandidates, max(2*depth, 100)) }

func (k *Knowledge) bm25(ctx context.Context, s Scope, query string, depth int) ([]Hit, error) {
	m, err := k.repo.TextMatches(ctx, s, query, textCandidates(depth))
	if err != nil || len(m.Candidates) == 0 {
		return nil, err
	}
	avg := float64(m.Terms) / float64(max(m.Chunks, 1))
	hits := make([]Hit, len(m.Candidates))
	for i, c := range m.Candidates {
		hits[i] = c.Hit
		hits[i].weight = 1
		hits[i].Distance = -1 // not ranked by distance
		hits[i].BM25 = domain.BM25(c.Terms, m.DocFreq, c.Length, m.Chunks, avg)
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].BM25 > hits[j].BM25 })
	return hits[:min(depth, len(hits))], nil
}

// fuse merges the rankings (either may be empty) and keeps the best n: by
// normalised score fusion, each ranker's scores scaled to 0..1 and
// weighted (the vector ranker by its model's fusion weight, full-text
// search by 1) when both rankers ran.
func fuse(vec, text []Hit, n int, weighted bool) []Hit {
	byID := map[uuid.UUID]Hit{}
	scored := func(hs []Hit, score func(Hit) float64) []domain.Scored {
		out := make([]domain.Scored, len(hs))
		for i, h := range hs {
			out[i] = domain.Scored{ID: h.Chunk, Score: score(h), Weight: 1}
			if weighted {
				out[i].Weight = h.weight
			}
			prev, ok := byID[h.Chunk]
			if ok { // keep both rankers' figures
				h.Distance, h.BM25 = max(prev.Distance, h.Distance), max(prev.BM25, h.BM25)
			}
			byID[h.Chunk] = h
		}
		return out
	}
	vecList, textList := scored(vec, func(h Hit) float64 { return -h.Distance }), scored(text, func(h Hit) float64 { return h.BM25 })
	// The best a chunk can score is every ranker's full weight: dividing
	// by it puts every mode's scores between 0 and 1.
	best := 0.0
	for _, l := range [][]domain.Scored{vecList, textList} {
		top := 0.0
		for _, s := range l {
			top = max(top, s.Weight)
		}
		best += top
	}
	fused := domain.FuseScores(vecList, textList)
	out := make([]Hit, 0, min(n, len(fused)))
	for _, f := range fused[:min(n, len(fused))] {
		h := byID[f.ID]
		if best > 0 {
			h.Score = f.Score / best
		}
		out = append(out, h)
	}
	return out
}
