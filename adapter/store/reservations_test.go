package store_test

import (
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

func TestReservationsTakeFreeVehicles(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "r@example.de")
		st := w.stations[0][0]
		// two more cars of the category at station 0: three in all
		for i, vin := range []string{"WVWZZZ1KZAW000011", "WVWZZZ1KZAW000012"} {
			v := fleet.Vehicle{StationID: st.ID, CategoryID: w.cats[0].ID, Plate: "R-CD " + string(rune('1'+i)), VIN: vin, Make: "VW", Model: "Golf"}
			mustNil(t, s.CreateVehicle(ctx, &v))
		}
		p := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		free, err := s.Availability(ctx, st.ID, p, p.Add(48*time.Hour))
		mustNil(t, err)
		if len(free) != 1 || free[0].Free != 3 || free[0].Total != 3 {
			t.Fatalf("free = %+v", free)
		}
		var rs []booking.Reservation
		for range 3 {
			r := booking.Reservation{StationID: st.ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID, Pickup: p, Return: p.Add(48 * time.Hour)}
			mustNil(t, s.CreateReservation(ctx, &r))
			if r.VehicleID == 0 || r.Number == "" || r.Status != booking.StatusPendingPayment {
				t.Fatalf("reservation = %+v", r)
			}
			rs = append(rs, r)
		}
		if rs[0].Number != "B26-00001" || rs[2].Number != "B26-00003" {
			t.Fatalf("numbers %s, %s", rs[0].Number, rs[2].Number)
		}
		r := booking.Reservation{StationID: st.ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID, Pickup: p.Add(time.Hour), Return: p.Add(5 * time.Hour)}
		if err := s.CreateReservation(ctx, &r); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("fourth booking: %v", err)
		}
		free, _ = s.Availability(ctx, st.ID, p, p.Add(time.Hour))
		if free[0].Free != 0 {
			t.Fatalf("free after booking all = %+v", free)
		}
		// a failed payment releases the vehicle
		mustNil(t, s.SetReservationStatus(ctx, rs[1].ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusFailed))
		free, _ = s.Availability(ctx, st.ID, p, p.Add(time.Hour))
		if free[0].Free != 1 {
			t.Fatalf("free after release = %+v", free)
		}
		if err := s.SetReservationStatus(ctx, rs[1].ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("failed → confirmed: %v", err)
		}
		got, err := s.ReservationByNumber(ctx, rs[0].Number)
		mustNil(t, err)
		if got.ID != rs[0].ID || !got.Pickup.Equal(p) {
			t.Fatalf("by number = %+v", got)
		}
		if _, err := s.ReservationByNumber(as(w.actor(0, 1)), rs[0].Number); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other station sees booking: %v", err)
		}
		if _, err := s.ReservationByNumber(sys(w.tenants[1].ID), rs[0].Number); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant sees booking: %v", err)
		}
	})
}

// TestLastVehicleConcurrent: many concurrent bookings for the last free
// vehicle; exactly one wins.
func TestLastVehicleConcurrent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "race@example.de")
		p := time.Date(2026, 12, 14, 8, 0, 0, 0, time.UTC)
		var wg sync.WaitGroup
		var mu sync.Mutex
		wins := 0
		for i := range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := booking.Reservation{StationID: w.stations[0][0].ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
					Pickup: p.Add(time.Duration(i) * time.Minute), Return: p.Add(24 * time.Hour)}
				err := s.CreateReservation(ctx, &r)
				if err == nil {
					mu.Lock()
					wins++
					mu.Unlock()
				} else if !errs.Is(err, errs.KindConflict) {
					t.Errorf("booking: %v", err)
				}
			}()
		}
		wg.Wait()
		if wins != 1 {
			t.Fatalf("%d bookings won the last vehicle", wins)
		}
		list, total, err := s.ListReservations(ctx, booking.Filter{})
		mustNil(t, err)
		if total != 1 || len(list) != 1 {
			t.Fatalf("%d reservations stored (failed bookings must leave none)", total)
		}
	})
}
