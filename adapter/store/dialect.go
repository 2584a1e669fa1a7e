package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// dialect is the one seam between the two databases. Every difference the
// store makes between SQLite and PostgreSQL — connecting, locking, the few
// SQL spellings that differ, durability per transaction, backups — is a
// method here, named after what it is for; the rest of the store is written
// once for both (SQL with $n placeholders, which both accept). Open picks the
// implementation; nothing else asks which database it is.
type dialect interface {
	// name is the Dialect implemented.
	name() Dialect
	// open returns the connection pool for dsn, tuned for this database.
	open(dsn string, opt Options) (*sql.DB, error)
	// dataFile is the file holding the database of dsn, whose file system
	// must have room for writes ("" for a database server).
	dataFile(dsn string) string

	// singleWriter reports whether the database has one writer at a time
	// (SQLite): write transactions then queue in this process (groupcommit.go)
	// and a lone writing statement goes through that queue too. Otherwise
	// (PostgreSQL) a lone writing statement runs as one autocommit statement.
	singleWriter() bool
	// read runs fn for a read-only caller: PostgreSQL in a read-only
	// transaction (one snapshot); SQLite on the pool without a transaction,
	// so that readers never take the write lock (_txlock=immediate).
	read(ctx context.Context, db *sql.DB, fn func(q querier) error) error
	// beginLazy begins a transaction whose commit does not wait for the
	// disk (see Store.writeLazy) on db — the pool openLazy opened, else
	// the store's pool; release must be called after its commit or
	// rollback.
	beginLazy(ctx context.Context, db *sql.DB) (tx *sql.Tx, release func(), err error)
	// snapshotCTE reports whether a statement's WITH queries read the
	// rows as they were before the statement changed them (PostgreSQL: one
	// snapshot per statement), so that an UPDATE can return a row's former
	// values; SQLite evaluates a CTE when it is read.
	snapshotCTE() bool
	// chainsWrites reports whether one statement can insert into several
	// tables through data-modifying WITH queries, each reading the ids the
	// one before returned (PostgreSQL): the rows of one step then go to
	// the server in one round trip (issue 19). SQLite has no such
	// statement and writes them one by one.
	chainsWrites() bool
	// openLazy opens a second, smaller pool whose sessions commit without
	// waiting for the disk, for beginLazy; nil when the database has none.
	openLazy(dsn string, opt Options) (*sql.DB, error)

	// lockRow locks the row(s) query selects until the transaction ends, so
	// that concurrent writers of the same record run one after the other.
	// query is a SELECT without a locking clause. PostgreSQL runs it with FOR
	// UPDATE; SQLite needs nothing: a write transaction holds the database's
	// write lock from BEGIN (_txlock=immediate).
	lockRow(ctx context.Context, tx *sql.Tx, query string, args ...any) error
	// forUpdate is the clause (with a leading space) that locks the rows a
	// SELECT of a write transaction reads: " FOR UPDATE", or "" on SQLite.
	// lockVehicle is the clause that makes writers of one vehicle's
	// allocations wait for each other (" FOR NO KEY UPDATE": it does not
	// block rows that merely refer to the vehicle), or "" on SQLite.
	lockVehicle() string
	forUpdate() string
	// skipLocked is the clause that claims rows no other worker holds:
	// " FOR UPDATE SKIP LOCKED", or "" on SQLite (one writer claims at a time).
	skipLocked() string
	// countOverlaps counts, inside the write transaction, the allocations
	// that query finds overlapping a new or changed one, on a database
	// without an exclusion constraint (SQLite: the write lock taken at BEGIN
	// makes this check and the following write one step). With the
	// constraint (PostgreSQL) it runs nothing and returns 0: the database
	// refuses the overlapping write itself (classify → dbErrOverlap).
	countOverlaps(ctx context.Context, tx *sql.Tx, query string, args ...any) (int, error)
	// savepoint and rollbackTo bracket a statement that may fail while the
	// transaction goes on. PostgreSQL aborts the whole transaction on a failed
	// statement unless a savepoint catches it; SQLite undoes only the failed
	// statement, so both are no-ops there.
	savepoint(ctx context.Context, tx *sql.Tx, name string) error
	rollbackTo(ctx context.Context, tx *sql.Tx, name string) error
	// lockMigrations serializes migrations of several processes starting at
	// once: a transaction-level advisory lock on PostgreSQL; on SQLite the
	// migration's write transaction already holds the write lock.
	lockMigrations(ctx context.Context, tx *sql.Tx) error

	// jsonText is the SQL expression for the text at key of the JSON
	// document in column expr ("" → NULL when absent).
	jsonText(expr, key string) string
	// timestamp is the SQL expression for a timestamp parameter (e.g. "$3")
	// compared with a timestamp column, so that an index on it is used.
	timestamp(param string) string
	// indexedBy is the clause that makes the planner use the named index
	// (SQLite's INDEXED BY); "" where the planner needs no help.
	indexedBy(index string) string

	// fileBackup reports why the database cannot be backed up as a file by
	// this program (PostgreSQL: use pg_dump), or nil when it can (SQLite).
	fileBackup() error
}

