// Package store is Mietwerk's SQL storage on SQLite (embedded default) and
// PostgreSQL (production). SQL is written by hand, parameterized with $n
// placeholders that both databases accept, next to the function that runs it.
//
// Every public method takes ctx first, reads the identity.Actor from it and
// scopes every query by tenant and station through scope (scope.go) — the one
// place where isolation is decided. A public method opens its transaction,
// defers rollback and commits; helpers take the *sql.Tx.
package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // PostgreSQL driver "pgx"
	_ "modernc.org/sqlite"             // SQLite driver "sqlite"
)

// Dialect names the database behind a Store.
type Dialect string

const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// Store is the storage of one Mietwerk installation.
type Store struct {
	db      *sql.DB
	dialect dialect // every difference between the two databases (dialect.go)
	now     func() time.Time
	group   *groupQueue // single-writer databases (SQLite): this process's write transactions, committed in groups
	path    string      // the database file (SQLite; "" for a server database)

	// webhook events (webhooks.go): transactions that queued events, how
	// many such commits there were and how many a completed hook has seen
	emitted    sync.Map // *sql.Tx → struct{}
	queuedGen  atomic.Int64
	handledGen atomic.Int64
	hookMu     sync.Mutex // one event hook at a time
	onEvents   atomic.Pointer[func(context.Context)]

	statements atomic.Int64    // statements sent to PostgreSQL (tracer.go)
	tally      *statementTally // the same by SQL text, while switched on

	config *configCache // the tenants' configuration (configcache.go)
	lazyDB *sql.DB      // PostgreSQL: the pool of lazy commits (dialect.openLazy)
}

// DefaultMaxOpenConns is the PostgreSQL pool of a store opened without
// Options.MaxOpenConns (the pool of lazy commits has half as many, at least
// 2). Small on purpose: a transaction holds its connection only while it
// runs (never across a gateway call), and more backends than the database
// server has cores to run them make each statement dearer — on the 2-core
// benchmark machine 20 connections cost the server a quarter more CPU per
// booking than 4 (docs/performance.md, "Connections").
const DefaultMaxOpenConns = 8

// Options tune a Store. Zero values are sensible defaults.
type Options struct {
	Now          func() time.Time // clock; default time.Now
	MaxOpenConns int              // PostgreSQL pool size; default DefaultMaxOpenConns

	tracer *statementTracer // set by Open: counts PostgreSQL statements
}

// Open connects to the database named by dsn: a postgres:// or postgresql://
// URL, or a SQLite file path (optionally prefixed "sqlite:" or "file:"). It
// does not migrate; call Migrate. Returns a KindInvalid-free plain error when
// the database cannot be reached.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Store{now: opt.Now, dialect: dialectOf(dsn), tally: &statementTally{n: map[string]int64{}},
		config: newConfigCache()}
	opt.tracer = &statementTracer{total: &s.statements, tally: s.tally, trace: sqlTrace()}
	var err error
	if s.db, err = s.dialect.open(dsn, opt); err != nil {
		return nil, err
	}
	if s.lazyDB, err = s.dialect.openLazy(dsn, opt); err != nil {
		s.db.Close()
		return nil, err
	}
	s.path = s.dialect.dataFile(dsn)
	if s.dialect.singleWriter() {
		s.group = newGroupQueue(s.syncWAL)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := s.db.PingContext(pctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("connect to %s database: %w", s.dialect.name(), err)
	}
	return s, nil
}

// unavailableConnector reports a failed connection as ErrUnavailable, so
// that every query of a process whose database is down (the pool opens a
// new connection when the old ones broke) answers "try again later"
// instead of an unexpected error.
type unavailableConnector struct{ driver.Connector }

func (c unavailableConnector) Connect(ctx context.Context) (driver.Conn, error) {
	conn, err := c.Connector.Connect(ctx)
	if err != nil {
		return nil, ErrUnavailable(err)
	}
	return conn, nil
}

// Dialect tells which database the store runs on.
func (s *Store) Dialect() Dialect { return s.dialect.name() }

// DB exposes the pool for metrics and tests.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the pool.
func (s *Store) Close() error {
	if s.lazyDB != nil {
		s.lazyDB.Close()
	}
	return s.db.Close()
}

// DropIdleConns closes the idle connections of the store's pools (the lazy
// commits' one too), so that the next statements open new ones: as after a
// restart of the database server (tests), or for a changed database
// default to take effect.
func (s *Store) DropIdleConns() {
	for _, db := range []*sql.DB{s.db, s.lazyDB} {
		if db == nil {
			continue
		}
		n := db.Stats().MaxOpenConnections // the pools keep as many idle as they may open
		db.SetMaxIdleConns(0)
		db.SetMaxIdleConns(n)
	}
}

// Ping reports whether the database answers (for /readyz).
func (s *Store) Ping(ctx context.Context) error { return mapErr(s.db.PingContext(ctx)) }

// Now is the store's clock.
func (s *Store) Now() time.Time { return s.now().UTC() }

// begin opens a transaction. On SQLite every transaction takes the write lock
// at BEGIN (_txlock=immediate), which serializes read-then-write sequences.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("begin: %w", err)
	}
	return tx, nil
}

// read runs fn in a read-only transaction on PostgreSQL; on SQLite it runs on
// the pool without a transaction so readers do not take the write lock.
func (s *Store) read(ctx context.Context, fn func(q querier) error) error {
	return s.dialect.read(ctx, s.db, fn)
}

