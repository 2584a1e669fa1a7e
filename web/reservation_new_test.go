package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/web"
)

// reservationByWorkshop finds the reservation with workshop order ref.
func reservationByWorkshop(t *testing.T, ce *ctEnv, ref string) (booking.Row, bool) {
	t.Helper()
	rows, _, err := ce.store.ReservationRows(ce.sys(), booking.ListQuery{Limit: 200})
	must(t, err)
	for _, r := range rows {
		if r.WorkshopRef == ref {
			return r.Row, true
		}
	}
	return booking.Row{}, false
}

// TestNewReservationRules: a phone booking follows the website's period
// rules except the notice — a pickup on a day the station is closed, a
// return before the pickup and a period in the past come back as field
// errors in German and store nothing; a valid one is stored confirmed,
// source admin, with a car, its workshop order and the customer found by
// e-mail.
func TestNewReservationRules(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		flow := bookingFlow(t, ce.env)
		ce.serve(t, func(d *web.Deps) { d.Flow = flow })
		c := ce.client(t)
		c.login(stationEmail, password)
		page := c.get("/admin/reservations/new")
		csrf := page.csrf(t)
		// what the form cannot be saved without is marked (and said so), what it can is not
		for _, f := range []string{"email", "first_name", "last_name", "street", "postal_code", "city", "pickup", "return"} {
			if !regexp.MustCompile(`<input id="f-` + f + `" [^>]*aria-required="true"`).MatchString(page.body) {
				t.Errorf("field %s not marked required", f)
			}
		}
		if regexp.MustCompile(`<input id="f-(phone|workshop_ref|notes)" [^>]*aria-required`).MatchString(page.body) ||
			!strings.Contains(page.body, "Felder mit * müssen ausgefüllt werden.") {
			t.Errorf("optional fields marked required, or the mark is not explained")
		}
		form := func(pickup, ret string) url.Values {
			return url.Values{"csrf": {csrf}, "email": {"reg@example.de"}, "first_name": {"Eva"}, "last_name": {"Muster"},
				"street": {"Weg 1"}, "postal_code": {"93047"}, "city": {"Regensburg"},
				"station_id": {fmt.Sprint(ce.reg.ID)}, "category_id": {fmt.Sprint(ce.res["reg"].CategoryID)}, "pickup": {pickup}, "return": {ret},
				"workshop_ref": {"WA-" + pickup[:10]}}
		}
		for _, c2 := range []struct{ pickup, ret, field, text string }{
			{"2026-12-01T09:00", "2026-12-07T17:00", "pickup", "geschlossen"}, // a Tuesday
			{"2026-11-30T09:00", "2026-11-30T08:00", "return", "nach der Abholung"},
			{"2026-11-23T09:00", "2026-11-30T17:00", "pickup", ""}, // in the past
		} {
			p := c.post("/admin/reservations/new", form(c2.pickup, c2.ret))
			if p.status != http.StatusUnprocessableEntity || p.fieldErrors()[c2.field] == "" || !strings.Contains(p.fieldErrors()[c2.field], c2.text) {
				t.Errorf("%s–%s: %d %v", c2.pickup, c2.ret, p.status, p.fieldErrors())
			}
			if _, ok := reservationByWorkshop(t, ce, "WA-"+c2.pickup[:10]); ok {
				t.Errorf("%s–%s: stored although refused", c2.pickup, c2.ret)
			}
		}
		p := c.post("/admin/reservations/new", form("2026-11-30T09:00", "2026-12-07T17:00"))
		if p.status != http.StatusOK || !strings.Contains(p.body, "Die Reservierung wurde angelegt; die Bestätigung geht per E-Mail an den Kunden.") {
			t.Fatalf("valid phone booking: %d %v", p.status, p.fieldErrors())
		}
		if !strings.Contains(p.body, "Reservierung für 30.11. 09:00 – 07.12. 17:00 angelegt – S. Station") {
			t.Errorf("the reservation's log does not say who created it for when")
		}
		r, ok := reservationByWorkshop(t, ce, "WA-2026-11-30")
		if !ok || r.Status != booking.StatusConfirmed || r.Source != "admin" || r.VehicleID == 0 || r.CustomerID != ce.res["reg"].CustomerID ||
			r.EstimatedTotalCents == 0 || r.StationID != ce.reg.ID {
			t.Fatalf("stored: %+v", r)
		}
		// the customer's confirmation: one, for the stored booking, with its stored estimate and nothing paid
		qs, _, err := ce.store.ListEmails(ce.sys(), mail.Filter{Limit: 100})
		must(t, err)
		var confs []mail.Queued
		for _, q := range qs {
			if q.Message.Kind == mail.KindReservationConfirmation {
				q, _, err := ce.store.Email(ce.sys(), q.ID)
				must(t, err)
				confs = append(confs, q)
			}
		}
		if len(confs) != 1 {
			t.Fatalf("%d confirmations queued, want 1 (none for the refused forms)", len(confs))
		}
		m := confs[0].Message
		if m.To.Email != "reg@example.de" || !strings.Contains(m.Subject, r.Number) || confs[0].Links.ReservationID != r.ID ||
			!strings.Contains(m.Text, "Voraussichtlicher Mietpreis: "+locale.Lang("de").Money(r.EstimatedTotalCents)) ||
			strings.Contains(m.Text, "Bereits bezahlt") {
			t.Errorf("confirmation to %s, %q:\n%s", m.To.Email, m.Subject, m.Text)
		}
	})
}

