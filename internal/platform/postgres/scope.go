package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/agora-platform/agora/internal/platform/tenancy"
)

// Row-level security (migration 20261207300003) lets the application's
// role see a tenant's rows only when the transaction-local setting
// app.scope holds that tenant's id, and every tenant's rows when it holds
// '*'. A scoped connection sends every statement in one pipeline behind
// set_config('app.scope', <scope>, true), with one Sync: the two form one
// transaction (or belong to the caller's open one), so the setting lasts
// exactly as long as the unit of work and nothing carries over to the
// connection's next user. It costs no extra round trip.

// AllTenants is the scope of system work: sign-in lookups before a tenant
// is known, sweeps across tenants, the sysadmin API, the CLI.
const AllTenants = "*"

// ScopeOf returns the scope statements under ctx run with: the tenant the
// context carries (tenancy.With: the API sets it once a request's
// principal is known, the worker for the job it runs), or AllTenants for
// work that is not a tenant's.
func ScopeOf(ctx context.Context) string {
	if id, ok := tenancy.From(ctx); ok {
		return id.String()
	}
	return AllTenants
}

const (
	setScope = "SELECT set_config('app.scope', $1, true)"
	// scopeStatement is the name setScope is prepared under on every
	// scoped connection.
	scopeStatement = "agora_scope"
	// cachedStatements is how many statements a connection keeps
	// prepared: bun writes values into the query text, so a repeated
	// text (the same user's lookups) skips parsing and planning, and
	// the rest are prepared in the same round trip and forgotten.
	cachedStatements = 256
)

// statements are a scoped connection's prepared statements.
type statements struct {
	scopeReady bool
	byQuery    *simplelru.LRU[string, string]
	counter    int
	// stale are evicted statements to deallocate with the next pipeline.
	stale []string
}

func newStatements() *statements {
	st := &statements{}
	st.byQuery, _ = simplelru.NewLRU(cachedStatements, func(_ string, name string) { st.stale = append(st.stale, name) })
	return st
}

// scopedExec runs query behind the scope and returns its command tag.
func (c guardedConn) scopedExec(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	p, rr, err := c.send(ctx, query, args)
	if err != nil {
		return nil, err
	}
	tag, err := rr.Close()
	if err = finish(p, err); err != nil {
		return nil, classify(query, err)
	}
	return driver.RowsAffected(tag.RowsAffected()), nil
}

// scopedQuery runs query behind the scope and streams its rows.
func (c guardedConn) scopedQuery(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	p, rr, err := c.send(ctx, query, args)
	if err != nil {
		return nil, err
	}
	return &scopedRows{conn: c, query: query, p: p, rr: rr}, nil
}

// send pipelines the scope and the statement (preparing either when this
// connection has not yet), and returns the statement's result reader once
// the scope is set.
func (c guardedConn) send(ctx context.Context, query string, args []driver.NamedValue) (*pgconn.Pipeline, *pgconn.ResultReader, error) {
	pg := c.Conn.Conn().PgConn()
	if pg.IsClosed() {
		return nil, nil, driver.ErrBadConn
	}
	params, err := textParams(args)
	if err != nil {
		return nil, nil, err
	}
	st := c.stmts
	p := pg.StartPipeline(ctx)
	stale := st.stale
	st.stale = nil
	for _, name := range stale {
		p.SendDeallocate(name)
	}
	prepareScope := !st.scopeReady
	if prepareScope {
		p.SendPrepare(scopeStatement, setScope, nil)
	}
	p.SendQueryPrepared(scopeStatement, [][]byte{[]byte(ScopeOf(ctx))}, nil, nil)
	name, cached := st.byQuery.Get(query)
	if !cached {
		st.counter++
		name = "agora_s" + strconv.Itoa(st.counter)
		p.SendPrepare(name, query, nil)
	}
	p.SendQueryPrepared(name, params, nil, nil)
	if err := p.Sync(); err != nil {
		_ = p.Close()
		return nil, nil, retryable(err)
	}
	for range stale {
		if _, err := p.GetResults(); err != nil {
			return nil, nil, retryable(finish(p, err))
		}
	}
	if prepareScope {
		if _, err := p.GetResults(); err != nil {
			return nil, nil, retryable(finish(p, err))
		}
		st.scopeReady = true
	}
	scope, err := next(p)
	if err == nil {
		_, err = scope.Close()
	}
	if err != nil {
		return nil, nil, retryable(finish(p, err))
	}
	if !cached {
		if _, err := p.GetResults(); err != nil {
			return nil, nil, classify(query, finish(p, err))
		}
		st.byQuery.Add(query, name)
	}
	rr, err := next(p)
	if err != nil {
		return nil, nil, classify(query, finish(p, forget(st, query, err)))
	}
	return p, rr, nil
}

// forget drops a prepared statement whose plan PostgreSQL can no longer
// use (a migration changed its table), so the next try prepares it anew.
func forget(st *statements, query string, err error) error {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok && pgErr.Code == "0A000" {
		st.byQuery.Remove(query)
	}
	return err
}

// next returns the pipeline's next statement result.
func next(p *pgconn.Pipeline) (*pgconn.ResultReader, error) {
	res, err := p.GetResults()
	if err != nil {
		return nil, err
	}
	rr, ok := res.(*pgconn.ResultReader)
	if !ok {
		return nil, fmt.Errorf("scoped statement: unexpected pipeline result %T", res)
	}
	return rr, nil
}

