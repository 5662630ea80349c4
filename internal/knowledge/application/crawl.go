package application

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
)

// Crawl is the worker's task: crawl the website once, embed the pages that
// are new or changed, remove the ones that are gone, and record the run.
func (s *Websites) Crawl(ctx context.Context, p CrawlPayload) error {
	run, err := s.sites.Run(ctx, p.Tenant, p.Run)
	var w domain.Website
	if err == nil {
		w, err = s.sites.Website(ctx, p.Tenant, run.Website)
	}
	switch {
	case errors.Is(err, domain.ErrCrawlRunNotFound) || errors.Is(err, domain.ErrWebsiteNotFound):
		return s.jobs.Run(ctx, p.Tenant, p.Job, func(context.Context, func(int, string) error) (string, error) {
			return "", errs.New(errs.NotFound, "the website was deleted before it was crawled")
		})
	case err != nil:
		return err
	}
	return s.crawlRun(ctx, w, run)
}

func (s *Websites) crawlRun(ctx context.Context, w domain.Website, run domain.CrawlRun) error {
	var failure string
	runErr := s.jobs.Run(ctx, w.Tenant, run.Job, func(ctx context.Context, report func(int, string) error) (string, error) {
		err := s.crawl(ctx, w, &run, report)
		if err != nil {
			_, failure = errs.KindOf(err)
			return "", err
		}
		return runLocation(run.ID), nil
	})
	s.settleRun(context.WithoutCancel(ctx), w, run, failure)
	return runErr
}

func runLocation(id uuid.UUID) string { return "/api/v1/crawl-runs/" + id.String() + "/" }

// settleRun brings the run and the website's schedule in line with how the
// job ended; a job queued again for another attempt leaves both open.
func (s *Websites) settleRun(ctx context.Context, w domain.Website, run domain.CrawlRun, failure string) {
	status, err := s.jobs.Status(ctx, w.Tenant, run.Job)
	if err != nil || domain.RunStatus(status).Open() {
		return
	}
	now := s.now()
	ended, err := s.sites.EndRun(ctx, w.Tenant, run.ID, domain.RunStatus(status), failure, now)
	if err != nil {
		s.log.WarnContext(ctx, "crawl run not closed", "run_id", run.ID, "err", err)
		return
	}
	if !ended {
		return
	}
	run.Status, run.Message, run.FinishedAt = domain.RunStatus(status), failure, now
	s.updates.PublishRun(ctx, run.User, run)
	switch run.Status {
	case domain.RunComplete:
		w.LastSuccess, w.Failures, w.NextRun = now, 0, w.NextAfterSuccess(now)
	case domain.RunFailed:
		w.Failures++
		w.NextRun = w.NextAfterFailure(now, w.Failures)
	default: // cancelled: the next run is a whole interval away
		w.NextRun = w.NextAfterSuccess(now)
	}
	if err := s.sites.RecordOutcome(ctx, w); err != nil {
		s.log.WarnContext(ctx, "website schedule not updated", "website_id", w.ID, "err", err)
	}
}

// pageSet is what a run knows of a website's pages while it crawls.
type pageSet struct {
	mu      sync.Mutex
	known   map[string]domain.InfoBlob
	seen    map[string]bool
	counts  domain.RunCounts
	visited int
}

func (p *pageSet) visit(url string) (domain.InfoBlob, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.seen[url] = true
	p.visited++
	b, ok := p.known[url]
	return b, ok
}

func (p *pageSet) count(f func(c *domain.RunCounts)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.counts)
}

// crawl does one run's work, leaving its counts on run.
func (s *Websites) crawl(ctx context.Context, w domain.Website, run *domain.CrawlRun, report func(int, string) error) error {
	if err := s.sites.StartRun(ctx, w.Tenant, run.ID, s.now()); err != nil {
		return err
	}
	run.Status, run.StartedAt = domain.RunInProgress, s.now()
	s.updates.PublishRun(ctx, run.User, *run)
	spec, err := s.spec(ctx, w)
	if err != nil {
		return err
	}
	col, err := s.Knowledge.repo.Collection(ctx, w.Tenant, w.ID)
	if err != nil {
		return err
	}
	model, err := s.models.Embedding(ctx, w.Tenant, col.EmbeddingModel)
	if err != nil {
		return err
	}
	known, err := s.sites.Pages(ctx, w.Tenant, w.ID)
	if err != nil {
		return err
	}
	pages := &pageSet{known: known, seen: map[string]bool{}}
	res, crawlErr := s.crawler.Crawl(ctx, spec, func(ctx context.Context, p CrawledPage) error {
		if err := s.page(ctx, col, model, run.User, pages, p); err != nil {
			return err
		}
		pages.mu.Lock()
		n := pages.visited
		pages.mu.Unlock()
		return report(min(90, 5+85*n/max(spec.Limits.MaxPages, 1)), fmt.Sprintf("read %d pages", n))
	})
	run.Counts = pages.counts
	run.Counts.PagesCrawled, run.Counts.PagesFailed = res.PagesCrawled, res.PagesFailed
	run.Counts.FilesDownloaded, run.Counts.FilesFailed = res.FilesDownloaded, res.FilesFailed
	run.FailureSummary, run.Failures, run.Stopped = res.FailureSummary, res.Failed, res.Stopped
	if crawlErr == nil && run.Counts.PagesCrawled+run.Counts.FilesDownloaded > 0 && res.Stopped == "" {
		crawlErr = s.removeGone(ctx, w, pages, res.Failed, &run.Counts)
	}
	if err := s.sites.SaveRunCounts(context.WithoutCancel(ctx), *run); err != nil {
		return err
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case crawlErr != nil:
		return crawlErr
	case run.Counts.PagesCrawled+run.Counts.FilesDownloaded == 0 && run.Counts.PagesFailed+run.Counts.FilesFailed > 0:
		return errs.Newf(errs.Invalid, "no page of %s could be read: %s", w.URL, summary(res.FailureSummary))
	}
	return nil
}

