package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/knowledge/application"
	"github.com/agora-platform/agora/internal/knowledge/domain"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

type websiteRow struct {
	bun.BaseModel `bun:"table:websites,alias:w"`

	ID                  uuid.UUID    `bun:"id,pk,type:uuid"`
	TenantID            uuid.UUID    `bun:"tenant_id,type:uuid"`
	SpaceID             uuid.UUID    `bun:"space_id,type:uuid"`
	Name                string       `bun:"name"`
	URL                 string       `bun:"url"`
	CrawlType           string       `bun:"crawl_type"`
	UpdateInterval      string       `bun:"update_interval"`
	DownloadFiles       bool         `bun:"download_files"`
	Username            string       `bun:"http_auth_username"`
	Password            string       `bun:"http_auth_password"`
	CreatedBy           uuid.UUID    `bun:"created_by,type:uuid,nullzero"`
	LastSuccessAt       bun.NullTime `bun:"last_success_at"`
	NextRunAt           bun.NullTime `bun:"next_run_at"`
	ConsecutiveFailures int          `bun:"consecutive_failures"`
	CreatedAt           time.Time    `bun:"created_at"`
	UpdatedAt           time.Time    `bun:"updated_at"`
	EmbeddingModelID    uuid.UUID    `bun:"embedding_model_id,type:uuid,scanonly"`
	Pages               int          `bun:"pages,scanonly"`
	Chunks              int64        `bun:"chunks,scanonly"`
}

func nullTime(t time.Time) bun.NullTime {
	if t.IsZero() {
		return bun.NullTime{}
	}
	return bun.NullTime{Time: t}
}

func toWebsiteRow(w domain.Website) websiteRow {
	return websiteRow{ID: w.ID, TenantID: w.Tenant.UUID, SpaceID: w.Space, Name: w.Name, URL: w.URL, CrawlType: string(w.CrawlType),
		UpdateInterval: string(w.Interval), DownloadFiles: w.DownloadFiles, Username: w.Username, Password: w.Password, CreatedBy: w.CreatedBy,
		LastSuccessAt: nullTime(w.LastSuccess), NextRunAt: nullTime(w.NextRun), ConsecutiveFailures: w.Failures, CreatedAt: w.CreatedAt, UpdatedAt: w.UpdatedAt}
}