// finish reads the pipeline to its end (an error PostgreSQL reports at
// commit arrives with the Sync) and returns the first error.
func finish(p *pgconn.Pipeline, err error) error {
	if err == nil {
		_, err = p.GetResults()
	}
	if cerr := p.Close(); err == nil {
		err = cerr
	}
	return err
}

// retryable tells database/sql to use another connection when nothing
// reached the server.
func retryable(err error) error {
	if pgconn.SafeToRetry(err) {
		return driver.ErrBadConn
	}
	return classify("", err)
}

// textParams encodes database/sql arguments in PostgreSQL's text format.
// bun formats values into the query text, so statements rarely have any.
func textParams(args []driver.NamedValue) ([][]byte, error) {
	if len(args) == 0 {
		return nil, nil
	}
	params := make([][]byte, len(args))
	for i, a := range args {
		v := a.Value
		if valuer, ok := v.(driver.Valuer); ok {
			var err error
			if v, err = valuer.Value(); err != nil {
				return nil, fmt.Errorf("argument %d: %w", i+1, err)
			}
		}
		switch v := v.(type) {
		case nil:
		case string:
			params[i] = []byte(v)
		case []byte:
			params[i] = fmt.Appendf(nil, `\x%x`, v)
		case int64:
			params[i] = strconv.AppendInt(nil, v, 10)
		case int:
			params[i] = strconv.AppendInt(nil, int64(v), 10)
		case float64:
			params[i] = strconv.AppendFloat(nil, v, 'g', -1, 64)
		case bool:
			params[i] = strconv.AppendBool(nil, v)
		case time.Time:
			params[i] = v.AppendFormat(nil, time.RFC3339Nano)
		default:
			return nil, fmt.Errorf("argument %d: a %T cannot be sent as a query parameter; format it into the query with bun", i+1, v)
		}
	}
	return params, nil
}

// scopedRows are a statement's rows in text format, turned into the
// values database/sql expects (as pgx's stdlib does for its binary ones).
type scopedRows struct {
	conn  guardedConn
	query string
	p     *pgconn.Pipeline
	rr    *pgconn.ResultReader
	cols  []string
	done  bool
	err   error
}

func (r *scopedRows) Columns() []string {
	if r.cols == nil {
		fields := r.rr.FieldDescriptions()
		r.cols = make([]string, len(fields))
		for i, f := range fields {
			r.cols[i] = f.Name
		}
	}
	return r.cols
}

func (r *scopedRows) Next(dest []driver.Value) error {
	if r.done {
		return io.EOF
	}
	if !r.rr.NextRow() {
		if err := r.close(); err != nil {
			return err
		}
		return io.EOF
	}
	fields := r.rr.FieldDescriptions()
	m := r.conn.Conn.Conn().TypeMap()
	for i, raw := range r.rr.Values() {
		v, err := textValue(m, fields[i].DataTypeOID, raw)
		if err != nil {
			return fmt.Errorf("read column %s: %w", fields[i].Name, err)
		}
		dest[i] = v
	}
	return nil
}

func (r *scopedRows) Close() error { return r.close() }

func (r *scopedRows) close() error {
	if r.done {
		return r.err
	}
	r.done = true
	_, err := r.rr.Close()
	if err = finish(r.p, err); err != nil {
		r.err = classify(r.query, err)
	}
	return r.err
}

// textValue converts a column in text format to a driver value.
func textValue(m *pgtype.Map, oid uint32, raw []byte) (driver.Value, error) {
	if raw == nil {
		return nil, nil
	}
	switch oid {
	case pgtype.BoolOID:
		return len(raw) == 1 && raw[0] == 't', nil
	case pgtype.Int2OID, pgtype.Int4OID, pgtype.Int8OID, pgtype.OIDOID:
		return strconv.ParseInt(string(raw), 10, 64)
	case pgtype.Float4OID, pgtype.Float8OID:
		return strconv.ParseFloat(string(raw), 64)
	case pgtype.ByteaOID:
		var b []byte
		err := m.Scan(oid, pgtype.TextFormatCode, raw, &b)
		return b, err
	case pgtype.TimestamptzOID, pgtype.TimestampOID, pgtype.DateOID:
		var t pgtype.Timestamptz
		var err error
		switch oid {
		case pgtype.TimestampOID:
			var ts pgtype.Timestamp
			err = m.Scan(oid, pgtype.TextFormatCode, raw, &ts)
			t = pgtype.Timestamptz{Time: ts.Time, InfinityModifier: ts.InfinityModifier, Valid: ts.Valid}
		case pgtype.DateOID:
			var d pgtype.Date
			err = m.Scan(oid, pgtype.TextFormatCode, raw, &d)
			t = pgtype.Timestamptz{Time: d.Time, InfinityModifier: d.InfinityModifier, Valid: d.Valid}
		default:
			err = m.Scan(oid, pgtype.TextFormatCode, raw, &t)
		}
		if err != nil || t.InfinityModifier != pgtype.Finite {
			return string(raw), err
		}
		return t.Time, nil
	case pgtype.JSONOID, pgtype.JSONBOID:
		return append([]byte(nil), raw...), nil
	}
	return string(raw), nil
}
