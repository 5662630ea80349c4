package crawl_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/crawl"
	"github.com/agora-platform/agora/internal/platform/sandbox"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// TestPagesParsedInTheSandbox: the same crawl with pages parsed in a
// sandbox child finds the same pages and text; a page built to exhaust the
// parser (60 MB of elements) fails with its reason while the crawl goes on.
func TestPagesParsedInTheSandbox(t *testing.T) {
	t.Parallel()
	parse := crawl.Isolated(sandbox.Runner{Bin: testkit.ExtractBin(t)},
		sandbox.Limits{Timeout: 30 * time.Second, CPU: 30 * time.Second, Memory: 96 << 20})
	srv := site(t)
	c, res := run(t, srv, crawl.Options{Mode: crawl.ModeCrawl, MaxDepth: 3, Parse: parse})
	require.Equal(t, []string{"/", "/deep/1", "/deep/2", "/services/", "/services/parking", "/services/waste"}, c.paths())
	require.Equal(t, "# Welcome\n\nThe town hall opens at nine.", c.pages[""].Text)
	require.Equal(t, "Home", c.pages[""].Title)
	require.Equal(t, 6, res.PagesCrawled)

	huge := strings.Repeat("<p>a</p>", 16<<20/8)
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			fmt.Fprint(w, "<html><body><main><p>Start</p></main><a href='/huge'>huge</a><a href='/after'>after</a></body></html>")
		case "/huge":
			fmt.Fprint(w, "<html><body>"+huge+"</body></html>")
		case "/after":
			fmt.Fprint(w, "<html><body><main><p>Still crawled.</p></main></body></html>")
		default:
			http.NotFound(w, r)
		}
	})
	poisoned := httptest.NewServer(mux)
	t.Cleanup(poisoned.Close)
	c, res = runWithin(t, poisoned, crawl.Options{Mode: crawl.ModeCrawl, MaxPageBytes: 100 << 20, Workers: 1, Parse: parse}, 30*time.Second)
	require.Equal(t, map[string]int{"page too large to read": 1}, res.Failures)
	require.Equal(t, "Still crawled.", c.pages["after"].Text)
}
