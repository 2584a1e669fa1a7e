package store_test

import (
	"context"
	"fmt"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// world is a small fixture: tenants A and B, each with stations 1 and 2, a
// category, a tariff and one vehicle per station.
type world struct {
	tenants  [2]tenancy.Tenant
	stations [2][2]tenancy.Station
	cats     [2]fleet.Category
	vehicles [2][2]fleet.Vehicle
	tariffs  [2]pricing.Tariff
}

func sys(tenantID int64) context.Context {
	return identity.WithActor(context.Background(), identity.SystemFor(tenantID))
}

func as(a identity.Actor) context.Context { return identity.WithActor(context.Background(), a) }

func mustNil(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

var vins = [2][2]string{{"WVWZZZ1KZAW000001", "WVWZZZ1KZAW000002"}, {"WAUZZZ8V5KA000003", "WAUZZZ8V5KA000004"}}

func newWorld(t testing.TB, s *store.Store) *world {
	t.Helper()
	w := &world{}
	root := identity.WithActor(context.Background(), identity.System())
	for ti := range 2 {
		w.tenants[ti] = tenancy.Tenant{Slug: fmt.Sprintf("tenant-%d", ti), Name: fmt.Sprintf("Autohaus %d", ti), LegalName: fmt.Sprintf("Autohaus %d GmbH", ti)}
		mustNil(t, s.CreateTenant(root, &w.tenants[ti]))
		ctx := sys(w.tenants[ti].ID)
		for si := range 2 {
			st := tenancy.Station{Code: fmt.Sprintf("S%d", si), Name: fmt.Sprintf("Station %d-%d", ti, si), Street: "Hauptstr. 1",
				PostalCode: "93047", City: "Regensburg", Active: true}
			st.Hours[1] = []tenancy.Span{{Open: 8 * 60, Close: 18 * 60}}
			mustNil(t, s.CreateStation(ctx, &st))
			w.stations[ti][si] = st
		}
		w.cats[ti] = fleet.Category{Code: "CDMR", NameDE: "Kompakt", NameEN: "Compact", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
		mustNil(t, s.CreateCategory(ctx, &w.cats[ti]))
		w.tariffs[ti] = pricing.Tariff{Code: "STD", Name: "Standard", Kind: "standard", PricePerDayCents: 4900, DayCounting: "24h",
			VATRateBP: 1900, ValidFrom: "2026-01-01", CategoryIDs: []int64{w.cats[ti].ID}, Active: true}
		mustNil(t, s.CreateTariff(ctx, &w.tariffs[ti]))
		for si := range 2 {
			v := fleet.Vehicle{StationID: w.stations[ti][si].ID, CategoryID: w.cats[ti].ID, Plate: fmt.Sprintf("R-AB %d%d", ti+1, si+1),
				VIN: vins[ti][si], Make: "VW", Model: "Golf", OdometerKM: 1000, FuelEighths: 8}
			mustNil(t, s.CreateVehicle(ctx, &v))
			w.vehicles[ti][si] = v
		}
	}
	return w
}

// actor returns a station user of tenant ti for station si (si = -1: admin).
func (w *world) actor(ti, si int) identity.Actor {
	if si < 0 {
		return identity.Actor{Kind: identity.ActorUser, TenantID: w.tenants[ti].ID, UserID: 1000 + int64(ti), Role: identity.RoleAdmin}
	}
	return identity.Actor{Kind: identity.ActorUser, TenantID: w.tenants[ti].ID, UserID: 2000 + int64(ti*10+si), Role: identity.RoleStation,
		StationIDs: []int64{w.stations[ti][si].ID}}
}
