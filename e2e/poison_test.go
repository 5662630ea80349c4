package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// poison is a file built to hang, exhaust or crash a document reader.
type poison struct {
	name string
	data []byte
}

func poisons() []poison {
	return []poison{
		{"kids-cycle.pdf", testkit.CyclicKidsPDF()},
		{"own-parent.pdf", testkit.SelfParentPDF()},
		{"flate-bomb.pdf", testkit.FlateBombPDF(200 << 20)},
		{"nested.pdf", testkit.NestedPDF(2_000_000)},
		{"bomb.docx", testkit.ZipBombDOCX()},
		{"lying-bomb.docx", testkit.LyingZipBombDOCX(1 << 30)},
		{"bomb.xlsx", testkit.ZipBombXLSX(250 << 20)},
		{"nested.html", testkit.NestedHTML(50 << 20)},
	}
}

// TestPoisonDocumentsCannotStopIngestion: two tenants upload four poison
// files each (cyclic page trees, a 200 MB FlateDecode bomb, deep nesting,
// DOCX and XLSX bombs, 50 MB of nested HTML, a PDF that takes minutes to
// interpret) while a third uploads a text file. Every poison file fails
// its job with a reason within its deadline, once (never retried), the
// worker's resident memory stays under 300 MiB throughout, the third
// tenant's document is not held up by more than 10 s, and the worker's
// CPU returns to idle afterwards.
func TestPoisonDocumentsCannotStopIngestion(t *testing.T) {
	const deadline = 20 * time.Second
	s := newStack(t, "HTTP_BODY_LIMIT_BYTES=67108864", "EXTRACT_TIMEOUT="+deadline.String(), "JOB_HEARTBEAT=500ms")
	base := s.api(t)
	w := s.worker(t)
	peak := sampleRSS(t, w.cmd.Process.Pid)

	a, b, c := newMember(t, base), newMember(t, base), newMember(t, base)
	// Alone, the third tenant's upload takes this long.
	began := time.Now()
	c.waitJob(t, c.upload(t, c.collection, "alone.txt", []byte("Snow is cleared from the cycle paths first.")), "complete")
	alone := time.Since(began)

	files := append(poisons(), poison{"slow.pdf", testkit.SlowPDF(1 << 30)})
	jobs := map[string]string{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for i, f := range files {
		owner := a
		if i%2 == 1 {
			owner = b
		}
		wg.Go(func() {
			id := owner.upload(t, owner.collection, f.name, f.data)
			mu.Lock()
			jobs[id] = f.name
			mu.Unlock()
		})
	}
	wg.Wait()
	began = time.Now()
	c.waitJob(t, c.upload(t, c.collection, "fees.txt", []byte("A parking permit costs 500 kronor a month.")), "complete")
	delayed := time.Since(began)
	t.Logf("the third tenant's text upload: %s alone, %s beside %d poison files", alone.Round(time.Millisecond), delayed.Round(time.Millisecond), len(files))
	require.Less(t, delayed, alone+10*time.Second, "the poison files held up another tenant's upload")

	for id, name := range jobs {
		owner := a
		if owner.status(t, id) == nil {
			owner = b
		}
		var job map[string]any
		require.Eventually(t, func() bool {
			job = owner.status(t, id)
			return job["status"] == "failed" || job["status"] == "complete"
		}, 2*deadline+30*time.Second, 100*time.Millisecond, "%s never ended", name)
		if name == "own-parent.pdf" {
			require.Equal(t, "complete", job["status"], "a page that is its own parent is read, not looped on: %v", job)
			continue
		}
		require.Equal(t, "failed", job["status"], "%s: %v", name, job)
		msg, _ := job["message"].(string)
		require.Contains(t, msg, name, "the reason names the document")
		require.NotContains(t, msg, "failed 2 times", "a poison file is not retried as if the failure were passing")
		started, _ := time.Parse(time.RFC3339Nano, job["started_at"].(string))
		finished, _ := time.Parse(time.RFC3339Nano, job["finished_at"].(string))
		require.Less(t, finished.Sub(started), deadline+10*time.Second, "%s ran past its deadline", name)
		require.Equal(t, 1, attemptsOf(t, id), "%s was tried once", name)
		t.Logf("%-16s %5d KiB  %s  %q", name, len(filesByName(files)[name])>>10, finished.Sub(started).Round(time.Millisecond), msg)
	}
	require.Less(t, peak.Load(), int64(300<<10), "the worker's resident memory peaked at %d KiB", peak.Load())
	t.Logf("the worker's resident memory peaked at %d MiB", peak.Load()>>10)
	requireIdle(t, w.cmd.Process.Pid)
}

// TestCancelStopsTheReader: cancelling the job of a document that takes
// long to read kills its reader at once, and the worker goes idle.
func TestCancelStopsTheReader(t *testing.T) {
	s := newStack(t, "EXTRACT_TIMEOUT=10m", "JOB_HEARTBEAT=250ms")
	base := s.api(t)
	w := s.worker(t)
	m := newMember(t, base)
	id := m.upload(t, m.collection, "slow.pdf", testkit.SlowPDF(1<<30))
	require.Eventually(t, func() bool { return m.status(t, id)["status"] == "in_progress" }, time.Minute, 50*time.Millisecond)
	require.Eventually(t, func() bool { return len(children(w.cmd.Process.Pid)) > 0 }, 30*time.Second, 50*time.Millisecond,
		"the reader runs in a child of the worker")
	time.Sleep(time.Second)
	m.do(t, http.MethodPost, "/api/v1/jobs/"+id+"/cancel/", "", http.StatusOK)
	require.Eventually(t, func() bool { return len(children(w.cmd.Process.Pid)) == 0 }, 10*time.Second, 50*time.Millisecond,
		"the reader was killed when its job was cancelled")
	requireIdle(t, w.cmd.Process.Pid)
	require.Equal(t, "cancelled", m.status(t, id)["status"])
}

func filesByName(files []poison) map[string][]byte {
	out := map[string][]byte{}
	for _, f := range files {
		out[f.name] = f.data
	}
	return out
}

// status reads a job of the member's, or nil when it is not theirs.
func (m *member) status(t *testing.T, id string) map[string]any {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, m.base+"/api/v1/jobs/"+id+"/", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+m.token)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil
	}
	return m.do(t, http.MethodGet, "/api/v1/jobs/"+id+"/", "", http.StatusOK)
}

