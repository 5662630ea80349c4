package application

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/actor"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Space matrix and tenant permission names of websites.
const (
	resWebsite = "website"
	// permWebsites is the tenant permission to add websites.
	permWebsites = "websites"
)

// WebsiteDeps are what websites need beyond the Knowledge service's.
type WebsiteDeps struct {
	// Sites stores websites and runs (the Knowledge repository their pages).
	Sites   WebsiteRepo
	Secrets Secrets
	Crawler Crawler
	Limits  CrawlLimits
	Updates RunUpdates
}

// Websites runs the website and crawl use cases.
type Websites struct {
	*Knowledge
	sites       WebsiteRepo
	secrets     Secrets
	crawler     Crawler
	crawlLimits CrawlLimits
	updates     RunUpdates
}

// NewWebsites returns the websites service on k.
func NewWebsites(k *Knowledge, d WebsiteDeps) *Websites {
	return &Websites{Knowledge: k, sites: d.Sites, secrets: d.Secrets, crawler: d.Crawler, crawlLimits: d.Limits, updates: d.Updates}
}

// WebsiteInput are a website's settings; nil fields of an update stay.
type WebsiteInput struct {
	Space          uuid.UUID
	Name           *string
	URL            *string
	CrawlType      *domain.CrawlType
	Interval       *domain.Interval
	DownloadFiles  *bool
	EmbeddingModel uuid.UUID
	// Username and Password set basic auth; an empty username removes it.
	Username *string
	Password *string
}

func deref[T any](p *T) T {
	var v T
	if p != nil {
		v = *p
	}
	return v
}

// CreateWebsite adds a website to a space and queues its first crawl.
func (s *Websites) CreateWebsite(ctx context.Context, tenant tenancy.ID, c actor.Caller, in WebsiteInput) (domain.Website, domain.CrawlRun, error) {
	if !c.Can(permWebsites) {
		return domain.Website{}, domain.CrawlRun{}, errs.New(errs.Forbidden, "your role may not add websites; ask an administrator for the websites permission")
	}
	if err := s.spaces.Authorize(ctx, tenant, c, in.Space, resWebsite, actCreate); err != nil {
		return domain.Website{}, domain.CrawlRun{}, err
	}
	now := s.now()
	w := domain.Website{ID: uuid.Must(uuid.NewV7()), Tenant: tenant, Space: in.Space, Name: deref(in.Name), URL: deref(in.URL),
		CrawlType: deref(in.CrawlType), Interval: deref(in.Interval), DownloadFiles: deref(in.DownloadFiles), CreatedBy: c.UserID,
		CreatedAt: now, UpdatedAt: now}
	w, err := s.applyAuth(w, in)
	if err != nil {
		return domain.Website{}, domain.CrawlRun{}, err
	}
	if w, err = domain.CleanWebsite(w); err != nil {
		return domain.Website{}, domain.CrawlRun{}, err
	}
	model, err := s.spaceEmbeddingModel(ctx, tenant, c, in.Space, in.EmbeddingModel)
	if err != nil {
		return domain.Website{}, domain.CrawlRun{}, err
	}
	lang, err := s.languages.Language(ctx, tenant)
	if err != nil {
		return domain.Website{}, domain.CrawlRun{}, err
	}
	if err := s.Knowledge.repo.EnsureIndex(ctx, model); err != nil {
		return domain.Website{}, domain.CrawlRun{}, fmt.Errorf("index for model %s: %w", model.Name, err)
	}
	w.EmbeddingModel = model.ID
	col := domain.Collection{ID: w.ID, Tenant: tenant, Space: w.Space, Name: w.Name, EmbeddingModel: model.ID, Language: domain.FTSConfig(lang),
		Website: true, CreatedBy: c.UserID, CreatedAt: now, UpdatedAt: now}
	if err := s.sites.InsertWebsite(ctx, w, col); err != nil {
		return domain.Website{}, domain.CrawlRun{}, err
	}
	run, err := s.startRun(ctx, w, c.UserID, false)
	return w, run, err
}

