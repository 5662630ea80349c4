package api_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/app/apptest"
	"github.com/agora-platform/agora/internal/knowledge/api"
	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/platform/secrets"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// townSite is a municipality's website on a loopback address whose pages
// a test can change between crawls.
type townSite struct {
	*httptest.Server
	mu    sync.Mutex
	pages map[string]string
	// user and pass, when set, are required as basic auth on every page.
	user, pass string
}

func newTownSite(t *testing.T) *townSite {
	t.Helper()
	s := &townSite{pages: map[string]string{
		"/": `<title>Home</title><nav><a href="/nav">Menu</a></nav><main><p>Welcome to the town.</p>
			<a href="/permits">Permits</a> <a href="/waste#top">Waste</a> <a href="/old">Old</a> <a href="/private/salaries">Salaries</a>
			<a href="/slow">Slow</a> <a href="/broken">Broken</a> <a href="/deep/1">Deep</a> <a href="https://elsewhere.example/">Elsewhere</a></main>`,
		"/permits":          `<title>Permits</title><main><p>A parking permit costs 500 kronor a month.</p></main>`,
		"/waste":            `<title>Waste</title><link rel="canonical" href="/waste"><main><p>Glass goes to the green containers.</p></main>`,
		"/old":              `<title>Old library</title><main><p>The old library on Storgatan closed in 1999.</p></main>`,
		"/private/salaries": `<title>Salaries</title><main><p>Secret salary list.</p></main>`,
		"/deep/1":           `<title>Deep 1</title><main><p>First level of the archive.</p><a href="/deep/2">next</a></main>`,
		"/deep/2":           `<title>Deep 2</title><main><p>Second level of the archive.</p><a href="/deep/3">next</a></main>`,
		"/deep/3":           `<title>Deep 3</title><main><p>Third level of the archive.</p></main>`,
	}}
	mux := http.NewServeMux()
	mux.HandleFunc("/robots.txt", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, "User-agent: *\nDisallow: /private/\n")
	})
	mux.HandleFunc("/sitemap.xml", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprint(w, `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>/permits</loc></url><url><loc>/waste</loc></url></urlset>`)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(3 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/broken", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "oops", http.StatusInternalServerError) })
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		page, ok := s.pages[r.URL.Path]
		s.mu.Unlock()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, "<html><body>"+page+"</body></html>")
	})
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.user != "" {
			if u, p, ok := r.BasicAuth(); !ok || u != s.user || p != s.pass {
				w.Header().Set("WWW-Authenticate", `Basic realm="intranet"`)
				http.Error(w, "who are you?", http.StatusUnauthorized)
				return
			}
		}
		mux.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *townSite) set(path, page string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if page == "" {
		delete(s.pages, path)
		return
	}
	s.pages[path] = page
}

// crawlEnv is the app with the loopback address allowed, quick crawls
// and a page timeout the slow page exceeds.
func crawlEnv(t *testing.T, allowed ...string) *apptest.Env {
	t.Helper()
	cfg := testkit.Config(t)
	cfg.FetchAllowedHosts = allowed
	cfg.CrawlDelay = time.Millisecond
	cfg.CrawlPageTimeout = 300 * time.Millisecond
	return apptest.With(t, cfg)
}

