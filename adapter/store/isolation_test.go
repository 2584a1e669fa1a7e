package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
)

// TestIsolationMatrix proves DESIGN invariant 2 for the store: for every role
// and every object of its own station, another station of its tenant and
// another tenant, each read and write is allowed exactly where it should be,
// and a refused access changes nothing and reveals nothing (404).
func TestIsolationMatrix(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		type target struct {
			name   string
			ti, si int
		}
		targets := []target{{"own station", 0, 0}, {"other station", 0, 1}, {"other tenant", 1, 0}}
		roles := []struct {
			name  string
			actor identity.Actor
			sees  func(tg target) bool
		}{
			{"station user", w.actor(0, 0), func(tg target) bool { return tg.ti == 0 && tg.si == 0 }},
			{"admin", w.actor(0, -1), func(tg target) bool { return tg.ti == 0 }},
			{"api client", identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID, APIClientID: 1},
				func(tg target) bool { return tg.ti == 0 }},
		}
		day := 0
		for _, r := range roles {
			ctx := as(r.actor)
			for _, tg := range targets {
				st, v := w.stations[tg.ti][tg.si], w.vehicles[tg.ti][tg.si]
				want := r.sees(tg)
				day++
				start := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC).AddDate(0, 0, 2*day)
				ops := []struct {
					op  string
					run func() error
				}{
					{"read station", func() error { _, err := s.Station(ctx, st.ID); return err }},
					{"write station", func() error { x := st; x.Phone = "0941 " + r.name; return s.UpdateStation(ctx, &x) }},
					{"read vehicle", func() error { _, err := s.Vehicle(ctx, v.ID); return err }},
					{"write vehicle", func() error { x := v; x.Notes = "touched by " + r.name; return s.UpdateVehicle(ctx, &x) }},
					{"allocate vehicle", func() error {
						return s.Allocate(ctx, &fleet.Allocation{VehicleID: v.ID, Start: start, End: start.Add(24 * time.Hour), Kind: fleet.AllocBlock})
					}},
					{"list vehicles", func() error {
						list, _, err := s.ListVehicles(ctx, fleet.VehicleFilter{Limit: 100})
						if err != nil {
							return err
						}
						for _, x := range list {
							if x.ID == v.ID {
								return nil
							}
						}
						return errs.NotFound("vehicle")
					}},
					{"list stations", func() error {
						list, err := s.ListStations(ctx)
						if err != nil {
							return err
						}
						for _, x := range list {
							if x.ID == st.ID {
								return nil
							}
						}
						return errs.NotFound("station")
					}},
					{"list allocations", func() error {
						list, err := s.ListAllocations(ctx, v.ID, start.Add(-time.Hour), start.Add(48*time.Hour))
						if err != nil {
							return err
						}
						if len(list) == 0 {
							return errs.NotFound("allocation")
						}
						return nil
					}},
				}
				for _, op := range ops {
					t.Run(fmt.Sprintf("%s/%s/%s", r.name, tg.name, op.op), func(t *testing.T) {
						err := op.run()
						if want && err != nil {
							t.Fatalf("allowed access refused: %v", err)
						}
						if !want && !errs.Is(err, errs.KindNotFound) {
							t.Fatalf("forbidden access: err = %v, want not found", err)
						}
					})
				}
			}
		}
		// Refused writes changed nothing: each object's phone/notes were changed
		// only by the roles that may.
		for ti := range 2 {
			for si := range 2 {
				v, err := s.Vehicle(sys(w.tenants[ti].ID), w.vehicles[ti][si].ID)
				mustNil(t, err)
				switch {
				case ti == 1 && v.Notes != "":
					t.Errorf("other tenant's vehicle changed: %q", v.Notes)
				case ti == 0 && si == 1 && v.Notes != "touched by api client":
					t.Errorf("vehicle of station 1 notes = %q, want last writer api client", v.Notes)
				}
			}
		}
		// An actor-less context reads nothing.
		if _, err := s.ListStations(context.Background()); !errs.Is(err, errs.KindUnauthorized) {
			t.Fatalf("no actor: %v", err)
		}
		// Station users cannot manage users, keys, tenants, or move vehicles away.
		su := as(w.actor(0, 0))
		if _, err := s.ListUsers(su); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("station user lists users: %v", err)
		}
		if _, err := s.ListAPIClients(su); !errs.Is(err, errs.KindForbidden) {
			t.Errorf("station user lists API keys: %v", err)
		}
		x := w.vehicles[0][0]
		x.StationID = w.stations[0][1].ID
		if err := s.UpdateVehicle(su, &x); !errs.Is(err, errs.KindInvalid) {
			t.Errorf("station user moves vehicle to another station: %v", err)
		}
		if err := s.CreateVehicle(su, &fleet.Vehicle{StationID: w.stations[0][1].ID, CategoryID: w.cats[0].ID, Plate: "R-XY 99",
			VIN: "WVWZZZ1KZAW000099", Make: "VW", Model: "Polo"}); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("station user creates vehicle at another station: %v", err)
		}
	})
}