// applyAuth sets or removes basic auth, sealing the password.
func (s *Websites) applyAuth(w domain.Website, in WebsiteInput) (domain.Website, error) {
	if in.Username == nil && in.Password == nil {
		return w, nil
	}
	if in.Username != nil {
		w.Username = *in.Username
	}
	if w.Username == "" {
		w.Password = ""
		return w, nil
	}
	if in.Password == nil {
		if w.Password == "" {
			return w, errs.New(errs.Invalid, "http_auth.password is required with a username")
		}
		return w, nil
	}
	if *in.Password == "" || len(*in.Password) > domain.MaxPasswordLen {
		return w, errs.Newf(errs.Invalid, "http_auth.password must be 1 to %d characters", domain.MaxPasswordLen)
	}
	sealed, err := s.secrets.Encrypt(*in.Password)
	if err != nil {
		return w, errs.Wrap(errs.Invalid, "the server cannot store passwords: it has no ENCRYPTION_KEY; ask the operator to set one", err)
	}
	w.Password = sealed
	return w, nil
}

// website loads a website the caller may act on.
func (s *Websites) website(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, act string) (domain.Website, error) {
	w, err := s.sites.Website(ctx, tenant, id)
	if err != nil {
		return domain.Website{}, err
	}
	if err := s.spaces.Authorize(ctx, tenant, c, w.Space, resWebsite, act); err != nil {
		return domain.Website{}, notFoundAs(err, domain.ErrWebsiteNotFound)
	}
	return w, nil
}

