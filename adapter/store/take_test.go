package store_test

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/cfgver"
)

// takeFixture is a station with cars of one category and the online
// booking of one of them.
type takeFixture struct {
	t    *testing.T
	s    *store.Store
	w    *world
	ctx  context.Context
	p    time.Time // pickup; return a day later
	cars []int64   // the station's cars by preference (the world's first, then the added ones)
}

// newTakeFixture adds n-1 cars (more driven each) to the world's first
// station, which then has n cars of its category.
func newTakeFixture(t *testing.T, s *store.Store, n int) *takeFixture {
	t.Helper()
	w := newWorld(t, s)
	f := &takeFixture{t: t, s: s, w: w, ctx: sys(w.tenants[0].ID), p: time.Date(2026, 12, 14, 8, 0, 0, 0, time.UTC),
		cars: []int64{w.vehicles[0][0].ID}}
	for i := 1; i < n; i++ {
		v := fleet.Vehicle{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, Plate: fmt.Sprintf("R-TK %d", i),
			VIN: fmt.Sprintf("WVWZZZ1KZAW1%05d", i), Make: "VW", Model: "Golf", OdometerKM: 1000 + int64(i)*100, FuelEighths: 8}
		mustNil(t, s.CreateVehicle(f.ctx, &v))
		f.cars = append(f.cars, v.ID)
	}
	return f
}

// book is an online booking of the category for [p, p+24h) by a customer
// with e-mail i@example.de.
func (f *takeFixture) book(ctx context.Context, i int) (booking.Reservation, error) {
	c := customer.Customer{Email: fmt.Sprintf("kunde%d@example.de", i), FirstName: "Kai", LastName: fmt.Sprint("Kunde ", i),
		Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
	r := booking.Reservation{StationID: f.w.stations[0][0].ID, CategoryID: f.w.cats[0].ID, TariffID: f.w.tariffs[0].ID,
		Pickup: f.p, Return: f.p.Add(24 * time.Hour)}
	err := f.s.CreateReservationFor(ctx, &c, &r)
	return r, err
}

// nothingFree reports whether err is exactly the booking's "nothing_free".
func nothingFree(err error) bool {
	e, ok := errs.As(err)
	return ok && e.Kind == errs.KindConflict && e.Code == "nothing_free"
}

// checkAllocations fails unless every reservation that holds a car has
// one allocation, on the reservation's car, and no two live allocations of
// a car overlap.
func (f *takeFixture) checkAllocations() {
	f.t.Helper()
	if n := count(f.t, f.s, `SELECT count(*) FROM allocations a JOIN allocations b ON a.vehicle_id = b.vehicle_id AND a.id < b.id
		AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at WHERE NOT a.test AND NOT b.test`); n > 0 {
		f.t.Errorf("%d pairs of overlapping allocations", n)
	}
	held := count(f.t, f.s, `SELECT count(*) FROM reservations WHERE status IN ('pending_payment', 'confirmed')`)
	if n := count(f.t, f.s, `SELECT count(*) FROM reservations r JOIN allocations al ON al.reservation_id = r.id
		AND al.vehicle_id = r.vehicle_id WHERE r.status IN ('pending_payment', 'confirmed')`); n != held {
		f.t.Errorf("%d reservations hold their car by an allocation, want all %d", n, held)
	}
}

// TestConcurrentBookingsFewerCars: more concurrent online bookings of a
// category than it has free cars: exactly as many succeed as there are
// cars, each on a car of its own, and every other one is told nothing_free
// (no transaction error, nothing written for it). Then the same for another
// period with staff blocking each car at the same time (blocks take no
// booking number, so on PostgreSQL they race the bookings' take itself):
// each car is taken once, by a booking or a block.
func TestConcurrentBookingsFewerCars(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		const cars, bookings = 4, 14
		f := newTakeFixture(t, s, cars)
		deadlocks := pgDeadlocks(t, s)
		race := func(blocks bool) (booked, blocked int) {
			fails := make([]error, bookings)
			got := make([]int64, bookings)
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := range bookings {
				wg.Add(1)
				go func() {
					defer wg.Done()
					r, err := f.book(f.ctx, i)
					fails[i], got[i] = err, r.VehicleID
				}()
				if blocks && i < cars {
					wg.Add(1)
					go func() {
						defer wg.Done()
						err := s.Allocate(f.ctx, &fleet.Allocation{VehicleID: f.cars[i], Start: f.p, End: f.p.Add(24 * time.Hour), Kind: fleet.AllocBlock})
						switch {
						case err == nil:
							mu.Lock()
							blocked++
							mu.Unlock()
						case !errs.Is(err, errs.KindConflict):
							t.Errorf("block of car %d: %v", f.cars[i], err)
						}
					}()
				}
			}
			wg.Wait()
			taken := map[int64]bool{}
			for i, err := range fails {
				switch {
				case err == nil:
					if taken[got[i]] || got[i] == 0 {
						t.Errorf("booking %d got car %d, taken %v", i, got[i], taken)
					}
					taken[got[i]] = true
				case !nothingFree(err):
					t.Errorf("booking %d: %v", i, err)
				}
			}
			return len(taken), blocked
		}
		if booked, _ := race(false); booked != cars {
			t.Errorf("%d bookings got a car, want %d", booked, cars)
		}
		if n := count(t, s, `SELECT count(*) FROM reservations`); n != cars {
			t.Errorf("%d reservations stored, want %d", n, cars)
		}
		f.checkAllocations()
		f.p = f.p.AddDate(0, 0, 3)
		if booked, blocked := race(true); booked+blocked != cars {
			t.Errorf("%d bookings and %d blocks got a car, want %d in all", booked, blocked, cars)
		}
		f.checkAllocations()
		// bookings wait for each other at the booking number and for a
		// block at its car, which holds no other: no deadlock to break
		noNewDeadlocks(t, s, deadlocks)
	})
}

