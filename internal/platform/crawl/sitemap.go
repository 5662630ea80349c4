package crawl

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"net/url"
	"strings"
)

// maxSitemaps bounds the sitemap files one crawl reads.
const maxSitemaps = 50

// sitemapFile is a urlset or a sitemap index.
type sitemapFile struct {
	URLs []struct {
		Loc string `xml:"loc"`
	} `xml:"url"`
	Sitemaps []struct {
		Loc string `xml:"loc"`
	} `xml:"sitemap"`
}

// sitemap reads the start URL when it names an XML file, else the site's
// /sitemap.xml, and the sitemaps it lists in turn, and returns the pages.
func (c *crawler) sitemap(ctx context.Context) ([]*url.URL, error) {
	start := normalize(c.o.Start)
	if !strings.HasSuffix(strings.ToLower(start.Path), ".xml") {
		start = start.ResolveReference(&url.URL{Path: "/sitemap.xml"})
	}
	queue, seen := []*url.URL{start}, map[string]bool{start.String(): true}
	var pages []*url.URL
	for read := 0; len(queue) > 0 && read < maxSitemaps; read++ {
		u := queue[0]
		queue = queue[1:]
		files, urls, err := c.readSitemap(ctx, u)
		if err != nil {
			if u == start {
				return nil, fmt.Errorf("read the sitemap %s: %w", u, err)
			}
			c.fail(u.String(), false, "sitemap: "+reason(err))
			continue
		}
		for _, f := range files {
			if !seen[f.String()] && f.Host == start.Host {
				seen[f.String()] = true
				queue = append(queue, f)
			}
		}
		pages = append(pages, urls...)
	}
	return pages, nil
}

func (c *crawler) readSitemap(ctx context.Context, u *url.URL) (files, pages []*url.URL, err error) {
	body, final, _, err := c.get(ctx, u)
	if err != nil {
		return nil, nil, err
	}
	var doc sitemapFile
	if err := xml.NewDecoder(bytes.NewReader(body)).Decode(&doc); err != nil {
		return nil, nil, fmt.Errorf("not a sitemap: %w", err)
	}
	for _, s := range doc.Sitemaps {
		if l := resolve(final, strings.TrimSpace(s.Loc)); l != nil {
			files = append(files, l)
		}
	}
	for _, p := range doc.URLs {
		if l := resolve(final, strings.TrimSpace(p.Loc)); l != nil {
			pages = append(pages, l)
		}
	}
	return files, pages, nil
}
