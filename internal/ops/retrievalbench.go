package ops

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	knowledgeapp "github.com/agora-platform/agora/internal/knowledge/application"
	knowledgedomain "github.com/agora-platform/agora/internal/knowledge/domain"
	modelsdomain "github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	usersdomain "github.com/agora-platform/agora/internal/users/domain"
)

// RetrievalBenchOptions shape a retrieval benchmark.
type RetrievalBenchOptions struct {
	// Chunks is how many chunks the benchmark tenant holds.
	Chunks int
	// Collections the chunks are spread over.
	Collections int
	// Scope is how many collections a query searches (0: all).
	Scope int
	// Queries per measurement.
	Queries int
	// RecallQueries of them are also run exactly, for recall (exact search
	// over a million chunks takes seconds).
	RecallQueries int
	// Seed makes the data and the queries repeatable.
	Seed uint64
	// BuildMemory is maintenance_work_mem for the HNSW build.
	BuildMemory string
	// Keep leaves the benchmark tenant in place.
	Keep bool
	// Tenant, when set, is a benchmark tenant kept by an earlier run
	// with the same Chunks, Collections and Seed: only the queries run.
	Tenant uuid.UUID
}

// Synthetic data. Text embeddings lie near a space of far fewer
// dimensions than they have (with independent noise in all 384, every
// chunk of a cluster is about as far from a query as every other, and
// "the nearest ten" means little), so a chunk's vector is a point in a
// benchLatent-dimensional space, around one of benchClusters centres,
// mapped into 384 dimensions by a fixed random projection, plus a little
// noise in all of them. Chunk texts draw benchWords words each from a
// Zipf-distributed vocabulary of benchVocabulary made-up words.
const (
	benchDims       = 384
	benchLatent     = 32
	benchClusters   = 1000
	benchWords      = 60
	benchVocabulary = 30000
	benchPerBlob    = 20
	benchBatch      = 1000
)

// benchData generates chunk i's vector and text from the seed alone, so
// queries can be made from chunks without keeping them in memory.
type benchData struct {
	seed       uint64
	centres    [][]float32
	projection [][]float32 // benchDims rows of benchLatent
}

func newBenchData(seed uint64) *benchData {
	r := rand.New(rand.NewPCG(seed, 0))
	d := &benchData{seed: seed, centres: make([][]float32, benchClusters), projection: make([][]float32, benchDims)}
	for i := range d.centres {
		d.centres[i] = gaussian(r, benchLatent, 1)
	}
	for i := range d.projection {
		d.projection[i] = gaussian(r, benchLatent, 1/math.Sqrt(benchLatent))
	}
	return d
}

func gaussian(r *rand.Rand, n int, sigma float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(r.NormFloat64() * sigma)
	}
	return v
}

func normalize(v []float32) []float32 {
	var sum float64
	for _, x := range v {
		sum += float64(x) * float64(x)
	}
	n := float32(math.Sqrt(sum))
	for i := range v {
		v[i] /= n
	}
	return v
}

// embed maps a latent point into benchDims dimensions with noise.
func (d *benchData) embed(latent []float32, r *rand.Rand) []float32 {
	v := gaussian(r, benchDims, 0.05)
	for i, row := range d.projection {
		var x float32
		for j, p := range row {
			x += p * latent[j]
		}
		v[i] += x
	}
	return normalize(v)
}

// latent returns chunk i's latent point and its random source.
func (d *benchData) latent(i int) ([]float32, *rand.Rand) {
	r := rand.New(rand.NewPCG(d.seed, uint64(i)+1))
	centre := d.centres[r.IntN(benchClusters)]
	l := gaussian(r, benchLatent, 0.5)
	for j := range l {
		l[j] += centre[j]
	}
	return l, r
}

// chunk returns chunk i's vector and words.
func (d *benchData) chunk(i int) ([]float32, []string) {
	l, r := d.latent(i)
	v := d.embed(l, r)
	z := rand.NewZipf(r, 1.1, 2, benchVocabulary-1)
	words := make([]string, benchWords)
	for j := range words {
		words[j] = benchWord(int(z.Uint64()))
	}
	return v, words
}

// query makes a query near chunk i: its latent point moved a little, and
// three of its rarer words.
func (d *benchData) query(i int, r *rand.Rand) ([]float32, string) {
	_, words := d.chunk(i)
	l, _ := d.latent(i)
	for j, x := range gaussian(r, benchLatent, 0.15) {
		l[j] += x
	}
	slices.SortFunc(words, func(a, b string) int { return len(b) - len(a) }) // longer words are rarer
	return d.embed(l, r), strings.Join(words[:3], " ")
}