func (r websiteRow) toEntity() domain.Website {
	return domain.Website{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Space: r.SpaceID, Name: r.Name, URL: r.URL,
		CrawlType: domain.CrawlType(r.CrawlType), Interval: domain.Interval(r.UpdateInterval), DownloadFiles: r.DownloadFiles,
		EmbeddingModel: r.EmbeddingModelID, Username: r.Username, Password: r.Password, CreatedBy: r.CreatedBy,
		LastSuccess: r.LastSuccessAt.Time, NextRun: r.NextRunAt.Time, Failures: r.ConsecutiveFailures, Pages: r.Pages, Chunks: r.Chunks,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

type runRow struct {
	bun.BaseModel `bun:"table:crawl_runs,alias:r"`

	ID              uuid.UUID      `bun:"id,pk,type:uuid"`
	TenantID        uuid.UUID      `bun:"tenant_id,type:uuid"`
	WebsiteID       uuid.UUID      `bun:"website_id,type:uuid"`
	JobID           uuid.UUID      `bun:"job_id,type:uuid"`
	UserID          uuid.UUID      `bun:"user_id,type:uuid,nullzero"`
	Scheduled       bool           `bun:"scheduled"`
	Status          string         `bun:"status"`
	PagesCrawled    int            `bun:"pages_crawled"`
	PagesFailed     int            `bun:"pages_failed"`
	FilesDownloaded int            `bun:"files_downloaded"`
	FilesFailed     int            `bun:"files_failed"`
	PagesUnchanged  int            `bun:"pages_unchanged"`
	PagesRemoved    int            `bun:"pages_removed"`
	FailureSummary  map[string]int `bun:"failure_summary,type:jsonb"`
	Failures        []failureJSON  `bun:"failures,type:jsonb"`
	Stopped         string         `bun:"stopped"`
	Message         string         `bun:"message"`
	CreatedAt       time.Time      `bun:"created_at"`
	StartedAt       bun.NullTime   `bun:"started_at"`
	FinishedAt      bun.NullTime   `bun:"finished_at"`
}

type failureJSON struct {
	URL    string `json:"url"`
	Reason string `json:"reason"`
}

func toRunRow(r domain.CrawlRun) runRow {
	fs := make([]failureJSON, len(r.Failures))
	for i, f := range r.Failures {
		fs[i] = failureJSON(f)
	}
	summary := r.FailureSummary
	if summary == nil {
		summary = map[string]int{}
	}
	c := r.Counts
	return runRow{ID: r.ID, TenantID: r.Tenant.UUID, WebsiteID: r.Website, JobID: r.Job, UserID: r.User, Scheduled: r.Scheduled, Status: string(r.Status),
		PagesCrawled: c.PagesCrawled, PagesFailed: c.PagesFailed, FilesDownloaded: c.FilesDownloaded, FilesFailed: c.FilesFailed,
		PagesUnchanged: c.PagesUnchanged, PagesRemoved: c.PagesRemoved, FailureSummary: summary, Failures: fs, Stopped: r.Stopped,
		Message: r.Message, CreatedAt: r.CreatedAt, StartedAt: nullTime(r.StartedAt), FinishedAt: nullTime(r.FinishedAt)}
}

func (r runRow) toEntity() domain.CrawlRun {
	fs := make([]domain.PageFailure, len(r.Failures))
	for i, f := range r.Failures {
		fs[i] = domain.PageFailure(f)
	}
	return domain.CrawlRun{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Website: r.WebsiteID, Job: r.JobID, User: r.UserID, Scheduled: r.Scheduled,
		Status: domain.RunStatus(r.Status), Counts: domain.RunCounts{PagesCrawled: r.PagesCrawled, PagesFailed: r.PagesFailed,
			FilesDownloaded: r.FilesDownloaded, FilesFailed: r.FilesFailed, PagesUnchanged: r.PagesUnchanged, PagesRemoved: r.PagesRemoved},
		FailureSummary: r.FailureSummary, Failures: fs, Stopped: r.Stopped, Message: r.Message, CreatedAt: r.CreatedAt,
		StartedAt: r.StartedAt.Time, FinishedAt: r.FinishedAt.Time}
}

// Websites is the PostgreSQL store of websites and crawl runs.
type Websites struct {
	db *bun.DB
	k  *Knowledge
}

// NewWebsites returns the store on db; k stores the hidden collections.
func NewWebsites(db *bun.DB, k *Knowledge) *Websites { return &Websites{db: db, k: k} }

// InsertWebsite stores the website and its collection in one transaction.
func (s *Websites) InsertWebsite(ctx context.Context, w domain.Website, col domain.Collection) error {
	return postgres.NewTransactor(s.db).InTx(ctx, func(ctx context.Context) error {
		if err := s.k.InsertCollection(ctx, col); err != nil {
			return err
		}
		row := toWebsiteRow(w)
		if _, err := postgres.Conn(ctx, s.db).NewInsert().Model(&row).Exec(ctx); err != nil {
			return fmt.Errorf("insert website: %w", err)
		}
		return nil
	})
}

func (s *Websites) selectWebsites(ctx context.Context, rows *[]websiteRow, tenant tenancy.ID) *bun.SelectQuery {
	return postgres.Conn(ctx, s.db).NewSelect().Model(rows).ColumnExpr("w.*").
		ColumnExpr("c.embedding_model_id, c.chunk_count AS chunks").
		ColumnExpr("(SELECT count(*) FROM info_blobs b WHERE b.tenant_id = w.tenant_id AND b.collection_id = w.id) AS pages").
		Join("JOIN collections c ON c.tenant_id = w.tenant_id AND c.id = w.id").
		Where("w.tenant_id = ?", tenant.UUID)
}

// Website loads one website.
func (s *Websites) Website(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Website, error) {
	var rows []websiteRow
	if err := s.selectWebsites(ctx, &rows, tenant).Where("w.id = ?", id).Scan(ctx); err != nil {
		return domain.Website{}, fmt.Errorf("select website: %w", err)
	}
	if len(rows) == 0 {
		return domain.Website{}, domain.ErrWebsiteNotFound
	}
	return rows[0].toEntity(), nil
}

// Websites lists the websites of spaces by name.
func (s *Websites) Websites(ctx context.Context, tenant tenancy.ID, spaces []uuid.UUID) ([]domain.Website, error) {
	if len(spaces) == 0 {
		return []domain.Website{}, nil
	}
	var rows []websiteRow
	if err := s.selectWebsites(ctx, &rows, tenant).Where("w.space_id IN (?)", bun.In(spaces)).OrderExpr("lower(w.name), w.id").Scan(ctx); err != nil {
		return nil, fmt.Errorf("select websites: %w", err)
	}
	out := make([]domain.Website, len(rows))
	for i, r := range rows {
		out[i] = r.toEntity()
	}
	return out, nil
}

// UpdateWebsite stores a website's settings and its collection's name.
func (s *Websites) UpdateWebsite(ctx context.Context, w domain.Website) error {
	return postgres.NewTransactor(s.db).InTx(ctx, func(ctx context.Context) error {
		row := toWebsiteRow(w)
		res, err := postgres.Conn(ctx, s.db).NewUpdate().Model(&row).
			Column("name", "url", "crawl_type", "update_interval", "download_files", "http_auth_username", "http_auth_password", "next_run_at", "updated_at").
			Where("tenant_id = ?", w.Tenant.UUID).WherePK().Exec(ctx)
		if err := postgres.Affected(res, err, domain.ErrWebsiteNotFound); err != nil {
			return err
		}
		return s.k.RenameCollection(ctx, w.Tenant, w.ID, w.Name)
	})
}

// InsertRun stores a queued run; the open-run index refuses a second.
func (s *Websites) InsertRun(ctx context.Context, r domain.CrawlRun) error {
	row := toRunRow(r)
	_, err := postgres.Conn(ctx, s.db).NewInsert().Model(&row).Exec(ctx)
	if postgres.IsUniqueViolation(err, "crawl_runs_open_key") {
		return domain.ErrCrawlRunning
	}
	if postgres.IsForeignKeyViolation(err) {
		return domain.ErrWebsiteNotFound
	}
	if err != nil {
		return fmt.Errorf("insert crawl run: %w", err)
	}
	return nil
}

// Run loads one run.
func (s *Websites) Run(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.CrawlRun, error) {
	var row runRow
	err := postgres.Conn(ctx, s.db).NewSelect().Model(&row).Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Scan(ctx)
	return runResult(row, err)
}

func runResult(row runRow, err error) (domain.CrawlRun, error) {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.CrawlRun{}, domain.ErrCrawlRunNotFound
	}
	if err != nil {
		return domain.CrawlRun{}, fmt.Errorf("select crawl run: %w", err)
	}
	return row.toEntity(), nil
}

// OpenRun loads the website's queued or running run.
func (s *Websites) OpenRun(ctx context.Context, tenant tenancy.ID, website uuid.UUID) (domain.CrawlRun, error) {
	var row runRow
	err := postgres.Conn(ctx, s.db).NewSelect().Model(&row).Where("tenant_id = ?", tenant.UUID).Where("website_id = ?", website).
		Where("status IN ('queued', 'in_progress')").Scan(ctx)
	return runResult(row, err)
}

// Runs lists a website's runs, newest first.
func (s *Websites) Runs(ctx context.Context, tenant tenancy.ID, website uuid.UUID, limit int) ([]domain.CrawlRun, error) {
	var rows []runRow
	err := postgres.Conn(ctx, s.db).NewSelect().Model(&rows).Where("tenant_id = ?", tenant.UUID).Where("website_id = ?", website).
		OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select crawl runs: %w", err)
	}
	out := make([]domain.CrawlRun, len(rows))
	for i, r := range rows {
		out[i] = r.toEntity()
	}
	return out, nil
}

