package ai

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
)

// RerankRequest asks how well each document answers the query.
type RerankRequest struct {
	Model     string
	Query     string
	Documents []string
}

// Reranked holds one relevance score per document, in the request's
// order (higher is more relevant), and the tokens the provider counted
// (0 when it says nothing).
type Reranked struct {
	Scores []float64
	Tokens int
}

// Reranker is a driver that can rerank: the /rerank API that vLLM,
// Infinity, Jina and Cohere share (query and documents in, a relevance
// score per document index out).
type Reranker interface {
	Rerank(ctx context.Context, ep Endpoint, req RerankRequest) (Reranked, error)
}

type rerankBody struct {
	Model     string   `json:"model"`
	Query     string   `json:"query"`
	Documents []string `json:"documents"`
	TopN      int      `json:"top_n"`
}

type rerankResponse struct {
	Results []struct {
		Index          int      `json:"index"`
		RelevanceScore *float64 `json:"relevance_score"`
	} `json:"results"`
	Usage struct {
		TotalTokens  int `json:"total_tokens"`
		PromptTokens int `json:"prompt_tokens"`
	} `json:"usage"`
}

// Rerank posts to the endpoint's /rerank.
func (o OpenAI) Rerank(ctx context.Context, ep Endpoint, req RerankRequest) (Reranked, error) {
	body := rerankBody{Model: req.Model, Query: req.Query, Documents: req.Documents, TopN: len(req.Documents)}
	resp, err := o.post(ctx, ep, baseURL(ep)+"/rerank", body, bearer(ep.APIKey))
	if err != nil {
		return Reranked{}, err
	}
	defer resp.Body.Close()
	return decodeRerank(ep.Name, resp.Body, len(req.Documents))
}

// decodeRerank reads the scores; every document must have one, finite.
func decodeRerank(ep string, r io.Reader, n int) (Reranked, error) {
	var out rerankResponse
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&out); err != nil {
		return Reranked{}, &Error{Kind: KindUnavailable, Endpoint: ep, Msg: "malformed rerank response"}
	}
	scores := make([]float64, n)
	seen := make([]bool, n)
	for _, res := range out.Results {
		if res.Index < 0 || res.Index >= n || res.RelevanceScore == nil || math.IsNaN(*res.RelevanceScore) || math.IsInf(*res.RelevanceScore, 0) {
			return Reranked{}, &Error{Kind: KindUnavailable, Endpoint: ep, Msg: fmt.Sprintf("rerank response has a bad result (index %d)", res.Index)}
		}
		scores[res.Index], seen[res.Index] = *res.RelevanceScore, true
	}
	for i, ok := range seen {
		if !ok {
			return Reranked{}, &Error{Kind: KindUnavailable, Endpoint: ep, Msg: fmt.Sprintf("rerank response has no score for document %d", i)}
		}
	}
	return Reranked{Scores: scores, Tokens: max(out.Usage.TotalTokens, out.Usage.PromptTokens)}, nil
}

// Rerank scores documents at the first endpoint that can, with the same
// retries and failover; endpoints whose provider cannot rerank are
// passed over.
func (r *Router) Rerank(ctx context.Context, eps []Endpoint, req RerankRequest) (Reranked, error) {
	able, err := capable[Reranker](r, eps, "rerank")
	if err != nil {
		return Reranked{}, err
	}
	return each(ctx, r, able, func(drv Driver, ep Endpoint) (Reranked, error) {
		req := req
		if ep.Model != "" {
			req.Model = ep.Model
		}
		return drv.(Reranker).Rerank(ctx, ep, req)
	})
}
