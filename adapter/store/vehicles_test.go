package store_test

import (
	"fmt"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

func TestVehicles(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		for i := range 12 {
			v := fleet.Vehicle{StationID: w.stations[0][i%2].ID, CategoryID: w.cats[0].ID, Plate: fmt.Sprintf("reg-k %d", 100+i),
				VIN: fmt.Sprintf("WBA3A5C5XDF%06d", i), Make: "BMW", Model: fmt.Sprintf("3er %d", i), OdometerKM: int64(1000 * i)}
			mustNil(t, s.CreateVehicle(ctx, &v))
			if v.Plate != fmt.Sprintf("REG-K %d", 100+i) {
				t.Fatalf("plate not normalized: %q", v.Plate)
			}
		}
		page, total, err := s.ListVehicles(ctx, fleet.VehicleFilter{Query: "bmw", Limit: 5, Offset: 5, Sort: "plate"})
		mustNil(t, err)
		if total != 12 || len(page) != 5 || page[0].Plate != "REG-K 105" {
			t.Fatalf("page: total %d, %d rows, first %q", total, len(page), page[0].Plate)
		}
		_, total, err = s.ListVehicles(ctx, fleet.VehicleFilter{StationID: w.stations[0][1].ID, Query: "bmw"})
		mustNil(t, err)
		if total != 6 {
			t.Fatalf("station filter: %d", total)
		}
		_, total, err = s.ListVehicles(ctx, fleet.VehicleFilter{Query: "DF000003"})
		mustNil(t, err)
		if total != 1 {
			t.Fatalf("VIN search: %d", total)
		}
		// % and _ typed into the search box match themselves, not anything
		for _, q := range []string{"%", "_", "REG_K", "3er%1"} {
			if _, total, err = s.ListVehicles(ctx, fleet.VehicleFilter{Query: q}); err != nil || total != 0 {
				t.Errorf("search %q: %d vehicles (%v), want none", q, total, err)
			}
		}

		moved := w.vehicles[0][0]
		moved.Status, moved.Notes = fleet.StatusWorkshop, "Inspektion"
		mustNil(t, s.UpdateVehicle(as(w.actor(0, -1)), &moved))
		trail, err := s.AuditTrail(ctx, "vehicle", moved.ID)
		mustNil(t, err)
		if len(trail) != 1 || trail[0].ActorKind != "user" || !strings.Contains(trail[0].Before, `"status":"available"`) ||
			!strings.Contains(trail[0].After, `"notes":"Inspektion"`) || strings.Contains(trail[0].After, "plate") {
			t.Fatalf("vehicle audit = %+v", trail)
		}
		mustNil(t, s.UpdateVehicle(ctx, &moved)) // unchanged: no entry
		if trail, _ := s.AuditTrail(ctx, "vehicle", moved.ID); len(trail) != 1 {
			t.Fatalf("an unchanged save was logged: %d entries", len(trail))
		}
		v := moved
		v.OdometerKM = 999
		err = s.UpdateVehicle(ctx, &v)
		if e, ok := errs.As(err); !ok || len(e.Fields) != 1 || e.Fields[0].Field != "odometer_km" {
			t.Fatalf("odometer down: %v", err)
		}
		bad := fleet.Vehicle{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, Plate: "nonsense", VIN: "IOQ", Make: "", Model: "X", FuelEighths: 9}
		err = s.CreateVehicle(ctx, &bad)
		if e, ok := errs.As(err); !ok || len(e.Fields) < 4 {
			t.Fatalf("invalid vehicle: %v", err)
		}
		dup := fleet.Vehicle{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, Plate: w.vehicles[0][0].Plate,
			VIN: "WVWZZZ1KZAW000077", Make: "VW", Model: "Up"}
		if err := s.CreateVehicle(ctx, &dup); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("duplicate plate: %v", err)
		}
		_, total, _ = s.ListVehicles(ctx, fleet.VehicleFilter{})
		if total != 14 {
			t.Fatalf("failed creates left vehicles: %d", total)
		}
	})
}
