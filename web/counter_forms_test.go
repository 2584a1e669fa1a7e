package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/payment"
)

// TestHandoverFormGuardRails: the handover form refuses an odometer
// reading below the car's last one and a car whose HU runs out during the
// rental without a reason (asked for on the form only then), each on its
// field in German; it has one licence check, not one per driver.
func TestHandoverFormGuardRails(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.login(stationEmail, password)
		reg := ce.res["reg"]
		path := fmt.Sprintf("/admin/reservations/%d/handover", reg.ID)

		p := c.get(path)
		if strings.Count(p.body, `type="checkbox" name="licence_checked"`)+strings.Count(p.body, `check" value="1"`) != 1 ||
			strings.Contains(p.body, `name="drivers.0.check"`) {
			t.Errorf("the handover form has more than one licence check")
		}
		if strings.Contains(p.body, `id="due-override"`) {
			t.Errorf("the HU reason is asked for a car with no HU due")
		}
		if strings.Contains(p.body, `id="vehicle-not-ready"`) {
			t.Errorf("a ready car is shown as not ready")
		}
		csrf := p.csrf(t)
		p = c.post(path, handoverForm(csrf, true, "4500"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldErrors()["km"], "5.000 km") {
			t.Fatalf("handover 500 km below the car: %d %q", p.status, p.fieldErrors()["km"])
		}

		v, err := ce.store.Vehicle(ce.sys(), reg.VehicleID)
		must(t, err)
		v.NextInspection = reg.Return.AddDate(0, 0, -1).Format("2006-01-02")
		must(t, ce.store.UpdateVehicle(ce.sys(), &v))
		p = c.get(path)
		if !strings.Contains(p.body, `id="due-override"`) {
			t.Fatalf("the form does not ask why a car with the HU due is handed over")
		}
		p = c.post(path, handoverForm(csrf, true, "5000"))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldErrors()["due_override"], "HU") {
			t.Fatalf("HU due without a reason: %d %v", p.status, p.fieldErrors())
		}
		if r, _ := ce.store.Reservation(ce.sys(), reg.ID); r.Status != booking.StatusConfirmed {
			t.Fatalf("refused handovers changed the booking to %s", r.Status)
		}
		f := handoverForm(csrf, true, "5000")
		f.Set("due_override", "HU-Termin am Montag, Kunde informiert")
		if p = c.post(path, f); p.status != http.StatusOK || !strings.Contains(p.url.Path, "/admin/contracts/") {
			t.Fatalf("handover with the reason: %d %v", p.status, p.fieldErrors())
		}
	})
}

// handedOver is the contract environment with Regensburg's booking handed
// over by its station user (logged in as c) at 5.000 km.
func handedOver(t *testing.T, d store.Dialect) (*ctEnv, *client, contract.Contract, string) {
	t.Helper()
	ce := newCtEnv(t, d)
	c := ce.client(t)
	c.login(stationEmail, password)
	reg := ce.res["reg"]
	csrf := c.token(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID))
	if p := c.post(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), handoverForm(csrf, true, "5000")); p.status != http.StatusOK {
		t.Fatalf("handover: %d", p.status)
	}
	ct, err := ce.store.ContractByReservation(ce.sys(), reg.ID)
	must(t, err)
	return ce, c, ct, csrf
}

var confirmRE = regexp.MustCompile(`name="confirm" id="f-confirm" value="([^"]*)"`)

