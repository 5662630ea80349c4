// Package web embeds the static pages the API binary serves at /.
package web

import "embed"

// Files holds the pages under static/.
//
//go:embed static
var Files embed.FS