// TestCarStageStatements: on PostgreSQL an online booking's car stage is
// five statements — BEGIN, the customer found or created, the reservation
// (with the customer's audit row and the booking number), the car searched,
// locked, allocated and set on the reservation, COMMIT —, no SAVEPOINT. A
// booking that finds no car tries once passing over locked cars and once
// waiting for them. SQLite keeps its own way (its statements cost no round
// trip). With the booking's rent recorded pending by the reservation's
// statement (CreateReservationPaying, as an online booking makes it) the
// stage stays at five: TestRentRecordedWithBooking.
func TestCarStageStatements(t *testing.T) {
	s, _ := openDB(t, store.Postgres)
	f := newTakeFixture(t, s, 2)
	ctx := cfgver.With(f.ctx)
	_, err := s.Tenant(ctx) // reads the configuration version: the booking number's prefix comes from the cache
	mustNil(t, err)
	for i, want := range []int{5, 5} { // a new customer; one already known
		s.TallyStatements(true)
		n0 := s.Statements()
		r, err := f.book(ctx, 0)
		mustNil(t, err)
		if n := s.Statements() - n0; n != int64(want) {
			t.Errorf("booking %d sent %d statements, want %d: %v", i+1, n, want, s.StatementTally())
		}
		if r.VehicleID != f.cars[i] {
			t.Errorf("booking %d took car %d, want %d (by preference)", i+1, r.VehicleID, f.cars[i])
		}
	}
	n0 := s.Statements()
	if _, err := f.book(ctx, 0); !nothingFree(err) {
		t.Fatalf("third booking of two cars: %v", err)
	}
	if n := s.Statements() - n0; n != 6 {
		t.Errorf("a booking finding no car sent %d statements, want 6 (BEGIN, customer, reservation, two attempts, ROLLBACK): %v",
			n, s.StatementTally())
	}
	s.TallyStatements(false)
	f.checkAllocations()
}

