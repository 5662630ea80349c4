package ops

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	knowledgeapp "github.com/agora-platform/agora/internal/knowledge/application"
	knowledgedomain "github.com/agora-platform/agora/internal/knowledge/domain"
	modelsdomain "github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
	tenantsdomain "github.com/agora-platform/agora/internal/tenants/domain"
	usersapp "github.com/agora-platform/agora/internal/users/application"
	usersdomain "github.com/agora-platform/agora/internal/users/domain"
)

// EvalOptions tune an evaluation run.
type EvalOptions struct {
	// Dir holds corpus.jsonl, queries.jsonl and qrels.tsv (BEIR layout).
	Dir string
	// EmbeddingModel is a registered embedding model to use instead of
	// the built-in local embedder.
	EmbeddingModel uuid.UUID
	// LocalDims, when set, uses the local embedder with this many
	// dimensions (registered as a global model if need be).
	LocalDims int
	// Workers ingest documents at once.
	Workers int
	// Keep leaves the evaluation tenant in place.
	Keep bool
	// FusionWeights, when given, also measure hybrid search with the
	// embedding model's ranking counted at each of these weights (the
	// measurement its default fusion weight is chosen by).
	FusionWeights []float64
}

type beirDoc struct {
	ID    string `json:"_id"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

// EvalSciFact loads a BEIR dataset into a fresh tenant through the real
// ingestion path (text documents, ingestion jobs run by the worker's
// code), runs every query through the real retrieval path in each mode,
// and prints nDCG@10, Recall@100 and MRR@10 per mode.
func (o *Ops) EvalSciFact(ctx context.Context, opts EvalOptions, out io.Writer) error {
	docs, queries, qrels, err := loadBEIR(opts.Dir)
	if err != nil {
		return err
	}
	w, err := o.evalWorld(ctx, opts)
	if err != nil {
		return err
	}
	if !opts.Keep {
		defer func() { _ = o.Tenants.Delete(context.WithoutCancel(ctx), w.tenant) }()
	}
	fmt.Fprintf(out, "eval: %d documents, %d queries, embedding model %s\n", len(docs), len(queries), w.model)
	start := time.Now()
	var spent ingestTimes
	chunks, err := o.evalIngest(ctx, w, docs, max(1, opts.Workers), &spent)
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(out, "eval: ingested %d chunks in %.1f s (%.0f chunks/s); embedding took %.0f%% of the ingestion jobs' time\n",
		chunks, took.Seconds(), float64(chunks)/took.Seconds(), 100*float64(spent.embed.Load())/float64(max(1, spent.jobs.Load())))
	for _, mode := range []knowledgeapp.Mode{knowledgeapp.Vector, knowledgeapp.Text, knowledgeapp.Hybrid} {
		start := time.Now()
		m, err := o.evalMode(ctx, o.Knowledge, w, mode, queries, qrels)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%s ndcg@10=%.3f recall@100=%.3f mrr@10=%.3f (top-10 searches: ndcg@10=%.3f; %.1f ms a query)\n", mode, m.ndcg, m.recall, m.mrr,
			m.top10, float64(time.Since(start).Milliseconds())/float64(2*len(queries)))
	}
	for _, weight := range opts.FusionWeights {
		m, err := o.evalMode(ctx, o.Knowledge.WithVectorWeight(weight), w, knowledgeapp.Hybrid, queries, qrels)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "hybrid, vector weight %.2f: ndcg@10=%.3f recall@100=%.3f mrr@10=%.3f\n", weight, m.ndcg, m.recall, m.mrr)
	}
	return nil
}

// admin is the evaluation's user, who administers its tenant.
func (w evalWorld) admin() actor.Caller { return actor.Caller{UserID: w.user, TenantAdmin: true} }

// evalWorld is the tenant, user and collection an evaluation runs in.
type evalWorld struct {
	tenant     tenancy.ID
	user       uuid.UUID
	collection knowledgedomain.Collection
	model      string
}

func (o *Ops) evalWorld(ctx context.Context, opts EvalOptions) (evalWorld, error) {
	var w evalWorld
	name := fmt.Sprintf("Eval %s", time.Now().UTC().Format("20060102-150405.000"))
	t, err := o.Tenants.Create(ctx, tenantsapp.CreateInput{Name: name})
	if err != nil {
		return w, fmt.Errorf("eval tenant: %w", err)
	}
	w.tenant = t.ID
	english := tenantsdomain.Settings{Language: "english", JITProvisioning: false}
	if _, err := o.Tenants.Update(ctx, t.ID, tenantsdomain.Patch{Settings: &english}); err != nil {
		return w, fmt.Errorf("eval tenant language: %w", err)
	}
	model := opts.EmbeddingModel
	if model == uuid.Nil {
		spec := localModels[1]
		if opts.LocalDims > 0 && opts.LocalDims != spec.Dimensions {
			spec.Name, spec.Dimensions = fmt.Sprintf("Local hashed n-grams (%d)", opts.LocalDims), opts.LocalDims
			spec.ProviderModel = fmt.Sprintf("hash-ngram-%d", opts.LocalDims)
		}
		m, _, err := o.Models.EnsureGlobal(ctx, spec)
		if err != nil {
			return w, err
		}
		model = m.ID
	}
	if _, err := o.Models.EnsureSetting(ctx, t.ID, model, modelsdomain.Setting{Enabled: true, Default: true}); err != nil {
		return w, fmt.Errorf("enable the embedding model: %w", err)
	}
	u, err := o.Users.Create(ctx, t.ID, usersapp.CreateInput{Email: "eval@" + strings.ToLower(uuid.NewString()[:8]) + ".example",
		Password: randomPassword() + "Aa1!", PredefinedRoles: []string{usersdomain.RoleOwner}})
	if err != nil {
		return w, fmt.Errorf("eval user: %w", err)
	}
	w.user = u.ID
	space, err := o.Spaces.Personal(ctx, t.ID, actor.Caller{UserID: u.ID, TenantAdmin: true})
	if err != nil {
		return w, err
	}
	caller := actor.Caller{UserID: u.ID, TenantAdmin: true, Permissions: []string{string(usersdomain.PermCollections)}}
	w.collection, err = o.Knowledge.CreateCollection(ctx, t.ID, caller, knowledgeapp.CreateCollectionInput{Space: space.ID, Name: "SciFact", EmbeddingModel: model})
	if err != nil {
		return w, fmt.Errorf("eval collection: %w", err)
	}
	em, err := o.Knowledge.EmbeddingModel(ctx, t.ID, model)
	w.model = em.Name
	return w, err
}

// evalIngest adds the documents as text blobs and runs their ingestion
// jobs as the worker does, workers at a time. It returns the chunk count.
func (o *Ops) evalIngest(ctx context.Context, w evalWorld, docs []beirDoc, workers int, spent *ingestTimes) (int64, error) {
	caller := actor.Caller{UserID: w.user, TenantAdmin: true}
	var accepted []knowledgeapp.Accepted
	for start := 0; start < len(docs); start += knowledgedomain.MaxTextBlobs {
		var texts []knowledgeapp.TextBlob
		for _, d := range docs[start:min(start+knowledgedomain.MaxTextBlobs, len(docs))] {
			texts = append(texts, knowledgeapp.TextBlob{Text: d.Text, Title: d.Title, URL: "scifact:" + d.ID})
		}
		as, err := o.Knowledge.AddTexts(ctx, w.tenant, caller, w.collection.ID, texts)
		if err != nil {
			return 0, fmt.Errorf("add documents: %w", err)
		}
		accepted = append(accepted, as...)
	}
	// The ingestion jobs embed through a wrapper that adds up the time
	// the embedder takes.
	k := o.Knowledge.WithEmbedder(func(e knowledgeapp.Embedder) knowledgeapp.Embedder { return timedEmbedder{Embedder: e, spent: spent} })
	work := make(chan knowledgeapp.IngestTextsPayload)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for job := range work {
				if err := evalIngestOne(ctx, k, job, spent); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	for _, job := range evalJobs(w, accepted) {
		work <- job
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return 0, fmt.Errorf("ingest: %w", err)
	}
	col, err := o.Knowledge.Collection(ctx, w.tenant, w.admin(), w.collection.ID)
	return col.ChunkCount, err
}

// ingestTimes add up the time ingestion jobs ran and the part of it
// spent waiting for embeddings.
type ingestTimes struct{ jobs, embed atomic.Int64 }

// timedEmbedder adds the time its embedder takes to spent.
type timedEmbedder struct {
	knowledgeapp.Embedder
	spent *ingestTimes
}

func (e timedEmbedder) Embed(ctx context.Context, tenant tenancy.ID, user, model uuid.UUID, source string, texts []string) ([][]float32, error) {
	start := time.Now()
	defer func() { e.spent.embed.Add(int64(time.Since(start))) }()
	return e.Embedder.Embed(ctx, tenant, user, model, source, texts)
}

// evalJobs groups the accepted documents by their job (texts added
// together share one), leaving out duplicates.
func evalJobs(w evalWorld, accepted []knowledgeapp.Accepted) []knowledgeapp.IngestTextsPayload {
	var jobs []knowledgeapp.IngestTextsPayload
	index := map[uuid.UUID]int{}
	for _, a := range accepted {
		if a.Duplicate {
			continue
		}
		i, ok := index[a.Job]
		if !ok {
			i, index[a.Job] = len(jobs), len(jobs)
			jobs = append(jobs, knowledgeapp.IngestTextsPayload{Tenant: w.tenant, Job: a.Job, Collection: w.collection.ID})
		}
		jobs[i].Blobs = append(jobs[i].Blobs, a.Blob.ID)
	}
	return jobs
}

// evalIngestOne runs one ingestion job with k, as a worker would.
func evalIngestOne(ctx context.Context, k *knowledgeapp.Knowledge, job knowledgeapp.IngestTextsPayload, spent *ingestTimes) error {
	start := time.Now()
	var err error
	if len(job.Blobs) == 1 {
		err = k.Ingest(ctx, knowledgeapp.IngestPayload{Tenant: job.Tenant, Job: job.Job, Blob: job.Blobs[0]})
	} else {
		err = k.IngestTexts(ctx, job)
	}
	spent.jobs.Add(int64(time.Since(start)))
	return err
}

// metrics are a mode's averages over the queries: from searches for 100
// passages, and nDCG@10 of searches for 10 (top10), which rank fewer
// full-text candidates.
type metrics struct{ ndcg, recall, mrr, top10 float64 }

func (o *Ops) evalMode(ctx context.Context, k *knowledgeapp.Knowledge, w evalWorld, mode knowledgeapp.Mode, queries []beirDoc, qrels map[string]map[string]bool) (metrics, error) {
	var sum metrics
	col, err := o.Knowledge.Collection(ctx, w.tenant, w.admin(), w.collection.ID)
	if err != nil {
		return sum, err
	}
	for _, q := range queries {
		hits, err := k.Search(ctx, w.tenant, w.user, []knowledgedomain.Collection{col}, q.Text, 100, mode)
		if err != nil {
			return sum, fmt.Errorf("query %s: %w", q.ID, err)
		}
		ranked := rankedDocs(hits)
		rel := qrels[q.ID]
		sum.ndcg += NDCG(ranked, rel, 10)
		sum.recall += Recall(ranked, rel, 100)
		sum.mrr += MRR(ranked, rel, 10)
		hits, err = k.Search(ctx, w.tenant, w.user, []knowledgedomain.Collection{col}, q.Text, 10, mode)
		if err != nil {
			return sum, fmt.Errorf("query %s: %w", q.ID, err)
		}
		sum.top10 += NDCG(rankedDocs(hits), rel, 10)
	}
	n := float64(len(queries))
	return metrics{sum.ndcg / n, sum.recall / n, sum.mrr / n, sum.top10 / n}, nil
}

// rankedDocs turns ranked chunks into ranked document ids, each once.
func rankedDocs(hits []knowledgeapp.Hit) []string {
	var out []string
	seen := map[string]bool{}
	for _, h := range hits {
		id := strings.TrimPrefix(h.Source, "scifact:")
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// NDCG is the normalised discounted cumulative gain at k with binary
// relevance.
func NDCG(ranked []string, rel map[string]bool, k int) float64 {
	dcg, ideal := 0.0, 0.0
	for i, id := range ranked[:min(k, len(ranked))] {
		if rel[id] {
			dcg += 1 / math.Log2(float64(i+2))
		}
	}
	for i := range min(k, len(rel)) {
		ideal += 1 / math.Log2(float64(i+2))
	}
	if ideal == 0 {
		return 0
	}
	return dcg / ideal
}

// Recall is the share of relevant documents in the first k.
func Recall(ranked []string, rel map[string]bool, k int) float64 {
	if len(rel) == 0 {
		return 0
	}
	found := 0
	for _, id := range ranked[:min(k, len(ranked))] {
		if rel[id] {
			found++
		}
	}
	return float64(found) / float64(len(rel))
}

// MRR is the reciprocal rank of the first relevant document within k.
func MRR(ranked []string, rel map[string]bool, k int) float64 {
	for i, id := range ranked[:min(k, len(ranked))] {
		if rel[id] {
			return 1 / float64(i+1)
		}
	}
	return 0
}

// loadBEIR reads corpus.jsonl, queries.jsonl and qrels.tsv. Queries
// without judgments are left out.
func loadBEIR(dir string) ([]beirDoc, []beirDoc, map[string]map[string]bool, error) {
	docs, err := readJSONL(filepath.Join(dir, "corpus.jsonl"))
	if err != nil {
		return nil, nil, nil, err
	}
	queries, err := readJSONL(filepath.Join(dir, "queries.jsonl"))
	if err != nil {
		return nil, nil, nil, err
	}
	qrels, err := readQrels(filepath.Join(dir, "qrels.tsv"))
	if err != nil {
		return nil, nil, nil, err
	}
	judged := queries[:0]
	for _, q := range queries {
		if len(qrels[q.ID]) > 0 {
			judged = append(judged, q)
		}
	}
	return docs, judged, qrels, nil
}

func readJSONL(path string) ([]beirDoc, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval data: %w (give the directory with -data)", err)
	}
	defer f.Close()
	var out []beirDoc
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for line := 1; sc.Scan(); line++ {
		var d beirDoc
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, line, err)
		}
		out = append(out, d)
	}
	return out, sc.Err()
}

func readQrels(path string) (map[string]map[string]bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("eval data: %w", err)
	}
	defer f.Close()
	out := map[string]map[string]bool{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		cols := strings.Split(sc.Text(), "\t")
		if line == 1 || len(cols) < 3 || cols[2] == "0" {
			continue
		}
		if out[cols[0]] == nil {
			out[cols[0]] = map[string]bool{}
		}
		out[cols[0]][cols[1]] = true
	}
	return out, sc.Err()
}