// TestReturnFormPreview: the return form starts with the km empty; a
// submit shows the bill (lines, total, what is charged) and records
// nothing; only the submit that confirms those figures records the
// return; a confirmation of other figures (the km changed since) shows
// the new bill instead.
func TestReturnFormPreview(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, csrf := handedOver(t, d)
		reg := ce.res["reg"]
		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		p := c.get(path)
		if !regexp.MustCompile(`<input id="f-km" name="km" type="number"[^>]* value=""`).MatchString(p.body) {
			t.Fatalf("the km do not start empty: %s", ctExcerpt(p.body, `id="f-km"`))
		}
		// fuel and cleanliness start unselected too; left out, they are asked for
		if strings.Contains(p.body, `name="fuel_eighths" value="8" checked`) || strings.Contains(p.body, `name="cleanliness" value="clean" checked`) {
			t.Errorf("the return form pre-selects the handover's fuel or cleanliness")
		}
		missing := c.post(path, url.Values{"csrf": {csrf}, "km": {"5400"}, "unsigned_reason": {"Kunde nicht da"}})
		if fe := missing.fieldErrors(); missing.status != http.StatusUnprocessableEntity || fe["fuel_eighths"] == "" || fe["cleanliness"] == "" {
			t.Errorf("a return without fuel and cleanliness: %d %v", missing.status, fe)
		}
		// as at the handover: the customer signs or staff say why not
		unsigned := c.post(path, url.Values{"csrf": {csrf}, "km": {"5400"}, "fuel_eighths": {"8"}, "cleanliness": {"clean"}})
		if fe := unsigned.fieldErrors(); unsigned.status != http.StatusUnprocessableEntity || fe["signature"] == "" {
			t.Errorf("a return without signature or reason: %d %v", unsigned.status, fe)
		}
		form := handoverForm(csrf, false, "5400")
		form.Set("cleanliness", "very_dirty")
		p = c.post(path, form)
		if p.status != http.StatusOK || !strings.Contains(p.body, "Abrechnung vor der Rücknahme") || !strings.Contains(p.body, `id="preview-gross"`) {
			t.Fatalf("no preview: %d %s", p.status, ctExcerpt(p.body, "return-preview"))
		}
		if got, _ := ce.store.Contract(ce.sys(), ct.ID); got.Status != contract.StatusOpen {
			t.Fatalf("the preview recorded the return: %s", got.Status)
		}
		token := confirmRE.FindStringSubmatch(p.body)
		if token == nil || token[1] == "" {
			t.Fatal("the preview carries no confirmation")
		}
		gross := regexp.MustCompile(`id="preview-gross">([^<]+)<`).FindStringSubmatch(p.body)[1]

		// the km changed after the preview: the new bill, nothing recorded
		changed := handoverForm(csrf, false, "5900")
		changed.Set("cleanliness", "very_dirty")
		changed.Set("confirm", token[1])
		p = c.post(path, changed)
		if p.status != http.StatusOK || !strings.Contains(p.body, "hat sich seit der Vorschau geändert") {
			t.Fatalf("a changed bill was not shown again: %d %s", p.status, p.alert())
		}
		if got, _ := ce.store.Contract(ce.sys(), ct.ID); got.Status != contract.StatusOpen {
			t.Fatalf("a confirmation of other figures recorded the return: %s", got.Status)
		}

		form.Set("confirm", token[1])
		p = c.post(path, form)
		if p.status != http.StatusOK || !strings.HasSuffix(p.url.Path, fmt.Sprintf("/admin/contracts/%d", ct.ID)) {
			t.Fatalf("confirmed return: %d %s %s", p.status, p.url, p.alert())
		}
		got, err := ce.store.Contract(ce.sys(), ct.ID)
		must(t, err)
		if got.Status == contract.StatusOpen {
			t.Fatal("the confirmed return is not recorded")
		}
		if !strings.Contains(p.body, gross) {
			t.Errorf("the contract page does not show the previewed total %s", gross)
		}

		// the car came back very dirty: "zu reinigen" on its page and in the
		// list until staff mark it ready
		vpath := fmt.Sprintf("/admin/vehicles/%d", reg.VehicleID)
		vp := c.get(vpath)
		if !strings.Contains(vp.body, `id="vehicle-readiness"`) || !strings.Contains(vp.body, "zu reinigen") {
			t.Fatalf("the returned car is not marked to clean: %s", ctExcerpt(vp.body, "readiness"))
		}
		if lp := c.get("/admin/vehicles"); !strings.Contains(lp.body, `class="badge ready-to_clean"`) {
			t.Errorf("the vehicle list does not show the car to clean")
		}
		vp = c.post(vpath+"/ready", url.Values{"csrf": {vp.csrf(t)}})
		if vp.status != http.StatusOK || strings.Contains(vp.body, `id="vehicle-readiness"`) || !strings.Contains(vp.body, "als bereit gemeldet") {
			t.Fatalf("mark ready: %d %s", vp.status, vp.alert())
		}
		if v, _ := ce.store.Vehicle(ce.sys(), reg.VehicleID); v.Readiness != fleet.Ready {
			t.Fatalf("readiness after marking ready: %q", v.Readiness)
		}
	})
}

