// Package crawl fetches the pages of a website, politely and within
// limits: following links on the start URL's host under its path, or
// reading sitemap.xml and the sitemaps it names; obeying robots.txt; one
// host at a time with a delay between requests; bounded pages, depth, page
// size and total time. Every page (or linked file, when asked for) goes to
// a callback; every failure is counted by reason. Fetches go through the
// client given, which should be a safehttp client.
package crawl

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
	"golang.org/x/time/rate"

	"github.com/agora-platform/agora/internal/platform/safehttp"
)

// Modes of crawling.
const (
	ModeCrawl   = "crawl"
	ModeSitemap = "sitemap"
)

// UserAgent names Agora's crawler to the sites it reads.
const UserAgent = "AgoraCrawler/1.0 (+https://github.com/agora-platform/agora)"

// Options shape one crawl.
type Options struct {
	Start *url.URL
	Mode  string
	// Limits (0: the defaults below).
	MaxPages     int
	MaxDepth     int
	MaxPageBytes int64
	MaxDuration  time.Duration
	// Delay between two requests to the host; Workers fetch at once.
	Delay   time.Duration
	Workers int
	// DownloadFiles also fetches linked documents (FileTypes).
	DownloadFiles bool
	// Username and Password are sent to the start URL's host only.
	Username, Password string
	Client             *http.Client
	// Parse reads a fetched page (nil: ParsePage in this process; see
	// Isolated for a sandbox child).
	Parse Parser
}

// Defaults for Options left zero.
const (
	DefaultMaxPages     = 500
	DefaultMaxDepth     = 5
	DefaultMaxPageBytes = 10 << 20
	DefaultMaxDuration  = 30 * time.Minute
	DefaultDelay        = 200 * time.Millisecond
	DefaultWorkers      = 2
)

// FileTypes are the linked documents DownloadFiles fetches, by extension.
var FileTypes = map[string]bool{".pdf": true, ".docx": true, ".pptx": true, ".xlsx": true, ".csv": true, ".txt": true, ".md": true}

// Page is one fetched page or file.
type Page struct {
	URL   string
	Title string
	// Text is a page's main content; Body a file's bytes.
	Text string
	Body []byte
	File bool
	MIME string
	// Hash is the SHA-256 of the text (pages) or bytes (files).
	Hash string
}

// Result counts what a crawl did.
type Result struct {
	PagesCrawled, PagesFailed, FilesDownloaded, FilesFailed int
	// Failures counts failed fetches by reason.
	Failures map[string]int
	// Failed lists the failed URLs with their reasons (the first
	// MaxFailedURLs of them).
	Failed []Failure
	// Skipped counts URLs not fetched, by reason (robots.txt, off site...).
	Skipped map[string]int
	// Stopped says which limit ended the crawl early, if one did.
	Stopped string
}

// Visit receives each page; an error counts the page as failed with the
// error's text as the reason.
type Visit func(ctx context.Context, p Page) error

// Failure is a URL that could not be read and why.
type Failure struct {
	URL    string
	Reason string
}

// MaxFailedURLs bounds Result.Failed.
const MaxFailedURLs = 1000

type task struct {
	u     *url.URL
	depth int
}

type crawler struct {
	o       Options
	visit   Visit
	robots  *robotstxt.Group
	limiter *rate.Limiter
	prefix  string

	mu      sync.Mutex
	seen    map[string]bool
	fetched int
	res     Result
}

// Run crawls and returns the counts; the error is for a crawl that could
// not start (bad start URL, unreadable sitemap) or was cancelled.
func Run(ctx context.Context, o Options, visit Visit) (Result, error) {
	o = withDefaults(o)
	if o.Start == nil || (o.Start.Scheme != "http" && o.Start.Scheme != "https") || o.Start.Host == "" {
		return Result{}, errors.New("the start URL must be an http or https URL")
	}
	c := &crawler{o: o, visit: visit, limiter: rate.NewLimiter(rate.Every(o.Delay), 1), seen: map[string]bool{},
		res: Result{Failures: map[string]int{}, Skipped: map[string]int{}}}
	c.prefix = o.Start.Path
	if !strings.HasSuffix(c.prefix, "/") {
		c.prefix = path.Dir(c.prefix)
		if !strings.HasSuffix(c.prefix, "/") {
			c.prefix += "/"
		}
	}
	ctx, cancel := context.WithTimeout(ctx, o.MaxDuration)
	defer cancel()
	c.robots = c.readRobots(ctx)
	start := []task{{u: normalize(o.Start)}}
	if o.Mode == ModeSitemap {
		urls, err := c.sitemap(ctx)
		if err != nil {
			return c.res, err
		}
		start = start[:0]
		for _, u := range urls {
			start = append(start, task{u: u})
		}
	}
	c.run(ctx, start)
	if errors.Is(ctx.Err(), context.DeadlineExceeded) && c.res.Stopped == "" {
		c.res.Stopped = fmt.Sprintf("the time limit (%s)", o.MaxDuration)
	}
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return c.res, err
	}
	return c.res, nil
}

