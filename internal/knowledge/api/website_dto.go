package api

import (
	"time"

	"github.com/google/uuid"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/httpx"
)

// HTTPAuthRequest is basic auth for a website; an empty username removes
// it, an omitted password keeps the stored one.
type HTTPAuthRequest struct {
	Username string  `json:"username" example:"intranet"`
	Password *string `json:"password,omitempty"`
} // @name WebsiteHTTPAuth

// WebsiteRequest creates a website (POST /websites/, space_id required) or
// changes one (POST /websites/{id}/, omitted fields unchanged).
type WebsiteRequest struct {
	SpaceID        string           `json:"space_id,omitempty" format:"uuid"`
	Name           *string          `json:"name,omitempty" example:"Sundsvall.se"`
	URL            *string          `json:"url,omitempty" example:"https://sundsvall.se/"`
	CrawlType      *string          `json:"crawl_type,omitempty" enums:"crawl,sitemap"`
	UpdateInterval *string          `json:"update_interval,omitempty" enums:"never,daily,every_other_day,weekly"`
	DownloadFiles  *bool            `json:"download_files,omitempty"`
	HTTPAuth       *HTTPAuthRequest `json:"http_auth,omitempty"`
	EmbeddingModel *IDRef           `json:"embedding_model,omitempty"`
} // @name WebsiteRequest

func (r WebsiteRequest) input() (application.WebsiteInput, error) {
	in := application.WebsiteInput{Name: r.Name, URL: r.URL, DownloadFiles: r.DownloadFiles}
	if r.CrawlType != nil {
		t := domain.CrawlType(*r.CrawlType)
		in.CrawlType = &t
	}
	if r.UpdateInterval != nil {
		i := domain.Interval(*r.UpdateInterval)
		in.Interval = &i
	}
	if r.HTTPAuth != nil {
		in.Username, in.Password = &r.HTTPAuth.Username, r.HTTPAuth.Password
	}
	if r.EmbeddingModel != nil && r.EmbeddingModel.ID != "" {
		id, err := uuid.Parse(r.EmbeddingModel.ID)
		if err != nil {
			return in, errs.New(errs.Invalid, "embedding_model.id must be a UUID")
		}
		in.EmbeddingModel = id
	}
	return in, nil
}

// HTTPAuthResponse shows whether basic auth is set; never the password.
type HTTPAuthResponse struct {
	Username    string `json:"username"`
	PasswordSet bool   `json:"password_set"`
} // @name WebsiteHTTPAuthView

// WebsiteResponse is a website.
type WebsiteResponse struct {
	ID                  string            `json:"id" format:"uuid"`
	SpaceID             string            `json:"space_id" format:"uuid"`
	Name                string            `json:"name"`
	URL                 string            `json:"url"`
	CrawlType           string            `json:"crawl_type" enums:"crawl,sitemap"`
	UpdateInterval      string            `json:"update_interval" enums:"never,daily,every_other_day,weekly"`
	DownloadFiles       bool              `json:"download_files"`
	HTTPAuth            *HTTPAuthResponse `json:"http_auth"`
	EmbeddingModel      IDRef             `json:"embedding_model"`
	Pages               int               `json:"pages"`
	Chunks              int64             `json:"chunks"`
	LastSuccessAt       *time.Time        `json:"last_success_at"`
	NextRunAt           *time.Time        `json:"next_run_at"`
	ConsecutiveFailures int               `json:"consecutive_failures"`
	CreatedAt           time.Time         `json:"created_at"`
	UpdatedAt           time.Time         `json:"updated_at"`
	// LatestRun is the run POST /websites/ queued.
	LatestRun *CrawlRunResponse `json:"latest_crawl,omitempty"`
} // @name Website

// WebsiteList is a list of websites.
type WebsiteList struct {
	Items []WebsiteResponse `json:"items"`
	Count int               `json:"count"`
} // @name WebsiteList

func toWebsite(w domain.Website) WebsiteResponse {
	r := WebsiteResponse{ID: w.ID.String(), SpaceID: w.Space.String(), Name: w.Name, URL: w.URL, CrawlType: string(w.CrawlType),
		UpdateInterval: string(w.Interval), DownloadFiles: w.DownloadFiles, EmbeddingModel: IDRef{ID: w.EmbeddingModel.String()},
		Pages: w.Pages, Chunks: w.Chunks, LastSuccessAt: httpx.OptionalTime(w.LastSuccess), NextRunAt: httpx.OptionalTime(w.NextRun),
		ConsecutiveFailures: w.Failures, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
	if w.Username != "" {
		r.HTTPAuth = &HTTPAuthResponse{Username: w.Username, PasswordSet: w.Password != ""}
	}
	return r
}

// PageFailureResponse is a URL a run could not read.
type PageFailureResponse struct {
	URL    string `json:"url"`
	Reason string `json:"reason" example:"HTTP 404"`
} // @name CrawlPageFailure

// CrawlRunResponse is one crawl of a website.
type CrawlRunResponse struct {
	ID              string `json:"id" format:"uuid"`
	WebsiteID       string `json:"website_id" format:"uuid"`
	JobID           string `json:"job_id" format:"uuid"`
	Status          string `json:"status" enums:"queued,in_progress,complete,failed,cancelled"`
	Scheduled       bool   `json:"scheduled"`
	PagesCrawled    int    `json:"pages_crawled"`
	PagesFailed     int    `json:"pages_failed"`
	FilesDownloaded int    `json:"files_downloaded"`
	FilesFailed     int    `json:"files_failed"`
	// PagesUnchanged were read but not embedded again; PagesRemoved were
	// gone from the site and deleted.
	PagesUnchanged int `json:"pages_unchanged"`
	PagesRemoved   int `json:"pages_removed"`
	// FailureSummary counts the failed URLs by reason.
	FailureSummary map[string]int        `json:"failure_summary"`
	Failures       []PageFailureResponse `json:"failures"`
	// Stopped names the limit that ended the crawl early.
	Stopped    string     `json:"stopped,omitempty"`
	Message    string     `json:"message,omitempty"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at"`
	FinishedAt *time.Time `json:"finished_at"`
} // @name CrawlRun

// CrawlRunList is a list of crawl runs.
type CrawlRunList struct {
	Items []CrawlRunResponse `json:"items"`
	Count int                `json:"count"`
} // @name CrawlRunList

func toRun(r domain.CrawlRun) CrawlRunResponse {
	c := r.Counts
	out := CrawlRunResponse{ID: r.ID.String(), WebsiteID: r.Website.String(), JobID: r.Job.String(), Status: string(r.Status), Scheduled: r.Scheduled,
		PagesCrawled: c.PagesCrawled, PagesFailed: c.PagesFailed, FilesDownloaded: c.FilesDownloaded, FilesFailed: c.FilesFailed,
		PagesUnchanged: c.PagesUnchanged, PagesRemoved: c.PagesRemoved, FailureSummary: r.FailureSummary, Failures: []PageFailureResponse{},
		Stopped: r.Stopped, Message: r.Message, CreatedAt: r.CreatedAt, StartedAt: httpx.OptionalTime(r.StartedAt), FinishedAt: httpx.OptionalTime(r.FinishedAt)}
	if out.FailureSummary == nil {
		out.FailureSummary = map[string]int{}
	}
	for _, f := range r.Failures {
		out.Failures = append(out.Failures, PageFailureResponse(f))
	}
	return out
}