// TestLaterChargeAsksFirst: a later charge on a contract first asks for
// confirmation with the amount and charges nothing; invalid input is
// refused before that.
func TestLaterChargeAsksFirst(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, csrf := handedOver(t, d)
		path := fmt.Sprintf("/admin/contracts/%d/charge", ct.ID)
		p := c.post(path, url.Values{"csrf": {csrf}, "kind": {"damage"}, "description": {" "}, "amount": {"120"}})
		if p.status != http.StatusUnprocessableEntity || p.fieldErrors()["description"] == "" || strings.Contains(p.body, `id="charge-confirm"`) {
			t.Fatalf("charge without a description: %d %v", p.status, p.fieldErrors())
		}
		p = c.post(path, url.Values{"csrf": {csrf}, "kind": {"damage"}, "description": {"Felge vorne rechts"}, "amount": {"120,50"}})
		if p.status != http.StatusOK || !strings.Contains(p.body, `id="charge-confirm"`) || !strings.Contains(p.body, "jetzt belasten") || !strings.Contains(p.body, "120,50") ||
			!strings.Contains(p.body, `name="confirm_cents" value="12050"`) {
			t.Fatalf("no confirmation with the amount: %d %s", p.status, ctExcerpt(p.body, "charge-confirm"))
		}
		recs, err := ce.store.ListPayments(ce.sys(), payment.RecordFilter{ContractID: ct.ID})
		must(t, err)
		if len(recs) != 0 {
			t.Fatalf("the card was charged before the confirmation: %+v", recs)
		}
	})
}

// TestAssignCarWithHUDue: staff cannot put a booking on a car whose HU
// runs out before its return without a reason; with one they can.
func TestAssignCarWithHUDue(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.login(stationEmail, password)
		reg := ce.res["reg"]
		old, err := ce.store.Vehicle(ce.sys(), reg.VehicleID)
		must(t, err)
		v := fleet.Vehicle{StationID: old.StationID, CategoryID: old.CategoryID, Plate: "R-HU 1", VIN: "WVWZZZ1KZAW100099",
			Make: "VW", Model: "Golf", OdometerKM: 100, FuelEighths: 8, NextInspection: reg.Pickup.AddDate(0, -1, 0).Format("2006-01-02")}
		must(t, ce.store.CreateVehicle(ce.sys(), &v))
		// the vehicle list says so, next to the date
		list := c.get("/admin/vehicles")
		if i := strings.Index(list.body, "R-HU 1"); i < 0 || !strings.Contains(list.body[i:], `class="badge hu-overdue">überfällig`) ||
			strings.Count(list.body, "hu-overdue") != 1 {
			t.Errorf("the vehicle list does not mark exactly the car with the HU overdue")
		}
		path := fmt.Sprintf("/admin/reservations/%d", reg.ID)
		// the reservation's car list says so before staff choose it, for
		// that car only; the category reads with its name
		page := c.get(path)
		due, err := time.Parse("2006-01-02", v.NextInspection)
		must(t, err)
		opt := optionOf(page.body, fmt.Sprint(v.ID))
		if want := "HU nur bis " + due.Format("02.01.2006"); !strings.Contains(opt, want) || !strings.Contains(opt, `data-due="1"`) {
			t.Errorf("the car with the HU due is offered as %q, want it to say %q", opt, want)
		}
		if n := strings.Count(page.body, `data-due="1"`); n != 1 {
			t.Errorf("%d cars offered as due, want 1", n)
		}
		cat, err := ce.store.Category(ce.sys(), reg.CategoryID)
		must(t, err)
		if want := cat.Code + " · " + cat.NameDE; !strings.Contains(page.body, `<dd id="res-category">`+want+`</dd>`) {
			t.Errorf("the reservation's category does not read %q", want)
		}
		csrf := c.token(path)
		p := c.post(path+"/vehicle", url.Values{"csrf": {csrf}, "vehicle_id": {fmt.Sprint(v.ID)}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.fieldErrors()["due_override"], "HU") ||
			!strings.Contains(p.body, `id="assign-due-override"`) {
			t.Fatalf("assign a car with the HU due: %d %v", p.status, p.fieldErrors())
		}
		if r, _ := ce.store.Reservation(ce.sys(), reg.ID); r.VehicleID != reg.VehicleID {
			t.Fatalf("the refused assignment moved the booking to vehicle %d", r.VehicleID)
		}
		p = c.post(path+"/vehicle", url.Values{"csrf": {csrf}, "vehicle_id": {fmt.Sprint(v.ID)}, "due_override": {"HU-Termin vor Abholung gebucht"}})
		if p.status != http.StatusOK {
			t.Fatalf("assign with a reason: %d %v", p.status, p.fieldErrors())
		}
		if r, _ := ce.store.Reservation(ce.sys(), reg.ID); r.VehicleID != v.ID {
			t.Fatalf("the assignment with a reason did not move the booking: %d", r.VehicleID)
		}
	})
}

