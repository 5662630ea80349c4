// Package infrastructure stores assistants in PostgreSQL and adapts the
// spaces and models modules to the assistants module's ports.
package infrastructure

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/assistants/application"
	"github.com/agora-platform/agora/internal/assistants/domain"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// retrieval are an assistant's retrieval_* columns.
type retrieval struct {
	Mode     string    `bun:"mode"`
	TopK     int       `bun:"top_k"`
	MinScore float64   `bun:"min_score"`
	Rerank   uuid.UUID `bun:"rerank_model_id,type:uuid,nullzero"`
}

type assistantRow struct {
	bun.BaseModel `bun:"table:assistants,alias:a"`

	ID          uuid.UUID   `bun:"id,pk,type:uuid"`
	TenantID    uuid.UUID   `bun:"tenant_id,type:uuid"`
	SpaceID     uuid.UUID   `bun:"space_id,type:uuid"`
	Name        string      `bun:"name"`
	Description string      `bun:"description"`
	ModelID     uuid.UUID   `bun:"completion_model_id,type:uuid"`
	Temperature *float64    `bun:"temperature"`
	MaxTokens   *int        `bun:"max_tokens"`
	Retrieval   retrieval   `bun:"embed:retrieval_"`
	Starters    []string    `bun:"starter_questions,array"`
	Published   bool        `bun:"published"`
	CreatedBy   uuid.UUID   `bun:"created_by,type:uuid"`
	CreatedAt   time.Time   `bun:"created_at"`
	UpdatedAt   time.Time   `bun:"updated_at"`
	Prompt      string      `bun:"prompt,scanonly"`
	Groups      []uuid.UUID `bun:"groups,array,scanonly"`
	Websites    []uuid.UUID `bun:"websites,array,scanonly"`
}

