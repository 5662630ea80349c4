package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestSchedulerQueuesADailyWebsiteOncePerDayWithTwoWorkers runs two real
// workers whose schedulers look for due websites five times a second. A
// daily website is crawled once when added; when a day has passed (the
// test moves its clock back a day) it is crawled exactly once more, and
// not again until the next day.
func TestSchedulerQueuesADailyWebsiteOncePerDayWithTwoWorkers(t *testing.T) {
	var homeHits atomic.Int32
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			homeHits.Add(1)
			fmt.Fprint(w, `<html><title>Town</title><main><p>The town hall opens at nine.</p><a href="/fees">Fees</a></main></html>`)
		case "/fees":
			fmt.Fprint(w, `<html><title>Fees</title><main><p>A parking permit costs 500 kronor a month.</p></main></html>`)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(site.Close)

	s := newStack(t, "FETCH_ALLOWED_HOSTS=127.0.0.1", "CRAWL_SCHEDULE_EVERY=200ms", "CRAWL_DELAY=1ms")
	base := s.api(t)
	for range 2 {
		w := s.worker(t)
		t.Cleanup(func() { w.stop(t) })
	}
	m := newMember(t, base)
	runEvents := watch(t, base, m.token, "crawl_run_updates")
	website := m.do(t, http.MethodPost, "/api/v1/spaces/"+m.space+"/knowledge/websites/",
		`{"name":"Town","url":"`+site.URL+`/","update_interval":"daily"}`, http.StatusCreated)
	id := website["id"].(string)
	first := website["latest_crawl"].(map[string]any)["id"].(string)
	m.waitRun(t, first)
	var seen []string
	require.Eventually(t, func() bool {
		for {
			select {
			case ev := <-runEvents:
				if ev.ID == first {
					seen = append(seen, ev.Status)
				}
			default:
				return len(seen) > 0 && seen[len(seen)-1] == "complete"
			}
		}
	}, 10*time.Second, 50*time.Millisecond, "the run's updates arrive over the WebSocket: %v", seen)
	require.Equal(t, "queued", seen[0], "%v", seen)
	require.Contains(t, seen, "in_progress")

	quiet := func() {
		time.Sleep(3 * time.Second) // 15 ticks of each scheduler
	}
	quiet()
	require.Len(t, m.runs(t, id), 1, "nothing is due within the day")
	require.EqualValues(t, 1, homeHits.Load())

	for day := 2; day <= 3; day++ {
		m.passADay(t, id)
		var runs []map[string]any
		require.Eventually(t, func() bool {
			runs = m.runs(t, id)
			return len(runs) == day && runs[0]["status"] == "complete"
		}, time.Minute, 100*time.Millisecond, "day %d: the scheduler queued the website once: %v", day, runs)
		require.Equal(t, true, runs[0]["scheduled"])
		require.EqualValues(t, 2, runs[0]["pages_unchanged"], "nothing changed on the site")
		quiet()
		require.Len(t, m.runs(t, id), day, "day %d: two workers, one run", day)
		require.EqualValues(t, day, homeHits.Load())
		w := m.do(t, http.MethodGet, "/api/v1/websites/"+id+"/", "", http.StatusOK)
		last, _ := time.Parse(time.RFC3339Nano, w["last_success_at"].(string))
		next, _ := time.Parse(time.RFC3339Nano, w["next_run_at"].(string))
		require.WithinDuration(t, last.Add(24*time.Hour), next, time.Second, "the next run is a true day after the last success")
	}
}

// passADay moves the website's last success and next run a day back, as
// if a day had passed.
func (m *member) passADay(t *testing.T, website string) {
	t.Helper()
	_, err := testkit.DB(t).NewRaw(`UPDATE websites SET last_success_at = last_success_at - interval '24 hours',
		next_run_at = next_run_at - interval '24 hours' WHERE id = ?`, website).Exec(context.Background())
	require.NoError(t, err)
}

func (m *member) runs(t *testing.T, website string) []map[string]any {
	t.Helper()
	out := m.do(t, http.MethodGet, "/api/v1/websites/"+website+"/runs/", "", http.StatusOK)
	items := out["items"].([]any)
	runs := make([]map[string]any, len(items))
	for i, it := range items {
		runs[i] = it.(map[string]any)
	}
	return runs
}

func (m *member) waitRun(t *testing.T, id string) map[string]any {
	t.Helper()
	var last map[string]any
	require.Eventually(t, func() bool {
		last = m.do(t, http.MethodGet, "/api/v1/crawl-runs/"+id+"/", "", http.StatusOK)
		require.NotContains(t, []any{"failed", "cancelled"}, last["status"], "%v", last)
		return last["status"] == "complete"
	}, time.Minute, 100*time.Millisecond, "crawl run %s never completed: %v", id, last)
	return last
}
