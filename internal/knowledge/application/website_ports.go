package application

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// WebsiteRepo stores websites and their crawl runs.
type WebsiteRepo interface {
	// InsertWebsite stores a website with its hidden collection.
	InsertWebsite(ctx context.Context, w domain.Website, col domain.Collection) error
	Website(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Website, error)
	// Websites lists the websites of the spaces.
	Websites(ctx context.Context, tenant tenancy.ID, spaces []uuid.UUID) ([]domain.Website, error)
	// UpdateWebsite stores a website's settings and renames its collection.
	UpdateWebsite(ctx context.Context, w domain.Website) error

	// InsertRun stores a queued run; domain.ErrCrawlRunning when the
	// website has an open one.
	InsertRun(ctx context.Context, r domain.CrawlRun) error
	Run(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.CrawlRun, error)
	// OpenRun returns the website's queued or running run.
	OpenRun(ctx context.Context, tenant tenancy.ID, website uuid.UUID) (domain.CrawlRun, error)
	// Runs lists a website's runs, newest first.
	Runs(ctx context.Context, tenant tenancy.ID, website uuid.UUID, limit int) ([]domain.CrawlRun, error)
	StartRun(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error
	// SaveRunCounts stores what a run did so far.
	SaveRunCounts(ctx context.Context, r domain.CrawlRun) error
	// EndRun records an open run's final status; false when it had ended.
	EndRun(ctx context.Context, tenant tenancy.ID, id uuid.UUID, status domain.RunStatus, message string, at time.Time) (bool, error)
	// RecordOutcome stores how the website's last run went and when the
	// next is due.
	RecordOutcome(ctx context.Context, w domain.Website) error
	// ClaimDue returns websites whose next run is due and moves their next
	// run lease later, so no other scheduler claims them meanwhile.
	ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]domain.Website, error)

	// Pages maps the URLs of a website's pages to their blobs.
	Pages(ctx context.Context, tenant tenancy.ID, website uuid.UUID) (map[string]domain.InfoBlob, error)
	// UpdateBlobContent stores a changed page's title, hash and size.
	UpdateBlobContent(ctx context.Context, b domain.InfoBlob) error
}

// Secrets seals and opens stored secrets (basic auth passwords).
type Secrets interface {
	Encrypt(plain string) (string, error)
	Decrypt(sealed string) (string, error)
}

// CrawlSpec is one crawl to do.
type CrawlSpec struct {
	URL                string
	Sitemap            bool
	DownloadFiles      bool
	Username, Password string
	Limits             domain.CrawlLimits
}

// CrawledPage is a page or file a crawl read.
type CrawledPage struct {
	URL   string
	Title string
	// Text is a page's main content; Body a file's bytes.
	Text string
	Body []byte
	File bool
	MIME string
	Hash string
}

// CrawlResult counts what a crawl read.
type CrawlResult struct {
	PagesCrawled, PagesFailed, FilesDownloaded, FilesFailed int
	FailureSummary                                          map[string]int
	Failed                                                  []domain.PageFailure
	// Stopped names the limit that ended the crawl early.
	Stopped string
}

// Crawler fetches a website's pages, handing each to visit; a visit error
// counts the page as failed with the error as its reason.
type Crawler interface {
	Crawl(ctx context.Context, spec CrawlSpec, visit func(ctx context.Context, p CrawledPage) error) (CrawlResult, error)
}

// CrawlLimits tells a tenant's crawl limits: the installation's, with the
// tenant's overrides.
type CrawlLimits interface {
	CrawlLimits(ctx context.Context, tenant tenancy.ID) (domain.CrawlLimits, error)
}

// RunUpdates pushes crawl run changes to a user's live connections.
type RunUpdates interface {
	PublishRun(ctx context.Context, user uuid.UUID, r domain.CrawlRun)
}