// TestExpiringHUNeverTaken: a car whose HU (or service) runs out before the
// return is never taken by a booking, though it is the one preferred, also
// when it is the last car; nor when its HU is changed while the booking
// waits for it (PostgreSQL re-checks the car as it locks it).
func TestExpiringHUNeverTaken(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newTakeFixture(t, s, 3)
		// the first car's HU runs out the day before the return, the
		// third's service on the pickup day
		_, err := s.DB().Exec(`UPDATE vehicles SET next_inspection = $1 WHERE id = $2`, "2026-12-14", f.cars[0])
		mustNil(t, err)
		_, err = s.DB().Exec(`UPDATE vehicles SET next_service = $1 WHERE id = $2`, "2026-12-14", f.cars[2])
		mustNil(t, err)
		r, err := f.book(f.ctx, 1)
		mustNil(t, err)
		if r.VehicleID != f.cars[1] {
			t.Fatalf("took car %d, want the only roadworthy one %d", r.VehicleID, f.cars[1])
		}
		if _, err := f.book(f.ctx, 2); !nothingFree(err) {
			t.Fatalf("booking with only unroadworthy cars left: %v", err)
		}
		f.checkAllocations()
	})
	t.Run("changed while waiting", func(t *testing.T) {
		s, _ := openDB(t, store.Postgres)
		f := newTakeFixture(t, s, 1)
		tx, err := s.DB().Begin()
		mustNil(t, err)
		defer tx.Rollback()
		_, err = tx.Exec(`UPDATE vehicles SET next_inspection = '2026-12-01' WHERE id = $1`, f.cars[0])
		mustNil(t, err)
		done := make(chan error, 1)
		go func() { _, err := f.book(f.ctx, 1); done <- err }()
		waitForLockWait(t, s)
		mustNil(t, tx.Commit())
		if err := <-done; !nothingFree(err) {
			t.Fatalf("booking of the car whose HU ran out while it waited: %v", err)
		}
		f.checkAllocations()
	})
}

// TestTakeWaitsForLockedCars: on PostgreSQL a booking passes over a car
// another transaction holds, and when only held cars are left it waits for
// them instead of reporting nothing_free: a car whose holder rolls back is
// taken; one whose holder allocated it meanwhile is lost without failing the
// transaction, and the next car is taken.
func TestTakeWaitsForLockedCars(t *testing.T) {
	s, _ := openDB(t, store.Postgres)
	f := newTakeFixture(t, s, 2)
	// hold locks as a concurrent booking would: the car's row, then its allocation
	hold := func(allocate int64, cars ...int64) *sql.Tx {
		tx, err := s.DB().Begin()
		mustNil(t, err)
		for _, v := range cars {
			_, err = tx.Exec(`SELECT id FROM vehicles WHERE id = $1 FOR NO KEY UPDATE`, v)
			mustNil(t, err)
		}
		if allocate != 0 {
			_, err = tx.Exec(`INSERT INTO allocations (tenant_id, vehicle_id, starts_at, ends_at, kind, created_at)
				VALUES ($1, $2, $3, $4, 'block', $5)`, f.w.tenants[0].ID, allocate, f.p, f.p.Add(24*time.Hour), f.p)
			mustNil(t, err)
		}
		return tx
	}
	book := func() chan booking.Reservation {
		out := make(chan booking.Reservation, 1)
		go func() {
			r, err := f.book(f.ctx, 1)
			if err != nil {
				t.Error(err)
			}
			out <- r
		}()
		return out
	}
	recv := func(ch chan booking.Reservation) booking.Reservation {
		select {
		case r := <-ch:
			return r
		case <-time.After(20 * time.Second):
			t.Fatal("the booking did not end")
			return booking.Reservation{}
		}
	}
	cancel := func(r booking.Reservation) {
		mustNil(t, s.SetReservationStatus(f.ctx, r.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusCancelled))
	}

	// the preferred car is held: the next one is taken at once
	tx := hold(f.cars[0], f.cars[0])
	if r := recv(book()); r.VehicleID != f.cars[1] {
		t.Errorf("with the first car held took %d, want %d", r.VehicleID, f.cars[1])
	} else {
		cancel(r)
	}
	mustNil(t, tx.Rollback())

	// both held, the holder fails: the booking waits and takes the first
	tx = hold(f.cars[0], f.cars...)
	got := book()
	waitForLockWait(t, s)
	mustNil(t, tx.Rollback())
	if r := recv(got); r.VehicleID != f.cars[0] {
		t.Errorf("after the holder rolled back took %d, want %d", r.VehicleID, f.cars[0])
	} else {
		cancel(r)
	}

	// both held, the holder allocates the first and commits: the booking
	// waited for it, loses it and takes the second
	tx = hold(f.cars[0], f.cars...)
	got = book()
	waitForLockWait(t, s)
	mustNil(t, tx.Commit())
	if r := recv(got); r.VehicleID != f.cars[1] {
		t.Errorf("after losing the first car took %d, want %d", r.VehicleID, f.cars[1])
	}
	f.checkAllocations()
}

