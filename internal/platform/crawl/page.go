package crawl

import (
	"bytes"
	"net/url"
	"strings"

	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/agora-platform/agora/internal/platform/extract"
)

// Parsed is what a crawler needs of an HTML page.
type Parsed struct {
	Title     string
	Text      string
	Links     []*url.URL
	Canonical *url.URL
	NoIndex   bool
	NoFollow  bool
}

// ParsePage reads the title, the main content as Markdown (the <main> or
// <article> element when there is one, without navigation, headers,
// footers and scripts), the links and the canonical URL of a page.
func ParsePage(body []byte, base *url.URL) (Parsed, error) {
	doc, err := xhtml.Parse(bytes.NewReader(body))
	if err != nil {
		return Parsed{}, err
	}
	var p Parsed
	var walk func(n *xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.ElementNode {
			switch n.DataAtom {
			case atom.Title:
				if p.Title == "" && n.FirstChild != nil {
					p.Title = strings.Join(strings.Fields(n.FirstChild.Data), " ")
				}
			case atom.A:
				if u := resolve(base, attr(n, "href")); u != nil && !strings.Contains(attr(n, "rel"), "nofollow") {
					p.Links = append(p.Links, u)
				}
			case atom.Link:
				if strings.EqualFold(attr(n, "rel"), "canonical") {
					p.Canonical = resolve(base, attr(n, "href"))
				}
			case atom.Meta:
				if strings.EqualFold(attr(n, "name"), "robots") {
					c := strings.ToLower(attr(n, "content"))
					p.NoIndex = p.NoIndex || strings.Contains(c, "noindex") || strings.Contains(c, "none")
					p.NoFollow = p.NoFollow || strings.Contains(c, "nofollow") || strings.Contains(c, "none")
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	p.Text = extract.HTML(body).Text
	return p, nil
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if strings.EqualFold(a.Key, key) {
			return strings.TrimSpace(a.Val)
		}
	}
	return ""
}

// resolve makes an absolute http(s) URL of href without its fragment, or
// nil.
func resolve(base *url.URL, href string) *url.URL {
	if href == "" {
		return nil
	}
	u, err := base.Parse(href)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil
	}
	return normalize(u)
}

// normalize drops the fragment and default port and lower-cases the host,
// so one page has one key.
func normalize(u *url.URL) *url.URL {
	c := *u
	c.Fragment, c.RawFragment = "", ""
	c.Host = strings.ToLower(c.Host)
	if (c.Scheme == "http" && c.Port() == "80") || (c.Scheme == "https" && c.Port() == "443") {
		c.Host = c.Hostname()
	}
	if c.Path == "" {
		c.Path = "/"
	}
	return &c
}