// Website returns a website the caller can read.
func (s *Websites) Website(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (domain.Website, error) {
	return s.website(ctx, tenant, c, id, actRead)
}

// Websites lists the websites of the spaces the caller can enter, or of
// one of them.
func (s *Websites) Websites(ctx context.Context, tenant tenancy.ID, c actor.Caller, space *uuid.UUID) ([]domain.Website, error) {
	spaces, err := s.listable(ctx, tenant, c, space, resWebsite)
	if err != nil {
		return nil, err
	}
	return s.sites.Websites(ctx, tenant, spaces)
}

// SpaceKnowledge lists the collections and websites of a space whose
// collections the caller may read.
func (s *Websites) SpaceKnowledge(ctx context.Context, tenant tenancy.ID, c actor.Caller, space uuid.UUID) ([]domain.Collection, []domain.Website, error) {
	if err := s.spaces.Authorize(ctx, tenant, c, space, resCollection, actRead); err != nil {
		return nil, nil, err
	}
	cols, err := s.spaceCollections(ctx, tenant, space)
	if err != nil {
		return nil, nil, err
	}
	sites, err := s.spaceWebsites(ctx, tenant, space)
	if err != nil {
		return nil, nil, err
	}
	return cols, sites, nil
}

// spaceWebsites lists a space's websites for a caller already let in.
func (s *Websites) spaceWebsites(ctx context.Context, tenant tenancy.ID, space uuid.UUID) ([]domain.Website, error) {
	return s.sites.Websites(ctx, tenant, []uuid.UUID{space})
}

// UpdateWebsite changes a website's settings. A changed interval counts
// from the last successful run.
func (s *Websites) UpdateWebsite(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, in WebsiteInput) (domain.Website, error) {
	w, err := s.website(ctx, tenant, c, id, actEdit)
	if err != nil {
		return domain.Website{}, err
	}
	if in.EmbeddingModel != uuid.Nil && in.EmbeddingModel != w.EmbeddingModel {
		return domain.Website{}, errs.New(errs.Invalid, "a website's embedding model cannot change; add the website again with the new model")
	}
	if in.Name != nil {
		w.Name = *in.Name
	}
	if in.URL != nil {
		w.URL = *in.URL
	}
	if in.CrawlType != nil {
		w.CrawlType = *in.CrawlType
	}
	if in.DownloadFiles != nil {
		w.DownloadFiles = *in.DownloadFiles
	}
	if in.Interval != nil && *in.Interval != w.Interval {
		w.Interval = *in.Interval
		switch {
		case w.Interval == domain.Never:
			w.NextRun = time.Time{}
		case w.LastSuccess.IsZero():
			w.NextRun = s.now() // never crawled successfully: due now
		default:
			w.NextRun = w.NextAfterSuccess(w.LastSuccess)
		}
	}
	if w, err = s.applyAuth(w, in); err != nil {
		return domain.Website{}, err
	}
	if w, err = domain.CleanWebsite(w); err != nil {
		return domain.Website{}, err
	}
	w.UpdatedAt = s.now()
	if err := s.sites.UpdateWebsite(ctx, w); err != nil {
		return domain.Website{}, err
	}
	return w, nil
}

// DeleteWebsite removes a website with its pages and runs, cancelling a
// crawl that is under way.
func (s *Websites) DeleteWebsite(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) error {
	if _, err := s.website(ctx, tenant, c, id, actDelete); err != nil {
		return err
	}
	if open, err := s.sites.OpenRun(ctx, tenant, id); err == nil {
		if err := s.jobs.Stop(ctx, tenant, open.Job, "the website was deleted"); err != nil {
			return err
		}
	}
	err := s.Knowledge.repo.DeleteCollection(ctx, tenant, id)
	if errors.Is(err, domain.ErrCollectionNotFound) {
		return domain.ErrWebsiteNotFound
	}
	return err
}

// CheckWebsite returns the embedding model of a website in space, for an
// assistant that attaches it.
func (s *Websites) CheckWebsite(ctx context.Context, tenant tenancy.ID, space, id uuid.UUID) (uuid.UUID, error) {
	w, err := s.sites.Website(ctx, tenant, id)
	if err != nil || w.Space != space {
		return uuid.Nil, errs.Newf(errs.Invalid, "website %s not found in this space", id)
	}
	return w.EmbeddingModel, nil
}

// RunWebsite queues a crawl of a website now.
func (s *Websites) RunWebsite(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (domain.CrawlRun, error) {
	w, err := s.website(ctx, tenant, c, id, actEdit)
	if err != nil {
		return domain.CrawlRun{}, err
	}
	return s.startRun(ctx, w, c.UserID, false)
}

// Runs lists a website's crawl runs, newest first.
func (s *Websites) Runs(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID, limit int) ([]domain.CrawlRun, error) {
	if _, err := s.website(ctx, tenant, c, id, actRead); err != nil {
		return nil, err
	}
	if limit == 0 {
		limit = 50
	}
	if limit < 1 || limit > 500 {
		return nil, errs.New(errs.Invalid, "limit must be between 1 and 500")
	}
	return s.sites.Runs(ctx, tenant, id, limit)
}

// Run returns a crawl run of a website the caller can read.
func (s *Websites) Run(ctx context.Context, tenant tenancy.ID, c actor.Caller, id uuid.UUID) (domain.CrawlRun, error) {
	r, err := s.sites.Run(ctx, tenant, id)
	if err != nil {
		return domain.CrawlRun{}, err
	}
	if _, err := s.website(ctx, tenant, c, r.Website, actRead); err != nil {
		return domain.CrawlRun{}, notFoundAs(err, domain.ErrCrawlRunNotFound)
	}
	return r, nil
}

// startRun records a queued run with its job and queues it. A website
// with an open run refuses a second one, unless that run's job has ended
// without the run hearing of it (its worker died); then the run is closed.
func (s *Websites) startRun(ctx context.Context, w domain.Website, user uuid.UUID, scheduled bool) (domain.CrawlRun, error) {
	run, err := s.insertRun(ctx, w, user, scheduled)
	if errors.Is(err, domain.ErrCrawlRunning) && s.closeStale(ctx, w) {
		run, err = s.insertRun(ctx, w, user, scheduled)
	}
	if err != nil {
		return domain.CrawlRun{}, err
	}
	s.jobs.Dispatch(ctx, w.Tenant, run.Job)
	s.updates.PublishRun(ctx, user, run)
	return run, nil
}

func (s *Websites) insertRun(ctx context.Context, w domain.Website, user uuid.UUID, scheduled bool) (domain.CrawlRun, error) {
	run := domain.CrawlRun{ID: uuid.Must(uuid.NewV7()), Tenant: w.Tenant, Website: w.ID, Job: uuid.Must(uuid.NewV7()), User: user,
		Scheduled: scheduled, Status: domain.RunQueued, FailureSummary: map[string]int{}, CreatedAt: s.now()}
	payload, _ := json.Marshal(CrawlPayload{Tenant: w.Tenant, Job: run.Job, Run: run.ID})
	err := s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.sites.InsertRun(ctx, run); err != nil {
			return err
		}
		return s.jobs.Create(ctx, w.Tenant, user, run.Job, TaskCrawl, "Crawl "+w.Name, payload)
	})
	return run, err
}

// closeStale ends the website's open run when its job has ended; it
// reports whether it did.
func (s *Websites) closeStale(ctx context.Context, w domain.Website) bool {
	open, err := s.sites.OpenRun(ctx, w.Tenant, w.ID)
	if err != nil {
		return false
	}
	status, err := s.jobs.Status(ctx, w.Tenant, open.Job)
	if err != nil || domain.RunStatus(status).Open() {
		return false
	}
	closed, err := s.sites.EndRun(ctx, w.Tenant, open.ID, domain.RunStatus(status), "its job ended without the run hearing of it", s.now())
	return err == nil && closed
}
