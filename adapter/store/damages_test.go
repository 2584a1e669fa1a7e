package store_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/pricing"
)

func TestDamagesAndPhotos(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		own := as(w.actor(0, 0)) // station user of tenant 0, station 0
		v := w.vehicles[0][0]

		// Invalid damages are refused with every field named, nothing saved.
		bad := fleet.Damage{VehicleID: v.ID, View: "roof", X: 120, Kind: "boom", Severity: "huge"}
		err := s.CreateDamage(own, &bad)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalid || len(e.Fields) != 4 {
			t.Fatalf("invalid damage: %v", err)
		}
		d := fleet.Damage{VehicleID: v.ID, View: "left", X: 25.5, Y: 60, Kind: "scratch", Severity: "minor", Description: " Kratzer Tür vorn "}
		mustNil(t, s.CreateDamage(own, &d))
		if d.ID == 0 || d.Description != "Kratzer Tür vorn" || d.ReportedBy != w.actor(0, 0).UserID {
			t.Fatalf("created %+v", d)
		}
		clk.Advance(time.Hour)
		d2 := fleet.Damage{VehicleID: v.ID, View: "front", X: 50, Y: 50, Kind: "chip", Severity: "medium", ContractID: 0}
		mustNil(t, s.CreateDamage(own, &d2))

		// Photos in the database, read back with the station check.
		p := fleet.PhotoData{Photo: fleet.Photo{DamageID: d.ID, ContentType: "image/png", SizeBytes: 3, SHA256: "abc", Storage: "db"},
			Data: []byte{1, 2, 3}, Thumb: []byte{9}}
		mustNil(t, s.AddPhoto(own, &p))
		got, err := s.PhotoData(own, d.ID, p.ID, false)
		mustNil(t, err)
		if !bytes.Equal(got.Data, []byte{1, 2, 3}) || got.Thumb != nil || got.ContentType != "image/png" {
			t.Fatalf("photo %+v", got)
		}
		th, err := s.PhotoData(own, d.ID, p.ID, true)
		mustNil(t, err)
		if !bytes.Equal(th.Thumb, []byte{9}) {
			t.Fatalf("thumb %v", th.Thumb)
		}
		if _, err := s.PhotoData(own, d2.ID, p.ID, false); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("photo under another damage: %v", err)
		}

		list, err := s.ListDamages(own, v.ID, true)
		mustNil(t, err)
		if len(list) != 2 || list[0].ID != d2.ID || len(list[1].Photos) != 1 || list[1].Photos[0].ID != p.ID {
			t.Fatalf("open damages %+v", list)
		}

		// Repair: not before the report, not in the future, only once.
		if err := s.MarkRepaired(own, d.ID, clk.t.AddDate(0, 0, -2), ""); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("repair before report: %v", err)
		}
		if err := s.MarkRepaired(own, d.ID, clk.t.AddDate(0, 0, 3), ""); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("repair in the future: %v", err)
		}
		mustNil(t, s.MarkRepaired(own, d.ID, clk.t, "Smart Repair"))
		if err := s.MarkRepaired(own, d.ID, clk.t, ""); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("second repair: %v", err)
		}
		open, err := s.ListDamages(own, v.ID, true)
		mustNil(t, err)
		all, err := s.ListDamages(own, v.ID, false)
		mustNil(t, err)
		if len(open) != 1 || len(all) != 2 {
			t.Fatalf("open %d, all %d", len(open), len(all))
		}
		got1, err := s.Damage(own, d.ID)
		mustNil(t, err)
		if got1.RepairedAt == nil || got1.RepairNote != "Smart Repair" || got1.Open() {
			t.Fatalf("repaired damage %+v", got1)
		}
		trail, err := s.AuditTrail(sys(w.tenants[0].ID), "damage", d.ID)
		mustNil(t, err)
		if len(trail) != 3 || trail[0].Action != "create" || trail[1].Action != "photo_added" || trail[2].Action != "repaired" {
			t.Fatalf("audit %+v", trail)
		}

		// Isolation: the other station and the other tenant see nothing,
		// read no photo bytes and change nothing.
		for name, c := range map[string]context.Context{"other station": as(w.actor(0, 1)), "other tenant": as(w.actor(1, -1))} {
			if _, err := s.Damage(c, d.ID); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s: Damage: %v", name, err)
			}
			if _, err := s.ListDamages(c, v.ID, false); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s: ListDamages: %v", name, err)
			}
			if _, err := s.PhotoData(c, d.ID, p.ID, false); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s: PhotoData: %v", name, err)
			}
			if _, err := s.PhotoData(c, d.ID, p.ID, true); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s: thumbnail: %v", name, err)
			}
			if err := s.MarkRepaired(c, d2.ID, clk.t, ""); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s: MarkRepaired: %v", name, err)
			}
			x := fleet.Damage{VehicleID: v.ID, View: "top", X: 1, Y: 1, Kind: "dent", Severity: "minor"}
			if err := s.CreateDamage(c, &x); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s: CreateDamage: %v", name, err)
			}
			ph := fleet.PhotoData{Photo: fleet.Photo{DamageID: d2.ID, ContentType: "image/png", Storage: "db"}, Data: []byte{1}}
			if err := s.AddPhoto(c, &ph); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s: AddPhoto: %v", name, err)
			}
			if _, err := s.ListConditions(c, v.ID, 0); !errs.Is(err, errs.KindNotFound) {
				t.Errorf("%s: ListConditions: %v", name, err)
			}
		}
		still, err := s.Damage(own, d2.ID)
		mustNil(t, err)
		if !still.Open() || len(still.Photos) != 0 {
			t.Fatalf("damage changed by others: %+v", still)
		}
	})
}

