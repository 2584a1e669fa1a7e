package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
)

// groupProbe opens a SQLite store with a probe table and a way to hold the
// write lock: while hold's fn blocks, the writes started meanwhile queue
// and then run as one group.
func groupProbe(t *testing.T) (s *store.Store, hold func() (release func())) {
	t.Helper()
	s, _ = openDB(t, store.SQLite)
	_, err := s.DB().Exec(`CREATE TABLE group_probe (job integer NOT NULL, sync integer NOT NULL)`)
	mustNil(t, err)
	hold = func() func() {
		entered, release := make(chan struct{}), make(chan struct{})
		done := make(chan error)
		go func() {
			// lazy: the hold itself waits for no sync of the WAL
			done <- s.WriteForTest(context.Background(), true, func(tx *sql.Tx) error {
				close(entered)
				<-release
				return nil
			})
		}()
		<-entered
		return func() {
			close(release)
			mustNil(t, <-done)
		}
	}
	return s, hold
}

// waitQueued waits until n write transactions wait for the lock.
func waitQueued(t *testing.T, s *store.Store, n int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); s.WaitingForTest() < n; {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", s.WaitingForTest(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

func probeRows(t *testing.T, s *store.Store) map[int]int {
	t.Helper()
	rows, err := s.DB().Query(`SELECT job, count(*) FROM group_probe GROUP BY job`)
	mustNil(t, err)
	defer rows.Close()
	out := map[int]int{}
	for rows.Next() {
		var job, n int
		mustNil(t, rows.Scan(&job, &n))
		out[job] = n
	}
	mustNil(t, rows.Err())
	return out
}

func insertProbe(tx *sql.Tx, job int) error {
	var mode int
	if err := tx.QueryRow(`PRAGMA synchronous`).Scan(&mode); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO group_probe (job, sync) VALUES ($1, $2)`, job, mode)
	return err
}

// TestGroupCommit: write transactions queued behind the lock share one
// commit, and each keeps its own outcome: one that fails or panics after
// writing leaves nothing behind and tells its caller (the panic re-raised
// in the caller's goroutine), the others are committed exactly once; a
// caller whose context ends while it waits leaves the queue and its
// function never runs.
func TestGroupCommit(t *testing.T) {
	s, hold := groupProbe(t)
	before := s.WriteStats()
	held := time.Now()
	release := hold()
	groups := s.GroupsForTest()
	errFail := errors.New("job 3 fails")
	results := make([]any, 8)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if v := recover(); v != nil {
					results[i] = fmt.Sprint("panic: ", v)
				}
			}()
			results[i] = s.WriteForTest(context.Background(), false, func(tx *sql.Tx) error {
				if err := insertProbe(tx, i); err != nil {
					return err
				}
				switch i {
				case 3:
					return errFail
				case 5:
					panic("job 5 panics")
				}
				return nil
			})
		}()
		waitQueued(t, s, i+1) // in this order
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := false
	waited := make(chan error)
	go func() {
		waited <- s.WriteForTest(ctx, false, func(tx *sql.Tx) error { ran = true; return insertProbe(tx, 99) })
	}()
	waitQueued(t, s, 9)
	cancel()
	if err := <-waited; !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled while waiting: %v", err)
	}
	const holdFor = 50 * time.Millisecond
	time.Sleep(holdFor) // the hold's write keeps the lock at least this long
	release()
	wg.Wait()
	if ran {
		t.Fatal("the function of a caller that had left the queue ran")
	}
	for i, r := range results {
		switch i {
		case 3:
			if r != errFail {
				t.Errorf("job 3: %v, want its own error", r)
			}
		case 5:
			if r != "panic: job 5 panics" {
				t.Errorf("job 5: %v, want its panic", r)
			}
		default:
			if r != nil {
				t.Errorf("job %d: %v", i, r)
			}
		}
	}
	got := probeRows(t, s)
	for i := range 8 {
		want := 1
		if i == 3 || i == 5 {
			want = 0
		}
		if got[i] != want {
			t.Errorf("job %d committed %d rows, want %d", i, got[i], want)
		}
	}
	if got[99] != 0 {
		t.Error("the cancelled caller's row was committed")
	}
	if n := s.GroupsForTest() - groups; n != 1 {
		t.Errorf("%d shared commits, want the 8 queued writes in 1", n)
	}
	// the hold, the group (the failed and the panicked job do not count)
	if st := s.WriteStats(); st.Commits-before.Commits != 2 || st.Transactions-before.Transactions != 7 {
		t.Errorf("write stats %+v after %+v: want 2 commits carrying 7 transactions", st, before)
	}
	// the lock was held at least while the hold's write waited for its
	// release (and never longer than the whole test so far)
	if d, most := s.WriteStats().Held-before.Held, time.Since(held); d < holdFor || d > most {
		t.Errorf("write lock held %s, want at least the hold's %s and at most %s", d, holdFor, most)
	}
}

// TestGroupCommitBroken: when the shared transaction breaks in the middle
// of a group (here a job ends it by hand, as SQLite does when a statement
// is interrupted), nothing of it stays committed half way and every job
// that had not failed on its own is run again alone — exactly once in the
// end, the ones before the break included.
func TestGroupCommitBroken(t *testing.T) {
	s, hold := groupProbe(t)
	release := hold()
	var mu sync.Mutex
	calls := map[int]int{}
	errs := make([]error, 6)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.WriteForTest(context.Background(), false, func(tx *sql.Tx) error {
				mu.Lock()
				calls[i]++
				first := calls[i] == 1
				mu.Unlock()
				if err := insertProbe(tx, i); err != nil {
					return err
				}
				if i == 2 && first {
					_, err := tx.Exec(`ROLLBACK`) // the transaction is gone, the job does not know
					return err
				}
				return nil
			})
		}()
		waitQueued(t, s, i+1)
	}
	release()
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("job %d: %v", i, err)
		}
	}
	got := probeRows(t, s)
	for i := range 6 {
		if got[i] != 1 {
			t.Errorf("job %d committed %d rows, want 1", i, got[i])
		}
	}
	if calls[0] != 2 || calls[2] != 2 || calls[4] != 1 {
		t.Errorf("calls %v: want jobs 0–2 run again alone after the break, 3–5 run once", calls)
	}
}

// TestGroupCommitDurability: every group commits without waiting for the
// disk (synchronous=NORMAL) and is synced after the lock: one fsync of the
// WAL for a group with a durable transaction, none for a group of lazy
// ones.
func TestGroupCommitDurability(t *testing.T) {
	for _, tc := range []struct {
		name  string
		lazy  []bool
		syncs int64
	}{
		{"all lazy", []bool{true, true, true}, 0},
		{"one durable", []bool{true, false, true}, 1},
		{"all durable", []bool{false, false, false}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, hold := groupProbe(t)
			release := hold()
			groups := s.GroupsForTest()
			var wg sync.WaitGroup
			for i, lazy := range tc.lazy {
				wg.Add(1)
				go func() {
					defer wg.Done()
					mustNil(t, s.WriteForTest(context.Background(), lazy, func(tx *sql.Tx) error { return insertProbe(tx, i) }))
				}()
				waitQueued(t, s, i+1)
			}
			syncs := s.WriteStats().Syncs
			release()
			wg.Wait()
			if s.GroupsForTest()-groups != 1 {
				t.Fatal("the writes did not share a commit")
			}
			if got := s.WriteStats().Syncs - syncs; got != tc.syncs {
				t.Errorf("%d syncs of the WAL for the group, want %d", got, tc.syncs)
			}
			rows, err := s.DB().Query(`SELECT job, sync FROM group_probe`)
			mustNil(t, err)
			defer rows.Close()
			n := 0
			for rows.Next() {
				var job, mode int
				mustNil(t, rows.Scan(&job, &mode))
				if mode != 1 {
					t.Errorf("job %d ran with synchronous=%d, want 1 (NORMAL: the sync follows the lock)", job, mode)
				}
				n++
			}
			if n != len(tc.lazy) {
				t.Errorf("%d rows, want %d", n, len(tc.lazy))
			}
		})
	}
}

// TestDurableCommitWaitsForSync: a durable write's caller hears of its
// commit only once the WAL is synced, while the write lock is free for the
// next transactions during that sync; a lazy write does not wait for it; a
// failed sync is the durable caller's error.
func TestDurableCommitWaitsForSync(t *testing.T) {
	s, _ := groupProbe(t)
	entered, proceed := make(chan struct{}, 4), make(chan error)
	s.SetWALSyncForTest(func() error {
		entered <- struct{}{}
		return <-proceed
	})
	write := func(lazy bool, job int) chan error {
		out := make(chan error, 1)
		go func() {
			out <- s.WriteForTest(context.Background(), lazy, func(tx *sql.Tx) error { return insertProbe(tx, job) })
		}()
		return out
	}
	wait := func(ch chan error, what string) error {
		t.Helper()
		select {
		case err := <-ch:
			return err
		case <-time.After(10 * time.Second):
			t.Fatalf("%s did not return", what)
			return nil
		}
	}
	syncing := func() {
		t.Helper()
		select {
		case <-entered:
		case <-time.After(10 * time.Second):
			t.Fatal("a durable commit did not sync the WAL after the lock")
		}
	}
	a := write(false, 1)
	syncing() // a committed, the lock released, its sync running
	select {
	case err := <-a:
		t.Fatalf("the durable write returned (%v) before the WAL was synced", err)
	default:
	}
	// the lock is free meanwhile: a lazy write commits and returns, unsynced
	mustNil(t, wait(write(true, 2), "a lazy write during the sync"))
	if got := probeRows(t, s); got[1] != 1 || got[2] != 1 {
		t.Errorf("rows %v, want jobs 1 and 2 committed", got)
	}
	proceed <- nil
	mustNil(t, wait(a, "the durable write"))

	// a sync that fails: the durable caller is told, the commit's
	// durability being unknown
	b := write(false, 3)
	syncing()
	proceed <- errors.New("EIO")
	if err := wait(b, "the durable write"); err == nil || !strings.Contains(err.Error(), "sync the SQLite WAL") {
		t.Errorf("durable write with a failed sync: %v, want the sync's error", err)
	}
	// the real sync: the WAL the store syncs is the file SQLite writes
	mustNil(t, s.SyncWALForTest())
	if st, err := os.Stat(s.PathForTest() + "-wal"); err != nil || st.Size() == 0 {
		t.Errorf("the WAL the store syncs: %v, %v", st, err)
	}
}
