package store_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

// planFixture adds a second vehicle at station [0][0] and two bookings:
// r1 on vehicle A, r2 on vehicle B, both confirmed.
type planFixture struct {
	w      *world
	ctx    context.Context
	vA, vB fleet.Vehicle
	r1, r2 booking.Reservation
	p      time.Time
}

func newPlanFixture(t *testing.T, s *store.Store) *planFixture {
	t.Helper()
	w := newWorld(t, s)
	f := &planFixture{w: w, ctx: sys(w.tenants[0].ID), vA: w.vehicles[0][0], p: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	f.vB = fleet.Vehicle{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, Plate: "R-XY 9", VIN: "WVWZZZ1KZAW000099", Make: "VW", Model: "Polo"}
	mustNil(t, s.CreateVehicle(f.ctx, &f.vB))
	c := testCustomer(t, s, f.ctx, "plan@example.de")
	mk := func(vid int64, from time.Time) booking.Reservation {
		r := booking.Reservation{StationID: w.stations[0][0].ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
			VehicleID: vid, Pickup: from, Return: from.Add(48 * time.Hour), Status: booking.StatusConfirmed}
		mustNil(t, s.CreateReservation(f.ctx, &r))
		return r
	}
	f.r1 = mk(f.vA.ID, f.p)
	f.r2 = mk(f.vB.ID, f.p)
	return f
}

func TestPlanShowsBarsAndUnassigned(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newPlanFixture(t, s)
		mustNil(t, s.Allocate(f.ctx, &fleet.Allocation{VehicleID: f.vA.ID, Start: f.p.Add(72 * time.Hour), End: f.p.Add(96 * time.Hour), Kind: fleet.AllocMaintenance, Note: "Inspektion"}))
		// an unassigned reservation (cancelled-then-reassigned reservations keep vehicle_id NULL when created as failed)
		un := booking.Reservation{StationID: f.w.stations[0][0].ID, CustomerID: f.r1.CustomerID, CategoryID: f.w.cats[0].ID,
			TariffID: f.w.tariffs[0].ID, Pickup: f.p.Add(120 * time.Hour), Return: f.p.Add(126 * time.Hour), Status: booking.StatusFailed}
		mustNil(t, s.CreateReservation(f.ctx, &un))
		_, err := s.DB().Exec(`UPDATE reservations SET status = 'confirmed' WHERE id = $1`, un.ID)
		mustNil(t, err)

		plan, err := s.Plan(f.ctx, f.w.stations[0][0].ID, f.p.Add(-24*time.Hour), f.p.Add(14*24*time.Hour))
		mustNil(t, err)
		if len(plan.Categories) != 1 || len(plan.Categories[0].Vehicles) != 2 {
			t.Fatalf("plan = %+v", plan)
		}
		cat := plan.Categories[0]
		bars := map[string][]booking.Bar{}
		for _, v := range cat.Vehicles {
			bars[v.Plate] = v.Bars
		}
		if a := bars[f.vA.Plate]; len(a) != 2 || a[0].Number != f.r1.Number || a[0].CustomerName != "Jürgen Weiß" || !a[0].Movable() ||
			a[1].Kind != booking.BarMaintenance || a[1].Note != "Inspektion" || a[1].Movable() {
			t.Fatalf("bars of A = %+v", a)
		}
		if len(cat.Unassigned) != 1 || cat.Unassigned[0].ReservationID != un.ID {
			t.Fatalf("unassigned = %+v", cat.Unassigned)
		}
		// isolation: a user of the other station and another tenant see nothing
		for _, ctx := range []context.Context{as(f.w.actor(0, 1)), as(f.w.actor(1, -1))} {
			if _, err := s.Plan(ctx, f.w.stations[0][0].ID, f.p, f.p.Add(time.Hour)); !errs.Is(err, errs.KindNotFound) {
				t.Fatalf("foreign plan: %v", err)
			}
		}
		// assigning the unassigned reservation
		got, err := s.MoveBooking(as(f.w.actor(0, 0)), booking.Move{ReservationID: un.ID, VehicleID: f.vA.ID})
		mustNil(t, err)
		if got.VehicleID != f.vA.ID {
			t.Fatalf("assigned = %+v", got)
		}
		trail, err := s.AuditTrail(f.ctx, "reservation", un.ID)
		mustNil(t, err)
		if last := trail[len(trail)-1]; last.Action != "assign_vehicle" || last.ActorID != f.w.actor(0, 0).UserID {
			t.Fatalf("audit = %+v", last)
		}
	})
}

