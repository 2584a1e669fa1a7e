package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
	"mietwerk.dev/mietwerk/web"
)

// bookingWorld seeds, on top of env: a category and tariff, two vehicles at
// REG and one at MUC, customers Anna (bookings at REG and MUC) and Max (MUC
// only), and their reservations around 2026-12-07 (a Monday).
type bookingWorld struct {
	cat            fleet.Category
	tariff         pricing.Tariff
	reg1, reg2     fleet.Vehicle
	muc1           fleet.Vehicle
	anna, max      customer.Customer
	resReg, resMuc booking.Reservation
	resMax         booking.Reservation
	pickup         time.Time
}

func seedBookings(t *testing.T, e *env) *bookingWorld {
	t.Helper()
	ctx := e.sys()
	w := &bookingWorld{pickup: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	w.cat = fleet.Category{Code: "CDMR", NameDE: "Kompakt", NameEN: "Compact", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
	must(t, e.store.CreateCategory(ctx, &w.cat))
	w.tariff = pricing.Tariff{Code: "STD", Name: "Standard", Kind: "standard", PricePerDayCents: 4900, DayCounting: "24h",
		VATRateBP: 1900, ValidFrom: "2026-01-01", CategoryIDs: []int64{w.cat.ID}, Active: true}
	must(t, e.store.CreateTariff(ctx, &w.tariff))
	veh := func(st tenancy.Station, plate, vin string) fleet.Vehicle {
		v := fleet.Vehicle{StationID: st.ID, CategoryID: w.cat.ID, Plate: plate, VIN: vin, Make: "VW", Model: "Golf", FuelEighths: 8}
		must(t, e.store.CreateVehicle(ctx, &v))
		return v
	}
	w.reg1 = veh(e.reg, "R-AB 101", "WVWZZZ1KZAW000101")
	w.reg2 = veh(e.reg, "R-AB 102", "WVWZZZ1KZAW000102")
	w.muc1 = veh(e.muc, "M-AB 201", "WVWZZZ1KZAW000201")
	w.anna = customer.Customer{Email: "anna@example.de", FirstName: "Anna", LastName: "Berger", Street: "Domplatz 1",
		PostalCode: "93047", City: "Regensburg", Phone: "+49 941 555123", BirthDate: "1985-03-04", LicenceNumber: "B072RRE2I55"}
	_, _, err := e.store.UpsertCustomer(ctx, &w.anna)
	must(t, err)
	w.max = customer.Customer{Email: "max@example.de", FirstName: "Max", LastName: "Muster", Street: "Marienplatz 1", PostalCode: "80331", City: "München"}
	_, _, err = e.store.UpsertCustomer(ctx, &w.max)
	must(t, err)
	res := func(c customer.Customer, st tenancy.Station, vid int64, at time.Time) booking.Reservation {
		r := booking.Reservation{StationID: st.ID, CustomerID: c.ID, CategoryID: w.cat.ID, TariffID: w.tariff.ID, VehicleID: vid,
			Pickup: at, Return: at.Add(48 * time.Hour), Status: booking.StatusConfirmed, DayPriceCents: 4900, EstimatedTotalCents: 9800}
		must(t, e.store.CreateReservation(ctx, &r))
		return r
	}
	w.resReg = res(w.anna, e.reg, w.reg1.ID, w.pickup)
	w.resMuc = res(w.anna, e.muc, w.muc1.ID, w.pickup)
	w.resMax = res(w.max, e.muc, 0, w.pickup.Add(96*time.Hour))
	return w
}

func TestReservationPages(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		c := e.client(t)
		c.mustLogin(stationEmail)
		// the day list: REG's pickup on 07.12., MUC's booking invisible
		p := c.get("/admin/reservations?day=2026-12-07")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, w.resReg.Number, "Anna Berger", "Abholung", "R-AB 101")
		wantLacks(t, p, w.resMuc.Number, w.resMax.Number)
		p = c.get("/admin/reservations?day=2026-12-09")
		wantContains(t, p, w.resReg.Number, "Rückgabe")
		p = c.get("/admin/reservations?day=all&q=" + url.QueryEscape(w.resMuc.Number))
		wantContains(t, p, "Keine Reservierungen")

		// the detail page with payments, invoices and audit trail
		iss := &invoice.Issued{CustomerID: w.anna.ID, ReservationID: w.resReg.ID, StationID: e.reg.ID, Language: "de", Invoice: invoice.Invoice{
			Kind: invoice.KindAdvance, Currency: "EUR", ServicePeriod: invoice.Period{From: w.pickup, To: w.pickup.Add(48 * time.Hour)},
			Supplier:  invoice.Party{Name: "Autohaus König GmbH", Address: invoice.Address{Street: "Hauptstr. 1", PostalCode: "93047", City: "Regensburg", Country: "DE"}, VATID: "DE123456789"},
			Recipient: invoice.Party{Name: "Anna Berger", Address: invoice.Address{Street: "Domplatz 1", PostalCode: "93047", City: "Regensburg", Country: "DE"}},
			Lines:     []invoice.Line{{Description: "Miete 1 Tag", QuantityMilli: 1000, Unit: "day", UnitGross: 4900, VATRateBP: 1900}},
		}}
		must(t, e.store.IssueInvoice(e.sys(), invoice.IssueRequest{Issued: iss, Render: func(inv invoice.Invoice) ([]byte, error) {
			return []byte("%PDF-1.4 " + inv.Number), nil
		}}))
		_, err := e.store.DB().Exec(`INSERT INTO payments (tenant_id, reservation_id, customer_id, operation, purpose, status, amount_cents,
			merchant_txn_id, order_id, card_brand, card_last4, created_at) VALUES ($1,$2,$3,'sale','rent','approved',4900,'m1','o1','visa','1111',
			'2026-11-27T09:00:00.000000Z')`, e.tenant.ID, w.resReg.ID, w.anna.ID)
		must(t, err)
		path := fmt.Sprintf("/admin/reservations/%d", w.resReg.ID)
		p = c.get(path)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, w.resReg.Number, "Anna Berger", "R-AB 101", "Standard", "49,00", "•••• 1111", iss.Invoice.Number, "R-AB 102")
		pdf := c.get(fmt.Sprintf("%s/documents/%d", path, iss.DocumentID))
		wantStatus(t, pdf, http.StatusOK)
		if !strings.HasPrefix(pdf.body, "%PDF") {
			t.Fatalf("document = %q", pdf.body)
		}
		// a document of another reservation is not served through this one
		wantStatus(t, c.get(fmt.Sprintf("/admin/reservations/%d/documents/%d", w.resReg.ID, iss.DocumentID+1)), http.StatusNotFound)

		// notes: saved and audited; too long refused
		tok := p.csrf(t)
		p = c.post(path+"/notes", url.Values{"csrf": {tok}, "notes": {"Kindersitz bereitlegen"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Notizen wurden gespeichert.", "Kindersitz bereitlegen", "Stefan Station", "notes")
		p = c.post(path+"/notes", url.Values{"csrf": {tok}, "notes": {strings.Repeat("x", 2001)}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if p.fieldErrors()["notes"] == "" {
			t.Fatalf("no notes error: %v", p.fieldErrors())
		}
		// assign another vehicle; an occupied one is refused
		p = c.post(path+"/vehicle", url.Values{"csrf": {tok}, "vehicle_id": {fmt.Sprint(w.reg2.ID)}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Das Fahrzeug wurde zugewiesen.")
		if r, _ := e.store.Reservation(e.sys(), w.resReg.ID); r.VehicleID != w.reg2.ID {
			t.Fatalf("vehicle = %d", r.VehicleID)
		}
		p = c.post(path+"/vehicle", url.Values{"csrf": {tok}, "vehicle_id": {"abc"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		// cancel: needs confirmation; refused when money was taken
		p = c.post(path+"/cancel", url.Values{"csrf": {tok}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		p = c.post(path+"/cancel", url.Values{"csrf": {tok}, "confirm": {"yes"}})
		wantStatus(t, p, http.StatusConflict)
		if r, _ := e.store.Reservation(e.sys(), w.resReg.ID); r.Status != booking.StatusConfirmed {
			t.Fatalf("status = %s", r.Status)
		}

		// isolation: REG's user gets 404 for MUC's reservation, page and actions; nothing changes
		other := fmt.Sprintf("/admin/reservations/%d", w.resMuc.ID)
		wantStatus(t, c.get(other), http.StatusNotFound)
		for _, a := range []string{"/notes", "/vehicle", "/cancel"} {
			wantStatus(t, c.post(other+a, url.Values{"csrf": {tok}, "notes": {"hacked"}, "vehicle_id": {fmt.Sprint(w.reg1.ID)}, "confirm": {"yes"}}), http.StatusNotFound)
		}
		if r, _ := e.store.Reservation(e.sys(), w.resMuc.ID); r.Notes != "" || r.Status != booking.StatusConfirmed || r.VehicleID != w.muc1.ID {
			t.Fatalf("MUC's reservation changed: %+v", r)
		}
		// the admin sees both stations and can cancel the unpaid one
		ac := e.client(t)
		ac.mustLogin(adminEmail)
		p = ac.get("/admin/reservations?day=2026-12-07")
		wantContains(t, p, w.resReg.Number, w.resMuc.Number)
		atok := p.csrf(t)
		p = ac.post(other+"/cancel", url.Values{"csrf": {atok}, "confirm": {"yes"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "storniert")
		// English
		ac.post("/admin/lang?l=en", url.Values{"csrf": {atok}, "next": {"/admin/reservations"}})
		p = ac.get("/admin/reservations?day=2026-12-07")
		wantContains(t, p, "Reservations", "Pickup")
	})
}

func TestPlanningBoard(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		flow := bookingFlow(t, e)
		e.serve(t, func(d *web.Deps) { d.Flow = flow })
		must(t, e.store.Allocate(e.sys(), &fleet.Allocation{VehicleID: w.reg2.ID, Start: w.pickup.Add(120 * time.Hour),
			End: w.pickup.Add(144 * time.Hour), Kind: fleet.AllocMaintenance, Note: "HU"}))
		c := e.client(t)
		c.mustLogin(stationEmail)
		q := fmt.Sprintf("station=%d&from=2026-12-06&days=14", e.reg.ID)
		p := c.get("/admin/planning?" + q)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `id="board"`, `hx-trigger="every 15s"`, w.resReg.Number, "R-AB 101", "R-AB 102",
			"bar-maintenance", fmt.Sprintf(`data-res="%d"`, w.resReg.ID), "data-movable")
		wantLacks(t, p, w.resMuc.Number, "M-AB 201", "Nicht zugewiesen") // every booking has a car: no empty "unassigned" rows
		// the day navigation and the zoom keep their parameters (not escaped a second time)
		wantContains(t, p, fmt.Sprintf(`href="/admin/planning?days=14&amp;from=2026-11-29&amp;station=%d"`, e.reg.ID),
			fmt.Sprintf(`href="/admin/planning?days=2&amp;from=2026-12-06&amp;station=%d&amp;zoom=hours"`, e.reg.ID))
		b := c.get("/admin/planning/board?" + q)
		wantStatus(t, b, http.StatusOK)
		if strings.Contains(b.body, "<html") || !strings.Contains(b.body, w.resReg.Number) {
			t.Fatalf("board fragment: %s", excerpt(b.body))
		}
		wantStatus(t, c.get(fmt.Sprintf("/admin/planning?station=%d", e.muc.ID)), http.StatusNotFound)
		wantStatus(t, c.get(fmt.Sprintf("/admin/planning/board?station=%d", e.foreign.ID)), http.StatusNotFound)

		tok := p.csrf(t)
		// a refused period change shows the period as typed, with the error
		bad := c.post(fmt.Sprintf("/admin/reservations/%d/period", w.resReg.ID), url.Values{"csrf": {tok},
			"pickup": {"2026-12-09T10:00"}, "return": {"2026-12-08T10:00"}})
		if bad.status != http.StatusUnprocessableEntity || bad.fieldErrors()["return"] == "" ||
			!strings.Contains(bad.body, `value="2026-12-09T10:00"`) || !strings.Contains(bad.body, `value="2026-12-08T10:00"`) {
			t.Errorf("refused period change: %d %v, typed values shown: %v", bad.status, bad.fieldErrors(), strings.Contains(bad.body, `value="2026-12-09T10:00"`))
		}
		move := func(res, veh int64, pickup time.Time) page {
			form := url.Values{"csrf": {tok}, "reservation": {fmt.Sprint(res)}, "vehicle": {fmt.Sprint(veh)},
				"pickup": {pickup.Format(time.RFC3339)}, "station": {fmt.Sprint(e.reg.ID)}, "from": {"2026-12-06"}, "days": {"14"}}
			return c.post("/admin/planning/move", form, "HX-Request", "true")
		}
		// onto the maintenance period: refused, nothing changed
		p = move(w.resReg.ID, w.reg2.ID, w.pickup.Add(120*time.Hour))
		wantStatus(t, p, http.StatusConflict)
		wantContains(t, p, "schon belegt")
		if r, _ := e.store.Reservation(e.sys(), w.resReg.ID); r.VehicleID != w.reg1.ID || !r.Pickup.Equal(w.pickup) {
			t.Fatalf("refused move changed %+v", r)
		}
		if n := changeMails(t, e); len(n) != 0 {
			t.Fatalf("a refused move sent %d change e-mails", len(n))
		}
		// to reg2 one day later: saved, and the customer gets the new period with the updated calendar file
		p = move(w.resReg.ID, w.reg2.ID, w.pickup.Add(24*time.Hour))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "wurde verschoben")
		if r, _ := e.store.Reservation(e.sys(), w.resReg.ID); r.VehicleID != w.reg2.ID || !r.Pickup.Equal(w.pickup.Add(24*time.Hour)) ||
			r.CalendarSequence != 1 {
			t.Fatalf("moved = %+v", r)
		}
		cals := changeMails(t, e)
		if len(cals) != 1 || cals[0].Props["METHOD"].Value != "PUBLISH" || cals[0].Events[0]["SEQUENCE"].Value != "1" ||
			!strings.HasPrefix(cals[0].Events[0]["UID"].Value, w.resReg.Number+"-pickup@") {
			t.Fatalf("change e-mails after the move: %+v", cals)
		}
		if at, err := cals[0].Events[0]["DTSTART"].Time(); err != nil || !at.Equal(w.pickup.Add(24*time.Hour)) {
			t.Fatalf("calendar pickup %v (%v)", at, err)
		}
		// to reg1 at the same time: another car, same period: no e-mail
		wantStatus(t, move(w.resReg.ID, w.reg1.ID, w.pickup.Add(24*time.Hour)), http.StatusOK)
		if n := changeMails(t, e); len(n) != 1 {
			t.Fatalf("a move to another car at the same time sent a change e-mail (%d)", len(n))
		}
		// bad input, another station's reservation, another station's vehicle
		wantStatus(t, move(0, w.reg1.ID, w.pickup), http.StatusUnprocessableEntity)
		wantStatus(t, move(w.resMuc.ID, w.reg1.ID, w.pickup), http.StatusNotFound)
		wantStatus(t, move(w.resReg.ID, w.muc1.ID, w.pickup), http.StatusNotFound)
		if r, _ := e.store.Reservation(e.sys(), w.resMuc.ID); r.VehicleID != w.muc1.ID {
			t.Fatalf("MUC reservation changed: %+v", r)
		}
		// hours zoom
		p = c.get(fmt.Sprintf("/admin/planning?station=%d&from=2026-12-08&zoom=hours", e.reg.ID))
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `data-unit="60"`, `data-cols="48"`)
	})
}

func TestCustomerPages(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		c := e.client(t)
		c.mustLogin(stationEmail)
		p := c.get("/admin/customers")
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Anna Berger")
		wantLacks(t, p, "Max Muster")
		p = c.get("/admin/customers?q=" + url.QueryEscape(w.resReg.Number))
		wantContains(t, p, "Anna Berger")
		p = c.get("/admin/customers?q=" + url.QueryEscape(w.resMax.Number))
		wantContains(t, p, "Keine Kunden gefunden")
		// customer page: REG's booking only
		path := fmt.Sprintf("/admin/customers/%d", w.anna.ID)
		p = c.get(path)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, w.resReg.Number, "anna@example.de", `id="cust-form"`)
		wantLacks(t, p, w.resMuc.Number, `id="cust-erase"`)
		wantStatus(t, c.get(fmt.Sprintf("/admin/customers/%d", w.max.ID)), http.StatusNotFound)
		wantStatus(t, c.get(fmt.Sprintf("/admin/customers/%d/export.json", w.max.ID)), http.StatusNotFound)
		// edit: invalid input comes back with messages, nothing changes
		tok := p.csrf(t)
		form := url.Values{"csrf": {tok}, "email": {"anna@example.de"}, "first_name": {"Anna"}, "last_name": {"Berger"},
			"street": {"Domplatz 1"}, "postal_code": {"9304"}, "city": {"Regensburg"}, "country": {"DE"}, "phone": {"abc"}, "language": {"de"},
			"birth_date": {"1985-03-04"}, "licence_number": {"B072RRE2I55"}}
		p = c.post(path, form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		fe := p.fieldErrors()
		if fe["postal_code"] == "" || fe["phone"] == "" {
			t.Fatalf("field errors = %v", fe)
		}
		wantContains(t, p, `value="9304"`)
		form.Set("postal_code", "93049")
		form.Set("phone", "+49 941 777")
		p = c.post(path, form)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "gespeichert", `value="93049"`)
		wantStatus(t, c.post(fmt.Sprintf("/admin/customers/%d", w.max.ID), form), http.StatusNotFound)
		if m, _ := e.store.Customer(e.sys(), w.max.ID); m.PostalCode != "80331" {
			t.Fatalf("max changed: %+v", m)
		}
		// export: JSON of REG's data only
		ex := c.get(path + "/export.json")
		wantStatus(t, ex, http.StatusOK)
		if ct := ex.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("content type %s", ct)
		}
		var file customer.File
		must(t, json.Unmarshal([]byte(ex.body), &file))
		if file.Customer.Email != "anna@example.de" || file.Customer.BirthDate != "1985-03-04" || len(file.Reservations) != 1 ||
			file.Reservations[0].Number != w.resReg.Number || strings.Contains(ex.body, w.resMuc.Number) || len(file.Audit) == 0 {
			t.Fatalf("export = %s", ex.body)
		}
		// erasure is for administrators
		wantStatus(t, c.get(path+"/erase"), http.StatusForbidden)
		wantStatus(t, c.post(path+"/erase", url.Values{"csrf": {tok}, "confirm": {"yes"}}), http.StatusForbidden)
		ac := e.client(t)
		ac.mustLogin(adminEmail)
		p = ac.get(path + "/erase")
		wantStatus(t, p, http.StatusOK)
		atok := p.csrf(t)
		wantStatus(t, ac.post(path+"/erase", url.Values{"csrf": {atok}}), http.StatusUnprocessableEntity)
		p = ac.post(path+"/erase", url.Values{"csrf": {atok}, "confirm": {"yes"}})
		wantStatus(t, p, http.StatusConflict) // open bookings
		for _, r := range []booking.Reservation{w.resReg, w.resMuc} {
			must(t, e.store.SetReservationStatus(e.sys(), r.ID, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled))
		}
		p = ac.post(path+"/erase", url.Values{"csrf": {atok}, "confirm": {"yes"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Löschantrag wurde ausgeführt", `id="cust-restricted"`)
		wantLacks(t, p, "+49 941", `id="cust-form"`)
		a, _ := e.store.Customer(e.sys(), w.anna.ID)
		if a.RestrictedAt == nil || a.Phone != "" || a.BirthDate != "" || a.LicenceNumber != "" {
			t.Fatalf("after erasure: %+v", a)
		}
		// another tenant's admin never sees the customer
		wantStatus(t, ac.get(fmt.Sprintf("/admin/customers/%d", 999999)), http.StatusNotFound)
	})
}

// changeMails returns the calendar files of the queued booking-change
// e-mails, read back, oldest first.
func changeMails(t *testing.T, e *env) []testenv.ICalendar {
	t.Helper()
	qs, _, err := e.store.ListEmails(e.sys(), mail.Filter{Limit: 100})
	must(t, err)
	var out []testenv.ICalendar
	for i := len(qs) - 1; i >= 0; i-- {
		if qs[i].Message.Kind != mail.KindBookingChange {
			continue
		}
		q, _, err := e.store.Email(e.sys(), qs[i].ID)
		must(t, err)
		for _, a := range q.Message.Attachments {
			if strings.HasPrefix(a.ContentType, "text/calendar") {
				out = append(out, testenv.ParseICS(t, a.Data))
			}
		}
	}
	return out
}