// StartRun marks an open run as running.
func (s *Websites) StartRun(ctx context.Context, tenant tenancy.ID, id uuid.UUID, at time.Time) error {
	res, err := postgres.Conn(ctx, s.db).NewUpdate().Table("crawl_runs").Set("status = 'in_progress'").Set("started_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Where("status IN ('queued', 'in_progress')").Exec(ctx)
	return postgres.Affected(res, err, domain.ErrCrawlRunNotFound)
}

// SaveRunCounts stores a run's counts and failures.
func (s *Websites) SaveRunCounts(ctx context.Context, r domain.CrawlRun) error {
	row := toRunRow(r)
	res, err := postgres.Conn(ctx, s.db).NewUpdate().Model(&row).
		Column("pages_crawled", "pages_failed", "files_downloaded", "files_failed", "pages_unchanged", "pages_removed", "failure_summary", "failures", "stopped").
		Where("tenant_id = ?", r.Tenant.UUID).WherePK().Exec(ctx)
	return postgres.Affected(res, err, domain.ErrCrawlRunNotFound)
}

// EndRun records the final status of an open run.
func (s *Websites) EndRun(ctx context.Context, tenant tenancy.ID, id uuid.UUID, status domain.RunStatus, message string, at time.Time) (bool, error) {
	res, err := postgres.Conn(ctx, s.db).NewUpdate().Table("crawl_runs").Set("status = ?", string(status)).Set("message = ?", message).
		Set("finished_at = ?", at).Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Where("status IN ('queued', 'in_progress')").Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("end crawl run %s: %w", id, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// RecordOutcome stores the website's last success, failures and next run.
func (s *Websites) RecordOutcome(ctx context.Context, w domain.Website) error {
	row := toWebsiteRow(w)
	res, err := postgres.Conn(ctx, s.db).NewUpdate().Model(&row).Column("last_success_at", "consecutive_failures", "next_run_at").
		Where("tenant_id = ?", w.Tenant.UUID).WherePK().Exec(ctx)
	return postgres.Affected(res, err, domain.ErrWebsiteNotFound)
}

// ClaimDue takes up to limit due websites, pushing their next run a lease
// ahead in the same statement; rows another scheduler holds are skipped.
// It is the scheduler's, so it spans tenants; each row keeps its own.
func (s *Websites) ClaimDue(ctx context.Context, now time.Time, lease time.Duration, limit int) ([]domain.Website, error) {
	var rows []websiteRow
	err := postgres.Conn(ctx, s.db).NewRaw(`WITH claimed AS (
			UPDATE websites SET next_run_at = ? WHERE id IN (
				SELECT id FROM websites WHERE next_run_at <= ? ORDER BY next_run_at LIMIT ? FOR UPDATE SKIP LOCKED)
			RETURNING *)
		SELECT w.*, c.embedding_model_id, c.chunk_count AS chunks,
			(SELECT count(*) FROM info_blobs b WHERE b.tenant_id = w.tenant_id AND b.collection_id = w.id) AS pages
		FROM claimed w JOIN collections c ON c.tenant_id = w.tenant_id AND c.id = w.id`, now.Add(lease), now, limit).Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("claim due websites: %w", err)
	}
	out := make([]domain.Website, len(rows))
	for i, r := range rows {
		out[i] = r.toEntity()
	}
	return out, nil
}

// Pages maps a website's page URLs to their blobs.
func (s *Websites) Pages(ctx context.Context, tenant tenancy.ID, website uuid.UUID) (map[string]domain.InfoBlob, error) {
	var rows []blobRow
	err := postgres.Conn(ctx, s.db).NewSelect().Model(&rows).Where("tenant_id = ?", tenant.UUID).Where("collection_id = ?", website).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select the pages of website %s: %w", website, err)
	}
	out := make(map[string]domain.InfoBlob, len(rows))
	for _, r := range rows {
		out[r.Source] = r.toEntity()
	}
	return out, nil
}

// UpdateBlobContent stores a changed page's title, hash, size and type.
func (s *Websites) UpdateBlobContent(ctx context.Context, b domain.InfoBlob) error {
	res, err := postgres.Conn(ctx, s.db).NewUpdate().Table("info_blobs").Set("title = ?", b.Title).Set("sha256 = ?", b.SHA256).
		Set("size = ?", b.Size).Set("mimetype = ?", b.MimeType).Set("status = 'queued'").Set("updated_at = ?", b.UpdatedAt).
		Where("tenant_id = ?", b.Tenant.UUID).Where("id = ?", b.ID).Exec(ctx)
	if postgres.IsUniqueViolation(err, "") {
		return errors.New("the same content as another page of the site")
	}
	return postgres.Affected(res, err, domain.ErrBlobNotFound)
}

var _ application.WebsiteRepo = (*Websites)(nil)
