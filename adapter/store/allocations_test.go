package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

func TestAllocationOverlapRules(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		v := w.vehicles[0][0].ID
		d := func(day, hour int) time.Time { return time.Date(2026, 12, day, hour, 0, 0, 0, time.UTC) }
		mustNil(t, s.Allocate(ctx, &fleet.Allocation{VehicleID: v, Start: d(1, 8), End: d(3, 8)}))
		cases := []struct {
			name       string
			start, end time.Time
			ok         bool
		}{
			{"inside", d(1, 12), d(2, 12), false},
			{"overlaps start", d(1, 0), d(1, 9), false},
			{"overlaps end", d(2, 0), d(4, 0), false},
			{"encloses", d(1, 0), d(5, 0), false},
			{"ends where it starts", d(1, 0), d(1, 8), true},
			{"starts where it ends", d(3, 8), d(4, 8), true},
		}
		for _, c := range cases {
			err := s.Allocate(ctx, &fleet.Allocation{VehicleID: v, Start: c.start, End: c.end, Kind: fleet.AllocBlock})
			if c.ok && err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			if !c.ok && !errs.Is(err, errs.KindConflict) {
				t.Errorf("%s: err = %v, want conflict", c.name, err)
			}
		}
		list, err := s.ListAllocations(ctx, v, d(1, 0), d(10, 0))
		mustNil(t, err)
		if len(list) != 3 {
			t.Fatalf("%d allocations, want 3", len(list))
		}
		// another vehicle is free in the same period
		mustNil(t, s.Allocate(ctx, &fleet.Allocation{VehicleID: w.vehicles[0][1].ID, Start: d(1, 8), End: d(3, 8)}))
		if err := s.Allocate(ctx, &fleet.Allocation{VehicleID: v, Start: d(5, 8), End: d(5, 8)}); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("empty period: %v", err)
		}
	})
}

// TestAllocationConcurrent races many writers, over several connections
// (and, on PostgreSQL, several pools as separate processes would have), for
// overlapping periods of one vehicle: exactly one wins each slot.
func TestAllocationConcurrent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		v := w.vehicles[0][0].ID
		base := time.Date(2027, 1, 4, 8, 0, 0, 0, time.UTC)
		const workers, rounds = 16, 10
		deadlocks := pgDeadlocks(t, s)
		var wg sync.WaitGroup
		wins := make([]int, rounds)
		var mu sync.Mutex
		for r := range rounds {
			for i := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					// each worker asks for a slightly different, overlapping period of round r
					start := base.Add(time.Duration(r) * 72 * time.Hour).Add(time.Duration(i) * time.Minute)
					err := s.Allocate(ctx, &fleet.Allocation{VehicleID: v, Start: start, End: start.Add(24 * time.Hour)})
					switch {
					case err == nil:
						mu.Lock()
						wins[r]++
						mu.Unlock()
					case errs.Is(err, errs.KindConflict):
					default:
						t.Errorf("unexpected error: %v", err)
					}
				}()
			}
		}
		wg.Wait()
		for r, n := range wins {
			if n != 1 {
				t.Errorf("round %d: %d winners, want exactly 1", r, n)
			}
		}
		// Writers of one car wait for each other on its row instead of
		// deadlocking in the exclusion constraint (which a retry hides
		// until the retries run out under load).
		noNewDeadlocks(t, s, deadlocks)
		list, err := s.ListAllocations(context.Background(), v, base, base.Add(30*24*time.Hour))
		if err == nil {
			t.Fatalf("listing without an actor succeeded with %d rows", len(list))
		}
		list, err = s.ListAllocations(ctx, v, base, base.Add(30*24*time.Hour))
		mustNil(t, err)
		for i := 1; i < len(list); i++ {
			if list[i].Start.Before(list[i-1].End) {
				t.Fatalf("overlap stored: %v and %v", list[i-1], list[i])
			}
		}
	})
}

// noNewDeadlocks fails if PostgreSQL has broken a deadlock in the test
// database since pgDeadlocks returned before.
func noNewDeadlocks(t *testing.T, s *store.Store, before int64) {
	t.Helper()
	if s.Dialect() != store.Postgres {
		return
	}
	deadline := time.Now().Add(3 * time.Second)
	for n := pgDeadlocks(t, s); ; n = pgDeadlocks(t, s) {
		if n != before {
			t.Errorf("%d deadlocks", n-before)
			return
		}
		if time.Now().After(deadline) { // statistics reach pg_stat_database within a second
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// pgDeadlocks is the number of deadlocks PostgreSQL has broken in the test
// database so far (0 on SQLite).
func pgDeadlocks(t *testing.T, s *store.Store) int64 {
	t.Helper()
	if s.Dialect() != store.Postgres {
		return 0
	}
	var n int64
	if err := s.DB().QueryRow(`SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
