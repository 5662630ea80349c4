package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// route is one way to ask for the same streamed answer.
type route struct {
	name string
	url  string
	auth string
	body func(question string) []byte
	// first marks the line that carries the first token.
	first []byte
}

func routes(upstreamURL, apiBase string, w world) []route {
	openai := func(model string) func(string) []byte {
		return func(q string) []byte {
			return fmt.Appendf(nil, `{"model":%q,"stream":true,"stream_options":{"include_usage":true},"messages":[{"role":"user","content":%q}]}`, model, q)
		}
	}
	return []route{
		{name: "direct", url: upstreamURL + "/v1/chat/completions", auth: "Bearer sk-bench", body: openai("bench"), first: []byte(`"content":"tok`)},
		{name: "/v1/chat/completions", url: apiBase + "/v1/chat/completions", auth: w.key, body: openai(w.modelName), first: []byte(`"content":"tok`)},
		{name: "/conversations/", url: apiBase + "/api/v1/conversations/", auth: w.token, first: []byte(`"answer":"tok`),
			body: func(q string) []byte {
				return fmt.Appendf(nil, `{"assistant_id":%q,"question":%q,"stream":true}`, w.assistant, q)
			}},
	}
}

// sample is one streamed request: time to the first token and to the end,
// as the client saw them; tag names it to the upstream.
type sample struct {
	tag         string
	ttft, total time.Duration
}

var tags atomic.Int64

func newTag() string { return tagPrefix + strconv.FormatInt(tags.Add(1), 10) }

var client = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4096, MaxIdleConns: 8192, IdleConnTimeout: time.Minute}}

// ask streams one answer; firstSeen, when set, is called at the first
// token (the open-streams phase waits on it).
func ask(ctx context.Context, r route, question string, firstSeen func()) (sample, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(r.body(question)))
	if err != nil {
		return sample{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", r.auth)
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return sample{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return sample{}, fmt.Errorf("%s: %s: %s", r.name, resp.Status, raw)
	}
	var s sample
	rd := bufio.NewReaderSize(resp.Body, 16<<10)
	for {
		line, err := rd.ReadSlice('\n')
		if s.ttft == 0 && bytes.Contains(line, r.first) {
			s.ttft = time.Since(start)
			if firstSeen != nil {
				firstSeen()
			}
		}
		if bytes.Contains(line, []byte(`"error"`)) {
			return sample{}, fmt.Errorf("%s: the stream failed: %s", r.name, bytes.TrimSpace(line))
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return sample{}, err
		}
	}
	s.total = time.Since(start)
	if s.ttft == 0 {
		return sample{}, fmt.Errorf("%s: the stream ended without a token", r.name)
	}
	return s, nil
}

// run sends n requests over r with the given number of concurrent streams.
func run(ctx context.Context, r route, streams, n int) ([]sample, error) {
	var mu sync.Mutex
	var out []sample
	var first error
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range streams {
		wg.Go(func() {
			for range jobs {
				tag := newTag()
				s, err := ask(ctx, r, "hello "+tag, nil)
				s.tag = tag
				mu.Lock()
				if err != nil && first == nil {
					first = err
				}
				if err == nil {
					out = append(out, s)
				}
				mu.Unlock()
			}
		})
	}
	for i := range n {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out, first
}

// stats are the percentiles of one route at one concurrency: of what the
// client saw, and of its overhead, what the client saw beyond the time the
// upstream itself took for the same request (its timers run late when the
// machine is busy; that is not the route's doing).
type stats struct {
	ttft50, ttft99, total50, total99 time.Duration
	over50, over99, overT50, overT99 time.Duration
	n                                int
}

func summarize(ss []sample, up *upstream) stats {
	var ttft, total, over, overT []time.Duration
	for _, s := range ss {
		ttft, total = append(ttft, s.ttft), append(total, s.total)
		if u, ok := up.took(s.tag); ok {
			over, overT = append(over, s.ttft-u.ttft), append(overT, s.total-u.total)
		}
	}
	return stats{ttft50: pct(ttft, 50), ttft99: pct(ttft, 99), total50: pct(total, 50), total99: pct(total, 99),
		over50: pct(over, 50), over99: pct(over, 99), overT50: pct(overT, 50), overT99: pct(overT, 99), n: len(ss)}
}

// pct is the nearest-rank percentile.
func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	i := (p*len(ds)+99)/100 - 1
	return ds[max(0, min(i, len(ds)-1))]
}

// openStreams holds n conversations open after their first token, reads
// the API's memory, then lets them finish. It returns the resident set
// while they were open and how many completed.
func openStreams(ctx context.Context, r route, up *upstream, pid, n int) (rssKiB, peakKiB int, completed int, err error) {
	var opened, finished sync.WaitGroup
	opened.Add(n)
	var mu sync.Mutex
	var errs []error
	ramp := make(chan struct{}, 200)
	for i := range n {
		ramp <- struct{}{}
		finished.Go(func() {
			var once sync.Once
			done := func() { once.Do(func() { opened.Done(); <-ramp }) }
			_, err := ask(ctx, r, holdMarker+" "+strconv.Itoa(i), done)
			done()
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errs = append(errs, err)
			} else {
				completed++
			}
		})
	}
	opened.Wait()
	time.Sleep(500 * time.Millisecond) // let the allocator settle
	rssKiB, peakKiB = memory(pid)
	up.release()
	finished.Wait()
	if len(errs) > 0 {
		err = fmt.Errorf("%d of %d streams failed, first: %w", len(errs), n, errs[0])
	}
	return rssKiB, peakKiB, completed, err
}

// memory reads a process's resident set and its peak, in KiB.
func memory(pid int) (rss, peak int) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		v, _ := strconv.Atoi(f[1])
		switch f[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			peak = v
		}
	}
	return rss, peak
}
