package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"
	"github.com/pgvector/pgvector-go"
	"github.com/stretchr/testify/require"
	"github.com/uptrace/bun"

	"github.com/agora-platform/agora/internal/platform/errs"
	"github.com/agora-platform/agora/internal/platform/postgres"
	"github.com/agora-platform/agora/internal/platform/testkit"
	"github.com/agora-platform/agora/migrations"
)

// tempTable creates a table of this test that is dropped afterwards.
func tempTable(t *testing.T, db *bun.DB, columns string) string {
	t.Helper()
	name := "t_" + strings.ReplaceAll(uuid.NewString(), "-", "")
	_, err := db.ExecContext(context.Background(), fmt.Sprintf("CREATE TABLE %s (%s)", name, columns))
	require.NoError(t, err)
	t.Cleanup(func() { _, _ = db.ExecContext(context.Background(), "DROP TABLE "+name) })
	return name
}

// TestVectorHNSWCosine proves pgvector is installed, the vector type round
// trips through bun, and an HNSW cosine index answers nearest-neighbour
// queries in the right order.
func TestVectorHNSWCosine(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	ctx := context.Background()

	_, err := db.ExecContext(ctx, "CREATE EXTENSION IF NOT EXISTS vector")
	require.NoError(t, err)
	var version string
	require.NoError(t, db.QueryRowContext(ctx, "SELECT extversion FROM pg_extension WHERE extname = 'vector'").Scan(&version))
	require.True(t, version >= "0.8", "pgvector %s is older than 0.8 (iterative scans)", version)

	table := tempTable(t, db, "id int PRIMARY KEY, embedding vector(3) NOT NULL")
	rows := map[int][]float32{1: {1, 0, 0}, 2: {0.9, 0.1, 0}, 3: {0, 1, 0}, 4: {0, 0, 1}, 5: {-1, 0, 0}}
	for id, v := range rows {
		_, err := db.ExecContext(ctx, "INSERT INTO "+table+" (id, embedding) VALUES (?, ?)", id, pgvector.NewVector(v))
		require.NoError(t, err)
	}
	_, err = db.ExecContext(ctx, fmt.Sprintf("CREATE INDEX ON %s USING hnsw (embedding vector_cosine_ops)", table))
	require.NoError(t, err)

	query := pgvector.NewVector([]float32{1, 0.05, 0})
	err = db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
		if _, err := tx.ExecContext(ctx, "SET LOCAL enable_seqscan = off"); err != nil {
			return err
		}
		var plan []string
		if err := tx.NewRaw(fmt.Sprintf("EXPLAIN SELECT id FROM %s ORDER BY embedding <=> ? LIMIT 3", table), query).Scan(ctx, &plan); err != nil {
			return err
		}
		require.Contains(t, strings.Join(plan, "\n"), "_embedding_idx", "the HNSW index is not used")

		var got []struct {
			ID        int
			Distance  float64
			Embedding pgvector.Vector
		}
		err := tx.NewRaw(fmt.Sprintf("SELECT id, embedding <=> ? AS distance, embedding FROM %s ORDER BY embedding <=> ? LIMIT 3", table), query, query).Scan(ctx, &got)
		if err != nil {
			return err
		}
		require.Len(t, got, 3)
		require.Equal(t, []int{1, 2, 3}, []int{got[0].ID, got[1].ID, got[2].ID})
		require.Less(t, got[0].Distance, got[1].Distance)
		require.Equal(t, rows[got[1].ID], got[1].Embedding.Slice(), "vectors round trip unchanged")
		return nil
	})
	require.NoError(t, err)
}

func TestTransactorCommitsRollsBackAndNests(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	ctx := context.Background()
	table := tempTable(t, db, "v text")
	tr := postgres.NewTransactor(db)
	insert := func(ctx context.Context, v string) error {
		_, err := postgres.Conn(ctx, db).ExecContext(ctx, "INSERT INTO "+table+" (v) VALUES (?)", v)
		return err
	}
	count := func() int64 {
		n, err := db.NewSelect().Table(table).Count(ctx)
		require.NoError(t, err)
		return n
	}

	require.NoError(t, tr.InTx(ctx, func(ctx context.Context) error { return insert(ctx, "a") }))
	require.EqualValues(t, 1, count())

	boom := errors.New("boom")
	err := tr.InTx(ctx, func(ctx context.Context) error {
		require.NoError(t, insert(ctx, "b"))
		// The nested call joins the outer transaction, so the outer
		// failure undoes its insert too.
		require.NoError(t, tr.InTx(ctx, func(ctx context.Context) error { return insert(ctx, "c") }))
		return boom
	})
	require.ErrorIs(t, err, boom)
	require.EqualValues(t, 1, count(), "the failed transaction left rows behind")
}

// TestMigrateConcurrently runs migrate twice at once: the advisory lock
// serialises them, and both succeed with nothing left to apply.
func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	all, err := migrations.All()
	require.NoError(t, err)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = postgres.Migrate(context.Background(), db, all)
		}()
	}
	wg.Wait()
	require.NoError(t, errs[0])
	require.NoError(t, errs[1])
	applied, err := postgres.Migrate(context.Background(), db, all)
	require.NoError(t, err)
	require.Empty(t, applied, "make test migrates before the tests run")
}