func attemptsOf(t *testing.T, job string) int {
	t.Helper()
	var n int
	require.NoError(t, testkit.DB(t).NewRaw("SELECT attempts FROM jobs WHERE id = ?", job).Scan(context.Background(), &n))
	return n
}

// sampleRSS records the process's peak resident memory (KiB) every 50 ms
// until the test ends.
func sampleRSS(t *testing.T, pid int) *atomic.Int64 {
	t.Helper()
	var peak atomic.Int64
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			if kib, err := strconv.ParseInt(strings.TrimSuffix(rssKiB(pid), " kB"), 10, 64); err == nil && kib > peak.Load() {
				peak.Store(kib)
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return &peak
}

// cpuTicks is the CPU time a process used so far, in clock ticks.
func cpuTicks(t *testing.T, pid int) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	require.NoError(t, err)
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	return utime + stime
}

// requireIdle waits for the process and its children to use (almost) no
// CPU: under a tenth of a core over two seconds, within 15 s.
func requireIdle(t *testing.T, pid int) {
	t.Helper()
	require.Eventually(t, func() bool {
		if len(children(pid)) > 0 {
			return false
		}
		before := cpuTicks(t, pid)
		time.Sleep(2 * time.Second)
		return cpuTicks(t, pid)-before < 20 // 100 ticks a second
	}, 15*time.Second, 100*time.Millisecond, "the worker did not return to idle")
}

// children lists the processes whose parent is pid.
func children(pid int) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		n, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(pid) && f[0] != "Z" {
			out = append(out, n)
		}
	}
	return out
}
