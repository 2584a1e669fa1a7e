package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"reflect"
)

// SQLite connections that keep their prepared statements.
//
// modernc.org/sqlite prepares (parses and plans) every statement on every
// call made through database/sql without an explicit Prepare; that was
// about a fifth of the CPU of an online booking, much of it inside the
// write lock. These wrappers prepare each distinct SQL text once per
// connection and reuse it. A statement whose rows are still open when the
// same text is run again on the connection (a nested query) gets a
// one-off statement instead, so open rows are never disturbed; a statement
// that failed is dropped. The cache holds at most maxCachedStmts texts per
// connection.

const maxCachedStmts = 256

// sqliteConnector opens modernc connections wrapped in stmtCacheConn.
type sqliteConnector struct {
	dsn string
	drv driver.Driver
}

// openSQLite returns a pool on dsn whose connections cache statements.
func openSQLite(dsn string) (*sql.DB, error) {
	probe, err := sql.Open("sqlite", dsn) // only to reach the registered driver
	if err != nil {
		return nil, err
	}
	drv := probe.Driver()
	probe.Close()
	return sql.OpenDB(sqliteConnector{dsn: dsn, drv: drv}), nil
}

func (c sqliteConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.drv.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &stmtCacheConn{conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func (c sqliteConnector) Driver() driver.Driver { return c.drv }

// cachedStmt is a prepared statement and whether its rows are open.
type cachedStmt struct {
	s    driver.Stmt
	busy bool
}

// stmtCacheConn is a driver connection with a statement cache. database/sql
// uses a connection from one goroutine at a time, so it needs no lock.
type stmtCacheConn struct {
	conn  driver.Conn
	stmts map[string]*cachedStmt
}

var (
	_ driver.ConnBeginTx        = (*stmtCacheConn)(nil)
	_ driver.ConnPrepareContext = (*stmtCacheConn)(nil)
	_ driver.ExecerContext      = (*stmtCacheConn)(nil)
	_ driver.QueryerContext     = (*stmtCacheConn)(nil)
	_ driver.Pinger             = (*stmtCacheConn)(nil)
	_ driver.SessionResetter    = (*stmtCacheConn)(nil)
	_ driver.Validator          = (*stmtCacheConn)(nil)
)

func (c *stmtCacheConn) Prepare(query string) (driver.Stmt, error) { return c.conn.Prepare(query) }

func (c *stmtCacheConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
}

func (c *stmtCacheConn) Begin() (driver.Tx, error) {
	return c.BeginTx(context.Background(), driver.TxOptions{})
}

func (c *stmtCacheConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.conn.(driver.ConnBeginTx).BeginTx(ctx, opts)
}

func (c *stmtCacheConn) Ping(ctx context.Context) error { return c.conn.(driver.Pinger).Ping(ctx) }

func (c *stmtCacheConn) ResetSession(ctx context.Context) error {
	return c.conn.(driver.SessionResetter).ResetSession(ctx)
}

func (c *stmtCacheConn) IsValid() bool { return c.conn.(driver.Validator).IsValid() }

// Close closes the cached statements and the connection.
func (c *stmtCacheConn) Close() error {
	var errs []error
	for q, cs := range c.stmts {
		errs = append(errs, cs.s.Close())
		delete(c.stmts, q)
	}
	return errors.Join(append(errs, c.conn.Close())...)
}

// stmt returns the idle cached statement for query, preparing it on first
// use, or nil when the cached one is in use.
func (c *stmtCacheConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil, nil
		}
		return cs, nil
	}
	if len(c.stmts) >= maxCachedStmts {
		for q, cs := range c.stmts {
			if !cs.busy {
				cs.s.Close()
				delete(c.stmts, q)
			}
		}
	}
	s, err := c.conn.(driver.ConnPrepareContext).PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{s: s}
	c.stmts[query] = cs
	return cs, nil
}

// drop forgets a statement that failed.
func (c *stmtCacheConn) drop(query string, cs *cachedStmt) {
	if c.stmts[query] == cs {
		delete(c.stmts, query)
	}
	cs.s.Close()
}

func (c *stmtCacheConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.conn.(driver.ExecerContext).ExecContext(ctx, query, args)
	}
	cs.busy = true
	res, err := cs.s.(driver.StmtExecContext).ExecContext(ctx, args)
	cs.busy = false
	if err != nil {
		c.drop(query, cs)
	}
	return res, err
}

func (c *stmtCacheConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if cs == nil {
		return c.conn.(driver.QueryerContext).QueryContext(ctx, query, args)
	}
	cs.busy = true
	rows, err := cs.s.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		cs.busy = false
		c.drop(query, cs)
		return nil, err
	}
	return &cachedRows{Rows: rows, cs: cs}, nil
}

// cachedRows frees its statement for reuse when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	err := r.Rows.Close()
	r.cs.busy = false
	return err
}

func (r *cachedRows) ColumnTypeDatabaseTypeName(i int) string {
	if t, ok := r.Rows.(driver.RowsColumnTypeDatabaseTypeName); ok {
		return t.ColumnTypeDatabaseTypeName(i)
	}
	return ""
}

func (r *cachedRows) ColumnTypeScanType(i int) reflect.Type {
	if t, ok := r.Rows.(driver.RowsColumnTypeScanType); ok {
		return t.ColumnTypeScanType(i)
	}
	return reflect.TypeFor[any]()
}

func (r *cachedRows) ColumnTypeNullable(i int) (nullable, ok bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeNullable); ok {
		return t.ColumnTypeNullable(i)
	}
	return false, false
}

func (r *cachedRows) ColumnTypeLength(i int) (int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypeLength); ok {
		return t.ColumnTypeLength(i)
	}
	return 0, false
}

func (r *cachedRows) ColumnTypePrecisionScale(i int) (int64, int64, bool) {
	if t, ok := r.Rows.(driver.RowsColumnTypePrecisionScale); ok {
		return t.ColumnTypePrecisionScale(i)
	}
	return 0, 0, false
}
