package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// fairnessDocs is how many one-paragraph documents the fairness test
// uploads per phase (AGORA_FAIRNESS_DOCS; 2,000 by default).
func fairnessDocs(t *testing.T) int {
	if s := os.Getenv("AGORA_FAIRNESS_DOCS"); s != "" {
		n, err := strconv.Atoi(s)
		require.NoError(t, err)
		return n
	}
	return 2000
}

// uploadMany sends n one-paragraph documents to the member's collection
// from a few clients at once and returns when all are accepted.
func (m *member) uploadMany(t *testing.T, n int) {
	t.Helper()
	var wg sync.WaitGroup
	var mu sync.Mutex
	var failures []string
	next := make(chan int)
	for range 8 {
		wg.Go(func() {
			for i := range next {
				doc := fmt.Sprintf("Notice %d of %s: the permit office answers request %d within %d days, and residents may appeal within %d weeks.",
					i, m.tenant[:8], i*7, i%30+1, i%8+1)
				if _, err := m.tryUpload(m.collection, fmt.Sprintf("notice-%04d.txt", i), []byte(doc)); err != nil {
					mu.Lock()
					failures = append(failures, err.Error())
					mu.Unlock()
				}
			}
		})
	}
	for i := range n {
		next <- i
	}
	close(next)
	wg.Wait()
	require.Empty(t, failures, "every upload is accepted")
}

// tryUpload sends a document to a collection and returns its job id; it
// may run off the test's goroutine, so it returns what went wrong.
func (m *member) tryUpload(collection, name string, content []byte) (string, error) {
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		return "", err
	}
	_, _ = part.Write(content)
	if err := w.Close(); err != nil {
		return "", err
	}
	req, err := http.NewRequest(http.MethodPost, m.base+"/api/v1/groups/"+collection+"/info-blobs/upload/", &body)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Content-Type", w.FormDataContentType())
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusAccepted {
		return "", fmt.Errorf("%s: %d %s", name, resp.StatusCode, raw)
	}
	var job struct{ ID string }
	if err := json.Unmarshal(raw, &job); err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	return job.ID, nil
}

// finished is when each of a tenant's jobs finished, oldest first; it
// waits until all n have.
func finished(t *testing.T, tenant string, n int, within time.Duration) []time.Time {
	t.Helper()
	var times []time.Time
	var failed []string
	require.Eventually(t, func() bool {
		times, failed = nil, nil
		if err := testkit.DB(t).NewRaw(`SELECT finished_at FROM jobs WHERE tenant_id = ? AND status = 'complete' ORDER BY finished_at`, tenant).
			Scan(t.Context(), &times); err != nil {
			return false
		}
		if err := testkit.DB(t).NewRaw(`SELECT message FROM jobs WHERE tenant_id = ? AND status IN ('failed', 'cancelled')`, tenant).
			Scan(t.Context(), &failed); err != nil {
			return false
		}
		return len(times)+len(failed) >= n
	}, within, 250*time.Millisecond, "%d of %d jobs finished", len(times), n)
	require.Empty(t, failed, "no job fails")
	return times
}

// bulkRate uploads n documents as one tenant of a fresh stack and
// returns documents ingested per second, from the first upload to the
// last job's end.
// bulkEnv lifts the API's request budgets, which a bulk upload of
// thousands of files in a minute would spend (a client would pace itself).
var bulkEnv = []string{"RATE_LIMIT_PER_USER=1000000", "RATE_LIMIT_PER_TENANT=1000000", "RATE_LIMIT_PER_KEY=1000000"}

func bulkRate(t *testing.T, n int, env ...string) float64 {
	t.Helper()
	var rate float64
	// A subtest, so that its processes are gone before the next phase:
	// they share the database and the queue.
	t.Run(strings.Join(append([]string{"alone"}, env...), " "), func(t *testing.T) {
		s := newStack(t, append(append([]string{}, env...), bulkEnv...)...)
		base := s.api(t)
		s.worker(t)
		m := newMember(t, base)
		began := time.Now()
		m.uploadMany(t, n)
		done := finished(t, m.tenant, n, 15*time.Minute)
		rate = float64(n) / done[len(done)-1].Sub(began).Seconds()
	})
	return rate
}

// TestBulkUploadsAreFastAndFair: with JOBS_PER_TENANT at its default a
// tenant's bulk upload ingests at nearly the rate it gets with no share
// at all (workers never idle while it has work); two tenants' bulk
// uploads at once each get at least 40 % of the completions in every
// minute; and a third tenant's single upload is done within 5 s while
// both run.
func TestBulkUploadsAreFastAndFair(t *testing.T) {
	n := fairnessDocs(t)
	unbounded := bulkRate(t, n, "JOBS_PER_TENANT=0")
	shared := bulkRate(t, n)
	t.Logf("%d documents: %.1f/s with JOBS_PER_TENANT=0, %.1f/s with the default share (ratio %.2f)", n, unbounded, shared, shared/unbounded)
	require.GreaterOrEqual(t, shared, 0.8*unbounded, "the share leaves no worker idle")

	s := newStack(t, bulkEnv...)
	base := s.api(t)
	s.worker(t)
	a, b, c := newMember(t, base), newMember(t, base), newMember(t, base)
	began := time.Now()
	var wg sync.WaitGroup
	wg.Go(func() { a.uploadMany(t, n/2) })
	wg.Go(func() { b.uploadMany(t, n/2) })
	require.Eventually(t, func() bool {
		var running int
		require.NoError(t, testkit.DB(t).NewRaw(`SELECT count(*) FROM jobs WHERE tenant_id IN (?, ?) AND status = 'complete'`, a.tenant, b.tenant).
			Scan(t.Context(), &running))
		return running > 50
	}, time.Minute, 50*time.Millisecond, "the bulk uploads got going")
	alone := time.Now()
	c.waitJob(t, c.upload(t, c.collection, "single.txt", []byte("The ferry to the islands leaves every hour.")), "complete")
	single := time.Since(alone)
	wg.Wait()
	doneA, doneB := finished(t, a.tenant, n/2, 15*time.Minute), finished(t, b.tenant, n/2, 15*time.Minute)
	t.Logf("a third tenant's upload beside two bulk uploads of %d documents each: complete in %s", n/2, single.Round(time.Millisecond))
	require.Less(t, single, 5*time.Second, "the third tenant waited behind the bulk uploads")

	// Every minute (or the part of the last one, when both still ran for
	// at least 10 s of it) while both tenants had work left.
	both := doneA[len(doneA)-1]
	if last := doneB[len(doneB)-1]; last.Before(both) {
		both = last
	}
	for from := began; both.Sub(from) >= 10*time.Second; from = from.Add(time.Minute) {
		to := from.Add(time.Minute)
		if both.Before(to) {
			to = both
		}
		na, nb := countBetween(doneA, from, to), countBetween(doneB, from, to)
		share := float64(min(na, nb)) / float64(max(1, na+nb))
		t.Logf("minute from +%s: %d and %d completions (smaller share %.0f %%)", from.Sub(began).Round(time.Second), na, nb, 100*share)
		require.GreaterOrEqual(t, share, 0.4, "each tenant gets at least 40 %% of the completions from +%s", from.Sub(began).Round(time.Second))
	}
}

func countBetween(times []time.Time, from, to time.Time) int {
	n := 0
	for _, ts := range times {
		if !ts.Before(from) && ts.Before(to) {
			n++
		}
	}
	return n
}