// write runs fn in one transaction and commits it when fn returns nil. A
// transaction the database aborted to break a deadlock or a serialization
// conflict (PostgreSQL 40P01/40001 — e.g. two bookings inserting overlapping
// allocations at the same moment, where the exclusion constraint makes each
// wait for the other) or that found SQLite busy is run again from the start,
// up to four more times with a short randomized pause; the retry then sees
// the winner's committed rows and answers as if it had come second. fn must
// therefore only change the database (and its own results).
func (s *Store) write(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeRetrying(ctx, false, fn)
}

// writeLazy is write for rows whose loss in a power cut is harmless — rate
// counters, the claim of an idempotency key: its commit does not wait for
// the disk (SQLite synchronous=NORMAL for this transaction, PostgreSQL
// synchronous_commit=off). Neither database can be corrupted by that, and
// both keep one log in commit order, so the next durable commit — the one
// recording a payment before it is sent, say — makes it durable too.
func (s *Store) writeLazy(ctx context.Context, fn func(tx *sql.Tx) error) error {
	return s.writeRetrying(ctx, true, fn)
}

func (s *Store) writeRetrying(ctx context.Context, lazy bool, fn func(tx *sql.Tx) error) error {
	return s.writeNumbered(ctx, lazy, nil, fn)
}

// writeNumbered is writeRetrying for a transaction that takes a number of
// a gap-free counter (num; nil for any other): on SQLite its number is
// foreseen and num.prepare run outside the write lock (see numbering).
func (s *Store) writeNumbered(ctx context.Context, lazy bool, num *numbering, fn func(tx *sql.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.writeOnce(ctx, lazy, num, fn)
		if err == nil {
			s.eventsCommitted(ctx)
		}
		if err == nil || attempt >= 4 || classify(err) != dbErrBusy || ctx.Err() != nil {
			if classify(err) == dbErrUnavailable {
				return mapErr(err) // full disk, read-only database: 503, not 500
			}
			return err
		}
		pause := time.Duration(2<<attempt)*time.Millisecond + time.Duration(rand.IntN(5000))*time.Microsecond
		select {
		case <-ctx.Done():
			return err
		case <-time.After(pause):
		}
	}
}

func (s *Store) writeOnce(ctx context.Context, lazy bool, num *numbering, fn func(tx *sql.Tx) error) error {
	if s.group != nil {
		// SQLite has one writer at a time. Queueing this process's writers
		// here hands the lock on at once (contending for it inside SQLite
		// means sleeping in its busy handler while holding a pool
		// connection readers need), and lets one commit serve all that
		// queued meanwhile (groupcommit.go).
		return s.writeGrouped(ctx, lazy, num, fn)
	}
	return s.txOnce(ctx, lazy, fn)
}

// txOnce runs fn in one transaction of its own and commits it.
func (s *Store) txOnce(ctx context.Context, lazy bool, fn func(tx *sql.Tx) error) error {
	var tx *sql.Tx
	var err error
	if lazy {
		var release func()
		db := s.db
		if s.lazyDB != nil {
			db = s.lazyDB
		}
		if tx, release, err = s.dialect.beginLazy(ctx, db); err != nil {
			return err
		}
		defer release() // after the deferred rollback below
	} else if tx, err = s.begin(ctx); err != nil {
		return err
	}
	defer tx.Rollback()
	defer s.emitted.Delete(tx)
	if err := fn(tx); err != nil {
		return err
	}
	start := time.Now()
	err = tx.Commit()
	if s.group != nil {
		s.group.commit.Add(int64(time.Since(start)))
	}
	if err != nil {
		return mapErr(fmt.Errorf("commit: %w", err))
	}
	if _, ok := s.emitted.Load(tx); ok {
		s.queuedGen.Add(1) // before any caller of this commit returns
	}
	return nil
}

// execWrite runs one writing statement in a transaction of its own: on
// SQLite through the writer queue, as write or (lazy) writeLazy; on
// PostgreSQL as one autocommit statement (one round trip; three more for a
// transaction with a lazy commit cost more CPU than waiting for the log
// flush, which concurrent commits share).
func (s *Store) execWrite(ctx context.Context, lazy bool, query string, args ...any) (sql.Result, error) {
	if !s.dialect.singleWriter() {
		res, err := s.autocommitDB(lazy).ExecContext(ctx, query, args...)
		if classify(err) == dbErrUnavailable {
			err = mapErr(err)
		}
		return res, err
	}
	var res sql.Result
	err := s.writeRetrying(ctx, lazy, func(tx *sql.Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	return res, err
}

// autocommitDB is the pool an autocommit statement of execWrite or
// scanWrite runs on: the lazy one (no disk wait at commit) for a lazy
// write, when the database has one.
func (s *Store) autocommitDB(lazy bool) *sql.DB {
	if lazy && s.lazyDB != nil {
		return s.lazyDB
	}
	return s.db
}

// scanWrite is execWrite for a statement that returns a row (RETURNING),
// scanned into dest.
func (s *Store) scanWrite(ctx context.Context, lazy bool, dest []any, query string, args ...any) error {
	if !s.dialect.singleWriter() {
		err := s.autocommitDB(lazy).QueryRowContext(ctx, query, args...).Scan(dest...)
		if classify(err) == dbErrUnavailable {
			err = mapErr(err)
		}
		return err
	}
	return s.writeRetrying(ctx, lazy, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, query, args...).Scan(dest...)
	})
}

// querier is what read-only helpers need: a *sql.DB or a *sql.Tx.
// queryIDs runs a query of one integer column and returns its values.
func queryIDs(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}