func TestConditionHistory(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		own := as(w.actor(0, 0))
		v := w.vehicles[0][0]
		for i, km := range []int64{1500, 2300} {
			clk.Advance(time.Hour)
			v.OdometerKM, v.FuelEighths = km, 4+i
			mustNil(t, s.UpdateVehicle(own, &v))
		}
		v.Notes = "only notes changed"
		mustNil(t, s.UpdateVehicle(own, &v)) // no new condition row
		hist, err := s.ListConditions(own, v.ID, 0)
		mustNil(t, err)
		if len(hist) != 3 || hist[0].OdometerKM != 2300 || hist[1].OdometerKM != 1500 || hist[2].OdometerKM != 1000 {
			t.Fatalf("history %+v", hist)
		}
		if hist[0].FuelEighths != 5 || hist[0].Source != "manual" || hist[0].UserID != w.actor(0, 0).UserID {
			t.Fatalf("newest %+v", hist[0])
		}
		if two, _ := s.ListConditions(own, v.ID, 2); len(two) != 2 {
			t.Fatalf("limit: %d rows", len(two))
		}
	})
}

func TestTariffAndCategoryUpdate(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		admin := as(w.actor(0, -1))
		cat2 := fleet.Category{Code: "SUV1", NameDE: "SUV", Transmission: "automatic", Seats: 5, Doors: 5, Active: true}
		mustNil(t, s.CreateCategory(admin, &cat2))

		tr := w.tariffs[0]
		tr.PricePerDayCents, tr.IncludedKMPerDay, tr.ExtraKMCents = 5990, 250, 29
		tr.DayCounting, tr.ValidTo, tr.DepositCents = "calendar", "2027-12-31", 30000
		tr.CategoryIDs = []int64{cat2.ID, w.cats[0].ID}
		mustNil(t, s.UpdateTariff(admin, &tr))
		got, err := s.Tariff(admin, tr.ID)
		mustNil(t, err)
		if got.PricePerDayCents != 5990 || got.DayCounting != "calendar" || got.ValidTo != "2027-12-31" || len(got.CategoryIDs) != 2 || got.DepositCents != 30000 {
			t.Fatalf("updated tariff %+v", got)
		}
		// Refused: invalid values, another tenant's category, a taken code,
		// a station user, another tenant's tariff. Nothing changes.
		bad := got
		bad.ValidTo, bad.PricePerDayCents = "2025-01-01", -1
		if err := s.UpdateTariff(admin, &bad); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("invalid tariff: %v", err)
		}
		bad = got
		bad.CategoryIDs = []int64{w.cats[1].ID}
		if err := s.UpdateTariff(admin, &bad); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("foreign category: %v", err)
		}
		other := pricing.Tariff{Code: "WERK", Name: "Werkstatt", Kind: "workshop", DayCounting: "24h", VATRateBP: 1900,
			ValidFrom: "2026-01-01", CategoryIDs: []int64{cat2.ID}, Active: true}
		mustNil(t, s.CreateTariff(admin, &other))
		bad = got
		bad.Code = "WERK"
		if err := s.UpdateTariff(admin, &bad); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("taken code: %v", err)
		}
		if err := s.UpdateTariff(as(w.actor(0, 0)), &got); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("station user: %v", err)
		}
		foreign := w.tariffs[1]
		foreign.CategoryIDs = []int64{w.cats[0].ID}
		if err := s.UpdateTariff(admin, &foreign); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant's tariff: %v", err)
		}
		again, err := s.Tariff(admin, tr.ID)
		mustNil(t, err)
		if again.Code != "STD" || again.PricePerDayCents != 5990 || len(again.CategoryIDs) != 2 {
			t.Fatalf("refused updates changed the tariff: %+v", again)
		}

		c := w.cats[0]
		c.NameEN, c.Seats, c.Transmission = "Compact class", 4, "automatic"
		mustNil(t, s.UpdateCategory(admin, &c))
		gc, err := s.Category(admin, c.ID)
		mustNil(t, err)
		if gc.NameEN != "Compact class" || gc.Seats != 4 || gc.Transmission != "automatic" {
			t.Fatalf("category %+v", gc)
		}
		c.Code = "SUV1"
		if err := s.UpdateCategory(admin, &c); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("taken category code: %v", err)
		}
		c.Code, c.Seats = "CDMR", 0
		if err := s.UpdateCategory(admin, &c); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("0 seats: %v", err)
		}
		if err := s.UpdateCategory(as(w.actor(0, 0)), &gc); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("station user: %v", err)
		}
		if _, err := s.Category(admin, w.cats[1].ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant's category: %v", err)
		}
		fc := w.cats[1]
		if err := s.UpdateCategory(admin, &fc); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("update other tenant's category: %v", err)
		}
	})
}