// waitForLockWait waits until a session of the test database waits for a
// lock.
func waitForLockWait(t *testing.T, s *store.Store) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if count(t, s, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`) > 0 {
			return
		}
	}
	t.Fatal("no session waits for a lock")
}

// TestFreeCarSearchWalksPreferenceIndex: the search for a booking's car
// walks the cars of its station and category in the order they are taken
// (ready first, then the least driven) and stops at the first free one,
// instead of testing every car of the category for overlaps and sorting the
// free ones (1.7 ms of SQLite's single writer per booking at 1,000 cars);
// on SQLite from the indexes alone (no row of vehicles or allocations read).
// On PostgreSQL sorting and sequential scans are switched off for the check:
// the plan must then still be able to take the order from an index.
func TestFreeCarSearchWalksPreferenceIndex(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newTakeFixture(t, s, 3)
		r := booking.Reservation{StationID: f.w.stations[0][0].ID, CategoryID: f.w.cats[0].ID, Pickup: f.p, Return: f.p.Add(24 * time.Hour)}
		q, a := s.FreeCarQueryForTest(f.w.tenants[0].ID, &r)
		var plan strings.Builder
		tx, err := s.DB().Begin()
		mustNil(t, err)
		defer tx.Rollback()
		explain := `EXPLAIN QUERY PLAN `
		if s.Dialect() == store.Postgres {
			_, err = tx.Exec(`SET LOCAL enable_sort = off; SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off`)
			mustNil(t, err)
			explain = `EXPLAIN `
		}
		rows, err := tx.Query(explain+q, a...)
		mustNil(t, err)
		cols, err := rows.Columns()
		mustNil(t, err)
		for rows.Next() {
			vals := make([]any, len(cols))
			ptrs := make([]any, len(cols))
			for i := range vals {
				ptrs[i] = &vals[i]
			}
			mustNil(t, rows.Scan(ptrs...))
			fmt.Fprintln(&plan, vals...)
		}
		mustNil(t, rows.Err())
		got := plan.String()
		covering := s.Dialect() == store.Postgres || // (visibility decides there)
			strings.Contains(got, "COVERING INDEX vehicles_take") && strings.Contains(got, "COVERING INDEX allocations_vehicle_span")
		if !strings.Contains(got, "vehicles_take") || strings.Contains(got, "TEMP B-TREE") || strings.Contains(got, "Sort") || !covering {
			t.Errorf("the free car is not found by walking vehicles_take in preference order:\n%s", got)
		}
		// and the order is the one taken: the fixture's first car is the least driven
		var id int64
		mustNil(t, tx.QueryRow(q, a...).Scan(&id))
		if id != f.cars[0] {
			t.Errorf("search found car %d, want %d (the least driven)", id, f.cars[0])
		}
	})
}