// TestVehicleListShowsCarOut: a car handed over shows in the vehicle list
// as rented out in its contract (linked), not as "Verfügbar"; the other
// cars keep their status.
func TestVehicleListShowsCarOut(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, _ := handedOver(t, d)
		p := c.get("/admin/vehicles")
		want := fmt.Sprintf(`<a class="badge st-out" href="/admin/contracts/%d">Vermietet (%s)</a>`, ct.ID, ct.Number)
		if !strings.Contains(p.body, want) {
			t.Fatalf("vehicle list does not show the car out: %s", ctExcerpt(p.body, fmt.Sprintf(`data-vehicle="%d"`, ct.VehicleID)))
		}
		if strings.Count(p.body, `class="badge st-out"`) != 1 {
			t.Errorf("%d cars shown out, want 1", strings.Count(p.body, `class="badge st-out"`))
		}
		_ = ce
	})
}

// TestWorkshopOrderRentalsTogether: the rentals of one workshop order are
// found together — from the reservation and the contract page a link lists
// them (the reservation search takes the order number), another order's
// rental not among them.
func TestWorkshopOrderRentalsTogether(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, _ := handedOver(t, d)
		reg := ce.res["reg"]
		_, err := ce.store.DB().Exec(`UPDATE reservations SET workshop_ref = $1 WHERE id = $2`, "WA-77/2026", reg.ID)
		must(t, err)
		mk := func(ref string, days int) booking.Reservation {
			r := booking.Reservation{StationID: reg.StationID, CustomerID: reg.CustomerID, CategoryID: reg.CategoryID, TariffID: reg.TariffID,
				Pickup: reg.Pickup.AddDate(0, 0, days), Return: reg.Return.AddDate(0, 0, days), Status: booking.StatusConfirmed, WorkshopRef: ref}
			must(t, ce.store.CreateReservation(ce.sys(), &r))
			return r
		}
		same, other := mk("WA-77/2026", 5), mk("WA-78/2026", 9)
		k := c.get(fmt.Sprintf("/admin/contracts/%d", ct.ID))
		link := regexp.MustCompile(`<a href="([^"]+)" id="workshop-rentals">`).FindStringSubmatch(k.body)
		if link == nil || !strings.Contains(k.body, fmt.Sprintf(`<a href="/admin/reservations/%d" id="ct-booking">%s</a>`, reg.ID, reg.Number)) {
			t.Fatalf("contract page without its booking and workshop order: %s", ctExcerpt(k.body, `class="muted summary"`))
		}
		p := c.get(strings.ReplaceAll(link[1], "&amp;", "&"))
		if !strings.Contains(p.body, reg.Number) || !strings.Contains(p.body, same.Number) || strings.Contains(p.body, other.Number) {
			t.Errorf("the order's rentals (%s, %s; not %s) at %s: %s", reg.Number, same.Number, other.Number, link[1], ctExcerpt(p.body, "<table"))
		}
		r := c.get(fmt.Sprintf("/admin/reservations/%d", same.ID))
		if !strings.Contains(r.body, `id="workshop-rentals"`) {
			t.Errorf("reservation page without the link to its order's rentals")
		}
	})
}

// optionOf is the <option> of value in body ("" when there is none).
func optionOf(body, value string) string {
	return span(body, `<option value="`+value+`"`, "</option>")
}
