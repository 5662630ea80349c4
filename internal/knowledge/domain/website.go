package domain

import (
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// CrawlType is how a website's pages are found.
type CrawlType string

// The crawl types: follow links under the start URL, or read its sitemap.
const (
	CrawlLinks   CrawlType = "crawl"
	CrawlSitemap CrawlType = "sitemap"
)

// Interval is how often a website is crawled again.
type Interval string

// The update intervals.
const (
	Never         Interval = "never"
	Daily         Interval = "daily"
	EveryOtherDay Interval = "every_other_day"
	Weekly        Interval = "weekly"
)

// Every is the time between two successful runs; 0 for never.
func (i Interval) Every() time.Duration {
	switch i {
	case Daily:
		return 24 * time.Hour
	case EveryOtherDay:
		return 48 * time.Hour
	case Weekly:
		return 7 * 24 * time.Hour
	}
	return 0
}

// Website is a site crawled into knowledge. Its pages are info blobs of a
// hidden collection that shares its id, so search and chat treat it like
// any collection.
type Website struct {
	ID             uuid.UUID
	Tenant         tenancy.ID
	Space          uuid.UUID
	Name           string
	URL            string
	CrawlType      CrawlType
	Interval       Interval
	DownloadFiles  bool
	EmbeddingModel uuid.UUID
	// Username and Password are HTTP basic auth; Password is sealed
	// (encrypted) at rest and in this struct.
	Username  string
	Password  string
	CreatedBy uuid.UUID
	// LastSuccess is when the last successful run ended; NextRun when the
	// scheduler queues the next one (zero: never).
	LastSuccess time.Time
	NextRun     time.Time
	// Failures counts consecutive failed runs.
	Failures  int
	Pages     int
	Chunks    int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Limits of websites.
const (
	MaxURLLen      = 2048
	MaxUsernameLen = 200
	MaxPasswordLen = 500
)

// Errors of websites and crawl runs.
var (
	ErrWebsiteNotFound  = errs.New(errs.NotFound, "website not found")
	ErrCrawlRunNotFound = errs.New(errs.NotFound, "crawl run not found")
	ErrCrawlRunning     = errs.New(errs.Conflict, "a crawl of this website is queued or running; wait for it to end or cancel its job")
)

// CleanWebsite checks a website's fields and fills in defaults.
func CleanWebsite(w Website) (Website, error) {
	var err error
	if w.URL, err = CleanURL(w.URL); err != nil {
		return w, err
	}
	if strings.TrimSpace(w.Name) == "" {
		w.Name = w.URL
	}
	if w.Name, err = CleanCollectionName(w.Name); err != nil {
		return w, err
	}
	if w.CrawlType == "" {
		w.CrawlType = CrawlLinks
	}
	if w.CrawlType != CrawlLinks && w.CrawlType != CrawlSitemap {
		return w, errs.New(errs.Invalid, "crawl_type must be crawl or sitemap")
	}
	if w.Interval == "" {
		w.Interval = Never
	}
	if w.Interval != Never && w.Interval.Every() == 0 {
		return w, errs.New(errs.Invalid, "update_interval must be never, daily, every_other_day or weekly")
	}
	if utf8.RuneCountInString(w.Username) > MaxUsernameLen || strings.ContainsAny(w.Username, ":\r\n") {
		return w, errs.Newf(errs.Invalid, "http_auth.username must be at most %d characters without a colon", MaxUsernameLen)
	}
	return w, nil
}

// CleanURL checks a website's start URL: http or https, a host, no
// credentials in it.
func CleanURL(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" || len(raw) > MaxURLLen {
		return "", errs.Newf(errs.Invalid, "url must be an http or https URL of at most %d characters", MaxURLLen)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		return "", errs.Newf(errs.Invalid, "url %q is not an http or https URL with a host", raw)
	}
	if u.User != nil {
		return "", errs.New(errs.Invalid, "url must not hold a user name or password; use http_auth")
	}
	u.Fragment = ""
	if u.Path == "" {
		u.Path = "/"
	}
	return u.String(), nil
}

// NextAfterSuccess is when a website is due again after a run that
// succeeded at end: a true interval later.
func (w Website) NextAfterSuccess(end time.Time) time.Time {
	if w.Interval == Never {
		return time.Time{}
	}
	return end.Add(w.Interval.Every())
}

// RetryAfter is the wait after the n-th consecutive failure: an hour,
// doubling with each failure, at most a week.
func RetryAfter(n int) time.Duration {
	d := time.Hour
	for i := 1; i < n && d < MaxRetryAfter; i++ {
		d *= 2
	}
	return min(d, MaxRetryAfter)
}

// MaxRetryAfter bounds the backoff after failed runs.
const MaxRetryAfter = 7 * 24 * time.Hour

// NextAfterFailure is when a website is due again after its n-th
// consecutive failed run ended at end.
func (w Website) NextAfterFailure(end time.Time, n int) time.Time {
	if w.Interval == Never {
		return time.Time{}
	}
	return end.Add(RetryAfter(n))
}

// RunStatus is where a crawl run is.
type RunStatus string

// The crawl run statuses, as the job's.
const (
	RunQueued     RunStatus = "queued"
	RunInProgress RunStatus = "in_progress"
	RunComplete   RunStatus = "complete"
	RunFailed     RunStatus = "failed"
	RunCancelled  RunStatus = "cancelled"
)

// Open reports whether the run has not ended.
func (s RunStatus) Open() bool { return s == RunQueued || s == RunInProgress }

// PageFailure is a URL a run could not read, and why.
type PageFailure struct {
	URL    string
	Reason string
}

// CrawlRun is one crawl of a website.
type CrawlRun struct {
	ID      uuid.UUID
	Tenant  tenancy.ID
	Website uuid.UUID
	Job     uuid.UUID
	User    uuid.UUID
	// Scheduled is set for runs the scheduler queued.
	Scheduled bool
	Status    RunStatus
	Counts    RunCounts
	// FailureSummary counts failed URLs by reason; Failures lists them.
	FailureSummary map[string]int
	Failures       []PageFailure
	// Stopped names the limit that ended the crawl early, if one did.
	Stopped    string
	Message    string
	CreatedAt  time.Time
	StartedAt  time.Time
	FinishedAt time.Time
}

// RunCounts are what a run did.
type RunCounts struct {
	PagesCrawled    int
	PagesFailed     int
	FilesDownloaded int
	FilesFailed     int
	// Unchanged pages were not embedded again; Removed pages were gone.
	PagesUnchanged int
	PagesRemoved   int
}

// CrawlLimits bound one crawl; a zero field means the installation's
// default.
type CrawlLimits struct {
	MaxPages     int
	MaxDepth     int
	MaxPageBytes int64
	MaxDuration  time.Duration
	Delay        time.Duration
}

// Over returns l with o's non-zero fields taking precedence.
func (l CrawlLimits) Over(o CrawlLimits) CrawlLimits {
	if o.MaxPages > 0 {
		l.MaxPages = o.MaxPages
	}
	if o.MaxDepth > 0 {
		l.MaxDepth = o.MaxDepth
	}
	if o.MaxPageBytes > 0 {
		l.MaxPageBytes = o.MaxPageBytes
	}
	if o.MaxDuration > 0 {
		l.MaxDuration = o.MaxDuration
	}
	if o.Delay > 0 {
		l.Delay = o.Delay
	}
	return l
}