// dialectOf picks the dialect for dsn: a postgres:// or postgresql:// URL
// or libpq keywords (host=…) are PostgreSQL, anything else a SQLite path.
func dialectOf(dsn string) dialect {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") || strings.HasPrefix(dsn, "host=") {
		return postgresDialect{}
	}
	return sqliteDialect{}
}

// sqliteDialect is the embedded default: modernc.org/sqlite, one file.
type sqliteDialect struct{}

func (sqliteDialect) name() Dialect { return SQLite }

func (sqliteDialect) dataFile(dsn string) string { return SQLitePath(dsn) }

func (sqliteDialect) open(dsn string, _ Options) (*sql.DB, error) {
	path := SQLitePath(dsn)
	if path == "" {
		return nil, errors.New("empty SQLite path")
	}
	// Only this process's user may read the database: it holds
	// customers' personal data and the tenants' gateway credentials.
	// SQLite creates the -wal and -shm files with the database file's
	// permissions.
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("create database directory: %w", err)
	}
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("create database file: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "foreign_keys(1)")
	// FULL: a commit returns once the WAL is on disk. With NORMAL a power
	// cut could take back the last commits — among them the "pending"
	// record a payment writes before it goes to the gateway, leaving a
	// charged card without a trace. It costs one fsync per write
	// transaction (≈0.2 ms here).
	q.Add("_pragma", "synchronous(FULL)")
	// Reads through a memory map instead of a read() per page that the
	// connection's small default cache (2 MB) misses: the planning board
	// of a 300-car station reads thousands of pages per request
	// (BenchmarkPlanningBoardLarge). The map is the OS page cache, shared
	// by the connections; writes still go through the WAL.
	q.Add("_pragma", "mmap_size(268435456)")
	q.Add("_pragma", "cache_size(-16384)")
	q.Set("_txlock", "immediate")
	q.Set("_time_format", "sqlite")
	db, err := openSQLite("file:" + path + "?" + q.Encode())
	if err != nil {
		return nil, err
	}
	// One writer at a time is SQLite's model; a small pool lets readers run in WAL mode.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	return db, nil
}

func (sqliteDialect) singleWriter() bool { return true }

func (sqliteDialect) read(_ context.Context, db *sql.DB, fn func(q querier) error) error {
	return fn(db)
}

func (sqliteDialect) openLazy(string, Options) (*sql.DB, error) { return nil, nil }
func (sqliteDialect) snapshotCTE() bool                         { return false }
func (sqliteDialect) chainsWrites() bool                        { return false }

