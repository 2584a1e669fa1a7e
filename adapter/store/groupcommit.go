package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Group commit on SQLite.
//
// SQLite has one writer, and with synchronous=FULL every commit waits for
// the disk. Write transactions of this process therefore queue here, and
// whoever gets the write lock runs every transaction waiting at that moment
// in one database transaction — each in a savepoint of its own — and
// commits them together: one WAL append and one fsync for the lot, the
// same as PostgreSQL does for concurrent commits. Each caller still gets
// exactly its own outcome, and only once the shared commit is on disk:
//
//   - fn returns an error (or panics): its savepoint is rolled back, so
//     nothing it wrote is committed; the others go on; the caller gets its
//     error (or its panic, re-raised in its own goroutine).
//   - the shared transaction breaks (a savepoint cannot be rolled back or
//     released, the commit fails — an I/O error, or SQLite rolling the
//     transaction back when a caller's statement is interrupted by its
//     context): nothing of it is committed, and every transaction of the
//     group that had not failed on its own is run again alone, as if it had
//     never been grouped. fn may be run again anyway (write's contract).
//   - a caller whose context ends while it waits leaves the queue and gets
//     ctx.Err(); once its transaction has started it waits for the result.
//
// A transaction runs alone (no savepoints) when it is the only one waiting.
//
// The disk wait comes after the lock. Every group commits with
// synchronous=NORMAL: SQLite appends the group's frames to the WAL and
// returns without waiting for the disk. The runner then releases the write
// lock — the next group runs meanwhile — and syncs the WAL file (fsync)
// before a caller of a durable transaction gets its outcome; lazy callers
// get theirs at once. The WAL is one ordered log, so one fsync makes every
// commit appended before it durable: syncs are shared (syncThrough), and a
// durable commit also makes every earlier commit durable. (Before, the
// fsync ran under the lock: 0.57 of the 2.78 ms a booking held it.)
//
// A commit is visible to readers before its fsync has returned — for about
// a millisecond, and only a power cut or an operating-system crash could
// then take it back (the page cache survives a crash of the process). That
// is safe because nothing irreversible follows a read alone: a payment is
// sent after its "pending" record's durable commit, and the e-mail and
// webhook workers claim what they send in a durable transaction (ClaimEmails,
// ClaimDeliveries); each such commit waits for a sync that covers every
// commit it could have read. Keep it so: an irreversible step (a gateway
// call, an e-mail, a webhook, a number handed out) follows a durable write.

// maxGroup bounds how many transactions share one commit, so that a burst
// does not make the first caller wait for hundreds of others.
const maxGroup = 64

// errWriteAbandoned is what callers get when the goroutine running their
// group exited without finishing it (runtime.Goexit inside an fn).
var errWriteAbandoned = errors.New("write transaction abandoned: the goroutine running it exited")

type writeJob struct {
	ctx     context.Context
	lazy    bool
	fn      func(tx *sql.Tx) error
	done    chan writeResult // buffered: the runner never blocks on it
	result  writeResult      // set by runGroup
	durable bool             // committed, and must be on disk before the caller hears of it
	num     *numbering       // a transaction that takes a number of a counter; nil for others
}

// numbering is what a write transaction taking the next number of a
// gap-free counter (an invoice's) tells the queue, so that its number can
// be foreseen and the work that depends on it (rendering the PDF that prints
// it) done outside the write lock, while the transaction waits its turn.
//
// As it joins the queue the transaction gets its time (at: the issue time,
// taken in queue order, so that times rise with the numbers, which are
// taken in that order too) and, when the counter's last number is known to
// this process, the number it will take if every transaction of the counter
// ahead of it commits: seq = the last number committed + the transactions of
// the counter queued or running + 1. Its owner then runs prepare(at, seq)
// before waiting for the lock. The transaction itself must take its number
// from the database as ever (nextNumber) and use what prepare made only
// when its number is seq and prepare has finished (ready): a foreseen
// number that turns out wrong (a transaction ahead failed, another process
// or an unannounced writer took one) costs the work done again under the
// lock, never a wrong document.
type numbering struct {
	keyOf   func(at time.Time) string     // the counter (tenant, series, period) at a time
	prepare func(at time.Time, seq int64) // the work outside the lock for number seq

	key   string
	at    time.Time
	seq   int64         // foreseen; 0 when the counter's last number is unknown
	ready chan struct{} // closed when prepare has returned
	used  int64         // set by the transaction: the number it took
}

