package postgres_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/tenancy"
	"github.com/agora-platform/agora/internal/platform/testkit"
)

// space inserts a space of tenant as the owner and returns its id.
func space(t *testing.T, tenant tenancy.ID) uuid.UUID {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	_, err := testkit.DB(t).ExecContext(t.Context(),
		"INSERT INTO spaces (id, tenant_id, name, kind) VALUES (?, ?, ?, 'shared')", id, tenant.UUID, "RLS "+id.String())
	require.NoError(t, err)
	return id
}

// TestRowLevelSecurityKeepsAForgetfulQueryToItsTenant is the second line
// of tenant isolation: a query without its tenant condition, run in a
// unit of work of tenant B as the application's role, sees none of tenant
// A's rows, inside a transaction and out of one, and cannot write one.
func TestRowLevelSecurityKeepsAForgetfulQueryToItsTenant(t *testing.T) {
	t.Parallel()
	app := testkit.AppDB(t)
	a, b := testkit.Tenant(t), testkit.Tenant(t)
	spaceA, spaceB := space(t, a), space(t, b)
	both := bun.In([]uuid.UUID{spaceA, spaceB})

	forgetful := func(ctx context.Context) []uuid.UUID {
		var ids []uuid.UUID
		err := postgres.Conn(ctx, app).NewSelect().Table("spaces").Column("id").Where("id IN (?)", both).Order("id").Scan(ctx, &ids)
		require.NoError(t, err)
		return ids
	}
	inB := tenancy.With(t.Context(), b)
	require.Equal(t, []uuid.UUID{spaceB}, forgetful(inB), "outside a transaction")
	require.NoError(t, postgres.NewTransactor(app).InTx(inB, func(ctx context.Context) error {
		require.Equal(t, []uuid.UUID{spaceB}, forgetful(ctx), "inside a transaction")
		return nil
	}))
	require.Equal(t, []uuid.UUID{spaceA}, forgetful(tenancy.With(t.Context(), a)))
	require.Equal(t, []uuid.UUID{spaceA, spaceB}, forgetful(t.Context()), "system work sees every tenant")

	res, err := postgres.Conn(inB, app).NewUpdate().Table("spaces").Set("name = 'taken'").Where("id = ?", spaceA).Exec(inB)
	require.NoError(t, err)
	n, _ := res.RowsAffected()
	require.Zero(t, n, "tenant B updated tenant A's space")
	_, err = app.ExecContext(inB, "INSERT INTO spaces (id, tenant_id, name, kind) VALUES (?, ?, 'planted', 'shared')", uuid.New(), a.UUID)
	require.ErrorContains(t, err, "row-level security")

	// The owner, which migrations run as, is not bound by the policies.
	var n2 int
	require.NoError(t, testkit.DB(t).NewSelect().Table("spaces").ColumnExpr("count(*)").Where("id IN (?)", both).Scan(inB, &n2))
	require.Equal(t, 2, n2)
}

// TestScopeLastsOneUnitOfWork checks that the scope is transaction-local:
// after a scoped statement the connection carries no scope to its next
// user (what makes it safe behind a pooler in transaction mode).
func TestScopeLastsOneUnitOfWork(t *testing.T) {
	t.Parallel()
	app, err := postgres.Open(t.Context(), testkit.AppDatabaseURL(t), postgres.Options{MaxOpenConns: 1, MaxIdleConns: 1, Scoped: true})
	require.NoError(t, err)
	t.Cleanup(func() { _ = app.Close() })
	tenant := testkit.Tenant(t)
	ctx := tenancy.With(t.Context(), tenant)

	var seen string
	require.NoError(t, app.NewRaw("SELECT current_setting('app.scope', true)").Scan(ctx, &seen))
	require.Equal(t, tenant.String(), seen)
	require.NoError(t, app.NewRaw("SELECT current_setting('app.scope', true)").Scan(t.Context(), &seen))
	require.Equal(t, postgres.AllTenants, seen)

	conn, err := app.Conn(ctx)
	require.NoError(t, err)
	defer conn.Close()
	_, err = conn.ExecContext(ctx, "SELECT 1")
	require.NoError(t, err)
	require.NoError(t, conn.Raw(func(dc any) error {
		c := dc.(interface{ Pgx() *pgx.Conn })
		return c.Pgx().QueryRow(t.Context(), "SELECT coalesce(current_setting('app.scope', true), '')").Scan(&seen)
	}))
	require.Empty(t, seen, "the scope outlived its statement")
}

