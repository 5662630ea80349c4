package postgres

import (
	"context"
	"database/sql/driver"
	"errors"
	"strings"

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

// textError classifies the error of query when it is about text the
// database cannot store, and returns other errors as they are.
func textError(query string, err error) error {
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

// textGuard is a connector whose connections classify text errors.
type textGuard struct{ driver.Connector }

func (g textGuard) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := g.Connector.Connect(ctx)
	if err != nil {
		return nil, err
	}
	if c, ok := conn.(*stdlib.Conn); ok {
		return guardedConn{c}, nil
	}
	return conn, nil
}

// guardedConn is pgx's connection with its query errors classified; every
// other method is pgx's own.
type guardedConn struct{ *stdlib.Conn }

func (c guardedConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	res, err := c.Conn.ExecContext(ctx, query, args)
	if err != nil {
		return nil, textError(query, err)
	}
	return res, nil
}

func (c guardedConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	rows, err := c.Conn.QueryContext(ctx, query, args)
	if err != nil {
		return nil, textError(query, err)
	}
	return rows, nil
}
