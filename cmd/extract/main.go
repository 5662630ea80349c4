// Command extract is the sandbox child of the API and the worker: it reads
// one untrusted file (a document's text, a crawled page) or runs one
// program (ffmpeg) within the CPU, memory and time limits its parent gives
// it, so a file that loops or explodes costs this process, not theirs.
// It is not meant to be run by hand.
package main

import (
	"os"

	"github.com/agora-platform/agora/internal/platform/crawl"
	"github.com/agora-platform/agora/internal/platform/extract"
	"github.com/agora-platform/agora/internal/platform/sandbox"
)

func main() {
	os.Exit(sandbox.Main(os.Args[1:], map[string]sandbox.Mode{
		extract.ModeText: extract.Child,
		crawl.ModePage:   crawl.Child,
	}))
}