func TestIsUniqueViolation(t *testing.T) {
	t.Parallel()
	db := testkit.DB(t)
	ctx := context.Background()
	table := tempTable(t, db, "v text CONSTRAINT v_key UNIQUE")
	_, err := db.ExecContext(ctx, "INSERT INTO "+table+" (v) VALUES ('x')")
	require.NoError(t, err)
	_, err = db.ExecContext(ctx, "INSERT INTO "+table+" (v) VALUES ('x')")
	require.Error(t, err)
	require.True(t, postgres.IsUniqueViolation(fmt.Errorf("wrapped: %w", err), ""))
	require.False(t, postgres.IsUniqueViolation(err, "other_key"))
	require.False(t, postgres.IsUniqueViolation(errors.New("x"), ""))
}

func TestOpenReportsWhatIsWrong(t *testing.T) {
	t.Parallel()
	_, err := postgres.Open(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable&connect_timeout=2", postgres.Options{MaxOpenConns: 1})
	require.ErrorContains(t, err, "connect to PostgreSQL at nobody@127.0.0.1:1/none")
}

// TestTextTheDatabaseCannotStoreIsInvalid checks the backstop behind the
// HTTP boundary: every way a NUL or invalid UTF-8 reaches PostgreSQL fails
// as errs.Invalid with a message for the client, never as an internal
// error, while other errors stay internal.
func TestTextTheDatabaseCannotStoreIsInvalid(t *testing.T) {
	t.Parallel()
	app, err := postgres.TargetOf(testkit.AppDatabaseURL(t))
	require.NoError(t, err)
	for name, db := range map[string]*bun.DB{"owner": testkit.DB(t), "scoped": testkit.AppDB(t)} {
		table := tempTable(t, testkit.DB(t), "id int PRIMARY KEY, name text NOT NULL, doc jsonb")
		_, err = testkit.DB(t).ExecContext(t.Context(), "GRANT ALL ON "+table+" TO ?", bun.Ident(app.User))
		require.NoError(t, err)
		t.Run(name, func(t *testing.T) { textTheDatabaseCannotStore(t, db, table) })
	}
}

func textTheDatabaseCannotStore(t *testing.T, db *bun.DB, table string) {
	ctx := context.Background()
	const nul = "a text contains a NUL character (U+0000), which is not allowed; remove it and try again"

	var out string
	for name, err := range map[string]error{
		"bun formats a NUL string": func() error {
			_, err := db.ExecContext(ctx, "INSERT INTO "+table+" (id, name) VALUES (?, ?)", 1, "Anna\x00")
			return err
		}(),
		"bun scans with a NUL argument": db.NewSelect().ColumnExpr("?", "x\x00y").Scan(ctx, &out),
		"a NUL parameter": func() error {
			_, err := db.DB.ExecContext(ctx, "INSERT INTO "+table+" (id, name) VALUES ($1, $2)", 2, "Anna\x00")
			return err
		}(),
		"a NUL in a transaction": db.RunInTx(ctx, nil, func(ctx context.Context, tx bun.Tx) error {
			_, err := tx.NewUpdate().TableExpr(table).Set("name = ?", "\x00").Where("id = ?", 1).Exec(ctx)
			return err
		}),
		"\\u0000 in jsonb": func() error {
			_, err := db.ExecContext(ctx, "INSERT INTO "+table+" (id, name, doc) VALUES (?, ?, ?::jsonb)", 3, "ok", `{"title":"a\u0000b"}`)
			return err
		}(),
	} {
		require.Error(t, err, name)
		kind, msg := errs.KindOf(err)
		require.Equal(t, errs.Invalid, kind, "%s: %v", name, err)
		require.Equal(t, nul, msg, name)
	}

	err := db.DB.QueryRowContext(ctx, "SELECT $1::text", "Caf\xe9").Scan(&out)
	kind, msg := errs.KindOf(err)
	require.Equal(t, errs.Invalid, kind, "%v", err)
	require.Equal(t, "a text is not valid UTF-8; send it as UTF-8", msg)

	require.NoError(t, db.NewSelect().ColumnExpr("?", "?!(bun: string contains a NUL byte (0x00))").Scan(ctx, &out), "bun's marker as text is just text")
	require.Equal(t, "?!(bun: string contains a NUL byte (0x00))", out)
	_, err = db.ExecContext(ctx, "SELEC 1")
	kind, _ = errs.KindOf(err)
	require.Equal(t, errs.Internal, kind, "other errors stay internal: %v", err)
	require.True(t, postgres.IsUniqueViolation(func() error {
		_, err := db.ExecContext(ctx, "INSERT INTO "+table+" (id, name) VALUES (?, ?)", 9, "a")
		require.NoError(t, err)
		_, err = db.ExecContext(ctx, "INSERT INTO "+table+" (id, name) VALUES (?, ?)", 9, "b")
		return err
	}(), ""), "the driver's errors are still seen through")
}