// beginLazy: synchronous is a setting of the connection, so it pins one,
// relaxes it for this transaction and restores it (or drops the connection).
func (sqliteDialect) beginLazy(ctx context.Context, db *sql.DB) (*sql.Tx, func(), error) {
	conn, err := db.Conn(ctx)
	if err != nil {
		return nil, nil, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA synchronous = NORMAL`); err != nil {
		conn.Close()
		return nil, nil, err
	}
	release := func() {
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `PRAGMA synchronous = FULL`); err != nil {
			conn.Raw(func(any) error { return driver.ErrBadConn }) // never back into the pool as it is
		}
		conn.Close()
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		release()
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	return tx, release, nil
}

func (sqliteDialect) lockRow(context.Context, *sql.Tx, string, ...any) error { return nil }
func (sqliteDialect) forUpdate() string                                      { return "" }
func (sqliteDialect) lockVehicle() string                                    { return "" }
func (sqliteDialect) skipLocked() string                                     { return "" }

func (sqliteDialect) countOverlaps(ctx context.Context, tx *sql.Tx, query string, args ...any) (int, error) {
	var n int
	err := tx.QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

func (sqliteDialect) savepoint(context.Context, *sql.Tx, string) error  { return nil }
func (sqliteDialect) rollbackTo(context.Context, *sql.Tx, string) error { return nil }
func (sqliteDialect) lockMigrations(context.Context, *sql.Tx) error     { return nil }

func (sqliteDialect) jsonText(expr, key string) string {
	return `json_extract(` + expr + `, '$.` + key + `')`
}
func (sqliteDialect) timestamp(param string) string { return param }
func (sqliteDialect) indexedBy(index string) string { return " INDEXED BY " + index }
func (sqliteDialect) fileBackup() error             { return nil }

// postgresDialect is production: PostgreSQL through pgx.
type postgresDialect struct{}

func (postgresDialect) name() Dialect { return Postgres }

func (postgresDialect) open(dsn string, opt Options) (*sql.DB, error) {
	n := opt.MaxOpenConns
	if n <= 0 {
		n = DefaultMaxOpenConns
	}
	return openPostgres(dsn, opt, n, nil)
}

// openLazy opens the pool of lazy commits: its sessions run with
// synchronous_commit=off (a connection parameter), so that a lazy
// transaction is a plain BEGIN … COMMIT instead of needing a SET LOCAL
// each (issue 19: three statements per booking). Half the main pool's size:
// lazy transactions are short and never wait for the gateway.
func (postgresDialect) openLazy(dsn string, opt Options) (*sql.DB, error) {
	n := opt.MaxOpenConns
	if n <= 0 {
		n = DefaultMaxOpenConns
	}
	return openPostgres(dsn, opt, max(n/2, 2), map[string]string{"synchronous_commit": "off"})
}

func openPostgres(dsn string, opt Options, n int, params map[string]string) (*sql.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, err
	}
	if opt.tracer != nil {
		cfg.Tracer = opt.tracer
	}
	for k, v := range params {
		cfg.RuntimeParams[k] = v
	}
	db := sql.OpenDB(unavailableConnector{stdlib.GetConnector(*cfg)})
	db.SetMaxOpenConns(n)
	db.SetMaxIdleConns(n)
	db.SetConnMaxIdleTime(5 * time.Minute)
	return db, nil
}

func (postgresDialect) snapshotCTE() bool  { return true }
func (postgresDialect) chainsWrites() bool { return true }

func (postgresDialect) singleWriter() bool { return false }

func (postgresDialect) dataFile(string) string { return "" }

func (postgresDialect) read(ctx context.Context, db *sql.DB, fn func(q querier) error) error {
	tx, err := db.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}

// beginLazy: db is the lazy pool (openLazy), whose sessions commit with
// synchronous_commit=off already.
func (postgresDialect) beginLazy(ctx context.Context, db *sql.DB) (*sql.Tx, func(), error) {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("begin: %w", err)
	}
	return tx, func() {}, nil
}

func (postgresDialect) lockRow(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	_, err := tx.ExecContext(ctx, query+` FOR UPDATE`, args...)
	return mapErr(err)
}
func (postgresDialect) forUpdate() string   { return ` FOR UPDATE` }
func (postgresDialect) skipLocked() string  { return ` FOR UPDATE SKIP LOCKED` }
func (postgresDialect) lockVehicle() string { return ` FOR NO KEY UPDATE` }

func (postgresDialect) countOverlaps(context.Context, *sql.Tx, string, ...any) (int, error) {
	return 0, nil
}

func (postgresDialect) savepoint(ctx context.Context, tx *sql.Tx, name string) error {
	_, err := tx.ExecContext(ctx, `SAVEPOINT `+name)
	return err
}

func (postgresDialect) rollbackTo(ctx context.Context, tx *sql.Tx, name string) error {
	_, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT `+name)
	return err
}

// lockMigrations: 0x6d696574 = "miet", one lock id for all Mietwerk schema changes.
func (postgresDialect) lockMigrations(ctx context.Context, tx *sql.Tx) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(1835361652)`)
	return err
}

func (postgresDialect) jsonText(expr, key string) string {
	return `(` + expr + `::jsonb ->> '` + key + `')`
}
func (postgresDialect) timestamp(param string) string { return param + `::timestamptz` }
func (postgresDialect) indexedBy(string) string       { return "" }
func (postgresDialect) fileBackup() error             { return errBackupPostgres() }
