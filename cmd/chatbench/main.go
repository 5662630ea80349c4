// Command chatbench measures what Agora adds to a streamed answer. A
// scripted OpenAI-compatible upstream streams the same tokens after the same
// time to first token; the same request goes straight to it and through a
// real API process (/v1/chat/completions and /api/v1/conversations/) at
// several numbers of concurrent streams. It prints time to first token and
// total time (p50/p99), what Agora adds, and the ratio to the direct call;
// then it holds many streams open at once and prints the API's memory.
//
// `make bench` builds it and runs it against the test services.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

type options struct {
	apiBin, databaseURL, ownerURL, redisURL string
	ttft, gap                               time.Duration
	tokens, minRequests, open               int
	levels                                  []int
	keep                                    bool
}

func main() {
	o, err := parse(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatbench:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = bench(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "chatbench:", err)
		os.Exit(1)
	}
}

func env(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

func parse(args []string) (options, error) {
	var o options
	var levels string
	fs := flag.NewFlagSet("chatbench", flag.ContinueOnError)
	fs.StringVar(&o.apiBin, "api", "bin/api", "the API binary to run")
	fs.StringVar(&o.databaseURL, "database-url", env("TEST_APP_DATABASE_URL", "postgres://agora_app:agora_app@127.0.0.1:5432/agora_test?sslmode=disable"),
		"PostgreSQL (migrated), as the application's role")
	fs.StringVar(&o.ownerURL, "migration-database-url", env("TEST_DATABASE_URL", "postgres://agora:agora@127.0.0.1:5432/agora_test?sslmode=disable"),
		"the same database as the tables' owner")
	fs.StringVar(&o.redisURL, "redis-url", env("TEST_REDIS_URL", "redis://127.0.0.1:6379/1"), "Redis")
	fs.DurationVar(&o.ttft, "ttft", 50*time.Millisecond, "the upstream's time to first token")
	fs.DurationVar(&o.gap, "gap", 10*time.Millisecond, "the upstream's time between tokens")
	fs.IntVar(&o.tokens, "tokens", 20, "tokens per answer")
	fs.StringVar(&levels, "streams", "1,50,200", "concurrent streams to measure at, comma-separated")
	fs.IntVar(&o.minRequests, "requests", 60, "requests per route and level at least (40 per stream otherwise)")
	fs.BoolVar(&o.keep, "keep", false, "keep the tenant, user and model afterwards (to inspect what was stored)")
	fs.IntVar(&o.open, "open", 2000, "streams to hold open at once for the memory reading (0: skip)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	for _, f := range strings.Split(levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-streams: %q is not a positive number", f)
		}
		o.levels = append(o.levels, n)
	}
	if o.tokens < 1 {
		return o, fmt.Errorf("-tokens must be at least 1")
	}
	return o, nil
}

func bench(ctx context.Context, o options, out io.Writer) error {
	up, err := startUpstream(o.ttft, o.gap, o.tokens)
	if err != nil {
		return err
	}
	a, err := startAPI(ctx, o)
	if err != nil {
		return err
	}
	defer a.stop()
	w, err := provision(a, up.url)
	if !o.keep {
		defer w.cleanup(a)
	}
	if err != nil {
		return err
	}
	rs := routes(up.url, a.base, w)
	fmt.Fprintf(out, "chatbench: upstream streams %d tokens, first after %v, then every %v; API pid %d (log %s)\n",
		o.tokens, o.ttft, o.gap, a.cmd.Process.Pid, a.log.Name())
	for _, r := range rs {
		if _, err := run(ctx, r, 4, 20); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	idle, _ := memory(a.cmd.Process.Pid)
	if err := measure(ctx, o, rs, up, out); err != nil {
		return err
	}
	if o.open == 0 {
		return nil
	}
	rss, peak, done, err := openStreams(ctx, rs[2], up, a.cmd.Process.Pid, o.open)
	fmt.Fprintf(out, "\n%d open SSE streams on /conversations/: API RSS %.1f MB while open (%.1f MB idle before, peak %.1f MB); %d answered in full\n",
		o.open, mib(rss), mib(idle), mib(peak), done)
	return err
}

func mib(kib int) float64 { return float64(kib) / 1024 }

// measure prints one table row per route and level. The added columns
// compare overheads (see stats) with the direct route's at that level.
func measure(ctx context.Context, o options, rs []route, up *upstream, out io.Writer) error {
	fmt.Fprintf(out, "\n%-7s %-22s %5s %9s %9s %9s %9s %11s %11s %11s %11s %7s\n", "streams", "route", "n",
		"ttft p50", "ttft p99", "total p50", "total p99", "+ttft p50", "+ttft p99", "+total p50", "+total p99", "ratio")
	for _, level := range o.levels {
		n := max(o.minRequests, 40*level)
		var direct stats
		for i, r := range rs {
			// Open the connections this level needs before timing it.
			if _, err := run(ctx, r, level, level); err != nil {
				return fmt.Errorf("%s warm-up at %d streams: %w", r.name, level, err)
			}
			up.forget()
			ss, err := run(ctx, r, level, n)
			if err != nil {
				return fmt.Errorf("%s at %d streams: %w", r.name, level, err)
			}
			s := summarize(ss, up)
			if i == 0 {
				direct = s
			}
			fmt.Fprintf(out, "%-7d %-22s %5d %9s %9s %9s %9s %11s %11s %11s %11s %7.3f\n", level, r.name, s.n,
				ms(s.ttft50), ms(s.ttft99), ms(s.total50), ms(s.total99),
				ms(s.over50-direct.over50), ms(s.over99-direct.over99), ms(s.overT50-direct.overT50), ms(s.overT99-direct.overT99),
				float64(s.ttft50)/float64(direct.ttft50))
		}
	}
	return nil
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d)/float64(time.Millisecond), 'f', 2, 64) + "ms"
}