// addWebsite adds a website to the library's space and returns it with
// its first run.
func (l *library) addWebsite(t *testing.T, body string) api.WebsiteResponse {
	t.Helper()
	rec := l.e.Do(http.MethodPost, "/api/v1/spaces/"+l.space+"/knowledge/websites/", body, l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	w := testkit.JSON[api.WebsiteResponse](t, rec)
	require.NotNil(t, w.LatestRun)
	require.Equal(t, "queued", w.LatestRun.Status)
	return w
}

// crawl does a queued run as the worker would and returns it as the API
// shows it.
func (l *library) crawl(t *testing.T, run api.CrawlRunResponse) api.CrawlRunResponse {
	t.Helper()
	err := l.e.App.Knowledge.Websites.Crawl(context.Background(), application.CrawlPayload{Tenant: l.tenant,
		Job: uuid.MustParse(run.JobID), Run: uuid.MustParse(run.ID)})
	require.NoError(t, err)
	rec := l.e.Do(http.MethodGet, "/api/v1/crawl-runs/"+run.ID+"/", "", l.token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	return testkit.JSON[api.CrawlRunResponse](t, rec)
}

// runAgain asks for a crawl now.
func (l *library) runAgain(t *testing.T, website string) api.CrawlRunResponse {
	t.Helper()
	rec := l.e.Do(http.MethodPost, "/api/v1/websites/"+website+"/run/", "", l.token)
	require.Equal(t, http.StatusAccepted, rec.Code, rec.Body.String())
	return testkit.JSON[api.CrawlRunResponse](t, rec)
}

// pageChunks maps the path of each page of a website to its chunk ids.
func (l *library) pageChunks(t *testing.T, website string) map[string]string {
	t.Helper()
	var rows []struct {
		Source string `bun:"source"`
		IDs    string `bun:"ids"`
	}
	require.NoError(t, testkit.DB(t).NewRaw(`SELECT b.source, coalesce(string_agg(c.id::text, ',' ORDER BY c.chunk_no), '') AS ids
		FROM info_blobs b LEFT JOIN chunks c ON c.info_blob_id = b.id WHERE b.collection_id = ? GROUP BY b.source`, website).
		Scan(context.Background(), &rows))
	out := map[string]string{}
	for _, r := range rows {
		u, err := url.Parse(r.Source)
		require.NoError(t, err)
		out[u.Path] = r.IDs
	}
	return out
}

func (l *library) searchWebsite(t *testing.T, website, query string) []application.Hit {
	t.Helper()
	hits, err := l.e.App.Knowledge.Knowledge.SearchCollections(context.Background(), l.tenant, uuid.Nil, []uuid.UUID{uuid.MustParse(website)}, query, application.SearchOptions{N: 3})
	require.NoError(t, err)
	return hits
}

func TestCrawlReadsTheSiteWithinItsRulesAndRecrawlsOnlyWhatChanged(t *testing.T) {
	t.Parallel()
	site := newTownSite(t)
	e := crawlEnv(t, "127.0.0.1")
	l := newLibrary(t, e, "Documents")
	// The tenant's own limit overrides the installation's depth of 5.
	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/", `{"settings":{"language":"simple","crawl":{"max_depth":2}}}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())

	w := l.addWebsite(t, `{"name":"Town","url":"`+site.URL+`","update_interval":"daily"}`)
	require.Equal(t, site.URL+"/", w.URL)
	rec = e.Do(http.MethodPost, "/api/v1/websites/"+w.ID+"/run/", "", l.token)
	require.Equal(t, http.StatusConflict, rec.Code, "a second run while one is queued is refused: %s", rec.Body.String())

	run := l.crawl(t, *w.LatestRun)
	require.Equal(t, "complete", run.Status, run.Message)
	require.Equal(t, 6, run.PagesCrawled, "home, permits, waste, old, deep/1 and deep/2: %+v", run)
	require.Equal(t, 3, run.PagesFailed)
	require.Equal(t, map[string]int{"timed out": 1, "HTTP 500": 1, "HTTP 404": 1}, run.FailureSummary,
		"the slow, the broken and the missing (/nav) page are recorded; the crawl went on")
	require.Len(t, run.Failures, 3)
	require.Zero(t, run.PagesUnchanged)
	pages := l.pageChunks(t, w.ID)
	require.ElementsMatch(t, []string{"/", "/permits", "/waste", "/old", "/deep/1", "/deep/2"}, keys(pages),
		"robots.txt keeps /private/ out, the tenant's depth limit keeps /deep/3 out, the fragment is merged")
	hits := l.searchWebsite(t, w.ID, "how much is a parking permit")
	require.Contains(t, hits[0].Text, "500 kronor")
	require.Equal(t, site.URL+"/permits", hits[0].Source)

	got := testkit.JSON[api.WebsiteResponse](t, e.Do(http.MethodGet, "/api/v1/websites/"+w.ID+"/", "", l.token))
	require.Equal(t, 6, got.Pages)
	require.NotNil(t, got.LastSuccessAt)
	require.NotNil(t, got.NextRunAt)
	require.WithinDuration(t, got.LastSuccessAt.Add(24*time.Hour), *got.NextRunAt, time.Second, "daily means 24 h after the last success")
	space := testkit.JSON[struct {
		Groups   []struct{ ID string }
		Websites []struct {
			ID    string
			Pages int
		}
	}](t, e.Do(http.MethodGet, "/api/v1/spaces/"+l.space+"/knowledge/", "", l.token))
	require.Len(t, space.Groups, 1, "the website's own collection is not listed as a collection")
	require.Len(t, space.Websites, 1)
	require.Equal(t, 6, space.Websites[0].Pages)

	// The permit page changes, the old page is taken down and its link
	// removed (so home changes too); the rest stays as it was.
	site.set("/permits", `<title>Permits</title><main><p>A parking permit costs 700 kronor a month.</p></main>`)
	site.set("/old", "")
	site.set("/", strings.Replace(site.pages["/"], `<a href="/old">Old</a>`, "", 1))
	again := l.crawl(t, l.runAgain(t, w.ID))
	require.Equal(t, "complete", again.Status, again.Message)
	require.Equal(t, 5, again.PagesCrawled)
	require.Equal(t, 3, again.PagesUnchanged, "waste, deep/1 and deep/2 were not embedded again")
	require.Equal(t, 1, again.PagesRemoved)
	after := l.pageChunks(t, w.ID)
	require.NotContains(t, after, "/old", "the removed page's chunks are gone")
	for _, same := range []string{"/waste", "/deep/1", "/deep/2"} {
		require.Equal(t, pages[same], after[same], "%s kept its chunks", same)
	}
	require.NotEqual(t, pages["/permits"], after["/permits"], "the changed page was embedded again")
	require.Contains(t, l.searchWebsite(t, w.ID, "how much is a parking permit")[0].Text, "700 kronor")
	var orphans int
	require.NoError(t, testkit.DB(t).NewRaw(`SELECT count(*) FROM chunks WHERE collection_id = ? AND text LIKE '%Storgatan%'`, w.ID).
		Scan(context.Background(), &orphans))
	require.Zero(t, orphans)

	runs := testkit.JSON[api.CrawlRunList](t, e.Do(http.MethodGet, "/api/v1/websites/"+w.ID+"/runs/", "", l.token))
	require.Equal(t, 2, runs.Count)
	require.Equal(t, again.ID, runs.Items[0].ID, "newest first")
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestSitemapModeAndThePageLimit(t *testing.T) {
	t.Parallel()
	site := newTownSite(t)
	e := crawlEnv(t, "127.0.0.1")
	l := newLibrary(t, e, "Documents")
	w := l.addWebsite(t, `{"url":"`+site.URL+`/sitemap.xml","crawl_type":"sitemap"}`)
	run := l.crawl(t, *w.LatestRun)
	require.Equal(t, "complete", run.Status, run.Message)
	require.ElementsMatch(t, []string{"/permits", "/waste"}, keys(l.pageChunks(t, w.ID)), "only the sitemap's pages")
	done := l.ask(t, l.assistantOver(t, `"websites":[{"id":"`+w.ID+`"}]`), "What does a parking permit cost?")
	require.Contains(t, done.Answer, "500 kronor")
	require.Len(t, done.References, 1, "%+v", done.References)
	require.Equal(t, "Permits", done.References[0].Title)
	require.Equal(t, site.URL+"/permits", done.References[0].URL, "the citation links the page")

	rec := e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/", `{"settings":{"language":"simple","crawl":{"max_pages":3}}}`)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	limited := l.addWebsite(t, `{"url":"`+site.URL+`/"}`)
	run = l.crawl(t, *limited.LatestRun)
	require.Equal(t, "complete", run.Status, run.Message)
	require.Equal(t, "the page limit (3)", run.Stopped)
	require.LessOrEqual(t, run.PagesCrawled+run.PagesFailed, 3)
	require.Zero(t, run.PagesRemoved, "a crawl cut short removes nothing")

	rec = e.Sysadmin(http.MethodPost, "/api/v1/sysadmin/tenants/"+l.tenant.String()+"/", `{"settings":{"language":"simple","crawl":{"max_pages":-1}}}`)
	require.Equal(t, http.StatusBadRequest, rec.Code, rec.Body.String())
}

func TestBasicAuthPasswordIsCiphertextAtRest(t *testing.T) {
	t.Parallel()
	site := newTownSite(t)
	site.user, site.pass = "intranet", "s3cret-Passw0rd"
	e := crawlEnv(t, "127.0.0.1")
	l := newLibrary(t, e, "Documents")

	without := l.addWebsite(t, `{"url":"`+site.URL+`/"}`)
	run := l.crawl(t, *without.LatestRun)
	require.Equal(t, "failed", run.Status)
	require.Equal(t, map[string]int{"HTTP 401": 1}, run.FailureSummary)
	require.Contains(t, run.Message, "HTTP 401")

	rec := e.Do(http.MethodPost, "/api/v1/spaces/"+l.space+"/knowledge/websites/",
		`{"name":"Intranet","url":"`+site.URL+`/","http_auth":{"username":"intranet","password":"s3cret-Passw0rd"}}`, l.token)
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	require.NotContains(t, rec.Body.String(), "s3cret", "the password is never shown")
	w := testkit.JSON[api.WebsiteResponse](t, rec)
	require.Equal(t, &api.HTTPAuthResponse{Username: "intranet", PasswordSet: true}, w.HTTPAuth)
	run = l.crawl(t, *w.LatestRun)
	require.Equal(t, "complete", run.Status, run.Message)
	require.Positive(t, run.PagesCrawled)

	var stored string
	require.NoError(t, testkit.DB(t).NewRaw("SELECT http_auth_password FROM websites WHERE id = ?", w.ID).Scan(context.Background(), &stored))
	require.NotContains(t, stored, "s3cret")
	require.True(t, strings.HasPrefix(stored, secrets.Prefix), "Fernet ciphertext: %s", stored)
	plain, err := e.App.Secrets.Decrypt(stored)
	require.NoError(t, err)
	require.Equal(t, "s3cret-Passw0rd", plain)

	rec = e.Do(http.MethodPost, "/api/v1/websites/"+w.ID+"/", `{"http_auth":{"username":"someone"}}`, l.token)
	require.Equal(t, http.StatusOK, rec.Code, "a new username keeps the stored password: %s", rec.Body.String())
	rec = e.Do(http.MethodPost, "/api/v1/websites/"+w.ID+"/", `{"http_auth":{"username":""}}`, l.token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Nil(t, testkit.JSON[api.WebsiteResponse](t, rec).HTTPAuth, "an empty username removes basic auth")
}

func TestCrawlRefusesAddressesThatAreNotPublic(t *testing.T) {
	t.Parallel()
	inside := newTownSite(t)
	// The allowed site sends every visitor on to a loopback address that
	// is not allowed.
	gate := httptest.NewServer(http.RedirectHandler(inside.URL+"/", http.StatusFound))
	t.Cleanup(gate.Close)
	e := crawlEnv(t, strings.TrimPrefix(gate.URL, "http://"))
	l := newLibrary(t, e, "Documents")
	port := strings.Split(inside.URL, ":")[2]
	for _, target := range []string{inside.URL + "/", "http://10.1.2.3/", "http://169.254.169.254/latest/meta-data/", "http://[::1]:" + port + "/",
		"http://localhost:" + port + "/", gate.URL + "/"} {
		w := l.addWebsite(t, `{"url":"`+target+`"}`)
		run := l.crawl(t, *w.LatestRun)
		require.Equal(t, "failed", run.Status, target)
		require.Equal(t, map[string]int{"refused: not a public address": 1}, run.FailureSummary, target)
		require.Contains(t, run.Message, "refused: not a public address", target)
		require.Empty(t, l.pageChunks(t, w.ID), target)
	}
}

func TestCancelledRunEndsAndANewOneMayStart(t *testing.T) {
	t.Parallel()
	site := newTownSite(t)
	e := crawlEnv(t, "127.0.0.1")
	l := newLibrary(t, e, "Documents")
	w := l.addWebsite(t, `{"url":"`+site.URL+`/","update_interval":"weekly"}`)
	rec := e.Do(http.MethodPost, "/api/v1/jobs/"+w.LatestRun.JobID+"/cancel/", "", l.token)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	run := l.crawl(t, *w.LatestRun)
	require.Equal(t, "cancelled", run.Status)
	require.Empty(t, l.pageChunks(t, w.ID), "a cancelled run read nothing")
	next := l.crawl(t, l.runAgain(t, w.ID))
	require.Equal(t, "complete", next.Status, next.Message)

	rec = e.Do(http.MethodDelete, "/api/v1/websites/"+w.ID+"/", "", l.token)
	require.Equal(t, http.StatusNoContent, rec.Code, rec.Body.String())
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/websites/"+w.ID+"/", "", l.token).Code)
	require.Equal(t, http.StatusNotFound, e.Do(http.MethodGet, "/api/v1/crawl-runs/"+next.ID+"/", "", l.token).Code)
	var left int
	require.NoError(t, testkit.DB(t).NewRaw("SELECT count(*) FROM chunks WHERE collection_id = ?", w.ID).Scan(context.Background(), &left))
	require.Zero(t, left, "the website's pages went with it")
}

func TestWebsiteInputIsChecked(t *testing.T) {
	t.Parallel()
	e := crawlEnv(t)
	l := newLibrary(t, e, "Documents")
	for body, want := range map[string]string{
		`{"url":"ftp://example.org/"}`:                                          "http or https",
		`{"url":"https://user:pw@example.org/"}`:                                "http_auth",
		`{"name":"x"}`:                                                          "url is required",
		`{"url":"https://example.org/","crawl_type":"spider"}`:                  "crawl_type",
		`{"url":"https://example.org/","update_interval":"hourly"}`:             "update_interval",
		`{"url":"https://example.org/","http_auth":{"username":"only-a-name"}}`: "password is required",
	} {
		rec := e.Do(http.MethodPost, "/api/v1/spaces/"+l.space+"/knowledge/websites/", body, l.token)
		require.Equal(t, http.StatusBadRequest, rec.Code, body)
		require.Contains(t, rec.Body.String(), want, body)
	}
	viewer, _ := e.Token(t, l.tenant, "User")
	rec := e.Do(http.MethodPost, "/api/v1/websites/", `{"space_id":"`+l.space+`","url":"https://example.org/"}`, viewer)
	require.Contains(t, []int{http.StatusForbidden, http.StatusNotFound}, rec.Code, rec.Body.String())
}
