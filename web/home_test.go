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
)

// homeRow returns the row of the home screen's list id that carries attr
// (e.g. data-res="12"), or "" when the list does not have it.
func homeRow(body, id, attr string) string {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return ""
	}
	sec := body[i:]
	if j := strings.Index(sec, "</section>"); j >= 0 {
		sec = sec[:j]
	}
	k := strings.Index(sec, attr)
	if k < 0 {
		return ""
	}
	row := sec[k:]
	if j := strings.Index(row, "</tr>"); j >= 0 {
		row = row[:j]
	}
	return row
}

// TestHomeListsTheDaysWork: the home screen of a station user shows its
// station's day — today's pickup with "hand over", tomorrow's booking
// without a car with "assign", a contract past its return with "take
// back", after the return the dirty car with "mark ready" (which leads
// back home and clears it) and a car with an overdue HU — and never another
// station's or tenant's work.
func TestHomeListsTheDaysWork(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		reg, muc := ce.res["reg"], ce.res["muc"]
		ctx := ce.sys()
		hu := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: reg.CategoryID, Plate: "R-HU 1", VIN: "WVWZZZ1KZAW100099", Make: "VW", Model: "Polo",
			OdometerKM: 100, FuelEighths: 8, NextInspection: "2026-11-01"}
		must(t, ce.store.CreateVehicle(ctx, &hu))
		// on the car whose HU ran out (assigned by hand: no booking takes it by itself)
		tomorrow := booking.Reservation{StationID: ce.reg.ID, CustomerID: reg.CustomerID, CategoryID: reg.CategoryID, TariffID: reg.TariffID, VehicleID: hu.ID,
			Pickup: ce.clk.Now().Add(24 * time.Hour), Return: ce.clk.Now().Add(72 * time.Hour), Status: booking.StatusConfirmed}
		must(t, ce.store.CreateReservation(ctx, &tomorrow))

		c := ce.client(t)
		c.login(stationEmail, password)
		p := c.get("/admin/")
		if p.status != http.StatusOK {
			t.Fatalf("home: %d", p.status)
		}
		res := func(id int64) string { return fmt.Sprintf(`data-res="%d"`, id) }
		if row := homeRow(p.body, "home-today-pickups", res(reg.ID)); !strings.Contains(row, fmt.Sprintf(`href="/admin/reservations/%d/handover"`, reg.ID)) {
			t.Errorf("today's pickup without its handover action: %q", row)
		}
		// the only other car has its HU overdue: the booking needs another car
		if row := homeRow(p.body, "home-tomorrow-pickups", res(tomorrow.ID)); !strings.Contains(row, `data-action="assign"`) || strings.Contains(row, `data-action="handover"`) {
			t.Errorf("tomorrow's booking on a car with an overdue HU offers no assign action (or a handover): %q", row)
		}
		if row := homeRow(p.body, "home-nocar", res(tomorrow.ID)); !strings.Contains(row, "HU/Service läuft vor der Rückgabe ab") {
			t.Errorf("the booking is not in the list of bookings without a car ready to go: %q", row)
		}
		if homeRow(p.body, "home-nocar", res(reg.ID)) != "" {
			t.Errorf("a booking whose car is ready is listed as without a car")
		}
		if row := homeRow(p.body, "home-cars", fmt.Sprintf(`data-vehicle="%d"`, hu.ID)); !strings.Contains(row, "HU überfällig seit 01.11.2026") {
			t.Errorf("the car with an overdue HU is not flagged: %q", row)
		}
		for _, id := range []int64{muc.ID, ce.res["foreign"].ID} {
			if strings.Contains(p.body, res(id)) {
				t.Errorf("the station user's home shows reservation %d of another station or tenant", id)
			}
		}

		// hand over, let the planned return pass: the contract is overdue
		if h := c.post(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), handoverForm(p.csrf(t), true, "5000")); h.status != http.StatusOK {
			t.Fatalf("handover: %d %s %v", h.status, h.alert(), h.fieldErrors())
		}
		ct, err := ce.store.ContractByReservation(ctx, reg.ID)
		must(t, err)
		// the planning bar of the running rental is the contract's
		board := c.get(fmt.Sprintf("/admin/planning?station=%d&from=2026-11-26&days=7", ce.reg.ID))
		if !strings.Contains(board.body, fmt.Sprintf(`href="/admin/contracts/%d"`, ct.ID)) || !strings.Contains(board.body, ct.Number+" ") {
			t.Errorf("the board's bar of the running rental does not name and open its contract %s", ct.Number)
		}
		vp := c.get(fmt.Sprintf("/admin/vehicles/%d", reg.VehicleID))
		if now := ctExcerpt(vp.body, `id="rental-now"`); !strings.Contains(now, fmt.Sprintf(`href="/admin/contracts/%d"`, ct.ID)) {
			t.Errorf("the car's page does not lead to its running contract: %q", now)
		}
		// the workshop reports the repair done: the rental is coming back
		must(t, ce.store.RecordWorkshopDone(ctx, ct.ID, "WA-4711"))
		p = c.get("/admin/")
		if row := homeRow(p.body, "home-repair-done", fmt.Sprintf(`data-contract="%d"`, ct.ID)); !strings.Contains(row, "Werkstatt fertig") ||
			!strings.Contains(row, fmt.Sprintf(`href="/admin/contracts/%d/return"`, ct.ID)) {
			t.Errorf("the rental whose repair is done is not listed as coming back: %q", row)
		}
		ce.clk.Advance(50 * time.Hour)
		p = c.login(stationEmail, password) // the session expired meanwhile
		row := homeRow(p.body, "home-overdue", fmt.Sprintf(`data-contract="%d"`, ct.ID))
		if !strings.Contains(row, "Werkstatt fertig") || homeRow(p.body, "home-repair-done", fmt.Sprintf(`data-contract="%d"`, ct.ID)) != "" {
			t.Errorf("an overdue rental whose repair is done: listed as overdue, with the note: %q", row)
		}
		if !strings.Contains(row, fmt.Sprintf(`href="/admin/contracts/%d/return"`, ct.ID)) {
			t.Fatalf("the overdue contract has no take-back action: %q", row)
		}

		// take it back dirty: the car waits to be cleaned; "mark ready" clears it
		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		form := handoverForm(p.csrf(t), false, "5300")
		form.Set("cleanliness", "dirty")
		prev := c.post(path, form)
		token := confirmRE.FindStringSubmatch(prev.body)
		if token == nil || token[1] == "" {
			t.Fatalf("no return preview: %d %s %v", prev.status, prev.alert(), prev.fieldErrors())
		}
		form.Set("confirm", token[1])
		done := c.post(path, form)
		if done.status != http.StatusOK || !strings.HasSuffix(done.url.Path, fmt.Sprintf("/admin/contracts/%d", ct.ID)) {
			t.Fatalf("return: %d %s %s", done.status, done.url, done.alert())
		}
		// this tenant's company data is incomplete: the page says what to do
		if !strings.Contains(done.body, "Die Schlussrechnung kann erst ausgestellt werden, wenn die Firmendaten vollständig sind") {
			t.Errorf("the return's notice does not say why billing waits: %s", ctExcerpt(done.body, `class="notice"`))
		}
		if bad := c.get(fmt.Sprintf("/admin/contracts/%d?done=%%3Cb%%3Ex", ct.ID)); strings.Contains(bad.body, "ct.done") || strings.Contains(bad.body, `class="notice"`) {
			t.Errorf("an unknown done= shows a notice: %s", ctExcerpt(bad.body, "ct.done"))
		}
		p = c.get("/admin/")
		car := fmt.Sprintf(`data-vehicle="%d"`, reg.VehicleID)
		if row := homeRow(p.body, "home-cars", car); !strings.Contains(row, "Reinigen") || !strings.Contains(row, `data-action="ready"`) {
			t.Fatalf("the returned dirty car is not waiting to be cleaned: %q", row)
		}
		if homeRow(p.body, "home-overdue", fmt.Sprintf(`data-contract="%d"`, ct.ID)) != "" {
			t.Errorf("the returned contract is still overdue")
		}
		if row := homeRow(p.body, "home-money", fmt.Sprintf(`data-contract="%d"`, ct.ID)); !strings.Contains(row, `data-action="settle"`) {
			t.Errorf("the returned, unbilled contract is not on the list to settle: %q", row)
		}
		back := c.post(fmt.Sprintf("/admin/vehicles/%d/ready", reg.VehicleID), url.Values{"csrf": {p.csrf(t)}, "back": {"/admin/"}})
		if back.status != http.StatusOK || back.url.Path != "/admin/" {
			t.Fatalf("mark ready did not lead back home: %d %s", back.status, back.url)
		}
		if car, _ := ce.store.Vehicle(ctx, reg.VehicleID); !strings.Contains(back.body, car.Plate+" ist wieder bereit.") {
			t.Errorf("the home screen does not confirm which car is ready")
		}
		if homeRow(back.body, "home-cars", car) != "" {
			t.Errorf("the car marked ready is still listed")
		}
		v, err := ce.store.Vehicle(ctx, reg.VehicleID)
		must(t, err)
		if v.Readiness != fleet.Ready {
			t.Errorf("readiness %q after mark ready", v.Readiness)
		}
	})
}

