package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/fleet"
)

func TestVehicleListSearchFilterSortPage(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		// 28 more vehicles at REG so the list has two pages.
		for i := range 28 {
			v := fleet.Vehicle{StationID: e.reg.ID, CategoryID: w.cat.ID, Plate: fmt.Sprintf("R-XA %d", 1000+i),
				VIN: fmt.Sprintf("WVWZZZ1KZAW%06d", 500+i), Make: "Skoda", Model: "Octavia", OdometerKM: int64(100 * i), FuelEighths: 8}
			if i == 0 {
				v.Status = fleet.StatusWorkshop
			}
			must(t, e.store.CreateVehicle(e.sys(), &v))
		}
		admin := e.client(t)
		admin.mustLogin(adminEmail)
		p := admin.get("/admin/vehicles")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "30 Fahrzeuge", "Seite 1 von 2", "R-MW 101", "M-MW 202", `rel="next"`)
		wantLacks(t, p, "PA-FR 303")
		if n := strings.Count(p.body, "<tr data-vehicle="); n != 25 {
			t.Fatalf("page 1 has %d rows, want 25", n)
		}
		p = admin.get("/admin/vehicles?page=2")
		if n := strings.Count(p.body, "<tr data-vehicle="); n != 5 {
			t.Fatalf("page 2 has %d rows, want 5", n)
		}
		// Search by plate, VIN and model; filters and sort in the query string.
		for q, want := range map[string]string{"r-mw": "R-MW 101", "000202": "M-MW 202", "passat": "M-MW 202"} {
			p := admin.get("/admin/vehicles?q=" + url.QueryEscape(q))
			wantContains(t, p, "1 Fahrzeug</p>", want)
		}
		p = admin.get(fmt.Sprintf("/admin/vehicles?station=%d", e.muc.ID))
		wantContains(t, p, "1 Fahrzeug</p>", "M-MW 202")
		p = admin.get("/admin/vehicles?status=workshop")
		wantContains(t, p, "1 Fahrzeug</p>", "R-XA 1000")
		p = admin.get("/admin/vehicles?sort=odometer&q=octavia")
		if i, j := strings.Index(p.body, "R-XA 1027"), strings.Index(p.body, "R-XA 1000"); i < 0 || j >= 0 && j < i {
			t.Fatalf("sort by odometer: highest first expected")
		}
		wantContains(t, p, `href="/admin/vehicles?page=2&amp;q=octavia&amp;sort=odometer"`)
		// htmx live search gets only the results fragment.
		p = admin.getHeaders("/admin/vehicles?q=golf", "HX-Request", "true", "HX-Target", "vehicle-results")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "R-MW 101")
		wantLacks(t, p, "<html", "M-MW 202")

		// The station user sees only REG's vehicles, whatever the filter says.
		st := e.client(t)
		st.mustLogin(stationEmail)
		p = st.get("/admin/vehicles?q=mw")
		wantContains(t, p, "1 Fahrzeug</p>", "R-MW 101")
		wantLacks(t, p, "M-MW 202")
		p = st.get(fmt.Sprintf("/admin/vehicles?station=%d", e.muc.ID))
		wantContains(t, p, "0 Fahrzeuge")
		wantLacks(t, p, "M-MW 202")
	})
}