// spec is the crawl of a website with the tenant's limits.
func (s *Websites) spec(ctx context.Context, w domain.Website) (CrawlSpec, error) {
	limits, err := s.crawlLimits.CrawlLimits(ctx, w.Tenant)
	if err != nil {
		return CrawlSpec{}, err
	}
	spec := CrawlSpec{URL: w.URL, Sitemap: w.CrawlType == domain.CrawlSitemap, DownloadFiles: w.DownloadFiles, Username: w.Username, Limits: limits}
	if w.Password != "" {
		if spec.Password, err = s.secrets.Decrypt(w.Password); err != nil {
			return CrawlSpec{}, errs.Wrap(errs.Invalid, "the website's basic auth password cannot be decrypted (was ENCRYPTION_KEY changed?); set the password again", err)
		}
	}
	return spec, nil
}

// summary writes failure counts as "HTTP 404 (2), timed out (1)".
func summary(m map[string]int) string {
	parts := make([]string, 0, len(m))
	for reason, n := range m {
		parts = append(parts, fmt.Sprintf("%s (%d)", reason, n))
	}
	sort.Strings(parts)
	return strings.Join(parts, ", ")
}

// page stores one crawled page: an unchanged one is only counted, a new
// or changed one is read, chunked, embedded and written.
func (s *Websites) page(ctx context.Context, col domain.Collection, model EmbeddingModel, user uuid.UUID, pages *pageSet, p CrawledPage) error {
	b, known := pages.visit(p.URL)
	if known && b.SHA256 == p.Hash && b.Status == domain.BlobReady {
		pages.count(func(c *domain.RunCounts) { c.PagesUnchanged++ })
		return nil
	}
	text := p.Text
	if p.File {
		var err error
		if text, err = s.reader.Text(ctx, bytes.NewReader(p.Body), p.MIME, domain.MaxDocumentChars); err != nil {
			return fmt.Errorf("unreadable file: %v", err)
		}
	}
	now := s.now()
	size := int64(len(p.Body))
	if !p.File {
		size = int64(len(p.Text))
	}
	if known {
		b.Title, b.SHA256, b.Size, b.MimeType, b.UpdatedAt = domain.CleanTitle(p.Title, p.URL), p.Hash, size, p.MIME, now
		if err := s.sites.UpdateBlobContent(ctx, b); err != nil {
			return err
		}
	} else {
		b = domain.InfoBlob{ID: uuid.Must(uuid.NewV7()), Tenant: col.Tenant, Collection: col.ID, Title: domain.CleanTitle(p.Title, p.URL),
			Source: p.URL, MimeType: p.MIME, Size: size, SHA256: p.Hash, Status: domain.BlobQueued, CreatedBy: user, CreatedAt: now, UpdatedAt: now}
		stored, created, err := s.Knowledge.repo.InsertBlob(ctx, b)
		if err != nil {
			return err
		}
		if !created {
			return nil // the same content as a page read under another URL
		}
		b = stored
	}
	b.CreatedBy = user
	chunks := domain.Split(text, s.chunking, s.tokens.Count)
	rows, err := s.embed(ctx, b, model, chunks, func(int, string) error { return nil })
	if err != nil {
		return err
	}
	return s.Knowledge.repo.ReplaceChunks(ctx, b, col, rows, len([]rune(text)))
}

// removeGone deletes the pages of earlier runs that this complete crawl
// did not read and that are gone from the site: not linked any more, or
// answering 404 or 410. A page that failed otherwise (a timeout, a server
// error) is kept until a run reads it again.
func (s *Websites) removeGone(ctx context.Context, w domain.Website, pages *pageSet, failed []domain.PageFailure, counts *domain.RunCounts) error {
	keep := map[string]bool{}
	for _, f := range failed {
		if f.Reason != "HTTP 404" && f.Reason != "HTTP 410" {
			keep[f.URL] = true
		}
	}
	for url, b := range pages.known {
		if pages.seen[url] || keep[url] {
			continue
		}
		if err := s.Knowledge.repo.DeleteBlob(ctx, w.Tenant, b.ID); err != nil && !errors.Is(err, domain.ErrBlobNotFound) {
			return fmt.Errorf("remove the page %s that is gone: %w", url, err)
		}
		counts.PagesRemoved++
	}
	return nil
}

// ScheduleLease is how long a claimed website is kept from other
// schedulers before its run records the real next time.
const ScheduleLease = time.Hour

// QueueDue queues a run of each website whose next run is due and returns
// how many it queued. Claiming is atomic in the database, so any number of
// workers may call it at once and each due website runs once.
func (s *Websites) QueueDue(ctx context.Context) (int, error) {
	due, err := s.sites.ClaimDue(ctx, s.now(), ScheduleLease, 100)
	if err != nil {
		return 0, err
	}
	queued := 0
	for _, w := range due {
		_, err := s.startRun(ctx, w, w.CreatedBy, true)
		switch {
		case errors.Is(err, domain.ErrCrawlRunning):
			continue // its open run will set the next time
		case err != nil:
			s.log.WarnContext(ctx, "scheduled crawl not queued", "website_id", w.ID, "err", err)
			continue
		}
		queued++
	}
	return queued, nil
}
