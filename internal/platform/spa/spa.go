// Package spa serves a built single-page app: its hashed assets cached for
// a year, its other files and the fallback page revalidated on every load,
// and index.html for every path the app routes itself, so deep links work.
// Paths of the API are left to the API's own 404.
package spa

import (
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/labstack/echo/v5"
)

// Options shape the handler.
type Options struct {
	// App is the built app (index.html at its root); nil serves NotBuilt.
	App fs.FS
	// NotBuilt is the page served for every app path when App is nil.
	NotBuilt []byte
	// APIPrefixes are paths the app never answers (their 404 is JSON).
	APIPrefixes []string
	// ImmutableDir holds content-hashed files (Vite's assets/).
	ImmutableDir string
}

// Handler returns the handler for GET and HEAD requests outside the API.
func Handler(o Options) echo.HandlerFunc {
	return func(c *echo.Context) error {
		p := c.Request().URL.Path
		for _, prefix := range o.APIPrefixes {
			if p == strings.TrimSuffix(prefix, "/") || strings.HasPrefix(p, prefix) {
				return echo.ErrNotFound
			}
		}
		h := c.Response().Header() // security headers come from the server's middleware
		if o.App == nil {
			h.Set("Cache-Control", "no-cache")
			return c.HTMLBlob(http.StatusOK, o.NotBuilt)
		}
		name := strings.TrimPrefix(path.Clean("/"+p), "/")
		if name == "" {
			name = "index.html"
		}
		if info, err := fs.Stat(o.App, name); err == nil && !info.IsDir() {
			body, err := fs.ReadFile(o.App, name)
			if err != nil {
				return err
			}
			if o.ImmutableDir != "" && strings.HasPrefix(name, o.ImmutableDir+"/") {
				h.Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				h.Set("Cache-Control", "no-cache")
			}
			ctype := contentType(name, body)
			if enc, packed := precompressed(o.App, name, c.Request().Header.Get("Accept-Encoding")); enc != "" {
				h.Set("Content-Encoding", enc)
				h.Add("Vary", "Accept-Encoding")
				body = packed
			} else if hasCompressed(o.App, name) {
				h.Add("Vary", "Accept-Encoding")
			}
			return c.Blob(http.StatusOK, ctype, body)
		}
		if path.Ext(name) != "" && !strings.HasSuffix(name, ".html") {
			return echo.ErrNotFound // a missing file, not an app route
		}
		index, err := fs.ReadFile(o.App, "index.html")
		if err != nil {
			return err
		}
		h.Set("Cache-Control", "no-cache")
		return c.HTMLBlob(http.StatusOK, index)
	}
}

// encodings are the precompressed copies the build writes beside a file
// (name.br, name.gz), best first.
var encodings = []struct{ name, ext string }{{"br", ".br"}, {"gzip", ".gz"}}

// precompressed returns the best copy of name the client accepts, with
// its Content-Encoding, or "" when there is none.
func precompressed(app fs.FS, name, accept string) (string, []byte) {
	for _, e := range encodings {
		if !accepts(accept, e.name) {
			continue
		}
		if body, err := fs.ReadFile(app, name+e.ext); err == nil {
			return e.name, body
		}
	}
	return "", nil
}

func hasCompressed(app fs.FS, name string) bool {
	for _, e := range encodings {
		if _, err := fs.Stat(app, name+e.ext); err == nil {
			return true
		}
	}
	return false
}

// accepts reports whether an Accept-Encoding header allows coding (a
// q of 0 refuses it).
func accepts(header, coding string) bool {
	for part := range strings.SplitSeq(header, ",") {
		token, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if !strings.EqualFold(strings.TrimSpace(token), coding) {
			continue
		}
		q := strings.ReplaceAll(strings.TrimSpace(params), " ", "")
		return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
	}
	return false
}

func contentType(name string, body []byte) string {
	switch path.Ext(name) {
	case ".js", ".mjs":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".html":
		return "text/html; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".json", ".map":
		return "application/json"
	case ".woff2":
		return "font/woff2"
	}
	return http.DetectContentType(body)
}
