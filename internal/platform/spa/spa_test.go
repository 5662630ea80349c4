package spa_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"testing/fstest"

	"github.com/labstack/echo/v5"
	"github.com/stretchr/testify/require"

	"github.com/agora-platform/agora/internal/platform/spa"
)

func serve(o spa.Options) *echo.Echo {
	e := echo.New()
	e.GET("/api/v1/ping", func(c *echo.Context) error { return c.String(http.StatusOK, "pong") })
	h := spa.Handler(o)
	e.GET("/", h)
	e.GET("/*", h)
	return e
}

func get(e *echo.Echo, path string) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	return rec
}

var app = fstest.MapFS{
	"index.html":           {Data: []byte("<!doctype html><title>Agora</title><script src=/assets/app-1a2b.js></script>")},
	"assets/app-1a2b.js":   {Data: []byte("console.log('hi')")},
	"assets/app-1a2b.css":  {Data: []byte("body{}")},
	"favicon.svg":          {Data: []byte("<svg/>")},
	"locales/sv/site.json": {Data: []byte("{}")},
}

func TestServesTheAppWithFallbackAndCacheHeaders(t *testing.T) {
	e := serve(spa.Options{App: app, APIPrefixes: []string{"/api/", "/v1/"}, ImmutableDir: "assets"})

	rec := get(e, "/")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Contains(t, rec.Body.String(), "<title>Agora</title>")
	require.Equal(t, "no-cache", rec.Header().Get("Cache-Control"), "index.html is revalidated, so a new build shows at once")

	rec = get(e, "/assets/app-1a2b.js")
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, "public, max-age=31536000, immutable", rec.Header().Get("Cache-Control"), "hashed assets are cached for a year")
	require.Equal(t, "text/javascript; charset=utf-8", rec.Header().Get("Content-Type"))
	require.Equal(t, "text/css; charset=utf-8", get(e, "/assets/app-1a2b.css").Header().Get("Content-Type"))

	rec = get(e, "/favicon.svg")
	require.Equal(t, "no-cache", rec.Header().Get("Cache-Control"))
	require.Equal(t, "image/svg+xml", rec.Header().Get("Content-Type"))

	for _, deep := range []string{"/spaces/123/chat", "/admin/users", "/assets", "/locales/sv"} {
		rec = get(e, deep)
		require.Equal(t, http.StatusOK, rec.Code, deep)
		require.Contains(t, rec.Body.String(), "<title>Agora</title>", "%s: the app routes it itself", deep)
	}
	require.Equal(t, http.StatusNotFound, get(e, "/assets/gone-9z.js").Code, "a missing file is not an app route")
	require.Equal(t, http.StatusNotFound, get(e, "/api/v1/unknown").Code, "the API's unknown paths stay 404")
	require.Equal(t, http.StatusNotFound, get(e, "/v1/unknown").Code)
	require.Equal(t, "pong", get(e, "/api/v1/ping").Body.String())
	require.Equal(t, http.StatusOK, get(e, "/../../etc/passwd").Code, "paths are cleaned: no escape from the app")
	require.Contains(t, get(e, "/../../etc/passwd").Body.String(), "<title>Agora</title>")
}

func TestWithoutABuildServesTheNotBuiltPage(t *testing.T) {
	e := serve(spa.Options{NotBuilt: []byte("<p>The web interface has not been built</p>"), APIPrefixes: []string{"/api/"}})
	for _, p := range []string{"/", "/spaces/1"} {
		rec := get(e, p)
		require.Equal(t, http.StatusOK, rec.Code)
		require.Contains(t, rec.Body.String(), "has not been built", p)
	}
	require.Equal(t, http.StatusNotFound, get(e, "/api/v1/x").Code)
}

func gzipped(t *testing.T, s string) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, err := w.Write([]byte(s))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	return b.Bytes()
}

func TestServesThePrecompressedCopyTheClientAccepts(t *testing.T) {
	const js = "console.log('a long enough script')"
	packed := fstest.MapFS{
		"index.html":            {Data: []byte("<!doctype html><title>Agora</title>")},
		"assets/app-9f.js":      {Data: []byte(js)},
		"assets/app-9f.js.gz":   {Data: gzipped(t, js)},
		"assets/app-9f.js.br":   {Data: []byte("brotli bytes")},
		"assets/only-gz.css":    {Data: []byte("body{}")},
		"assets/only-gz.css.gz": {Data: gzipped(t, "body{}")},
	}
	e := serve(spa.Options{App: packed, ImmutableDir: "assets"})
	fetch := func(path, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		if accept != "" {
			req.Header.Set("Accept-Encoding", accept)
		}
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		return rec
	}

	rec := fetch("/assets/app-9f.js", "gzip, deflate, br, zstd")
	require.Equal(t, "br", rec.Header().Get("Content-Encoding"), "brotli first: it is smaller")
	require.Equal(t, "brotli bytes", rec.Body.String())
	require.Equal(t, "text/javascript; charset=utf-8", rec.Header().Get("Content-Type"), "the type is the file's, not the archive's")
	require.Equal(t, "Accept-Encoding", rec.Header().Get("Vary"))

	rec = fetch("/assets/app-9f.js", "gzip")
	require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"))
	r, err := gzip.NewReader(rec.Body)
	require.NoError(t, err)
	plain, err := io.ReadAll(r)
	require.NoError(t, err)
	require.Equal(t, js, string(plain))

	rec = fetch("/assets/app-9f.js", "br;q=0, gzip;q=0.5")
	require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"), "q=0 refuses a coding")

	rec = fetch("/assets/app-9f.js", "")
	require.Empty(t, rec.Header().Get("Content-Encoding"))
	require.Equal(t, js, rec.Body.String(), "a client that accepts nothing gets the plain file")
	require.Equal(t, "Accept-Encoding", rec.Header().Get("Vary"), "caches keep the copies apart")

	rec = fetch("/assets/only-gz.css", "br, gzip")
	require.Equal(t, "gzip", rec.Header().Get("Content-Encoding"), "without a .br copy the .gz one is served")
	require.Empty(t, fetch("/", "br, gzip").Header().Get("Content-Encoding"), "index.html has no copies here")
}
