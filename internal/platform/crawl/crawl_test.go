package crawl_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/crawl"
	"github.com/agora-platform/agora/internal/platform/safehttp"
)

// site is a small municipal website on a loopback test server.
func site(t *testing.T) *httptest.Server {
	t.Helper()
	pages := map[string]string{
		"/":                 "<title>Home</title><nav><a href='/services/'>Services</a></nav><main><h1>Welcome</h1><p>The town hall opens at nine.</p></main><a href='/services/parking#fees'>Parking</a> <a href='https://elsewhere.example/'>Elsewhere</a>",
		"/services/":        "<title>Services</title><article><p>All our services.</p></article><a href='parking'>Parking</a><a href='waste?utm=1'>Waste</a><a href='/private/x'>Secret</a><a href='/deep/1'>Deep</a><a href='/slow'>Slow</a><a href='/broken'>Broken</a><a href='/rules.pdf'>Rules</a>",
		"/services/parking": "<title>Parking</title><main><p>A parking permit costs 500 kronor a month.</p></main>",
		"/services/waste":   "<title>Waste</title><link rel=canonical href='/services/waste'><main><p>Glass goes to the green containers.</p></main>",
		"/private/x":        "<title>Private</title><p>Internal only.</p>",
		"/deep/1":           "<title>D1</title><p>one</p><a href='/deep/2'>next</a>",
		"/deep/2":           "<title>D2</title><p>two</p><a href='/deep/3'>next</a>",
		"/deep/3":           "<title>D3</title><p>three</p>",
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) })
	mux.HandleFunc("/rules.pdf", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/pdf")
		fmt.Fprint(w, "%PDF-1.4 fake")
	})
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><sitemap><loc>/pages.xml</loc></sitemap></sitemapindex>`)
	})
	mux.HandleFunc("/pages.xml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `<urlset><url><loc>/services/parking</loc></url><url><loc>/deep/3</loc></url><url><loc>/private/x</loc></url></urlset>`)
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><body>"+body+"</body></html>")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

type collected struct {
	mu    sync.Mutex
	pages map[string]crawl.Page
}

func (c *collected) visit(_ context.Context, p crawl.Page) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pages[strings.SplitN(p.URL, "/", 4)[3]] = p
	return nil
}

func (c *collected) paths() []string {
	var out []string
	for p := range c.pages {
		out = append(out, "/"+p)
	}
	sort.Strings(out)
	return out
}

func run(t *testing.T, srv *httptest.Server, o crawl.Options) (*collected, crawl.Result) {
	t.Helper()
	return runWithin(t, srv, o, time.Second)
}

// runWithin is run with a request timeout of its own.
func runWithin(t *testing.T, srv *httptest.Server, o crawl.Options, timeout time.Duration) (*collected, crawl.Result) {
	t.Helper()
	allow, err := safehttp.ParseAllowList([]string{srv.Listener.Addr().String()})
	require.NoError(t, err)
	o.Client = safehttp.NewClient(allow, safehttp.Options{Timeout: timeout})
	o.Delay = time.Millisecond
	if o.Start == nil {
		o.Start, _ = url.Parse(srv.URL + "/")
	}
	c := &collected{pages: map[string]crawl.Page{}}
	res, err := crawl.Run(context.Background(), o, c.visit)
	require.NoError(t, err)
	return c, res
}

func TestCrawlFollowsLinksWithinLimitsAndRules(t *testing.T) {
	t.Parallel()
	srv := site(t)
	c, res := run(t, srv, crawl.Options{Mode: crawl.ModeCrawl, MaxDepth: 3})
	require.Equal(t, []string{"/", "/deep/1", "/deep/2", "/services/", "/services/parking", "/services/waste"}, c.paths(),
		"robots.txt, other sites, the depth limit and fragments/queries of canonical pages are respected")
	require.Equal(t, "A parking permit costs 500 kronor a month.", c.pages["services/parking"].Text)
	require.Equal(t, "# Welcome\n\nThe town hall opens at nine.", c.pages[""].Text, "the main content only: no navigation")
	require.Equal(t, "Home", c.pages[""].Title)
	require.Equal(t, 6, res.PagesCrawled)
	require.Equal(t, 2, res.PagesFailed)
	require.Equal(t, map[string]int{"timed out": 1, "HTTP 500": 1}, res.Failures, "slow and failing pages are recorded; the crawl goes on")
	require.Len(t, res.Failed, 2, "each failed URL is listed with its reason")
	for _, f := range res.Failed {
		require.Contains(t, f.URL, srv.URL)
		require.Contains(t, []string{"timed out", "HTTP 500"}, f.Reason)
	}
	require.Equal(t, 1, res.Skipped["disallowed by robots.txt"])
	require.Equal(t, 1, res.Skipped["another site"])
	require.Empty(t, res.Stopped)
	require.NotEmpty(t, c.pages["services/parking"].Hash)
}

func TestCrawlStopsAtThePageLimitAndDownloadsFiles(t *testing.T) {
	t.Parallel()
	srv := site(t)
	c, res := run(t, srv, crawl.Options{Mode: crawl.ModeCrawl, MaxPages: 3, Workers: 1})
	require.Len(t, c.pages, 3)
	require.Contains(t, res.Stopped, "page limit (3)")

	c, res = run(t, srv, crawl.Options{Mode: crawl.ModeCrawl, DownloadFiles: true, MaxDepth: 2})
	require.Equal(t, 1, res.FilesDownloaded)
	require.True(t, c.pages["rules.pdf"].File)
	require.Equal(t, "application/pdf", c.pages["rules.pdf"].MIME)
	require.Equal(t, "%PDF-1.4 fake", string(c.pages["rules.pdf"].Body))
}

func TestSitemapModeReadsNestedSitemaps(t *testing.T) {
	t.Parallel()
	srv := site(t)
	c, res := run(t, srv, crawl.Options{Mode: crawl.ModeSitemap})
	require.Equal(t, []string{"/deep/3", "/services/parking"}, c.paths(), "listed pages only, robots.txt still obeyed")
	require.Equal(t, 1, res.Skipped["disallowed by robots.txt"])

	_, err := crawl.Run(context.Background(), crawl.Options{Mode: crawl.ModeSitemap, Start: mustURL(srv.URL + "/missing.xml"),
		Client: safehttp.NewClient(mustAllow(srv), safehttp.Options{})}, func(context.Context, crawl.Page) error { return nil })
	require.ErrorContains(t, err, "HTTP 404")
}

func TestBasicAuthGoesToTheSiteOnly(t *testing.T) {
	t.Parallel()
	var got []string
	var mu sync.Mutex
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		mu.Lock()
		got = append(got, fmt.Sprint(r.URL.Path, ok, u, p))
		mu.Unlock()
		if !ok || p != "hemligt" {
			w.Header().Set("WWW-Authenticate", `Basic realm="intranet"`)
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "<title>Intranet</title><p>Staff handbook.</p>")
	}))
	t.Cleanup(srv.Close)
	c, _ := run(t, srv, crawl.Options{Mode: crawl.ModeCrawl, Username: "crawler", Password: "hemligt"})
	require.Equal(t, "Staff handbook.", c.pages[""].Text)
	_, res := run(t, srv, crawl.Options{Mode: crawl.ModeCrawl, Username: "crawler", Password: "wrong"})
	require.Equal(t, map[string]int{"HTTP 401": 1}, res.Failures)
}

func TestRefusedAddressesAreRecorded(t *testing.T) {
	t.Parallel()
	srv := site(t)
	c := &collected{pages: map[string]crawl.Page{}}
	res, err := crawl.Run(context.Background(), crawl.Options{Mode: crawl.ModeCrawl, Start: mustURL(srv.URL + "/"),
		Client: safehttp.NewClient(safehttp.AllowList{}, safehttp.Options{})}, c.visit)
	require.NoError(t, err)
	require.Empty(t, c.pages)
	require.Equal(t, map[string]int{"refused: not a public address": 1}, res.Failures)
}

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}

func mustAllow(srv *httptest.Server) safehttp.AllowList {
	a, err := safehttp.ParseAllowList([]string{srv.Listener.Addr().String()})
	if err != nil {
		panic(err)
	}
	return a
}