func TestMoveBooking(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newPlanFixture(t, s)
		staff := as(f.w.actor(0, 0))
		// moving r1 onto B at the same time is refused; nothing changes
		_, err := s.MoveBooking(staff, booking.Move{ReservationID: f.r1.ID, VehicleID: f.vB.ID})
		if e, ok := errs.As(err); !ok || e.Code != "vehicle_overlap" {
			t.Fatalf("overlap move: %v", err)
		}
		r, _ := s.Reservation(f.ctx, f.r1.ID)
		als, _ := s.ListAllocations(f.ctx, f.vA.ID, f.p, f.p.Add(time.Hour))
		if r.VehicleID != f.vA.ID || !r.Pickup.Equal(f.p) || len(als) != 1 || als[0].ReservationID != f.r1.ID {
			t.Fatalf("after refused move: %+v %+v", r, als)
		}
		// moving r1 onto B three days later works, keeps its length and is logged
		later := f.p.Add(72 * time.Hour)
		got, err := s.MoveBooking(staff, booking.Move{ReservationID: f.r1.ID, VehicleID: f.vB.ID, Pickup: later})
		mustNil(t, err)
		if got.VehicleID != f.vB.ID || !got.Pickup.Equal(later) || !got.Return.Equal(later.Add(48*time.Hour)) {
			t.Fatalf("moved = %+v", got)
		}
		if als, _ := s.ListAllocations(f.ctx, f.vA.ID, f.p, f.p.Add(30*24*time.Hour)); len(als) != 0 {
			t.Fatalf("old allocation kept: %+v", als)
		}
		trail, _ := s.AuditTrail(f.ctx, "reservation", f.r1.ID)
		last := trail[len(trail)-1]
		var before, after map[string]any
		mustNil(t, json.Unmarshal([]byte(last.Before), &before))
		mustNil(t, json.Unmarshal([]byte(last.After), &after))
		if last.Action != "move" || before["vehicle_id"].(float64) != float64(f.vA.ID) || after["vehicle_id"].(float64) != float64(f.vB.ID) {
			t.Fatalf("audit = %+v", last)
		}
		// refused: other station's vehicle, other station's user, other tenant, past, retired car, handed over
		cases := []struct {
			name string
			ctx  context.Context
			m    booking.Move
			kind errs.Kind
		}{
			{"vehicle of another station", f.ctx, booking.Move{ReservationID: f.r2.ID, VehicleID: f.w.vehicles[0][1].ID}, errs.KindConflict},
			{"user of another station", as(f.w.actor(0, 1)), booking.Move{ReservationID: f.r2.ID, VehicleID: f.vA.ID}, errs.KindNotFound},
			{"other tenant", as(f.w.actor(1, -1)), booking.Move{ReservationID: f.r2.ID, VehicleID: f.vA.ID}, errs.KindNotFound},
			{"other tenant's vehicle", f.ctx, booking.Move{ReservationID: f.r2.ID, VehicleID: f.w.vehicles[1][0].ID}, errs.KindNotFound},
			{"into the past", f.ctx, booking.Move{ReservationID: f.r2.ID, VehicleID: f.vA.ID, Pickup: f.p.Add(-30 * 24 * time.Hour)}, errs.KindInvalid},
		}
		for _, c := range cases {
			if _, err := s.MoveBooking(c.ctx, c.m); !errs.Is(err, c.kind) {
				t.Errorf("%s: %v, want %s", c.name, err, c.kind)
			}
		}
		mustNil(t, s.SetReservationStatus(f.ctx, f.r2.ID, []booking.Status{booking.StatusConfirmed}, booking.StatusActive))
		if _, err := s.MoveBooking(f.ctx, booking.Move{ReservationID: f.r2.ID, VehicleID: f.vA.ID}); !errs.Is(err, errs.KindConflict) {
			t.Errorf("handed over: %v", err)
		}
		if r, _ := s.Reservation(f.ctx, f.r2.ID); r.VehicleID != f.vB.ID || !r.Pickup.Equal(f.p) {
			t.Fatalf("r2 changed: %+v", r)
		}
	})
}