// prepared reports whether the work for the foreseen number is done and
// that number is seq: only then may the transaction use it.
func (n *numbering) prepared(seq int64) bool {
	if n == nil || n.seq == 0 || n.seq != seq {
		return false
	}
	select {
	case <-n.ready:
		return true
	default:
		return false
	}
}

type writeResult struct {
	err      error
	panicked bool
	value    any // the panic's value
}

// get returns the job's error or re-raises its panic in the caller's goroutine.
func (r writeResult) get() error {
	if r.panicked {
		panic(r.value)
	}
	return r.err
}

// groupQueue holds the transactions waiting for SQLite's write lock.
type groupQueue struct {
	mu      sync.Mutex
	pending []*writeJob
	lock    chan struct{} // held by the goroutine running a group
	groups  atomic.Int64  // commits shared by more than one transaction
	commits atomic.Int64  // commits, shared or not
	txs     atomic.Int64  // transactions committed
	held    atomic.Int64  // nanoseconds the write lock was held
	commit  atomic.Int64  // nanoseconds of it spent in COMMIT (appending to the WAL)

	appended atomic.Int64 // commits made (the WAL's order); syncs cover them up to a number
	syncs    atomic.Int64 // fsyncs of the WAL
	syncMu   sync.Mutex
	synced   int64        // guarded by syncMu: commits up to this number are on disk
	sync     func() error // syncs the WAL file (Store.syncWAL; replaced in tests)

	// guarded by mu: per counter, the last number committed through the
	// queue and the numbering transactions queued or running (numbering)
	last     map[string]int64
	inflight map[string]int64
	foreseen atomic.Int64 // numbering transactions that found their work prepared
	numbered atomic.Int64 // numbering transactions committed
}

// WriteStats counts this process's write transactions on SQLite since the
// store was opened: Transactions committed and the Commits (disk writes)
// that carried them, and Held, how long the single write lock was held
// (running transactions and waiting for their commits to reach the disk):
// the time no other write of the process could run, so that writes can go
// on at most at the rate 1 ÷ (Held per write). All are 0 on PostgreSQL,
// which groups commits itself and writes concurrently. Commit is the part
// of Held spent committing (appending to the WAL); the rest is the
// transactions' own work. Syncs counts the fsyncs of the WAL, which run
// after the lock (one may cover several commits). Numbered counts the
// committed transactions that took a number they had announced (issued
// invoices), Foreseen those of them whose number was foreseen, so that their
// PDF was rendered outside the lock (numbering).
type WriteStats struct {
	Commits      int64
	Transactions int64
	Held         time.Duration
	Commit       time.Duration
	Syncs        int64
	Numbered     int64
	Foreseen     int64
}

// GroupsCommits reports whether this process queues its write transactions
// and lets them share commits (a single-writer database: SQLite), so that
// WriteStats has something to count.
func (s *Store) GroupsCommits() bool { return s.group != nil }

// WriteStats reports the group commit's counters (see WriteStats).
func (s *Store) WriteStats() WriteStats {
	if s.group == nil {
		return WriteStats{}
	}
	return WriteStats{Commits: s.group.commits.Load(), Transactions: s.group.txs.Load(), Held: time.Duration(s.group.held.Load()), Commit: time.Duration(s.group.commit.Load()),
		Syncs: s.group.syncs.Load(), Numbered: s.group.numbered.Load(), Foreseen: s.group.foreseen.Load()}
}

func newGroupQueue(sync func() error) *groupQueue {
	return &groupQueue{lock: make(chan struct{}, 1), sync: sync, last: map[string]int64{}, inflight: map[string]int64{}}
}

// syncThrough returns once the commits up to number seq are on disk: at
// once when a sync that began after them has ended, else after a sync of
// its own, which covers every commit made before it starts. Errors: the
// fsync's (the commits' durability is then unknown).
func (q *groupQueue) syncThrough(seq int64) error {
	q.syncMu.Lock()
	defer q.syncMu.Unlock()
	if q.synced >= seq {
		return nil
	}
	upTo := q.appended.Load() // all appended to the WAL: the fsync covers them
	if err := q.sync(); err != nil {
		return fmt.Errorf("sync the SQLite WAL after a commit: %w", err)
	}
	q.syncs.Add(1)
	q.synced = upTo
	return nil
}

