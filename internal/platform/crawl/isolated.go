package crawl

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"

	"github.com/agora-platform/agora/internal/platform/sandbox"
)

// ModePage is the sandbox mode that parses a fetched page (see Child).
const ModePage = "page"

// Parser reads a fetched page.
type Parser func(ctx context.Context, body []byte, base *url.URL) (Parsed, error)

// maxChildPage bounds what the child reads (CRAWL_MAX_PAGE_BYTES is at
// most 100 MiB).
const maxChildPage = 101 << 20

// wirePage is Parsed as the child writes it.
type wirePage struct {
	Title     string   `json:"title"`
	Text      string   `json:"text"`
	Links     []string `json:"links"`
	Canonical string   `json:"canonical,omitempty"`
	NoIndex   bool     `json:"noindex,omitempty"`
	NoFollow  bool     `json:"nofollow,omitempty"`
}

// Isolated returns a Parser that parses pages in a sandbox child within
// limits, so a page built to exhaust a parser costs the child.
func Isolated(r sandbox.Runner, l sandbox.Limits) Parser {
	return func(ctx context.Context, body []byte, base *url.URL) (Parsed, error) {
		lim := l
		lim.Output = 3*int64(len(body)) + 64<<10 // text and links never outgrow the page much
		out, err := r.Run(ctx, lim, ModePage, []string{base.String()}, bytes.NewReader(body))
		if err != nil {
			return Parsed{}, err
		}
		var w wirePage
		if err := json.Unmarshal(out, &w); err != nil {
			return Parsed{}, fmt.Errorf("read the parsed page: %w", err)
		}
		p := Parsed{Title: w.Title, Text: w.Text, NoIndex: w.NoIndex, NoFollow: w.NoFollow}
		for _, l := range w.Links {
			if u, err := url.Parse(l); err == nil {
				p.Links = append(p.Links, u)
			}
		}
		if w.Canonical != "" {
			p.Canonical, _ = url.Parse(w.Canonical)
		}
		return p, nil
	}
}

// Child is the sandbox mode ModePage: the page's URL is the argument, its
// bytes come on in, and what ParsePage finds goes to out as JSON.
func Child(args []string, in io.Reader, out io.Writer) error {
	if len(args) != 1 {
		return &sandbox.Failure{Code: "usage", Message: "page needs the page's URL"}
	}
	base, err := url.Parse(args[0])
	if err != nil {
		return &sandbox.Failure{Code: "usage", Message: "the page's URL cannot be parsed"}
	}
	body, err := io.ReadAll(io.LimitReader(in, maxChildPage))
	if err != nil {
		return err
	}
	p, err := ParsePage(body, base)
	if err != nil {
		return &sandbox.Failure{Code: "unreadable", Message: err.Error()}
	}
	w := wirePage{Title: p.Title, Text: p.Text, NoIndex: p.NoIndex, NoFollow: p.NoFollow}
	for _, l := range p.Links {
		w.Links = append(w.Links, l.String())
	}
	if p.Canonical != nil {
		w.Canonical = p.Canonical.String()
	}
	return json.NewEncoder(out).Encode(w)
}

// parseFailure is the reason a page that could not be parsed is counted
// under.
func parseFailure(err error) string {
	switch {
	case errors.Is(err, sandbox.ErrTimeout), errors.Is(err, sandbox.ErrCPU):
		return "page too slow to read"
	case errors.Is(err, sandbox.ErrMemory), errors.Is(err, sandbox.ErrOutput), errors.Is(err, sandbox.ErrNesting):
		return "page too large to read"
	}
	return "unreadable HTML"
}