// TestMoveBookingConcurrent drags two bars onto the same free slot at once:
// exactly one move wins, the other gets vehicle_overlap.
func TestMoveBookingConcurrent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newPlanFixture(t, s)
		vC := fleet.Vehicle{StationID: f.w.stations[0][0].ID, CategoryID: f.w.cats[0].ID, Plate: "R-ZZ 7", VIN: "WVWZZZ1KZAW000077", Make: "VW", Model: "Up"}
		mustNil(t, s.CreateVehicle(f.ctx, &vC))
		for round := range 5 {
			slot := f.p.Add(time.Duration(10+round*5) * 24 * time.Hour)
			var wg sync.WaitGroup
			errsOut := make([]error, 2)
			for i, r := range []booking.Reservation{f.r1, f.r2} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errsOut[i] = s.MoveBooking(f.ctx, booking.Move{ReservationID: r.ID, VehicleID: vC.ID, Pickup: slot})
				}()
			}
			wg.Wait()
			won := 0
			for _, err := range errsOut {
				if err == nil {
					won++
				} else if e, ok := errs.As(err); !ok || e.Code != "vehicle_overlap" {
					t.Fatalf("round %d: %v", round, err)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d moves won (%v)", round, won, errsOut)
			}
			als, err := s.ListAllocations(f.ctx, vC.ID, slot, slot.Add(48*time.Hour))
			mustNil(t, err)
			if len(als) != 1 {
				t.Fatalf("round %d: %d allocations on the slot", round, len(als))
			}
			// the loser kept its own vehicle and time
			for _, r := range []booking.Reservation{f.r1, f.r2} {
				got, _ := s.Reservation(f.ctx, r.ID)
				if got.VehicleID != vC.ID {
					mine, _ := s.ListAllocations(f.ctx, got.VehicleID, got.Pickup, got.Return)
					if len(mine) != 1 || mine[0].ReservationID != r.ID {
						t.Fatalf("round %d: loser lost its allocation: %+v %+v", round, got, mine)
					}
				}
			}
			// free the slot for the next round: move the winner back away
			for i, r := range []booking.Reservation{f.r1, f.r2} {
				if got, _ := s.Reservation(f.ctx, r.ID); got.VehicleID == vC.ID && got.Pickup.Equal(slot) {
					_, err := s.MoveBooking(f.ctx, booking.Move{ReservationID: r.ID, VehicleID: vC.ID, Pickup: f.p.Add(time.Duration(200+round*10+i*5) * 24 * time.Hour)})
					mustNil(t, err)
				}
			}
		}
	})
}

func TestFreeVehicles(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newPlanFixture(t, s)
		free, err := s.FreeVehicles(f.ctx, f.w.stations[0][0].ID, f.p, f.p.Add(time.Hour), 0)
		mustNil(t, err)
		if len(free) != 0 {
			t.Fatalf("free = %+v", free)
		}
		free, err = s.FreeVehicles(f.ctx, f.w.stations[0][0].ID, f.p, f.p.Add(time.Hour), f.r1.ID)
		mustNil(t, err)
		if len(free) != 1 || free[0].ID != f.vA.ID {
			t.Fatalf("free except r1 = %+v", free)
		}
		if free, _ := s.FreeVehicles(as(f.w.actor(0, 1)), f.w.stations[0][0].ID, f.p.Add(-time.Hour), f.p, 0); len(free) != 0 {
			t.Fatalf("other station's user sees %+v", free)
		}
	})
}
