// Package infrastructure stores chat attachments' records and text in
// PostgreSQL (their bytes are in platform/blobstore) and adapts the tenants
// and models modules to the files module's ports.
package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/files/domain"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

type fileRow struct {
	bun.BaseModel `bun:"table:files,alias:f"`

	ID        uuid.UUID `bun:"id,pk,type:uuid"`
	TenantID  uuid.UUID `bun:"tenant_id,type:uuid"`
	UserID    uuid.UUID `bun:"user_id,type:uuid"`
	Name      string    `bun:"name"`
	MimeType  string    `bun:"mimetype"`
	Size      int64     `bun:"size"`
	SHA256    string    `bun:"sha256"`
	Text      string    `bun:"text"`
	Chars     int       `bun:"chars"`
	CreatedAt time.Time `bun:"created_at"`
}

func (r fileRow) toEntity() domain.File {
	return domain.File{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, User: r.UserID, Name: r.Name, MimeType: r.MimeType,
		Size: r.Size, SHA256: r.SHA256, Chars: r.Chars, CreatedAt: r.CreatedAt}
}

// Repo is the PostgreSQL file store.
type Repo struct{ db *bun.DB }

// NewRepo returns a Repo on db.
func NewRepo(db *bun.DB) *Repo { return &Repo{db: db} }

// listed are the columns of a file without its text.
var listed = []string{"id", "tenant_id", "user_id", "name", "mimetype", "size", "sha256", "chars", "created_at"}

// Insert stores a file and its text.
func (r *Repo) Insert(ctx context.Context, f domain.File, text string) error {
	row := fileRow{ID: f.ID, TenantID: f.Tenant.UUID, UserID: f.User, Name: f.Name, MimeType: f.MimeType, Size: f.Size,
		SHA256: f.SHA256, Text: text, Chars: f.Chars, CreatedAt: f.CreatedAt}
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert file: %w", err)
	}
	return nil
}

// Get loads one of a user's files, without its text.
func (r *Repo) Get(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) (domain.File, error) {
	var row fileRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&row).Column(listed...).
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Where("id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.File{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.File{}, fmt.Errorf("select file: %w", err)
	}
	return row.toEntity(), nil
}

// List returns a user's files, newest first, without their text.
func (r *Repo) List(ctx context.Context, tenant tenancy.ID, user uuid.UUID, limit int) ([]domain.File, error) {
	var rows []fileRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Column(listed...).
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).OrderExpr("created_at DESC, id DESC").Limit(int64(limit)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select files: %w", err)
	}
	out := make([]domain.File, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// Delete removes one of a user's files.
func (r *Repo) Delete(ctx context.Context, tenant tenancy.ID, user, id uuid.UUID) error {
	res, err := postgres.Conn(ctx, r.db).NewDelete().TableExpr("files").
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Where("id = ?", id).Exec(ctx)
	return postgres.Affected(res, err, domain.ErrNotFound)
}

// Attachments returns the text of the user's files among ids.
func (r *Repo) Attachments(ctx context.Context, tenant tenancy.ID, user uuid.UUID, ids []uuid.UUID) ([]domain.Attachment, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var rows []fileRow
	err := postgres.Conn(ctx, r.db).NewSelect().Model(&rows).Column("id", "name", "text").
		Where("tenant_id = ?", tenant.UUID).Where("user_id = ?", user).Where("id IN (?)", bun.In(ids)).Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select attachments: %w", err)
	}
	out := make([]domain.Attachment, len(rows))
	for i, row := range rows {
		out[i] = domain.Attachment{ID: row.ID, Name: row.Name, Text: row.Text}
	}
	return out, nil
}

// UsedBytes sums the sizes of the tenant's attachments and documents.
func (r *Repo) UsedBytes(ctx context.Context, tenant tenancy.ID) (int64, error) {
	var n int64
	err := postgres.Conn(ctx, r.db).NewRaw(`SELECT (SELECT coalesce(sum(size), 0) FROM files WHERE tenant_id = ?0)
		+ (SELECT coalesce(sum(size), 0) FROM info_blobs WHERE tenant_id = ?0)`, tenant.UUID).Scan(ctx, &n)
	if err != nil {
		return 0, fmt.Errorf("sum file sizes: %w", err)
	}
	return n, nil
}