// syncWAL writes SQLite's WAL file to disk (fsync). When there is none (the
// last connection checkpointed it into the database and removed it), the
// database file is synced instead.
func (s *Store) syncWAL() error {
	f, err := os.Open(s.path + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.Open(s.path)
	}
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// withdraw removes j from the queue; false when a runner has taken it.
func (q *groupQueue) withdraw(j *writeJob) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, p := range q.pending {
		if p == j {
			q.pending = append(q.pending[:i], q.pending[i+1:]...)
			return true
		}
	}
	return false
}

// settle counts the numbering transactions of jobs as ended: no longer
// queued, and, when ran is true (their group finished), a committed one's
// number the counter's last.
func (q *groupQueue) settle(jobs []*writeJob, ran bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, j := range jobs {
		n := j.num
		if n == nil {
			continue
		}
		if q.inflight[n.key]--; q.inflight[n.key] <= 0 {
			delete(q.inflight, n.key)
		}
		if ran && j.result.ok() && n.used != 0 {
			q.numbered.Add(1)
			if n.used == n.seq {
				q.foreseen.Add(1)
			}
			q.last[n.key] = max(q.last[n.key], n.used)
		}
	}
}

// take removes up to maxGroup waiting jobs, own among them, oldest first;
// none (nil) when own is no longer waiting: a group before took it, and
// gives its result once the WAL is synced.
func (q *groupQueue) take(own *writeJob) []*writeJob {
	q.mu.Lock()
	defer q.mu.Unlock()
	if !slices.Contains(q.pending, own) {
		return nil
	}
	n := min(len(q.pending), maxGroup)
	out := make([]*writeJob, 0, n)
	hasOwn := false
	for _, p := range q.pending[:n] {
		hasOwn = hasOwn || p == own
		out = append(out, p)
	}
	if !hasOwn {
		out[n-1] = own
	}
	rest := q.pending[:0]
	for _, p := range q.pending {
		keep := true
		for _, o := range out {
			if p == o {
				keep = false
				break
			}
		}
		if keep {
			rest = append(rest, p)
		}
	}
	q.pending = rest
	return out
}

// writeGrouped runs fn as one write transaction of this process on SQLite,
// possibly committed together with others (see above). num, when not nil,
// announces a transaction that takes a counter's number (see numbering).
func (s *Store) writeGrouped(ctx context.Context, lazy bool, num *numbering, fn func(tx *sql.Tx) error) error {
	q := s.group
	j := &writeJob{ctx: ctx, lazy: lazy, fn: fn, done: make(chan writeResult, 1), num: num}
	q.mu.Lock()
	if num != nil {
		num.at, num.seq, num.used, num.ready = s.Now(), 0, 0, make(chan struct{})
		num.key = num.keyOf(num.at)
		if last, ok := q.last[num.key]; ok {
			num.seq = last + q.inflight[num.key] + 1
		}
		q.inflight[num.key]++
	}
	q.pending = append(q.pending, j)
	q.mu.Unlock()
	if num != nil {
		if num.seq != 0 && num.prepare != nil {
			num.prepare(num.at, num.seq)
		}
		close(num.ready)
	}
	select {
	case r := <-j.done:
		return r.get()
	case q.lock <- struct{}{}:
		jobs := q.take(j)
		if jobs == nil { // run by the group before
			<-q.lock
			return (<-j.done).get()
		}
		s.runHolding(jobs)
		return (<-j.done).get()
	case <-ctx.Done():
		if q.withdraw(j) {
			q.settle([]*writeJob{j}, false)
			return ctx.Err()
		}
		return (<-j.done).get()
	}
}

