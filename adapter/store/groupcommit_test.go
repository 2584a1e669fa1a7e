package store_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
			done <- s.WriteForTest(context.Background(), false, func(tx *sql.Tx) error {
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

// TestGroupCommitDurability: a group commits without waiting for the disk
// only when every transaction in it is lazy; one durable transaction makes
// the whole commit durable.
func TestGroupCommitDurability(t *testing.T) {
	for _, tc := range []struct {
		name string
		lazy []bool
		want int // PRAGMA synchronous seen by every job: 1 NORMAL, 2 FULL
	}{
		{"all lazy", []bool{true, true, true}, 1},
		{"one durable", []bool{true, false, true}, 2},
		{"all durable", []bool{false, false}, 2},
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
			release()
			wg.Wait()
			if s.GroupsForTest()-groups != 1 {
				t.Fatal("the writes did not share a commit")
			}
			rows, err := s.DB().Query(`SELECT job, sync FROM group_probe`)
			mustNil(t, err)
			defer rows.Close()
			n := 0
			for rows.Next() {
				var job, mode int
				mustNil(t, rows.Scan(&job, &mode))
				if mode != tc.want {
					t.Errorf("job %d ran with synchronous=%d, want %d", job, mode, tc.want)
				}
				n++
			}
			if n != len(tc.lazy) {
				t.Errorf("%d rows, want %d", n, len(tc.lazy))
			}
		})
	}
}