func withDefaults(o Options) Options {
	if o.MaxPages <= 0 {
		o.MaxPages = DefaultMaxPages
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.MaxPageBytes <= 0 {
		o.MaxPageBytes = DefaultMaxPageBytes
	}
	if o.MaxDuration <= 0 {
		o.MaxDuration = DefaultMaxDuration
	}
	if o.Parse == nil {
		o.Parse = func(_ context.Context, body []byte, base *url.URL) (Parsed, error) { return ParsePage(body, base) }
	}
	if o.Delay <= 0 {
		o.Delay = DefaultDelay
	}
	if o.Workers <= 0 {
		o.Workers = DefaultWorkers
	}
	if o.Client == nil {
		o.Client = http.DefaultClient
	}
	return o
}

// run fetches tasks breadth first with the workers, feeding found links
// back in, until nothing is left or a limit is reached.
func (c *crawler) run(ctx context.Context, start []task) {
	queue := make(chan task, c.o.MaxPages+len(start))
	var pending sync.WaitGroup
	for _, t := range start {
		if c.admit(t.u) {
			pending.Add(1)
			queue <- t
		}
	}
	done := make(chan struct{})
	go func() { pending.Wait(); close(done) }()
	var workers sync.WaitGroup
	for range c.o.Workers {
		workers.Go(func() {
			for {
				select {
				case <-done:
					return
				case t := <-queue:
					for _, next := range c.fetch(ctx, t) {
						pending.Add(1)
						queue <- next
					}
					pending.Done()
				}
			}
		})
	}
	workers.Wait()
}

// admit reports whether u is new, on site, allowed, and within the page
// limit; it marks u seen.
func (c *crawler) admit(u *url.URL) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := u.String()
	if c.seen[key] {
		return false
	}
	c.seen[key] = true
	switch {
	case u.Host != normalize(c.o.Start).Host:
		c.res.Skipped["another site"]++
		return false
	case c.o.Mode == ModeCrawl && !strings.HasPrefix(u.Path, c.prefix):
		c.res.Skipped["outside the start path"]++
		return false
	case c.robots != nil && !c.robots.Test(robotsPath(u)):
		c.res.Skipped["disallowed by robots.txt"]++
		return false
	case c.fetched >= c.o.MaxPages:
		c.res.Stopped = fmt.Sprintf("the page limit (%d)", c.o.MaxPages)
		return false
	}
	c.fetched++
	return true
}

func robotsPath(u *url.URL) string {
	p := u.EscapedPath()
	if u.RawQuery != "" {
		p += "?" + u.RawQuery
	}
	return p
}

// fetch reads one URL, hands it on, and returns the links to follow.
func (c *crawler) fetch(ctx context.Context, t task) []task {
	if ctx.Err() != nil || c.limiter.Wait(ctx) != nil {
		return nil
	}
	file := FileTypes[strings.ToLower(path.Ext(t.u.Path))]
	body, final, mimeType, err := c.get(ctx, t.u)
	if err != nil {
		c.fail(t.u.String(), file, reason(err))
		return nil
	}
	if final.Host != t.u.Host {
		c.skip("redirected to another site")
		return nil
	}
	if mimeType != "text/html" && mimeType != "application/xhtml+xml" {
		if !file || !c.o.DownloadFiles {
			c.skip("not a page")
			return nil
		}
		c.deliver(ctx, Page{URL: final.String(), Title: path.Base(final.Path), Body: body, File: true, MIME: mimeType, Hash: hash(body)})
		return nil
	}
	p, err := c.o.Parse(ctx, body, final)
	if err != nil {
		if ctx.Err() == nil {
			c.fail(t.u.String(), false, parseFailure(err))
		}
		return nil
	}
	if p.Canonical != nil && p.Canonical.String() != final.String() && p.Canonical.Host == final.Host {
		c.mu.Lock()
		dup := c.seen[p.Canonical.String()]
		c.seen[p.Canonical.String()] = true
		c.mu.Unlock()
		if dup {
			c.skip("a copy of a page already read")
			return c.links(t, p)
		}
		final = p.Canonical
	}
	if !p.NoIndex && p.Text != "" {
		title := p.Title
		if title == "" {
			title = final.String()
		}
		c.deliver(ctx, Page{URL: final.String(), Title: title, Text: p.Text, MIME: "text/html", Hash: hash([]byte(title + "\n" + p.Text))})
	}
	return c.links(t, p)
}

