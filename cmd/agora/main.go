// Command agora is the operator CLI: it applies migrations, seeds demo data
// and manages tenants. It reads the same configuration as the API and worker.
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"

	"github.com/google/uuid"
	"golang.org/x/term"

	"github.com/agora-platform/agora/internal/app"
	"github.com/agora-platform/agora/internal/ops"
	"github.com/agora-platform/agora/internal/platform/health"
)

const usage = `usage: agora <command> [flags]

commands:
  migrate                         apply pending database migrations
  seed                            create the demo data (idempotent)
  create-tenant -name N [-display-name D] [-slug S]
                                  create a tenant and print its id
  create-user -tenant T -email E [-role R] [-invite]
                                  create a user in tenant T (slug or id); the password is
                                  asked for, or read from the first line of stdin
  rotate-keys                     re-encrypt every stored secret under the first ENCRYPTION_KEY
  eval scifact [-data DIR] [-embedding-model ID | -local-dims N] [-workers N] [-keep]
                                  load a BEIR dataset (default ../shared/eval/scifact) into a
                                  fresh tenant, run its queries, print nDCG@10, Recall@100 and
                                  MRR@10 for vector, text and hybrid retrieval
  bench retrieval [-chunks N] [-collections N] [-scope N] [-queries N] [-keep] [-tenant ID]
                                  fill a fresh tenant with synthetic 384-dimension chunks,
                                  build the HNSW index, print vector, text and hybrid search
                                  latency (p50/p99) and recall@10 against exact search
  bench ingestion [-documents N] [-chunks-each N] [-workers N]
                                  ingest synthetic documents with the local embedder, print
                                  chunks/s end to end and the share of time spent embedding
  version                         print the build version
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "agora:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return flag.ErrHelp
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "version":
		fmt.Fprintf(out, "agora %s (%s)\n", health.Version, health.Commit)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(out, usage)
		return nil
	case "migrate", "seed", "create-tenant", "create-user", "rotate-keys", "eval", "bench":
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
	a, err := app.Boot(ctx)
	if err != nil {
		return err
	}
	defer a.Close()
	switch cmd {
	case "migrate":
		return migrate(ctx, a, out)
	case "seed":
		return seed(ctx, a, out)
	case "create-user":
		return createUser(ctx, a, rest, out)
	case "eval":
		return eval(ctx, a, rest, out)
	case "bench":
		return bench(ctx, a, rest, out)
	case "rotate-keys":
		n, err := a.Ops().RotateKeys(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "rotate-keys: re-encrypted %d secret(s) under the first key; older keys can now be removed from ENCRYPTION_KEY\n", n)
		return nil
	default:
		return createTenant(ctx, a, rest, out)
	}
}

func eval(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	if len(args) == 0 || args[0] != "scifact" {
		return errors.New("eval: the dataset to run is scifact (agora eval scifact)")
	}
	fs := flag.NewFlagSet("eval scifact", flag.ContinueOnError)
	data := fs.String("data", "../shared/eval/scifact", "directory with corpus.jsonl, queries.jsonl and qrels.tsv")
	model := fs.String("embedding-model", "", "id of a registered embedding model (default: the built-in local embedder)")
	workers := fs.Int("workers", 4, "documents ingested at once")
	dims := fs.Int("local-dims", 0, "use the local embedder with this many dimensions (default: the seeded model's 384)")
	keep := fs.Bool("keep", false, "keep the evaluation tenant afterwards")
	weights := fs.String("fusion-weights", "", "also measure hybrid search at these comma-separated vector weights (0 to 1)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	o := ops.EvalOptions{Dir: *data, Workers: *workers, Keep: *keep, LocalDims: *dims}
	for _, f := range strings.FieldsFunc(*weights, func(r rune) bool { return r == ',' }) {
		w, err := strconv.ParseFloat(strings.TrimSpace(f), 64)
		if err != nil || w < 0 || w > 1 {
			return fmt.Errorf("eval: -fusion-weights takes numbers between 0 and 1, not %q", f)
		}
		o.FusionWeights = append(o.FusionWeights, w)
	}
	if *model != "" {
		id, err := uuid.Parse(*model)
		if err != nil {
			return fmt.Errorf("eval: -embedding-model must be a model id: %w", err)
		}
		o.EmbeddingModel = id
	}
	return a.Ops().EvalSciFact(ctx, o, out)
}

func bench(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	if len(args) > 0 && args[0] == "ingestion" {
		fs := flag.NewFlagSet("bench ingestion", flag.ContinueOnError)
		var o ops.IngestBenchOptions
		fs.IntVar(&o.Documents, "documents", 20, "documents to ingest")
		fs.IntVar(&o.ChunksEach, "chunks-each", 100, "about how many chunks each document has")
		fs.IntVar(&o.Workers, "workers", 2, "documents ingested at once")
		fs.Uint64Var(&o.Seed, "seed", 1, "seed of the synthetic text")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		return a.Ops().BenchIngest(ctx, o, out)
	}
	if len(args) == 0 || args[0] != "retrieval" {
		return errors.New("bench: the benchmarks are retrieval and ingestion (agora bench retrieval, agora bench ingestion)")
	}
	fs := flag.NewFlagSet("bench retrieval", flag.ContinueOnError)
	var o ops.RetrievalBenchOptions
	fs.IntVar(&o.Chunks, "chunks", 100_000, "chunks in the benchmark tenant")
	fs.IntVar(&o.Collections, "collections", 100, "collections the chunks are spread over")
	fs.IntVar(&o.Scope, "scope", 0, "collections each query searches (default: all)")
	fs.IntVar(&o.Queries, "queries", 200, "queries per mode")
	fs.IntVar(&o.RecallQueries, "recall-queries", 50, "queries also run exactly, for recall@10")
	fs.Uint64Var(&o.Seed, "seed", 1, "seed of the synthetic data and queries")
	fs.StringVar(&o.BuildMemory, "build-memory", "2GB", "PostgreSQL maintenance_work_mem for the HNSW build")
	fs.BoolVar(&o.Keep, "keep", false, "keep the benchmark tenant afterwards")
	tenant := fs.String("tenant", "", "a tenant kept by an earlier run (-keep): run only the queries")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *tenant != "" {
		id, err := uuid.Parse(*tenant)
		if err != nil {
			return fmt.Errorf("bench: -tenant must be a tenant id: %w", err)
		}
		o.Tenant = id
	}
	return a.Ops().BenchRetrieval(ctx, o, out)
}

func migrate(ctx context.Context, a *app.App, out io.Writer) error {
	applied, err := a.Migrate(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintln(out, "migrate: database is up to date")
	}
	for _, name := range applied {
		fmt.Fprintln(out, "migrate: applied", name)
	}
	return nil
}

func seed(ctx context.Context, a *app.App, out io.Writer) error {
	done, err := a.Ops().Seed(ctx)
	for _, line := range done {
		fmt.Fprintln(out, "seed:", line)
	}
	return err
}

func createTenant(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("create-tenant", flag.ContinueOnError)
	name := fs.String("name", "", "tenant name (required)")
	display := fs.String("display-name", "", "display name (defaults to the name)")
	slug := fs.String("slug", "", "slug for sign-in and URLs (derived from the name when empty)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *name == "" {
		fs.Usage()
		return errors.New("create-tenant: -name is required")
	}
	id, err := a.Ops().CreateTenant(ctx, *name, *display, *slug)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, id)
	return nil
}

func createUser(ctx context.Context, a *app.App, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("create-user", flag.ContinueOnError)
	tenant := fs.String("tenant", "", "tenant slug or id (required)")
	email := fs.String("email", "", "e-mail address (required)")
	role := fs.String("role", "User", "predefined role: User, AI Configurator or Owner")
	invite := fs.Bool("invite", false, "create the user invited, without a password")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *tenant == "" || *email == "" {
		fs.Usage()
		return errors.New("create-user: -tenant and -email are required")
	}
	password := ""
	if !*invite {
		var err error
		if password, err = readPassword(); err != nil {
			return err
		}
	}
	id, err := a.Ops().CreateUser(ctx, *tenant, *email, *role, password)
	if err != nil {
		return err
	}
	fmt.Fprintln(out, id)
	return nil
}

// readPassword asks twice without echo on a terminal, or reads the first
// line of stdin when it is not one (scripts: echo "$PW" | agora create-user ...).
func readPassword() (string, error) {
	fd := int(os.Stdin.Fd())
	if !term.IsTerminal(fd) {
		line, err := bufio.NewReader(os.Stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return "", fmt.Errorf("read password from stdin: %w", err)
		}
		if line = strings.TrimRight(line, "\r\n"); line == "" {
			return "", errors.New("no password on stdin; pipe one in or use -invite")
		}
		return line, nil
	}
	fmt.Fprint(os.Stderr, "Password: ")
	first, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	fmt.Fprint(os.Stderr, "Again: ")
	second, err := term.ReadPassword(fd)
	fmt.Fprintln(os.Stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	if string(first) != string(second) {
		return "", errors.New("the passwords differ")
	}
	return string(first), nil
}