func (r assistantRow) toEntity() domain.Assistant {
	return domain.Assistant{ID: r.ID, Tenant: tenancy.ID{UUID: r.TenantID}, Space: r.SpaceID, Name: r.Name, Description: r.Description,
		Model: r.ModelID, Kwargs: domain.Kwargs{Temperature: r.Temperature, MaxTokens: r.MaxTokens}, Prompt: r.Prompt,
		Groups: r.Groups, Websites: r.Websites, Retrieval: domain.Retrieval(r.Retrieval), Starters: r.Starters, Published: r.Published, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

// Repo is the PostgreSQL assistant store.
type Repo struct{ db *bun.DB }

// NewRepo returns a Repo on db.
func NewRepo(db *bun.DB) *Repo { return &Repo{db: db} }

func (r *Repo) selectAssistants(ctx context.Context, rows any, tenant tenancy.ID) *bun.SelectQuery {
	return postgres.Conn(ctx, r.db).NewSelect().Model(rows).ColumnExpr("a.*").
		ColumnExpr("coalesce((SELECT p.text FROM assistant_prompts p WHERE p.tenant_id = a.tenant_id AND p.assistant_id = a.id AND p.selected), '') AS prompt").
		ColumnExpr("ARRAY(SELECT k.knowledge_id FROM assistant_knowledge k WHERE k.tenant_id = a.tenant_id AND k.assistant_id = a.id AND k.kind = 'group' ORDER BY k.knowledge_id) AS groups").
		ColumnExpr("ARRAY(SELECT k.knowledge_id FROM assistant_knowledge k WHERE k.tenant_id = a.tenant_id AND k.assistant_id = a.id AND k.kind = 'website' ORDER BY k.knowledge_id) AS websites").
		Where("a.tenant_id = ?", tenant.UUID)
}

func toRow(a domain.Assistant) assistantRow {
	return assistantRow{ID: a.ID, TenantID: a.Tenant.UUID, SpaceID: a.Space, Name: a.Name, Description: a.Description, ModelID: a.Model,
		Temperature: a.Kwargs.Temperature, MaxTokens: a.Kwargs.MaxTokens, Retrieval: retrieval(a.Retrieval),
		Starters: nonNilStrings(a.Starters), Published: a.Published, CreatedBy: a.CreatedBy,
		CreatedAt: a.CreatedAt, UpdatedAt: a.UpdatedAt}
}

// Insert stores an assistant with its first prompt and its knowledge.
func (r *Repo) Insert(ctx context.Context, a domain.Assistant, p domain.Prompt) error {
	row := toRow(a)
	if _, err := postgres.Conn(ctx, r.db).NewInsert().Model(&row).Exec(ctx); err != nil {
		return fmt.Errorf("insert assistant: %w", err)
	}
	if err := r.AddPrompt(ctx, a.Tenant, a.ID, p); err != nil {
		return err
	}
	return r.setKnowledge(ctx, a)
}

func (r *Repo) setKnowledge(ctx context.Context, a domain.Assistant) error {
	db := postgres.Conn(ctx, r.db)
	if _, err := db.NewDelete().TableExpr("assistant_knowledge").Where("tenant_id = ?", a.Tenant.UUID).Where("assistant_id = ?", a.ID).Exec(ctx); err != nil {
		return fmt.Errorf("clear knowledge: %w", err)
	}
	for kind, ids := range map[string][]uuid.UUID{"group": a.Groups, "website": a.Websites} {
		for _, id := range ids {
			_, err := db.NewRaw("INSERT INTO assistant_knowledge (tenant_id, assistant_id, kind, knowledge_id) VALUES (?, ?, ?, ?)",
				a.Tenant.UUID, a.ID, kind, id).Exec(ctx)
			if err != nil {
				return fmt.Errorf("add knowledge: %w", err)
			}
		}
	}
	return nil
}

// Get loads an assistant of the tenant.
func (r *Repo) Get(ctx context.Context, tenant tenancy.ID, id uuid.UUID) (domain.Assistant, error) {
	var row assistantRow
	err := r.selectAssistants(ctx, &row, tenant).Where("a.id = ?", id).Scan(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Assistant{}, domain.ErrNotFound
	}
	if err != nil {
		return domain.Assistant{}, fmt.Errorf("select assistant: %w", err)
	}
	return row.toEntity(), nil
}

// ListInSpaces lists the assistants of the given spaces, oldest first.
func (r *Repo) ListInSpaces(ctx context.Context, tenant tenancy.ID, spaces []uuid.UUID) ([]domain.Assistant, error) {
	if len(spaces) == 0 {
		return nil, nil
	}
	var rows []assistantRow
	err := r.selectAssistants(ctx, &rows, tenant).Where("a.space_id IN (?)", bun.In(spaces)).OrderExpr("a.created_at, a.id").Scan(ctx)
	if err != nil {
		return nil, fmt.Errorf("select assistants: %w", err)
	}
	out := make([]domain.Assistant, len(rows))
	for i, row := range rows {
		out[i] = row.toEntity()
	}
	return out, nil
}

// Update stores an assistant's fields and knowledge.
func (r *Repo) Update(ctx context.Context, a domain.Assistant) error {
	row := toRow(a)
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Model(&row).
		Column("name", "description", "completion_model_id", "temperature", "max_tokens", "retrieval_mode", "retrieval_top_k",
			"retrieval_min_score", "retrieval_rerank_model_id", "starter_questions", "published", "updated_at").
		Where("tenant_id = ?", a.Tenant.UUID).WherePK().Exec(ctx)
	if err != nil {
		return fmt.Errorf("update assistant: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return r.setKnowledge(ctx, a)
}

// AddPrompt stores a new selected prompt and unselects the others.
func (r *Repo) AddPrompt(ctx context.Context, tenant tenancy.ID, assistant uuid.UUID, p domain.Prompt) error {
	db := postgres.Conn(ctx, r.db)
	if _, err := db.NewUpdate().Table("assistant_prompts").Set("selected = false").
		Where("tenant_id = ?", tenant.UUID).Where("assistant_id = ?", assistant).Where("selected").Exec(ctx); err != nil {
		return fmt.Errorf("unselect prompts: %w", err)
	}
	_, err := db.NewRaw("INSERT INTO assistant_prompts (id, tenant_id, assistant_id, text, selected, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
		p.ID, tenant.UUID, assistant, p.Text, p.Selected, p.CreatedBy, p.CreatedAt).Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert prompt: %w", err)
	}
	return nil
}

// Prompts returns the prompt history, newest first.
func (r *Repo) Prompts(ctx context.Context, tenant tenancy.ID, assistant uuid.UUID) ([]domain.Prompt, error) {
	var ps []domain.Prompt
	err := postgres.Conn(ctx, r.db).NewSelect().Table("assistant_prompts").
		ColumnExpr("id AS id, text AS text, selected AS selected, created_by AS created_by, created_at AS created_at").
		Where("tenant_id = ?", tenant.UUID).Where("assistant_id = ?", assistant).OrderExpr("created_at DESC, id DESC").Scan(ctx, &ps)
	if err != nil {
		return nil, fmt.Errorf("select prompts: %w", err)
	}
	return ps, nil
}

// Delete removes an assistant; prompts, knowledge and keys go with it.
func (r *Repo) Delete(ctx context.Context, tenant tenancy.ID, id uuid.UUID) error {
	res, err := postgres.Conn(ctx, r.db).NewDelete().TableExpr("assistants").Where("tenant_id = ?", tenant.UUID).Where("id = ?", id).Exec(ctx)
	if err != nil {
		return fmt.Errorf("delete assistant: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// InsertKey stores an assistant key's record and HMAC.
func (r *Repo) InsertKey(ctx context.Context, tenant tenancy.ID, k application.Key, hash []byte) error {
	_, err := postgres.Conn(ctx, r.db).NewRaw(`INSERT INTO assistant_api_keys (id, tenant_id, assistant_id, name, prefix, key_hash, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, k.ID, tenant.UUID, k.Assistant, k.Name, k.Prefix, hash, k.CreatedBy, k.CreatedAt).Exec(ctx)
	if err != nil {
		return fmt.Errorf("insert assistant key: %w", err)
	}
	return nil
}

type keyRow struct {
	ID          uuid.UUID    `bun:"id"`
	AssistantID uuid.UUID    `bun:"assistant_id"`
	Name        string       `bun:"name"`
	Prefix      string       `bun:"prefix"`
	CreatedBy   uuid.UUID    `bun:"created_by"`
	CreatedAt   time.Time    `bun:"created_at"`
	LastUsedAt  bun.NullTime `bun:"last_used_at"`
	RevokedAt   bun.NullTime `bun:"revoked_at"`
}

// Keys lists an assistant's keys, newest first.
func (r *Repo) Keys(ctx context.Context, tenant tenancy.ID, assistant uuid.UUID) ([]application.Key, error) {
	var rows []keyRow
	err := postgres.Conn(ctx, r.db).NewSelect().Table("assistant_api_keys").
		Column("id", "assistant_id", "name", "prefix", "created_by", "created_at", "last_used_at", "revoked_at").
		Where("tenant_id = ?", tenant.UUID).Where("assistant_id = ?", assistant).OrderExpr("created_at DESC, id DESC").Scan(ctx, &rows)
	if err != nil {
		return nil, fmt.Errorf("list keys of assistant %s: %w", assistant, err)
	}
	out := make([]application.Key, len(rows))
	for i, row := range rows {
		out[i] = application.Key{ID: row.ID, Assistant: row.AssistantID, Name: row.Name, Prefix: row.Prefix, CreatedBy: row.CreatedBy,
			CreatedAt: row.CreatedAt, LastUsedAt: row.LastUsedAt.Time, RevokedAt: row.RevokedAt.Time}
	}
	return out, nil
}

// RevokeKey revokes a live key of an assistant.
func (r *Repo) RevokeKey(ctx context.Context, tenant tenancy.ID, assistant, id uuid.UUID, at time.Time) error {
	res, err := postgres.Conn(ctx, r.db).NewUpdate().Table("assistant_api_keys").Set("revoked_at = ?", at).
		Where("tenant_id = ?", tenant.UUID).Where("assistant_id = ?", assistant).Where("id = ?", id).Where("revoked_at IS NULL").Exec(ctx)
	return postgres.Affected(res, err, domain.ErrKeyNotFound)
}

// KeyByHash finds an unrevoked assistant key by its HMAC.
func (r *Repo) KeyByHash(ctx context.Context, hash []byte) (tenancy.ID, application.Key, error) {
	var row struct {
		ID          uuid.UUID `bun:"id"`
		TenantID    uuid.UUID `bun:"tenant_id"`
		AssistantID uuid.UUID `bun:"assistant_id"`
		Name        string    `bun:"name"`
		Prefix      string    `bun:"prefix"`
		CreatedBy   uuid.UUID `bun:"created_by"`
		CreatedAt   time.Time `bun:"created_at"`
	}
	err := postgres.Conn(ctx, r.db).NewSelect().Table("assistant_api_keys").
		Column("id", "tenant_id", "assistant_id", "name", "prefix", "created_by", "created_at").
		Where("key_hash = ?", hash).Where("revoked_at IS NULL").Scan(ctx, &row)
	if errors.Is(err, sql.ErrNoRows) {
		return tenancy.ID{}, application.Key{}, domain.ErrKeyNotFound
	}
	if err != nil {
		return tenancy.ID{}, application.Key{}, fmt.Errorf("select assistant key: %w", err)
	}
	return tenancy.ID{UUID: row.TenantID}, application.Key{ID: row.ID, Assistant: row.AssistantID, Name: row.Name, Prefix: row.Prefix,
		CreatedBy: row.CreatedBy, CreatedAt: row.CreatedAt}, nil
}

func nonNilStrings(ss []string) []string {
	if ss == nil {
		return []string{}
	}
	return ss
}
