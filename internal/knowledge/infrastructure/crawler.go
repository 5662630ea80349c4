package infrastructure

import (
	"context"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/redis/go-redis/v9"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/crawl"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/realtime"
	"github.com/agora-platform/agora/internal/platform/safehttp"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	tenantsapp "github.com/agora-platform/agora/internal/tenants/application"
)

// Crawler crawls with platform/crawl through a client that refuses
// addresses which are not public (unless the operator allows them).
type Crawler struct {
	allow safehttp.AllowList
	// pageTimeout bounds one request.
	pageTimeout time.Duration
	// parse reads a page in a sandbox child.
	parse crawl.Parser
}

// NewCrawler returns the crawler with the operator's allow-list, which
// parses pages with parse.
func NewCrawler(allow safehttp.AllowList, pageTimeout time.Duration, parse crawl.Parser) Crawler {
	return Crawler{allow: allow, pageTimeout: pageTimeout, parse: parse}
}

// Crawl runs one crawl.
func (c Crawler) Crawl(ctx context.Context, spec application.CrawlSpec, visit func(context.Context, application.CrawledPage) error) (application.CrawlResult, error) {
	start, err := url.Parse(spec.URL)
	if err != nil {
		return application.CrawlResult{}, errs.Wrap(errs.Invalid, "the website's url cannot be parsed", err)
	}
	mode := crawl.ModeCrawl
	if spec.Sitemap {
		mode = crawl.ModeSitemap
	}
	o := crawl.Options{Start: start, Mode: mode, MaxPages: spec.Limits.MaxPages, MaxDepth: spec.Limits.MaxDepth,
		MaxPageBytes: spec.Limits.MaxPageBytes, MaxDuration: spec.Limits.MaxDuration, Delay: spec.Limits.Delay,
		DownloadFiles: spec.DownloadFiles, Username: spec.Username, Password: spec.Password,
		Client: safehttp.NewClient(c.allow, safehttp.Options{Timeout: c.pageTimeout}), Parse: c.parse}
	res, err := crawl.Run(ctx, o, func(ctx context.Context, p crawl.Page) error {
		return visit(ctx, application.CrawledPage{URL: p.URL, Title: p.Title, Text: p.Text, Body: p.Body, File: p.File, MIME: p.MIME, Hash: p.Hash})
	})
	out := application.CrawlResult{PagesCrawled: res.PagesCrawled, PagesFailed: res.PagesFailed, FilesDownloaded: res.FilesDownloaded,
		FilesFailed: res.FilesFailed, FailureSummary: res.Failures, Stopped: res.Stopped}
	for _, f := range res.Failed {
		out.Failed = append(out.Failed, domain.PageFailure{URL: f.URL, Reason: f.Reason})
	}
	if err != nil && ctx.Err() == nil {
		return out, errs.Wrap(errs.Invalid, err.Error(), err)
	}
	return out, err
}

// CrawlLimits are the installation's crawl limits with a tenant's
// overrides from its settings.
type CrawlLimits struct {
	svc      *tenantsapp.Service
	defaults domain.CrawlLimits
}

// NewCrawlLimits returns the adapter.
func NewCrawlLimits(svc *tenantsapp.Service, defaults domain.CrawlLimits) CrawlLimits {
	return CrawlLimits{svc: svc, defaults: defaults}
}

// CrawlLimits returns the tenant's limits.
func (l CrawlLimits) CrawlLimits(ctx context.Context, tenant tenancy.ID) (domain.CrawlLimits, error) {
	t, err := l.svc.Get(ctx, tenant)
	if err != nil {
		return domain.CrawlLimits{}, err
	}
	o := t.Settings.Crawl
	return l.defaults.Over(domain.CrawlLimits{MaxPages: o.MaxPages, MaxDepth: o.MaxDepth, MaxPageBytes: o.MaxPageBytes,
		MaxDuration: time.Duration(o.MaxDurationSeconds) * time.Second, Delay: time.Duration(o.DelayMillis) * time.Millisecond}), nil
}

// RunUpdates publishes crawl runs on the crawl_run_updates channel.
type RunUpdates struct{ rdb redis.UniversalClient }

// NewRunUpdates returns the publisher.
func NewRunUpdates(rdb redis.UniversalClient) RunUpdates { return RunUpdates{rdb: rdb} }

// RunEvent is a crawl run as the WebSocket channel carries it.
type RunEvent struct {
	ID              string         `json:"id"`
	WebsiteID       string         `json:"website_id"`
	JobID           string         `json:"job_id"`
	Status          string         `json:"status"`
	PagesCrawled    int            `json:"pages_crawled"`
	PagesFailed     int            `json:"pages_failed"`
	FilesDownloaded int            `json:"files_downloaded"`
	FilesFailed     int            `json:"files_failed"`
	PagesUnchanged  int            `json:"pages_unchanged"`
	PagesRemoved    int            `json:"pages_removed"`
	FailureSummary  map[string]int `json:"failure_summary"`
	Message         string         `json:"message,omitempty"`
}

// PublishRun tells the user's connections about the run; a failure to
// publish is not the run's failure.
func (u RunUpdates) PublishRun(ctx context.Context, user uuid.UUID, r domain.CrawlRun) {
	if u.rdb == nil || user == uuid.Nil {
		return
	}
	c := r.Counts
	summary := r.FailureSummary
	if summary == nil {
		summary = map[string]int{}
	}
	_ = realtime.Publish(ctx, u.rdb, "crawl_run_updates", user, RunEvent{ID: r.ID.String(), WebsiteID: r.Website.String(), JobID: r.Job.String(),
		Status: string(r.Status), PagesCrawled: c.PagesCrawled, PagesFailed: c.PagesFailed, FilesDownloaded: c.FilesDownloaded,
		FilesFailed: c.FilesFailed, PagesUnchanged: c.PagesUnchanged, PagesRemoved: c.PagesRemoved, FailureSummary: summary, Message: r.Message})
}