// TestEveryTenantTableHasItsPolicy guards tables added later: each table
// with a tenant_id has row-level security enabled and a policy.
func TestEveryTenantTableHasItsPolicy(t *testing.T) {
	t.Parallel()
	var bare []string
	err := testkit.DB(t).NewRaw(`SELECT c.relname FROM pg_class c
		JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
		JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
		WHERE c.relkind = 'r' AND c.relname NOT LIKE 't\_%'
		  AND (NOT c.relrowsecurity OR NOT EXISTS (SELECT 1 FROM pg_policy p WHERE p.polrelid = c.oid))
		ORDER BY 1`).Scan(t.Context(), &bare)
	require.NoError(t, err)
	require.Empty(t, bare, "tables with a tenant_id but no row-level security; add them to a migration like 20261207300003")
}

// TestTheApplicationRoleIsBoundByThePolicies checks the roles `make test`
// uses are the ones the product needs, and that full-text search keeps
// its index under the policies.
func TestTheApplicationRoleIsBoundByThePolicies(t *testing.T) {
	t.Parallel()
	why, err := postgres.Exemption(t.Context(), testkit.AppDB(t))
	require.NoError(t, err)
	require.Empty(t, why)
	why, err = postgres.Exemption(t.Context(), testkit.DB(t))
	require.NoError(t, err)
	require.Contains(t, why, "owns the tables")
	usable, err := postgres.FullTextIndexUsable(t.Context(), testkit.AppDB(t))
	require.NoError(t, err)
	require.True(t, usable, "ts_match_vq is not leakproof: `make services` marks it")
}

// TestScopedStatementsReadEveryType reads one row of each column type the
// product stores through the scoped connection (text format) and the
// owner's (pgx's binary one): both must scan alike.
func TestScopedStatementsReadEveryType(t *testing.T) {
	t.Parallel()
	type row struct {
		B    bool               `bun:"b"`
		I    int                `bun:"i"`
		I8   int64              `bun:"i8"`
		F    float64            `bun:"f"`
		R    float32            `bun:"r"`
		N    string             `bun:"n"`
		T    time.Time          `bun:"t"`
		D    time.Time          `bun:"d"`
		U    uuid.UUID          `bun:"u"`
		J    map[string]any     `bun:"j,type:jsonb"`
		A    []string           `bun:"a,array"`
		By   []byte             `bun:"by"`
		V    pgvector.Vector    `bun:"v"`
		Null sql.NullString     `bun:"null"`
		Tx   string             `bun:"tx"`
		M    map[string]float64 `bun:"m,type:json"`
	}
	q := `SELECT true AS b, 42 AS i, 9007199254740993::int8 AS i8, 0.1::float8 AS f, 1.5::float4 AS r, 12.50::numeric AS n,
		'2026-12-07 10:53:11.123456+00'::timestamptz AS t, '2026-12-07'::date AS d, '019b0000-0000-7000-8000-0000000000aa'::uuid AS u,
		'{"a": [1, "x"], "b": null}'::jsonb AS j, ARRAY['a,b', 'c"d', NULL]::text[] AS a, '\x00ff10'::bytea AS by,
		'[1,2.5,-3]'::vector AS v, NULL::text AS null, E'line\nnext' AS tx, '{"x": 0.5}'::json AS m`
	var owner, scoped row
	require.NoError(t, testkit.DB(t).NewRaw(q).Scan(t.Context(), &owner))
	require.NoError(t, testkit.AppDB(t).NewRaw(q).Scan(t.Context(), &scoped))
	require.True(t, owner.T.Equal(scoped.T), "%v vs %v", owner.T, scoped.T)
	owner.T, scoped.T = time.Time{}, time.Time{}
	require.True(t, owner.D.Equal(scoped.D), "%v vs %v", owner.D, scoped.D)
	owner.D, scoped.D = time.Time{}, time.Time{}
	require.Equal(t, owner, scoped)
	require.Equal(t, []byte{0, 0xff, 0x10}, scoped.By)
	require.Equal(t, []float32{1, 2.5, -3}, scoped.V.Slice())

	var ts time.Time
	var n int64
	require.NoError(t, testkit.AppDB(t).DB.QueryRowContext(t.Context(), "SELECT now(), $1::int8 + 1", int64(41)).Scan(&ts, &n))
	require.WithinDuration(t, time.Now(), ts, time.Minute)
	require.EqualValues(t, 42, n)
}
