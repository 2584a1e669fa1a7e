package store

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/jackc/pgx/v5"

	"mietwerk.dev/mietwerk/internal/stmtcount"
)

// statementTracer counts the statements pgx sends to PostgreSQL (issue 19):
// all of them in total, and those sent with a request's context in that
// request's stmtcount.Counter. database/sql ends a transaction without a
// context, so a request is charged its COMMIT or ROLLBACK when its BEGIN
// is sent (two statements per transaction).
type statementTracer struct {
	total *atomic.Int64
	tally *statementTally
	// trace writes every statement to stderr, in the order sent
	// (MIETWERK_SQL_TRACE=1; for diagnosis only — values are not written)
	trace bool
}

// sqlTrace reports whether MIETWERK_SQL_TRACE asks for every statement on
// stderr.
func sqlTrace() bool { return os.Getenv("MIETWERK_SQL_TRACE") != "" }

// traceSQL writes one statement's text (never its arguments) to stderr.
func traceSQL(sql string) {
	q := strings.Join(strings.Fields(sql), " ")
	if len(q) > 140 {
		q = q[:140] + "…"
	}
	fmt.Fprintln(os.Stderr, "sql:", q)
}

// statementTally counts statements by SQL text while switched on (to find
// where a request's statements come from; off in production).
type statementTally struct {
	on atomic.Bool
	mu sync.Mutex
	n  map[string]int64
}

func (t statementTracer) TraceQueryStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceQueryStartData) context.Context {
	t.total.Add(1)
	if t.trace {
		traceSQL(data.SQL)
	}
	if c := stmtcount.From(ctx); c != nil {
		if isBegin(data.SQL) {
			c.Add(2)
		} else {
			c.Add(1)
		}
	}
	if t.tally.on.Load() {
		t.tally.mu.Lock()
		t.tally.n[data.SQL]++
		t.tally.mu.Unlock()
	}
	return ctx
}

func (statementTracer) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}

func (t statementTracer) TraceBatchStart(ctx context.Context, _ *pgx.Conn, data pgx.TraceBatchStartData) context.Context {
	n := int64(1)
	if data.Batch != nil {
		n = int64(data.Batch.Len())
	}
	t.total.Add(n)
	stmtcount.From(ctx).Add(n)
	if t.trace {
		fmt.Fprintln(os.Stderr, "sql: batch of", n)
	}
	return ctx
}

func (t statementTracer) TraceBatchQuery(_ context.Context, _ *pgx.Conn, data pgx.TraceBatchQueryData) {
	if t.trace {
		traceSQL("  " + data.SQL)
	}
}
func (statementTracer) TraceBatchEnd(context.Context, *pgx.Conn, pgx.TraceBatchEndData) {}

func isBegin(sql string) bool {
	return len(sql) >= 5 && strings.EqualFold(sql[:5], "begin")
}

// Statements returns how many statements this process has sent to
// PostgreSQL since Open (0 on SQLite, which runs in the process).
func (s *Store) Statements() int64 { return s.statements.Load() }

// TallyStatements switches counting by SQL text on (and clears it) or off;
// StatementTally returns the counts. For benchmarks and diagnosis on
// PostgreSQL.
func (s *Store) TallyStatements(on bool) {
	s.tally.mu.Lock()
	s.tally.n = map[string]int64{}
	s.tally.mu.Unlock()
	s.tally.on.Store(on)
}

// StatementTally returns the statements counted by SQL text since
// TallyStatements(true).
func (s *Store) StatementTally() map[string]int64 {
	s.tally.mu.Lock()
	defer s.tally.mu.Unlock()
	out := make(map[string]int64, len(s.tally.n))
	for k, v := range s.tally.n {
		out[k] = v
	}
	return out
}
