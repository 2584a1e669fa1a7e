package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/pricing"
)

// TestElectricVehicleAndTariffForms: the vehicle form takes the drive type
// (a plug-in hybrid among them) and asks the battery capacity of an
// electric car; the vehicle page names both. The tariff form takes the
// charging rule and its price, and refuses one without the other.
func TestElectricVehicleAndTariffForms(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		c := e.client(t)
		c.mustLogin(adminEmail)
		p := c.get("/admin/vehicles/new")
		wantContains(t, p, `<option value="plugin_hybrid"`, "Plug-in-Hybrid", `name="battery_kwh"`, "Antrieb")
		form := url.Values{"csrf": {p.csrf(t)}, "plate": {"R-EV 58E"}, "vin": {"WVWZZZE1ZRZ100001"}, "make": {"Volkswagen"}, "model": {"ID.3 Pro"},
			"station_id": {fmt.Sprint(e.reg.ID)}, "category_id": {fmt.Sprint(w.cat.ID)}, "fuel_type": {"electric"}, "tank_litres": {"0"},
			"battery_kwh": {""}, "odometer_km": {"100"}, "fuel_eighths": {"8"}, "cleanliness": {"clean"}, "status": {"available"}}
		p = c.post("/admin/vehicles", form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.fieldErrors()["battery_kwh"]; !strings.Contains(got, "Batteriekapazität in kWh") {
			t.Fatalf("an electric car without its battery: %q (%v)", got, p.fieldErrors())
		}
		form.Set("battery_kwh", "58")
		p = c.post("/admin/vehicles", form)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `id="vehicle-drive">Elektro · 58 kWh Batterie<`)
		vs, _, err := e.store.ListVehicles(e.sys(), fleet.VehicleFilter{Query: "R-EV"})
		must(t, err)
		if len(vs) != 1 || vs[0].FuelType != fleet.DriveElectric || vs[0].BatteryKWh != 58 {
			t.Fatalf("stored %+v", vs)
		}

		tok := c.token("/admin/tariffs/new")
		p = c.get("/admin/tariffs/new")
		wantContains(t, p, `name="charging_rule"`, "Je fehlender kWh", `name="charging_price"`)
		for _, bad := range []struct{ rule, price, field, msg string }{
			{"per_kwh", "", "charging_price", "Preis für den Ladestrom angeben"},
			{"none", "0,59", "charging_price", "braucht eine Regel"},
			{"per_liter", "0,59", "charging_rule", "Regel für den Ladestrom wählen"},
		} {
			f := tariffForm(tok, w.cat.ID)
			f.Set("charging_rule", bad.rule)
			f.Set("charging_price", bad.price)
			p = c.post("/admin/tariffs", f)
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldErrors()[bad.field], bad.msg) {
				t.Errorf("tariff with rule %q and price %q: %d %v; want %s saying %q", bad.rule, bad.price, p.status, p.fieldErrors(), bad.field, bad.msg)
			}
		}
		f := tariffForm(tok, w.cat.ID)
		f.Set("charging_rule", "per_kwh")
		f.Set("charging_price", "0,59")
		p = c.post("/admin/tariffs", f)
		wantStatus(t, p, http.StatusOK)
		ts, err := e.store.ListTariffs(e.sys())
		must(t, err)
		found := false
		for _, tf := range ts {
			found = found || tf.Code == "WERK" && tf.ChargingRule == pricing.ChargePerKWh && tf.ChargingPriceCents == 59
		}
		if !found {
			t.Fatalf("the charging rule was not stored: %+v", ts)
		}
	})
}

