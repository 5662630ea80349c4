package app

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

	knowledgeinfra "github.com/agora-platform/agora/internal/knowledge/infrastructure"

	"github.com/google/uuid"
	"github.com/uptrace/bun/dialect/pgdialect"

	knowledgeapp "github.com/agora-platform/agora/internal/knowledge/application"
	knowledgedomain "github.com/agora-platform/agora/internal/knowledge/domain"
	modelsdomain "github.com/agora-platform/agora/internal/models/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
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

func benchVector(v []float32) string {
	b := make([]byte, 0, len(v)*10)
	b = append(b, '[')
	for i, x := range v {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, float64(x), 'g', 6, 32)
	}
	return string(append(b, ']'))
}

// BenchRetrieval fills a fresh tenant with synthetic chunks, builds the
// HNSW index once, then measures vector and hybrid search through the
// real search path: latency p50/p99 and recall@10 against exact search.
func (a *App) BenchRetrieval(ctx context.Context, o RetrievalBenchOptions, out io.Writer) error {
	o = o.withDefaults()
	// A model of its own, so that dropping and building its index touches
	// no one else's chunks.
	m, _, err := a.Models.Service.EnsureGlobal(ctx, modelsdomain.Spec{Kind: modelsdomain.Embedding, Name: "Retrieval benchmark (384)",
		ProviderType: "local", ProviderModel: "hash-ngram-384", Dimensions: benchDims, Description: "Synthetic vectors of agora bench retrieval."})
	if err != nil {
		return err
	}
	w, err := a.evalWorld(ctx, EvalOptions{EmbeddingModel: m.ID})
	if err != nil {
		return err
	}
	if !o.Keep {
		defer func() { _ = a.Tenants.Service.Delete(context.WithoutCancel(ctx), w.tenant) }()
	}
	cols, err := a.benchCollections(ctx, w, o.Collections)
	if err != nil {
		return err
	}
	store := knowledgeinfra.NewKnowledge(a.DB)
	store.BuildMemory, store.Owner = o.BuildMemory, a.Owner
	if err := store.DropIndex(ctx, cols[0].EmbeddingModel); err != nil {
		return err
	}
	data := newBenchData(o.Seed)
	start := time.Now()
	if err := a.benchLoad(ctx, w.tenant, cols, data, o.Chunks); err != nil {
		return err
	}
	loaded := time.Since(start)
	start = time.Now()
	model, err := a.Knowledge.Knowledge.EmbeddingModel(ctx, w.tenant, cols[0].EmbeddingModel)
	if err != nil {
		return err
	}
	if err := store.EnsureIndex(ctx, model); err != nil {
		return err
	}
	fmt.Fprintf(out, "retrieval bench: %d chunks of %d dimensions in %d collections; loaded in %.0f s, HNSW built in %.0f s\n",
		o.Chunks, benchDims, o.Collections, loaded.Seconds(), time.Since(start).Seconds())
	owner, err := a.Owner.Get(ctx)
	if err != nil {
		return err
	}
	if _, err := owner.ExecContext(ctx, "ANALYZE chunks"); err != nil {
		return err
	}
	return a.benchQueries(ctx, w, cols, data, o, out)
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

func (a *App) benchCollections(ctx context.Context, w evalWorld, n int) ([]knowledgedomain.Collection, error) {
	caller := actor.Caller{UserID: w.user, TenantAdmin: true, Permissions: []string{string(usersdomain.PermCollections)}}
	cols := []knowledgedomain.Collection{w.collection}
	for i := 1; i < n; i++ {
		c, err := a.Knowledge.Knowledge.CreateCollection(ctx, w.tenant, caller, knowledgeapp.CreateCollectionInput{
			Space: w.collection.Space, Name: fmt.Sprintf("Bench %d", i), EmbeddingModel: w.collection.EmbeddingModel})
		if err != nil {
			return nil, fmt.Errorf("bench collection %d: %w", i, err)
		}
		cols = append(cols, c)
	}
	return cols, nil
}

// benchLoad writes the chunks in batches on two connections, then sets
// the documents' and collections' totals as ingestion would.
func (a *App) benchLoad(ctx context.Context, tenant tenancy.ID, cols []knowledgedomain.Collection, data *benchData, n int) error {
	batches := make(chan int)
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for first := range batches {
				if err := a.benchInsert(ctx, tenant, cols, data, first, min(first+benchBatch, n)); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	go func() {
		defer close(batches)
		for first := 0; first < n; first += benchBatch {
			select {
			case batches <- first:
			case <-ctx.Done():
				return
			}
		}
	}()
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	_, err := a.DB.ExecContext(ctx, `UPDATE info_blobs b SET term_count = s.terms FROM (
			SELECT c.info_blob_id, sum(array_length(t.positions, 1)) AS terms FROM chunks c, unnest(c.tsv) t
			WHERE c.tenant_id = ? GROUP BY 1) s
		WHERE b.tenant_id = ? AND b.id = s.info_blob_id`, tenant.UUID, tenant.UUID)
	if err != nil {
		return fmt.Errorf("bench document totals: %w", err)
	}
	_, err = a.DB.ExecContext(ctx, `UPDATE collections c SET chunk_count = s.chunks, term_count = s.terms FROM (
			SELECT collection_id, sum(chunk_count) AS chunks, sum(term_count) AS terms FROM info_blobs WHERE tenant_id = ? GROUP BY 1) s
		WHERE c.tenant_id = ? AND c.id = s.collection_id`, tenant.UUID, tenant.UUID)
	if err != nil {
		return fmt.Errorf("bench collection totals: %w", err)
	}
	_, err = a.DB.ExecContext(ctx, `INSERT INTO collection_terms (tenant_id, collection_id, lexeme, df)
		SELECT c.tenant_id, c.collection_id, t.lexeme, count(*) FROM chunks c, unnest(c.tsv) t WHERE c.tenant_id = ? GROUP BY 1, 2, 3`, tenant.UUID)
	if err != nil {
		return fmt.Errorf("bench term frequencies: %w", err)
	}
	return ctx.Err()
}

// benchInsert writes chunks [first, end): documents of benchPerBlob
// chunks, document b in collection b mod len(cols).
func (a *App) benchInsert(ctx context.Context, tenant tenancy.ID, cols []knowledgedomain.Collection, data *benchData, first, end int) error {
	var blobIDs, blobCols []uuid.UUID
	var titles, hashes []string
	var counts []int
	ids, chunkBlobs, chunkCols := make([]uuid.UUID, 0, end-first), make([]uuid.UUID, 0, end-first), make([]uuid.UUID, 0, end-first)
	nos, texts, vecs := make([]int, 0, end-first), make([]string, 0, end-first), make([]string, 0, end-first)
	for i := first; i < end; i++ {
		blob := i / benchPerBlob
		if i == first || i%benchPerBlob == 0 {
			blobIDs = append(blobIDs, uuid.NewSHA1(tenant.UUID, []byte(strconv.Itoa(blob))))
			blobCols = append(blobCols, cols[blob%len(cols)].ID)
			titles = append(titles, fmt.Sprintf("Document %d", blob))
			hashes = append(hashes, fmt.Sprintf("bench-%d-%d", blob, i))
			counts = append(counts, 0)
		}
		counts[len(counts)-1]++
		v, words := data.chunk(i)
		ids = append(ids, uuid.NewSHA1(tenant.UUID, []byte("c"+strconv.Itoa(i))))
		chunkBlobs, chunkCols = append(chunkBlobs, blobIDs[len(blobIDs)-1]), append(chunkCols, blobCols[len(blobCols)-1])
		nos, texts, vecs = append(nos, i%benchPerBlob), append(texts, strings.Join(words, " ")), append(vecs, benchVector(v))
	}
	arr := pgdialect.Array
	// A document split over two batches is written by both; the first
	// write wins and the second adds its chunk count.
	_, err := a.DB.ExecContext(ctx, `INSERT INTO info_blobs (id, tenant_id, collection_id, title, sha256, status, chunk_count)
		SELECT u.id, ?, u.col, u.title, u.hash, 'ready', u.n FROM unnest(?::uuid[], ?::uuid[], ?::text[], ?::text[], ?::int[]) AS u(id, col, title, hash, n)
		ON CONFLICT (tenant_id, id) DO UPDATE SET chunk_count = info_blobs.chunk_count + excluded.chunk_count`,
		tenant.UUID, arr(blobIDs), arr(blobCols), arr(titles), arr(hashes), arr(counts))
	if err != nil {
		return fmt.Errorf("bench documents: %w", err)
	}
	_, err = a.DB.ExecContext(ctx, `INSERT INTO chunks (id, tenant_id, collection_id, info_blob_id, embedding_model_id, chunk_no, text, tokens, embedding, tsv)
		SELECT u.id, ?, u.col, u.blob, ?, u.no, u.text, ?, u.emb::vector, to_tsvector('english', u.text)
		FROM unnest(?::uuid[], ?::uuid[], ?::uuid[], ?::int[], ?::text[], ?::text[]) AS u(id, col, blob, no, text, emb)`,
		tenant.UUID, cols[0].EmbeddingModel, benchWords, arr(ids), arr(chunkCols), arr(chunkBlobs), arr(nos), arr(texts), arr(vecs))
	if err != nil {
		return fmt.Errorf("bench chunks %d-%d: %w", first, end, err)
	}
	return nil
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
func (a *App) benchQueries(ctx context.Context, w evalWorld, cols []knowledgedomain.Collection, data *benchData, o RetrievalBenchOptions, out io.Writer) error {
	fresh := make([]knowledgedomain.Collection, len(cols))
	for i, c := range cols {
		c, err := a.Knowledge.Knowledge.Collection(ctx, w.tenant, w.admin(), c.ID)
		if err != nil {
			return err
		}
		fresh[i] = c
	}
	r := rand.New(rand.NewPCG(o.Seed, 1<<40))
	emb := &benchEmbedder{vectors: map[string][]float32{}}
	queries := make([]benchQuery, o.Queries)
	for i := range queries {
		v, text := data.query(r.IntN(o.Chunks), r)
		text = fmt.Sprintf("%s q%d", text, i) // unique, so each has its own vector
		emb.vectors[text] = v
		picked := slices.Clone(fresh)
		r.Shuffle(len(picked), func(x, y int) { picked[x], picked[y] = picked[y], picked[x] })
		queries[i] = benchQuery{text: text, cols: picked[:o.Scope]}
	}
	approx := a.Knowledge.Knowledge.WithEmbedder(emb)
	exact := approx.Exact()
	var inScope int64
	for _, c := range queries[0].cols {
		inScope += c.ChunkCount
	}
	fmt.Fprintf(out, "retrieval bench: %d queries over %d collections each (about %d chunks)\n", o.Queries, o.Scope, inScope)
	for _, mode := range []knowledgeapp.Mode{knowledgeapp.Vector, knowledgeapp.Text, knowledgeapp.Hybrid} {
		if err := benchMode(ctx, w, approx, exact, mode, queries, o.RecallQueries, out); err != nil {
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
	for i, q := range queries {
		start := time.Now()
		got, err := approx.Search(ctx, w.tenant, w.user, q.cols, q.text, 10, mode)
		if err != nil {
			return err
		}
		took = append(took, time.Since(start))
		if mode == knowledgeapp.Text || i >= recallQueries {
			continue
		}
		want, err := exact.Search(ctx, w.tenant, w.user, q.cols, q.text, 10, mode)
		if err != nil {
			return err
		}
		recall += overlap(got, want)
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
	// Workers ingest documents at once (the tenant's job slots apply).
	Workers int
	Seed    uint64
}

// BenchIngest ingests synthetic text documents through the real ingestion
// path with the local embedder and prints chunks per second end to end and
// the share of the jobs' time spent embedding.
func (a *App) BenchIngest(ctx context.Context, o IngestBenchOptions, out io.Writer) error {
	o.Documents, o.ChunksEach, o.Workers = max(1, o.Documents), max(1, o.ChunksEach), max(1, o.Workers)
	w, err := a.evalWorld(ctx, EvalOptions{})
	if err != nil {
		return err
	}
	defer func() { _ = a.Tenants.Service.Delete(context.WithoutCancel(ctx), w.tenant) }()
	data := newBenchData(o.Seed)
	// A chunk of benchWords made-up words is about 4 tokens a word.
	wordsEach := o.ChunksEach * a.Config.ChunkTokens / 4
	docs := make([]beirDoc, o.Documents)
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
	chunks, err := a.evalIngest(ctx, w, docs, o.Workers, &spent)
	if err != nil {
		return err
	}
	took := time.Since(start)
	fmt.Fprintf(out, "ingestion bench: %d documents, %d chunks in %.1f s: %.0f chunks/s end to end; embedding took %.0f%% of the jobs' time\n",
		o.Documents, chunks, took.Seconds(), float64(chunks)/took.Seconds(), 100*float64(spent.embed.Load())/float64(max(1, spent.jobs.Load())))
	return nil
}
