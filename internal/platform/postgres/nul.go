package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/agora-platform/agora/internal/platform/errs"
)

// A text PostgreSQL cannot store is the caller's input at fault, not the
// server: the HTTP layer refuses U+0000 already (httpx.RefuseNUL), and
// this is the backstop for every other way in (the worker, the CLI, a
// route that decodes its own input). PostgreSQL refuses a NUL or invalid
// UTF-8 in text with SQLSTATE 22021 and \u0000 in JSON with 22P05; bun
// writes a string holding a NUL as a formatting error into the query,
// which PostgreSQL then reports as a syntax error (42601).
const (
	msgNUL     = "a text contains a NUL character (U+0000), which is not allowed; remove it and try again"
	msgNotUTF8 = "a text is not valid UTF-8; send it as UTF-8"
	// bunNUL is what bun writes into a query in place of a string with a
	// NUL (schema.BaseDialect.AppendString).
	bunNUL = "?!(bun: string contains a NUL byte"
)

// msgUnavailable is what a request learns when PostgreSQL cannot be
// reached or is shutting down or starting up.
const msgUnavailable = "the database is unavailable right now; try again in a moment"

// classify gives the error of query a kind when it is about text the
// database cannot store (invalid) or about the database being out of
// reach (unavailable), and returns other errors as they are.
func classify(query string, err error) error {
	if err == nil || errors.Is(err, driver.ErrBadConn) {
		return err
	}
	if unreachable(err) {
		return errs.Wrap(errs.Unavailable, msgUnavailable, err)
	}
	pgErr, ok := errors.AsType[*pgconn.PgError](err)
	if !ok {
		return err
	}
	switch {
	case pgErr.Code == "22021" && strings.HasSuffix(pgErr.Message, " 0x00"):
		return errs.Wrap(errs.Invalid, msgNUL, err)
	case pgErr.Code == "22021":
		return errs.Wrap(errs.Invalid, msgNotUTF8, err)
	case pgErr.Code == "22P05" && strings.Contains(pgErr.Detail, `\u0000`):
		return errs.Wrap(errs.Invalid, msgNUL, err)
	case pgErr.Code == "42601" && strings.Contains(query, bunNUL):
		return errs.Wrap(errs.Invalid, msgNUL, err)
	}
	return err
}

// unreachable reports whether err says the server cannot be reached or
// is going away: a failed connect, a broken connection, or PostgreSQL's
// admin shutdown, crash shutdown and cannot-connect-now (class 57P) and
// connection exceptions (class 08).
func unreachable(err error) bool {
	if _, ok := errors.AsType[*pgconn.ConnectError](err); ok {
		return true
	}
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return strings.HasPrefix(pgErr.Code, "57P") || strings.HasPrefix(pgErr.Code, "08")
	}
	if _, ok := errors.AsType[*net.OpError](err); ok {
		return true
	}
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNREFUSED)
}

// guard is a connector whose connections classify errors and, when
// scoped, send every statement behind its row-level security scope.
type guard struct {
	driver.Connector
	scoped bool
}

func (g guard) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := g.Connector.Connect(ctx)
	if err != nil {
		return nil, classify("", err)
	}
	if c, ok := conn.(*stdlib.Conn); ok {
		gc := guardedConn{Conn: c, scoped: g.scoped}
		if g.scoped {
			gc.stmts = newStatements()
		}
		return gc, nil
	}
	return conn, nil
}

// guardedConn is pgx's connection with its query errors classified and,
// when scoped, its statements scoped; every other method is pgx's own.
type guardedConn struct {
	*stdlib.Conn
	scoped bool
	stmts  *statements
}

func (c guardedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	if c.scoped {
		return c.scopedExec(ctx, query, args)
	}
	res, err := c.Conn.ExecContext(ctx, query, args)
	if err != nil {
		return nil, classify(query, err)
	}
	return res, nil
}

func (c guardedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if c.scoped {
		return c.scopedQuery(ctx, query, args)
	}
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if err != nil {
		return nil, classify(query, err)
	}
	return rows, nil
}

// Pgx returns pgx's own connection, which sends statements as they are
// (for sql.Conn.Raw: the scope tests look at a connection's state).
func (c guardedConn) Pgx() *pgx.Conn { return c.Conn.Conn() }
