package store_test

import (
	"fmt"
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

// TestAvailabilityCounts: a car is free or busy once, however many of its
// allocations run into the period (two bookings the same day, a block);
// a car whose HU runs out before the return and one under repair are not
// counted at all; each category counts its own cars; the live world does
// not see a test booking.
func TestAvailabilityCounts(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		st := w.stations[0][0]
		other := fleet.Category{Code: "SUV", NameDE: "SUV", NameEN: "SUV", Transmission: "automatic", Seats: 5, Doors: 5, Active: true}
		mustNil(t, s.CreateCategory(ctx, &other))
		p := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC) // the period: the whole 7 December
		car := func(i int, cat int64, hu string) fleet.Vehicle {
			v := fleet.Vehicle{StationID: st.ID, CategoryID: cat, Plate: fmt.Sprintf("R-AV %d", i), VIN: fmt.Sprintf("WVWZZZ1KZAW2%05d", i),
				Make: "VW", Model: "Golf", NextInspection: hu}
			mustNil(t, s.CreateVehicle(ctx, &v))
			return v
		}
		busyTwice := w.vehicles[0][0]          // booked in the morning and in the afternoon
		blocked := car(1, w.cats[0].ID, "")    // blocked for a repair in the period
		free := car(2, w.cats[0].ID, "")       // free
		_ = car(3, w.cats[0].ID, "2026-12-06") // HU ran out before the return: not counted
		_ = car(4, other.ID, "")               // the other category, free
		testBooked := car(5, w.cats[0].ID, "") // only a test booking holds it: free in the live world
		for _, al := range []fleet.Allocation{
			{VehicleID: busyTwice.ID, Start: p.Add(8 * time.Hour), End: p.Add(11 * time.Hour), Kind: fleet.AllocBlock},
			{VehicleID: busyTwice.ID, Start: p.Add(13 * time.Hour), End: p.Add(17 * time.Hour), Kind: fleet.AllocBlock},
			{VehicleID: blocked.ID, Start: p.Add(-48 * time.Hour), End: p.Add(48 * time.Hour), Kind: fleet.AllocBlock},
			{VehicleID: testBooked.ID, Start: p.Add(9 * time.Hour), End: p.Add(10 * time.Hour), Kind: fleet.AllocBooking, Test: true},
			{VehicleID: free.ID, Start: p.Add(-48 * time.Hour), End: p, Kind: fleet.AllocBlock}, // ends as the period begins
		} {
			mustNil(t, s.Allocate(ctx, &al))
		}
		got, err := s.Availability(ctx, st.ID, p, p.Add(24*time.Hour))
		mustNil(t, err)
		want := []booking.Free{{CategoryID: w.cats[0].ID, Total: 4, Free: 2}, {CategoryID: other.ID, Total: 1, Free: 1}}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("availability %+v, want %+v", got, want)
		}
	})
}