func TestVehicleCreateAndEdit(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		c := e.client(t)
		c.mustLogin(stationEmail)
		tok := c.token("/admin/vehicles/new")
		form := url.Values{"csrf": {tok}, "plate": {"R AB"}, "vin": {"WVWZZZ1KZAWI00001"}, "make": {""}, "model": {"Up"},
			"station_id": {fmt.Sprint(e.reg.ID)}, "category_id": {fmt.Sprint(w.cat.ID)}, "fuel_type": {"petrol"},
			"tank_litres": {"40"}, "odometer_km": {"abc"}, "fuel_eighths": {"8"}, "cleanliness": {"clean"}, "status": {"available"}}
		p := c.post("/admin/vehicles", form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		fe := p.fieldErrors()
		for _, f := range []string{"plate", "vin", "make", "odometer_km"} {
			if fe[f] == "" {
				t.Errorf("no message for %s; got %v", f, fe)
			}
		}
		if fe["vin"] != "Eine FIN enthält nie I, O oder Q." {
			t.Errorf("vin message %q", fe["vin"])
		}
		wantContains(t, p, `value="R AB"`) // the form comes back as typed
		// A station the user does not have is refused.
		form.Set("plate", "R-AB 77")
		form.Set("vin", "WVWZZZ1KZAW000077")
		form.Set("make", "VW")
		form.Set("odometer_km", "500")
		form.Set("station_id", fmt.Sprint(e.muc.ID))
		p = c.post("/admin/vehicles", form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["station_id"] == "" {
			t.Fatalf("foreign station accepted: %v", p.fieldErrors())
		}
		if _, n, _ := e.store.ListVehicles(e.sys(), fleet.VehicleFilter{}); n != 2 {
			t.Fatalf("%d vehicles after refused creates, want 2", n)
		}
		form.Set("station_id", fmt.Sprint(e.reg.ID))
		p = c.post("/admin/vehicles", form)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Das Fahrzeug wurde angelegt.", "R-AB 77")
		vid := strings.TrimPrefix(p.url.Path, "/admin/vehicles/")

		// Edit: the odometer may not go down; nothing is saved then.
		tok = p.csrf(t)
		form.Set("csrf", tok)
		form.Set("odometer_km", "400")
		form.Set("model", "up!")
		p = c.post("/admin/vehicles/"+vid, form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.fieldErrors()["odometer_km"]; got != "Der Kilometerstand darf nicht unter dem zuletzt erfassten Wert liegen." {
			t.Fatalf("odometer message %q", got)
		}
		var id int64
		fmt.Sscan(vid, &id)
		v, err := e.store.Vehicle(e.sys(), id)
		must(t, err)
		if v.Model != "Up" || v.OdometerKM != 500 {
			t.Fatalf("refused edit changed the vehicle: %+v", v)
		}
		e.clk.Advance(time.Minute)
		form.Set("odometer_km", "650")
		form.Set("fuel_eighths", "5")
		form.Set("cleanliness", "dirty")
		form.Set("status", "workshop")
		p = c.post("/admin/vehicles/"+vid, form)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Änderungen wurden gespeichert.", "In der Werkstatt", "650 km", "5/8", "Verschmutzt")
		// Condition history: both states, newest first.
		hist := p.body[strings.Index(p.body, `id="condition-list"`):]
		if i, j := strings.Index(hist, "650 km"), strings.Index(hist, "500 km"); i < 0 || j < 0 || i > j {
			t.Fatalf("condition history not newest first:\n%s", excerpt(hist))
		}
		// English page.
		p = c.post("/admin/lang?l=en", url.Values{"csrf": {tok}, "next": {"/admin/vehicles/" + vid}})
		wantContains(t, p, "Condition history", "In workshop", "Blocking periods")
	})
}

func TestVehicleBlockingPeriods(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedFleet(t, e)
		c := e.client(t)
		c.mustLogin(stationEmail)
		path := vehiclePath(w.reg)
		tok := c.token(path)
		p := c.post(path+"/blocks", url.Values{"csrf": {tok}, "block_kind": {"maintenance"}, "block_from": {"2026-12-01"},
			"block_to": {"2026-12-03"}, "block_note": {"Inspektion"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Sperrzeit wurde eingetragen.", "Inspektion", "01.12.2026", "03.12.2026")
		// Overlapping period and reversed dates are refused; nothing saved.
		p = c.post(path+"/blocks", url.Values{"csrf": {tok}, "block_kind": {"block"}, "block_from": {"2026-12-03"}, "block_to": {"2026-12-05"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if got := p.fieldErrors()["block_from"]; got != "Das Fahrzeug ist in diesem Zeitraum schon gebucht oder gesperrt." {
			t.Fatalf("overlap message %q", got)
		}
		p = c.post(path+"/blocks", url.Values{"csrf": {tok}, "block_kind": {"block"}, "block_from": {"2026-12-10"}, "block_to": {"2026-12-09"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["block_to"] == "" {
			t.Fatal("reversed period accepted")
		}
		al, err := e.store.ListAllocations(e.sys(), w.reg.ID, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2028, 1, 1, 0, 0, 0, 0, time.UTC))
		must(t, err)
		if len(al) != 1 || al[0].Kind != "maintenance" {
			t.Fatalf("allocations %+v", al)
		}
		// Berlin days: 1 Dec 00:00 CET = 30 Nov 23:00 UTC; the 3rd is included.
		if want := time.Date(2026, 11, 30, 23, 0, 0, 0, time.UTC); !al[0].Start.Equal(want) || !al[0].End.Equal(want.AddDate(0, 0, 3)) {
			t.Fatalf("period %s – %s", al[0].Start, al[0].End)
		}
		// A booking is listed but cannot be removed here.
		booking := fleet.Allocation{VehicleID: w.reg.ID, Kind: fleet.AllocBooking, Start: time.Date(2026, 12, 20, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 12, 22, 8, 0, 0, 0, time.UTC)}
		must(t, e.store.Allocate(e.sys(), &booking))
		p = c.post(fmt.Sprintf("%s/blocks/%d/delete", path, booking.ID), url.Values{"csrf": {tok}})
		wantStatus(t, p, http.StatusNotFound)
		p = c.post(fmt.Sprintf("%s/blocks/%d/delete", path, al[0].ID), url.Values{"csrf": {tok}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Sperrzeit wurde entfernt.", "Buchung")
		wantLacks(t, p, "Inspektion")
	})
}