var benchSyllables = []string{"ka", "lo", "mi", "ne", "ru", "ta", "vo", "pe", "si", "du", "go", "ha", "ji", "bu", "fe", "zo"}

// benchWord spells word n; rarer words (larger n) are longer.
func benchWord(n int) string {
	var b strings.Builder
	b.WriteString("q")
	for {
		b.WriteString(benchSyllables[n%len(benchSyllables)])
		n /= len(benchSyllables)
		if n == 0 {
			return b.String()
		}
	}
}

// BenchRetrieval fills a fresh tenant with synthetic chunks, builds the
// HNSW index once, then measures vector and hybrid search through the
// real search path: latency p50/p99 and recall@10 against exact search.
func (o *Ops) BenchRetrieval(ctx context.Context, opts RetrievalBenchOptions, out io.Writer) error {
	opts = opts.withDefaults()
	if opts.Tenant != uuid.Nil {
		return o.rerunRetrieval(ctx, opts, out)
	}
	// A model of its own, so that dropping and building its index touches
	// no one else's chunks.
	m, _, err := o.Models.EnsureGlobal(ctx, modelsdomain.Spec{Kind: modelsdomain.Embedding, Name: "Retrieval benchmark (384)",
		ProviderType: "local", ProviderModel: "hash-ngram-384", Dimensions: benchDims, Description: "Synthetic vectors of agora bench retrieval."})
	if err != nil {
		return err
	}
	w, err := o.evalWorld(ctx, EvalOptions{EmbeddingModel: m.ID})
	if err != nil {
		return err
	}
	if !opts.Keep {
		defer func() { _ = o.Tenants.Delete(context.WithoutCancel(ctx), w.tenant) }()
	}
	cols, err := o.benchCollections(ctx, w, opts.Collections)
	if err != nil {
		return err
	}
	data := newBenchData(opts.Seed)
	ids := make([]uuid.UUID, len(cols))
	for i, c := range cols {
		ids[i] = c.ID
	}
	// The import drops the model's HNSW index, writes the chunks in
	// batches on two connections, sets the documents' and collections'
	// totals as ingestion would, builds the index once and analyzes.
	took, err := o.Knowledge.ImportPrepared(ctx, w.tenant, w.admin(), knowledgeapp.ImportInput{Collections: ids,
		Batches: (opts.Chunks + benchBatch - 1) / benchBatch, ChunkTokens: benchWords, BuildMemory: opts.BuildMemory,
		Batch: func(i int) []knowledgeapp.PreparedDoc {
			first := i * benchBatch
			return benchDocs(w.tenant, cols, data, first, min(first+benchBatch, opts.Chunks))
		}})
	if kind, ok := errs.AsKind(err); ok && kind == errs.Conflict {
		return fmt.Errorf("%w (a tenant kept by an earlier run with -keep uses the benchmark model: rerun its queries with -tenant, or delete it first)", err)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "retrieval bench: %d chunks of %d dimensions in %d collections; loaded in %.0f s, HNSW built in %.0f s\n",
		opts.Chunks, benchDims, opts.Collections, took.Load.Seconds(), took.Index.Seconds())
	if opts.Keep {
		fmt.Fprintf(out, "retrieval bench: kept as tenant %s (agora bench retrieval -tenant %s … runs the queries again)\n", w.tenant, w.tenant)
	}
	return o.benchQueries(ctx, w, cols, data, opts, out)
}