// TestBrowserPhoneReservation: a station employee takes a phone booking
// from the home screen by clicking — Reservierungen, Neue Reservierung,
// find the customer, take them over, period, category, workshop order —
// sees the price before saving, saves, and lands on the reservation; the
// price shown is the stored estimate (one fact, one source).
func TestBrowserPhoneReservation(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	tn, err := ce.store.Tenant(ce.sys()) // the company data invoices need
	must(t, err)
	tn.Street, tn.PostalCode, tn.City, tn.VATID = "Hauptstraße 1", "93047", "Regensburg", "DE123456789"
	must(t, ce.store.UpdateTenant(ce.sys(), &tn))
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	browserSignIn(t, ctx, ce.env, stationEmail)
	setValue := func(id, v string) chromedp.Action[chromedp.Void] {
		return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
			_, err := chromedp.Evaluate[bool](`(function(){var e=document.getElementById(`+strconv.Quote(id)+`);e.value=`+strconv.Quote(v)+
				`;e.dispatchEvent(new Event("change",{bubbles:true}));return true})()`)(ctx, t)
			return chromedp.Void{}, err
		}
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, scancel := context.WithTimeout(ctx, 15*time.Second)
		defer scancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			testenv.Screenshot(t, ctx, "phone-reservation-"+name)
			html, _ := chromedp.Run(ctx, chromedp.OuterHTML(`#res-new-form`))
			t.Fatalf("%s: %v\n%s", name, err, html)
		}
	}
	step("form", chromedp.Click(chromedp.ID("home-new-res")), chromedp.WaitVisible(chromedp.ID("res-new-form")))
	step("search", chromedp.SendKeys(chromedp.ID("f-q"), "Muster"), chromedp.Click(chromedp.ID("res-new-find")),
		chromedp.WaitVisible(`#res-new-hits a`))
	step("take customer", chromedp.Click(`#res-new-hits a`), chromedp.WaitVisible(`input#f-email[value="reg@example.de"]`))
	step("period", setValue("f-pickup", "2026-11-30T09:00"), setValue("f-return", "2026-12-07T17:00"),
		setValue("f-category_id", fmt.Sprint(ce.res["reg"].CategoryID)), chromedp.SendKeys(chromedp.ID("f-workshop_ref"), "WA-4711"),
		fleetPoll(`document.getElementById("res-quote-text").textContent.includes("Miettage")`))
	testenv.Screenshot(t, ctx, "phone-reservation-quote")
	quote, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("res-quote-text")))
	if err != nil {
		t.Fatal(err)
	}
	step("save", chromedp.Click(chromedp.ID("res-new-save")), chromedp.WaitVisible(`p.notice`))
	testenv.Screenshot(t, ctx, "phone-reservation-saved")
	// the reservation's next step is one click away
	step("to handover", chromedp.Click(chromedp.ID("res-handover")), chromedp.WaitVisible(chromedp.ID("handover-form")))
	r, ok := reservationByWorkshop(t, ce, "WA-4711")
	if !ok || r.CustomerID != ce.res["reg"].CustomerID || r.Source != "admin" {
		t.Fatalf("the phone booking was not stored for Eva Muster: %+v", r)
	}
	if want := locale.German.Money(r.EstimatedTotalCents); !strings.Contains(quote, want) {
		t.Errorf("the form showed %q, the booking stores %s", quote, want)
	}

	// hand over now (three days before the booked Monday: staff confirm
	// what that does to the price), the customer signs later
	byName := func(name string) string { return `input[name="` + name + `"]` }
	// the booked car is still out on Friday (Eva's other booking): staff
	// hand over another car of the category
	spare := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: ce.res["reg"].CategoryID, Plate: "R-CT 99", VIN: "WVWZZZ1KZAW100199",
		Make: "VW", Model: "Golf", OdometerKM: 5000, FuelEighths: 8}
	must(t, ce.store.CreateVehicle(ce.sys(), &spare))
	step("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.ID("handover-form")))
	step("handover", chromedp.WaitVisible(chromedp.ID("timing-hint")), // the km start at the car's last reading
		chromedp.SetValue(chromedp.ID("f-vehicle_id"), fmt.Sprint(spare.ID)),
		chromedp.SetValue(byName("drivers.0.licence_number"), "B072RRE2I55"), chromedp.SetValue(byName("drivers.0.licence_class"), "B"),
		chromedp.SetValue(byName("drivers.0.birth_date"), "1980-04-12"), chromedp.SetValue(byName("drivers.0.licence_issued_on"), "2010-05-01"), chromedp.SetValue(byName("drivers.0.licence_country"), "DE"),
		chromedp.Click(chromedp.ID("f-licence_checked")), chromedp.Click(chromedp.ID("f-timing_confirmed")),
		chromedp.Click(`#handover-form details.unsigned > summary`), chromedp.SendKeys(chromedp.ID("f-unsigned_reason"), "Kunde unterschreibt bei Rückgabe"),
		chromedp.Click(chromedp.ID("handover-save")), chromedp.WaitVisible(chromedp.ID("return-link")))
	testenv.Screenshot(t, ctx, "phone-reservation-contract")
	// take it back with 350 km: the bill is shown before anything is charged
	step("return", chromedp.Click(chromedp.ID("return-link")), chromedp.WaitVisible(chromedp.ID("return-form")),
		chromedp.SendKeys(chromedp.ID("f-km"), "5350"), chromedp.Click(`#fuel-8 + span`), chromedp.Click(`#clean-clean + span`),
		chromedp.Click(`#return-form details.unsigned > summary`), chromedp.SendKeys(chromedp.ID("f-unsigned_reason"), "Kunde nicht anwesend"),
		chromedp.Click(chromedp.ID("return-save")), chromedp.WaitVisible(chromedp.ID("preview-gross")))
	testenv.Screenshot(t, ctx, "phone-reservation-return-preview")
	previewed, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("preview-gross")))
	if err != nil {
		t.Fatal(err)
	}
	if ct, err := ce.store.ContractByReservation(ce.sys(), r.ID); err != nil || ct.Status != contract.StatusOpen {
		t.Fatalf("the preview recorded the return: %v %v", ct.Status, err)
	}
	step("confirm return", chromedp.Click(chromedp.ID("return-save")), chromedp.WaitVisible(`#ledger-docs tr[data-kind="final"]`))
	testenv.Screenshot(t, ctx, "phone-reservation-final-invoice")
	final, err := chromedp.Run(ctx, chromedp.Text(`#ledger-docs tr[data-kind="final"]`))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(final, strings.TrimSpace(previewed)) {
		t.Errorf("the final invoice %q does not carry the previewed amount %q", final, previewed)
	}
	// paid at the counter: no card was refused, so no "payment failed"
	// e-mail; the page says to collect the amount
	notice, err := chromedp.Run(ctx, chromedp.Text(`p.notice`))
	if err != nil || !strings.Contains(notice, "keine Karte hinterlegt") {
		t.Errorf("notice after the return: %q %v", notice, err)
	}
	if n, _ := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#retry").length`)); n != 0 {
		t.Errorf("the contract without a card offers to retry the card charge")
	}
	var failedMails int
	must(t, ce.store.DB().QueryRow(`SELECT count(*) FROM emails WHERE kind = 'payment_failed'`).Scan(&failedMails))
	if failedMails != 0 {
		t.Errorf("%d payment-failed e-mails to a customer without a card", failedMails)
	}
}