// TestHandoverTimingAsks: a handover more than the tenant's tolerance (60
// minutes) before the booked pickup, or while the station is closed, is
// refused until staff confirm; the form says beforehand what it does to
// the rental days and the price, and nothing is stored without the
// confirmation. Within the tolerance and opening hours nobody is asked.
func TestHandoverTimingAsks(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		reg := ce.res["reg"]
		ctx := ce.sys()
		// Monday 30.11.2026 09:00 Berlin: the station is open (Mondays 8–18)
		ce.clk.Advance(time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC).Sub(ce.clk.Now()))
		n := 0
		mk := func(pickup time.Time) booking.Reservation {
			n++
			v := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: reg.CategoryID, Plate: fmt.Sprintf("R-T %d", n), VIN: fmt.Sprintf("WVWZZZ1KZAW2000%02d", n),
				Make: "VW", Model: "Golf", OdometerKM: 100, FuelEighths: 8}
			must(t, ce.store.CreateVehicle(ctx, &v))
			r := booking.Reservation{StationID: ce.reg.ID, CustomerID: reg.CustomerID, CategoryID: reg.CategoryID, VehicleID: v.ID, TariffID: reg.TariffID,
				Pickup: pickup, Return: pickup.Add(24 * time.Hour), Status: booking.StatusConfirmed}
			must(t, ce.store.CreateReservation(ctx, &r))
			return r
		}
		c := ce.client(t)
		c.login(stationEmail, password)
		now := ce.clk.Now()
		onTime, early := mk(now.Add(45*time.Minute)), mk(now.Add(6*time.Hour))

		if p := c.get(fmt.Sprintf("/admin/reservations/%d/handover", onTime.ID)); strings.Contains(p.body, `id="timing-confirm"`) {
			t.Errorf("a handover 45 minutes before the pickup asks for confirmation")
		}
		p := c.get(fmt.Sprintf("/admin/reservations/%d/handover", early.ID))
		if hint := ctExcerpt(p.body, `id="timing-hint"`); !strings.Contains(hint, "Die Abholung ist erst am 30.11.2026, 15:00 Uhr gebucht") || !strings.Contains(hint, "2 Miettage statt 1 (49,00 € mehr)") {
			t.Errorf("the early handover's question: %s", hint)
		}
		form := handoverForm(p.csrf(t), true, "100")
		form.Del("timing_confirmed")
		refused := c.post(fmt.Sprintf("/admin/reservations/%d/handover", early.ID), form)
		if refused.status != http.StatusUnprocessableEntity || !strings.Contains(refused.fieldErrors()["timing_confirmed"], "Bitte bestätigen") {
			t.Fatalf("unconfirmed early handover: %d %v", refused.status, refused.fieldErrors())
		}
		if _, err := ce.store.ContractByReservation(ctx, early.ID); err == nil {
			t.Fatal("an unconfirmed early handover stored a contract")
		}
		form.Set("timing_confirmed", "1")
		if ok := c.post(fmt.Sprintf("/admin/reservations/%d/handover", early.ID), form); ok.status != http.StatusOK {
			t.Fatalf("confirmed early handover: %d %v", ok.status, ok.fieldErrors())
		}
		ct, err := ce.store.ContractByReservation(ctx, early.ID)
		must(t, err)
		if !ct.Start.Equal(now) {
			t.Errorf("the rent does not run from the handover: start %s, now %s", ct.Start, now)
		}
		if res, err := ce.store.Reservation(ctx, early.ID); err != nil || !res.Pickup.Equal(now) {
			t.Errorf("the booking's pickup after the early handover: %v %v, want %s", res.Pickup, err, now)
		}
		form.Del("timing_confirmed")
		if ok := c.post(fmt.Sprintf("/admin/reservations/%d/handover", onTime.ID), form); ok.status != http.StatusOK {
			t.Fatalf("handover on time: %d %v", ok.status, ok.fieldErrors())
		}

		// Monday 18:30: closed; a pickup booked for 19:00 asks although it is within the tolerance
		ce.clk.Advance(9*time.Hour + 30*time.Minute)
		c.login(stationEmail, password) // the session expired meanwhile
		late := mk(ce.clk.Now().Add(30 * time.Minute))
		p = c.get(fmt.Sprintf("/admin/reservations/%d/handover", late.ID))
		if hint := ctExcerpt(p.body, `id="timing-hint"`); !strings.Contains(hint, "Die Station ist jetzt geschlossen") {
			t.Errorf("the closed station's question (%d %s): %s", p.status, p.alert(), hint)
		}
		form.Set("csrf", p.csrf(t))
		refused = c.post(fmt.Sprintf("/admin/reservations/%d/handover", late.ID), form)
		if refused.status != http.StatusUnprocessableEntity || refused.fieldErrors()["timing_confirmed"] == "" {
			t.Fatalf("unconfirmed handover while closed: %d %v", refused.status, refused.fieldErrors())
		}
	})
}