// rerunRetrieval runs the queries again over a kept benchmark tenant.
func (o *Ops) rerunRetrieval(ctx context.Context, opts RetrievalBenchOptions, out io.Writer) error {
	tenant := tenancy.ID{UUID: opts.Tenant}
	users, _, err := o.Users.List(ctx, tenant, "", 1, 0)
	if err != nil {
		return err
	}
	if len(users) == 0 {
		return fmt.Errorf("bench: tenant %s has no user; is it a kept benchmark tenant?", opts.Tenant)
	}
	w := evalWorld{tenant: tenant, user: users[0].ID}
	cols, err := o.Knowledge.Collections(ctx, w.tenant, w.admin(), nil)
	if err != nil {
		return err
	}
	var chunks int64
	for _, c := range cols {
		chunks += c.ChunkCount
	}
	if len(cols) != opts.Collections || chunks != int64(opts.Chunks) {
		return fmt.Errorf("bench: tenant %s holds %d chunks in %d collections, not the %d in %d asked for", opts.Tenant, chunks, len(cols), opts.Chunks, opts.Collections)
	}
	slices.SortFunc(cols, func(a, b knowledgedomain.Collection) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return o.benchQueries(ctx, w, cols, newBenchData(opts.Seed), opts, out)
}

func (o RetrievalBenchOptions) withDefaults() RetrievalBenchOptions {
	if o.Chunks <= 0 {
		o.Chunks = 100_000
	}
	if o.Collections <= 0 {
		o.Collections = 100
	}
	if o.Scope <= 0 || o.Scope > o.Collections {
		o.Scope = o.Collections
	}
	if o.Queries <= 0 {
		o.Queries = 200
	}
	if o.RecallQueries <= 0 || o.RecallQueries > o.Queries {
		o.RecallQueries = min(50, o.Queries)
	}
	if o.BuildMemory == "" {
		o.BuildMemory = "2GB"
	}
	return o
}

func (o *Ops) benchCollections(ctx context.Context, w evalWorld, n int) ([]knowledgedomain.Collection, error) {
	caller := actor.Caller{UserID: w.user, TenantAdmin: true, Permissions: []string{string(usersdomain.PermCollections)}}
	cols := []knowledgedomain.Collection{w.collection}
	for i := 1; i < n; i++ {
		c, err := o.Knowledge.CreateCollection(ctx, w.tenant, caller, knowledgeapp.CreateCollectionInput{
			Space: w.collection.Space, Name: fmt.Sprintf("Bench %d", i), EmbeddingModel: w.collection.EmbeddingModel})
		if err != nil {
			return nil, fmt.Errorf("bench collection %d: %w", i, err)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// benchDocs makes the documents of chunks [first, end): documents of
// benchPerBlob chunks, document b in collection b mod len(cols). A document
// split over two batches has a part in each, under one id.
func benchDocs(tenant tenancy.ID, cols []knowledgedomain.Collection, data *benchData, first, end int) []knowledgeapp.PreparedDoc {
	var docs []knowledgeapp.PreparedDoc
	for i := first; i < end; i++ {
		blob := i / benchPerBlob
		if i == first || i%benchPerBlob == 0 {
			docs = append(docs, knowledgeapp.PreparedDoc{ID: uuid.NewSHA1(tenant.UUID, []byte(strconv.Itoa(blob))), Collection: cols[blob%len(cols)].ID,
				Title: fmt.Sprintf("Document %d", blob), SHA256: fmt.Sprintf("bench-%d-%d", blob, i)})
		}
		v, words := data.chunk(i)
		d := &docs[len(docs)-1]
		d.Chunks = append(d.Chunks, knowledgeapp.PreparedChunk{ID: uuid.NewSHA1(tenant.UUID, []byte("c"+strconv.Itoa(i))), No: i % benchPerBlob,
			Text: strings.Join(words, " "), Embedding: v})
	}
	return docs
}

// benchEmbedder answers the search path's embedding request with the
// query's prepared vector.
type benchEmbedder struct {
	mu      sync.Mutex
	vectors map[string][]float32
}

func (e *benchEmbedder) Embed(_ context.Context, _ tenancy.ID, _, _ uuid.UUID, _ string, texts []string) ([][]float32, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v, ok := e.vectors[t]
		if !ok {
			return nil, fmt.Errorf("bench: no vector for %q", t)
		}
		out[i] = v
	}
	return out, nil
}

type benchQuery struct {
	text string
	cols []knowledgedomain.Collection
}

// benchQueries runs the queries through approximate and exact search and
// prints latency and recall per mode.
func (o *Ops) benchQueries(ctx context.Context, w evalWorld, cols []knowledgedomain.Collection, data *benchData, opts RetrievalBenchOptions, out io.Writer) error {
	fresh := make([]knowledgedomain.Collection, len(cols))
	for i, c := range cols {
		c, err := o.Knowledge.Collection(ctx, w.tenant, w.admin(), c.ID)
		if err != nil {
			return err
		}
		fresh[i] = c
	}
	r := rand.New(rand.NewPCG(opts.Seed, 1<<40))
	emb := &benchEmbedder{vectors: map[string][]float32{}}
	queries := make([]benchQuery, opts.Queries)
	for i := range queries {
		v, text := data.query(r.IntN(opts.Chunks), r)
		text = fmt.Sprintf("%s q%d", text, i) // unique, so each has its own vector
		emb.vectors[text] = v
		picked := slices.Clone(fresh)
		r.Shuffle(len(picked), func(x, y int) { picked[x], picked[y] = picked[y], picked[x] })
		queries[i] = benchQuery{text: text, cols: picked[:opts.Scope]}
	}
	approx := o.Knowledge.WithEmbedder(func(knowledgeapp.Embedder) knowledgeapp.Embedder { return emb })
	exact := approx.Exact()
	var inScope int64
	for _, c := range queries[0].cols {
		inScope += c.ChunkCount
	}
	fmt.Fprintf(out, "retrieval bench: %d queries over %d collections each (about %d chunks)\n", opts.Queries, opts.Scope, inScope)
	for _, mode := range []knowledgeapp.Mode{knowledgeapp.Vector, knowledgeapp.Text, knowledgeapp.Hybrid} {
		if err := benchMode(ctx, w, approx, exact, mode, queries, opts.RecallQueries, out); err != nil {
			return err
		}
	}
	return nil
}

func benchMode(ctx context.Context, w evalWorld, approx, exact *knowledgeapp.Knowledge, mode knowledgeapp.Mode, queries []benchQuery, recallQueries int, out io.Writer) error {
	var took []time.Duration
	var recall float64
	for _, q := range queries[:min(len(queries), 10)] { // warm the caches
		if _, err := approx.Search(ctx, w.tenant, w.user, q.cols, q.text, 10, mode); err != nil {
			return err
		}
	}
	// The timed queries run first and alone: an exact search reads every
	// chunk in scope and would leave the next query a cold cache.
	got := make([][]knowledgeapp.Hit, len(queries))
	for i, q := range queries {
		start := time.Now()
		hits, err := approx.Search(ctx, w.tenant, w.user, q.cols, q.text, 10, mode)
		if err != nil {
			return err
		}
		took = append(took, time.Since(start))
		got[i] = hits
	}
	for i, q := range queries[:recallQueries] {
		if mode == knowledgeapp.Text {
			break
		}
		want, err := exact.Search(ctx, w.tenant, w.user, q.cols, q.text, 10, mode)
		if err != nil {
			return err
		}
		recall += overlap(got[i], want)
	}
	slices.Sort(took)
	line := fmt.Sprintf("%-6s top-10 p50=%.1f ms p99=%.1f ms", mode, ms(took[len(took)/2]), ms(took[len(took)*99/100]))
	if mode != knowledgeapp.Text {
		line += fmt.Sprintf(" recall@10=%.3f (of exact, %d queries)", recall/float64(recallQueries), recallQueries)
	}
	fmt.Fprintln(out, line)
	return nil
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// overlap is the share of want's chunks that got holds.
func overlap(got, want []knowledgeapp.Hit) float64 {
	if len(want) == 0 {
		return 1
	}
	seen := map[uuid.UUID]bool{}
	for _, h := range got {
		seen[h.Chunk] = true
	}
	n := 0
	for _, h := range want {
		if seen[h.Chunk] {
			n++
		}
	}
	return float64(n) / float64(len(want))
}

// IngestBenchOptions shape an ingestion benchmark.
type IngestBenchOptions struct {
	// Documents and ChunksEach: how many documents, of about how many
	// chunks each (at the configured chunk size).
	Documents, ChunksEach int
	// Workers ingest documents at once.
	Workers int
	Seed    uint64
}

// BenchIngest ingests synthetic text documents through the real ingestion
// path with the local embedder and prints chunks per second end to end and
// the share of the jobs' time spent embedding.
func (o *Ops) BenchIngest(ctx context.Context, opts IngestBenchOptions, out io.Writer) error {
	opts.Documents, opts.ChunksEach, opts.Workers = max(1, opts.Documents), max(1, opts.ChunksEach), max(1, opts.Workers)
	w, err := o.evalWorld(ctx, EvalOptions{})
	if err != nil {
		return err
	}
	defer func() { _ = o.Tenants.Delete(context.WithoutCancel(ctx), w.tenant) }()
	data := newBenchData(opts.Seed)
	// A chunk of benchWords made-up words is about 4 tokens a word.
	wordsEach := opts.ChunksEach * o.ChunkTokens / 4
	docs := make([]beirDoc, opts.Documents)
	next := 0
	for i := range docs {
		var b strings.Builder
		for b.Len() < wordsEach*7 && b.Len() < knowledgedomain.MaxTextBlobChars-1000 {
			_, words := data.chunk(next)
			next++
			b.WriteString(strings.Join(words, " "))
			b.WriteString(".\n\n")
		}
		docs[i] = beirDoc{ID: strconv.Itoa(i), Title: fmt.Sprintf("Handbook %d", i), Text: b.String()}
	}
	var spent ingestTimes
	start := time.Now()
	chunks, err := o.evalIngest(ctx, w, docs, opts.Workers, &spent)
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(out, "ingestion bench: %d documents, %d chunks in %.1f s: %.0f chunks/s end to end; embedding took %.0f%% of the jobs' time\n",
		opts.Documents, chunks, took.Seconds(), float64(chunks)/took.Seconds(), 100*float64(spent.embed.Load())/float64(max(1, spent.jobs.Load())))
	return nil
}