// TestElectricHandoverForm: the handover of an electric car asks its state
// of charge (0–100 %) and optionally its range; each bad entry comes back
// on its field with a German message and nothing is stored; a valid one
// needs no fuel level and keeps the car's.
func TestElectricHandoverForm(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		reg := ce.res["reg"]
		v := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: reg.CategoryID, Plate: "R-EV 58E", VIN: "WVWZZZE1ZRZ100001", Make: "VW", Model: "ID.3",
			FuelType: fleet.DriveElectric, BatteryKWh: 58, OdometerKM: 2000, FuelEighths: 8}
		must(t, ce.store.CreateVehicle(ce.sys(), &v))
		r := booking.Reservation{StationID: ce.reg.ID, CustomerID: reg.CustomerID, CategoryID: reg.CategoryID, VehicleID: v.ID, TariffID: reg.TariffID,
			Pickup: ce.clk.Now().Add(time.Hour), Return: ce.clk.Now().Add(49 * time.Hour), Status: booking.StatusConfirmed}
		must(t, ce.store.CreateReservation(ce.sys(), &r))
		c := ce.client(t)
		c.login(stationEmail, password)
		path := fmt.Sprintf("/admin/reservations/%d/handover", r.ID)
		p := c.get(path)
		if !strings.Contains(p.body, `name="state_of_charge_percent"`) || !strings.Contains(p.body, `name="range_km"`) {
			t.Fatalf("the handover form of an electric car asks no state of charge")
		}
		csrf := p.csrf(t)
		form := func(soc, rng string) url.Values {
			f := handoverForm(csrf, true, "2000")
			f.Del("fuel_eighths")
			f.Set("state_of_charge_percent", soc)
			f.Set("range_km", rng)
			return f
		}
		for _, bad := range []struct{ soc, rng, field, msg string }{
			{"", "", "state_of_charge_percent", "Bitte den Ladestand in Prozent angeben"},
			{"101", "", "state_of_charge_percent", "von 0 bis 100"},
			{"-5", "", "state_of_charge_percent", "von 0 bis 100"},
			{"achtzig", "", "state_of_charge_percent", "von 0 bis 100"},
			{"80", "viel", "range_km", "ganze Zahl in Kilometern"},
			{"80", "2500", "range_km", "2.000 km"},
		} {
			p := c.post(path, form(bad.soc, bad.rng))
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldErrors()[bad.field], bad.msg) || p.fieldErrors()["fuel_eighths"] != "" {
				t.Errorf("state of charge %q, range %q: %d %v; want only %s saying %q", bad.soc, bad.rng, p.status, p.fieldErrors(), bad.field, bad.msg)
			}
		}
		if _, err := ce.store.ContractByReservation(ce.sys(), r.ID); err == nil {
			t.Fatal("a refused handover stored a contract")
		}
		if p := c.post(path, form("80 %", "310")); p.status != http.StatusOK || !strings.Contains(p.url.Path, "/admin/contracts/") {
			t.Fatalf("handover with 80 %%: %d %v", p.status, p.fieldErrors())
		}
		ct, err := ce.store.ContractByReservation(ce.sys(), r.ID)
		must(t, err)
		ps, err := ce.store.Protocols(ce.sys(), ct.ID)
		must(t, err)
		if len(ps) != 1 || ps[0].ChargePercent == nil || *ps[0].ChargePercent != 80 || ps[0].RangeKM == nil || *ps[0].RangeKM != 310 ||
			ps[0].FuelEighths != 8 || ct.Terms.DriveType != fleet.DriveElectric || ct.Terms.BatteryKWh != 58 {
			t.Fatalf("handover protocol %+v, terms %+v", ps, ct.Terms)
		}
		if got, _ := ce.store.Vehicle(ce.sys(), v.ID); got.ChargePercent == nil || *got.ChargePercent != 80 {
			t.Errorf("the car's state of charge after the handover: %v, want 80", got.ChargePercent)
		}
		// the contract's terms: the charging rule, no refuelling
		p = c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		if !strings.Contains(p.body, `id="terms-charging">wird nicht berechnet<`) || strings.Contains(p.body, `id="terms-fuel"`) {
			t.Errorf("contract terms of the electric car: %s", ctExcerpt(p.body, "terms-"))
		}
		// the return form asks the state of charge with the handover's beside it, no fuel
		p = c.get(fmt.Sprintf("/admin/contracts/%d/return", ct.ID))
		if !strings.Contains(p.body, `name="state_of_charge_percent"`) || !strings.Contains(p.body, "Übergabe: 80 %") || strings.Contains(p.body, `name="fuel_eighths"`) {
			t.Errorf("return form of the electric car: %s", ctExcerpt(p.body, "f-soc"))
		}
	})
}