// TestBrowserBoardSelectionReserves: on the planning board a station
// employee marks a free period on a car's row with the mouse; the new
// reservation form opens for that car and period; with the customer typed
// in, saving books exactly that car for exactly that period.
func TestBrowserBoardSelectionReserves(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, ctx, "board-select-"+step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	vid := ce.res["reg"].VehicleID
	fail("board", chromedp.Do(ctx, chromedp.Click(`header a[href="/admin/planning"]`), chromedp.WaitVisible(chromedp.ID("board"))))
	type pt struct{ X, Y float64 }
	// the centre of column col of the car's row (the board starts today, 27.11.)
	cell := func(col int) pt {
		p, err := chromedp.Run(ctx, chromedp.Evaluate[pt](fmt.Sprintf(`(function(){var b=document.getElementById("board");b.scrollIntoView(true);
			var t=document.querySelector('.bt[data-vehicle="%d"]'),r=t.getBoundingClientRect(),n=+b.getAttribute("data-cols");
			return {X:r.left+(%d+0.5)*r.width/n,Y:r.top+r.height/2}})()`, vid, col)))
		fail("locate", err)
		return p
	}
	from, to := cell(3), cell(10) // Monday 30.11. to Monday 7.12.
	acts := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, from.X, from.Y, chromedp.ButtonLeft, chromedp.ClickCount(1))}
	for i := 1; i <= 6; i++ {
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, from.X+(to.X-from.X)*float64(i)/6, from.Y, chromedp.ButtonLeft))
	}
	acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, to.X, to.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)),
		chromedp.WaitVisible(chromedp.ID("res-new-form")))
	fail("select", chromedp.Do(ctx, acts...))
	pctx, pcancel := context.WithTimeout(ctx, 10*time.Second)
	defer pcancel()
	fail("prefilled", chromedp.Do(pctx, chromedp.WaitVisible(`input#f-pickup[value="2026-11-30T09:00"]`),
		chromedp.WaitVisible(`input#f-return[value="2026-12-07T17:00"]`),
		chromedp.WaitReady(fmt.Sprintf(`#f-vehicle_id option[value="%d"][selected]`, vid))))
	testenv.Screenshot(t, ctx, "board-select-form")
	fail("customer", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-email"), "neu.kunde@example.de"),
		chromedp.SendKeys(chromedp.ID("f-first_name"), "Nora"),
		chromedp.SendKeys(chromedp.ID("f-last_name"), "Neu"),
		chromedp.SendKeys(chromedp.ID("f-street"), "Domplatz 2"),
		chromedp.SendKeys(chromedp.ID("f-postal_code"), "93047"),
		chromedp.SendKeys(chromedp.ID("f-city"), "Regensburg"),
		chromedp.SendKeys(chromedp.ID("f-workshop_ref"), "WA-BOARD"),
		chromedp.Click(chromedp.ID("res-new-save")),
		chromedp.WaitVisible(`p.notice`)))
	r, ok := reservationByWorkshop(t, ce, "WA-BOARD")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	if !ok || r.VehicleID != vid || !r.Pickup.Equal(time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)) ||
		!r.Return.Equal(time.Date(2026, 12, 7, 17, 0, 0, 0, berlin)) || r.CustomerName != "Nora Neu" {
		t.Fatalf("the board's selection booked %+v", r)
	}
}