func (c *crawler) links(t task, p Parsed) []task {
	if c.o.Mode != ModeCrawl || p.NoFollow || t.depth >= c.o.MaxDepth {
		return nil
	}
	var next []task
	for _, l := range p.Links {
		if FileTypes[strings.ToLower(path.Ext(l.Path))] && !c.o.DownloadFiles {
			continue
		}
		if c.admit(l) {
			next = append(next, task{u: l, depth: t.depth + 1})
		}
	}
	return next
}

func (c *crawler) deliver(ctx context.Context, p Page) {
	if err := c.visit(ctx, p); err != nil {
		c.fail(p.URL, p.File, err.Error())
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p.File {
		c.res.FilesDownloaded++
	} else {
		c.res.PagesCrawled++
	}
}

func (c *crawler) fail(u string, file bool, why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.res.Failed) < MaxFailedURLs {
		c.res.Failed = append(c.res.Failed, Failure{URL: u, Reason: why})
	}
	if file {
		c.res.FilesFailed++
	} else {
		c.res.PagesFailed++
	}
	c.res.Failures[why]++
}

func (c *crawler) skip(why string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Skipped[why]++
}

// errTooLarge marks a body over MaxPageBytes.
var errTooLarge = errors.New("larger than the page size limit")

// httpStatus is a response that was not 200.
type httpStatus int

func (s httpStatus) Error() string { return fmt.Sprintf("HTTP %d", int(s)) }

// get fetches u (basic auth only on the start host) and returns the body
// within the size limit, the URL after redirects and the media type.
func (c *crawler) get(ctx context.Context, u *url.URL) ([]byte, *url.URL, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, nil, "", err
	}
	req.Header.Set("User-Agent", UserAgent)
	if c.o.Username != "" && u.Host == normalize(c.o.Start).Host {
		req.SetBasicAuth(c.o.Username, c.o.Password)
	}
	resp, err := c.o.Client.Do(req)
	if err != nil {
		return nil, nil, "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, nil, "", httpStatus(resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.o.MaxPageBytes+1))
	if err != nil {
		return nil, nil, "", err
	}
	if int64(len(body)) > c.o.MaxPageBytes {
		return nil, nil, "", errTooLarge
	}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "" {
		mt = http.DetectContentType(body)
		mt, _, _ = mime.ParseMediaType(mt)
	}
	return body, normalize(resp.Request.URL), mt, nil
}

// readRobots fetches the host's robots.txt; a missing or unreadable one
// allows everything.
func (c *crawler) readRobots(ctx context.Context) *robotstxt.Group {
	u := normalize(c.o.Start).ResolveReference(&url.URL{Path: "/robots.txt"})
	body, _, _, err := c.get(ctx, u)
	if err != nil {
		return nil
	}
	data, err := robotstxt.FromBytes(body)
	if err != nil {
		return nil
	}
	return data.FindGroup("AgoraCrawler")
}

func hash(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// reason names a fetch failure for the failure summary.
func reason(err error) string {
	var status httpStatus
	switch {
	case errors.As(err, &status):
		return status.Error()
	case errors.Is(err, errTooLarge):
		return "larger than the page size limit"
	case safehttp.Refused(err):
		return "refused: not a public address"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Timeout") || strings.Contains(err.Error(), "timeout"):
		return "timed out"
	case strings.Contains(err.Error(), "redirects"):
		return "too many redirects"
	}
	return "could not connect"
}
