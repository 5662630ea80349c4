// Package web embeds the web UI the API binary serves at /: the built
// single-page app under dist/app when it was built, and the page under
// static/ that says it was not.
package web

import (
	"embed"
	"io/fs"
)

//go:embed static all:dist
var files embed.FS

// Files holds static/ and dist/.
var Files fs.FS = files

// App returns the built app, or nil when the UI was not built into this
// binary.
func App() fs.FS {
	app, err := fs.Sub(files, "dist/app")
	if err != nil {
		return nil
	}
	if _, err := fs.Stat(app, "index.html"); err != nil {
		return nil
	}
	return app
}

// NotBuilt returns the page served in the UI's place when it was not built.
func NotBuilt() []byte {
	page, err := fs.ReadFile(files, "static/index.html")
	if err != nil {
		panic("web: static/index.html is missing from the binary: " + err.Error())
	}
	return page
}