// runHolding runs jobs as the holder of the write lock, releases it and
// gives each job its result: a lazy or failed one at once, a committed
// durable one once the WAL is synced (or the sync's error).
func (s *Store) runHolding(jobs []*writeJob) {
	q := s.group
	start := time.Now()
	finished := false
	var seq int64
	func() {
		defer func() {
			q.settle(jobs, finished)
			q.held.Add(int64(time.Since(start)))
			<-q.lock
			if !finished { // Goexit in an fn: nobody may be left waiting
				for _, j := range jobs {
					select {
					case j.done <- writeResult{err: errWriteAbandoned}:
					default:
					}
				}
			}
		}()
		s.runGroup(jobs)
		seq = q.appended.Load()
		finished = true
	}()
	wait := false
	for _, j := range jobs {
		if j.durable {
			wait = true
		} else {
			j.done <- j.result
		}
	}
	if !wait {
		return
	}
	err := q.syncThrough(seq)
	for _, j := range jobs {
		if j.durable {
			if err != nil {
				j.done <- writeResult{err: err}
			} else {
				j.done <- j.result
			}
		}
	}
}

// runGroup runs jobs and sets each one's result. The caller holds the lock.
func (s *Store) runGroup(jobs []*writeJob) {
	live := jobs[:0:0]
	for _, j := range jobs {
		if err := j.ctx.Err(); err != nil {
			j.result = writeResult{err: err}
			continue
		}
		live = append(live, j)
	}
	switch len(live) {
	case 0:
	case 1:
		s.runAlone(live[0])
	default:
		results, again := s.runTogether(live)
		for i, j := range live {
			if again[i] {
				s.runAlone(j)
			} else {
				j.result = results[i]
				j.durable = !j.lazy && results[i].ok()
			}
		}
	}
}

// ok reports whether the job's transaction committed.
func (r writeResult) ok() bool { return r.err == nil && !r.panicked }

// runAlone runs one job in a transaction of its own and sets its result.
func (s *Store) runAlone(j *writeJob) {
	defer func() {
		if v := recover(); v != nil {
			j.result, j.durable = writeResult{panicked: true, value: v}, false
		}
	}()
	err := s.txOnce(j.ctx, true, j.fn) // synchronous=NORMAL: the sync follows the lock
	if err == nil {
		s.group.appended.Add(1)
		s.group.commits.Add(1)
		s.group.txs.Add(1)
	}
	j.result, j.durable = writeResult{err: err}, err == nil && !j.lazy
}

// runTogether runs jobs in one transaction, each in a savepoint, and
// commits. again[i] marks a job whose work was lost when the transaction
// broke; it must be run again alone. Otherwise results[i] is its outcome.
func (s *Store) runTogether(jobs []*writeJob) (results []writeResult, again []bool) {
	results = make([]writeResult, len(jobs))
	again = make([]bool, len(jobs))
	// the shared transaction must not end with any one caller's context
	ctx := context.WithoutCancel(jobs[0].ctx)
	broken := func(from int) ([]writeResult, []bool) {
		for i := range jobs {
			if i >= from || results[i].err == nil && !results[i].panicked {
				again[i] = true
			}
		}
		return results, again
	}
	err := s.txOnce(ctx, true, func(tx *sql.Tx) error { // synchronous=NORMAL: the sync follows the lock
		for i, j := range jobs {
			if _, err := tx.ExecContext(ctx, `SAVEPOINT mw_group`); err != nil {
				broken(i)
				return err
			}
			results[i] = callFn(j, tx)
			if results[i].err != nil || results[i].panicked {
				if _, err := tx.ExecContext(ctx, `ROLLBACK TO mw_group`); err != nil {
					broken(i + 1)
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, `RELEASE mw_group`); err != nil {
				broken(i + 1)
				return err
			}
		}
		return nil
	})
	if err != nil {
		return broken(len(jobs)) // the commit failed, or begin did: all that had not failed on their own run again
	}
	s.group.appended.Add(1)
	s.group.groups.Add(1)
	s.group.commits.Add(1)
	for _, r := range results {
		if r.err == nil && !r.panicked {
			s.group.txs.Add(1)
		}
	}
	return results, again
}

// callFn runs one job's fn, turning a panic into a result.
func callFn(j *writeJob, tx *sql.Tx) (r writeResult) {
	defer func() {
		if v := recover(); v != nil {
			r = writeResult{panicked: true, value: v}
		}
	}()
	return writeResult{err: j.fn(tx)}
}