// TestFormErrorsInReadersLanguage: a form refused for an English-speaking
// user shows its field messages and alert in English (they were German:
// translated before the page knew the reader's language).
func TestFormErrorsInReadersLanguage(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.login(stationEmail, password)
		dash := c.get("/admin/")
		if p := c.post("/admin/lang?l=en", url.Values{"csrf": {dash.csrf(t)}, "next": {"/admin/reservations/new"}}); !strings.Contains(p.body, "Sign out") {
			t.Fatalf("language switch: %d", p.status)
		}
		csrf := c.get("/admin/reservations/new").csrf(t)
		p := c.post("/admin/reservations/new", url.Values{"csrf": {csrf}, "email": {"reg@example.de"}, "first_name": {"Eva"},
			"last_name": {"Muster"}, "street": {"Weg 1"}, "postal_code": {"93047"}, "city": {"Regensburg"},
			"station_id": {fmt.Sprint(ce.reg.ID)}, "category_id": {fmt.Sprint(ce.res["reg"].CategoryID)},
			"pickup": {"2026-11-30T09:00"}, "return": {"2026-11-30T08:00"}})
		fe := p.fieldErrors()
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fe["return"], "after the pickup") {
			t.Fatalf("refused form for an English reader: %d %v", p.status, fe)
		}
		if strings.Contains(p.body, "Bitte korrigieren Sie") || strings.Contains(fe["return"], "nach der Abholung") {
			t.Errorf("German messages for an English reader: %v", fe)
		}
	})
}
