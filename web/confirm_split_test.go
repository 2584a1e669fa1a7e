package web_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/web"
)

// confirmations returns the reservation confirmations queued for
// reservation id, oldest first, whole.
func confirmations(t *testing.T, ce *ctEnv, id int64) []mail.Message {
	t.Helper()
	qs, _, err := ce.store.ListEmails(ce.sys(), mail.Filter{Limit: 200})
	must(t, err)
	var out []mail.Message
	for i := len(qs) - 1; i >= 0; i-- {
		if q := qs[i]; q.Message.Kind == mail.KindReservationConfirmation && q.Links.ReservationID == id {
			full, _, err := ce.store.Email(ce.sys(), q.ID)
			must(t, err)
			out = append(out, full.Message)
		}
	}
	return out
}

// pageSplit reads the reservation page's expected rent and its split
// ("" where the page shows none).
func pageSplit(body string) (whole, ofPayer, ofDriver string) {
	cell := func(id string) string {
		if m := regexp.MustCompile(`id="` + id + `">([^<]*)<`).FindStringSubmatch(body); m != nil {
			return strings.TrimSpace(m[1])
		}
		return ""
	}
	return cell("res-estimate"), cell("estimate-payer"), cell("estimate-driver")
}

// TestCoverUpdateConfirmation (both databases): a phone booking is
// confirmed with its stored estimate; staff then record the insurer's
// cover: the page says the updated confirmation goes out, and the one
// e-mail queued quotes exactly the page's figures — the whole (at the
// insurer's agreed rate), the insurer's share, the customer's. Saving the
// same cover again, or only editing the claim number, sends nothing more
// and says nothing of a mail; removing the cover sends one more, with the
// stored estimate and no payer. A booking past its handover gets none.
func TestCoverUpdateConfirmation(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		j := newInsurerJourney(t, d)
		c := j.client(t)
		c.login(stationEmail, password)
		csrf := c.get("/admin/reservations/new").csrf(t)
		p := c.post("/admin/reservations/new", url.Values{"csrf": {csrf}, "email": {"olga.unfall@example.de"}, "first_name": {"Olga"},
			"last_name": {"Unfall"}, "street": {"Domplatz 5"}, "postal_code": {"93047"}, "city": {"Regensburg"},
			"station_id": {fmt.Sprint(j.reg.ID)}, "category_id": {fmt.Sprint(j.vehicle.CategoryID)}, "vehicle_id": {fmt.Sprint(j.vehicle.ID)},
			"pickup": {"2026-11-27T11:00"}, "return": {"2026-11-30T11:00"}, "workshop_ref": {"WA-SPLIT"}})
		r, ok := reservationByWorkshop(t, j.ctEnv, "WA-SPLIT")
		if !ok || r.Status != booking.StatusConfirmed {
			t.Fatalf("the phone booking was not stored confirmed: %d %v", p.status, p.fieldErrors())
		}
		stored := locale.Lang("de").Money(r.EstimatedTotalCents)
		if cs := confirmations(t, j.ctEnv, r.ID); len(cs) != 1 || !strings.Contains(cs[0].Text, "Voraussichtlicher Mietpreis: "+stored+"\n") ||
			strings.Contains(cs[0].Text, "übernimmt") {
			t.Fatalf("%d confirmations; the first:\n%s", len(cs), cs[0].Text)
		}
		coverPath := fmt.Sprintf("/admin/reservations/%d/cover", r.ID)
		save := func(form url.Values) (notice, body string) {
			t.Helper()
			form.Set("csrf", c.get(coverPath).csrf(t))
			p := c.post(coverPath, form)
			if p.status != 200 {
				t.Fatalf("cover %v: %d %v", form, p.status, p.fieldErrors())
			}
			return span(p.body, `<p class="notice"`, "</p>"), p.body
		}
		insurer := url.Values{"mode": {"payer"}, "payer_id": {fmt.Sprint(j.ins.ID)}, "claim_number": {"KS-2026-4711"}}

		notice, body := save(insurer)
		if !strings.Contains(notice, "die aktualisierte Reservierungsbestätigung mit der neuen Aufteilung geht per E-Mail an den Kunden") {
			t.Errorf("after the cover the page says %q", notice)
		}
		whole, ofPayer, ofDriver := pageSplit(body)
		if whole == "" || ofPayer == "" || ofDriver == "" {
			t.Fatalf("the page shows no split: %q %q %q", whole, ofPayer, ofDriver)
		}
		cs := confirmations(t, j.ctEnv, r.ID)
		if len(cs) != 2 {
			t.Fatalf("%d confirmations after the cover, want 2", len(cs))
		}
		up := cs[1]
		want := "Voraussichtlicher Mietpreis: " + whole + " – davon übernimmt HUK-COBURG Schaden " + ofPayer +
			"; Ihr Anteil voraussichtlich " + ofDriver
		if !strings.Contains(up.Subject, "wurde aktualisiert") || !strings.Contains(up.Text, want) || up.To.Email != "olga.unfall@example.de" {
			t.Errorf("updated confirmation %q lacks %q:\n%s", up.Subject, want, up.Text)
		}
		if whole != "177,00 €" || ofPayer != "177,00 €" || ofDriver != "0,00 €" {
			t.Errorf("split %s = %s + %s; want the insurer's 3 days at 59,00 €", whole, ofPayer, ofDriver)
		}

		// the same cover again, then only the claim number: no e-mail, no word of one
		for _, form := range []url.Values{insurer, {"mode": {"payer"}, "payer_id": {fmt.Sprint(j.ins.ID)}, "claim_number": {"KS-2026-4712"}}} {
			notice, _ := save(form)
			if !strings.Contains(notice, "Die Kostenübernahme wurde gespeichert.") || strings.Contains(notice, "E-Mail") {
				t.Errorf("save %v: the page says %q", form, notice)
			}
		}
		if n := len(confirmations(t, j.ctEnv, r.ID)); n != 2 {
			t.Errorf("%d confirmations after saves that change no split, want still 2", n)
		}

		// the cover removed: the driver pays the stored estimate again
		notice, body = save(url.Values{"mode": {"driver"}})
		cs = confirmations(t, j.ctEnv, r.ID)
		if whole, ofPayer, _ := pageSplit(body); len(cs) != 3 || !strings.Contains(notice, "aktualisierte Reservierungsbestätigung") ||
			whole != stored || ofPayer != "" || !strings.Contains(cs[2].Text, "Voraussichtlicher Mietpreis: "+whole+"\n") ||
			strings.Contains(cs[2].Text, "übernimmt") {
			t.Errorf("cover removed: %d confirmations, page %q %q, notice %q:\n%s", len(cs), whole, ofPayer, notice, cs[len(cs)-1].Text)
		}

		// handed over (the status as a handover leaves it): none
		_, err := j.store.DB().Exec(`UPDATE reservations SET status = 'active' WHERE id = $1`, r.ID)
		must(t, err)
		if notice, _ := save(insurer); strings.Contains(notice, "E-Mail") {
			t.Errorf("past the handover the page says %q", notice)
		}
		if n := len(confirmations(t, j.ctEnv, r.ID)); n != 3 {
			t.Errorf("%d confirmations after a cover past the handover, want still 3", n)
		}
	})
}

// TestBrowserCoverConfirmation: at the counter, from the home screen, in
// Chromium: Neue Reservierung for an accident customer, saved; then
// Kostenübernahme ändern, the insurer chosen, saved. The reservation page
// says the updated confirmation goes to the customer, and the e-mail that
// reaches the mailbox (mailpit) quotes the page's figures: the whole, the
// insurer's share and the customer's. Every page is axe clean.
func TestBrowserCoverConfirmation(t *testing.T) {
	j := newInsurerJourney(t, store.SQLite)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	steps := func(step string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, act := range acts {
			sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
			err := chromedp.Do(sctx, act)
			scancel()
			if err != nil {
				testenv.Screenshot(t, tab, fmt.Sprintf("failed-cover-confirmation-%s-%d", step, i))
				t.Fatalf("%s %d: %v", step, i, err)
			}
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("read %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}

	browserSignIn(t, ctx, j.env, stationEmail)
	steps("new reservation", append(j.toNewReservation(), j.counterBooking("")...)...)
	if n := text("p.notice"); !strings.Contains(n, "die Bestätigung geht per E-Mail an den Kunden") {
		t.Errorf("after the booking the page says %q", n)
	}
	testenv.Screenshot(t, ctx, "cover-confirmation-01-reservation")
	steps("cover",
		chromedp.Click(chromedp.ID("cover-change")),
		chromedp.WaitVisible(chromedp.ID("cover-form")),
		chromedp.Click(chromedp.ID("mode-payer")),
		chromedp.SetValue(chromedp.ID("f-payer_id"), fmt.Sprint(j.ins.ID)),
		chromedp.SendKeys(chromedp.ID("f-claim_number"), "KS-2026-4711"),
		chromedp.Click(chromedp.ID("cover-save")),
		chromedp.WaitVisible(chromedp.ID("estimate-split")),
	)
	testenv.Screenshot(t, ctx, "cover-confirmation-02-cover-set")
	testenv.AxeClean(t, ctx, "reservation with the cover")
	if n := text("p.notice"); !strings.Contains(n, "die aktualisierte Reservierungsbestätigung mit der neuen Aufteilung geht per E-Mail an den Kunden") {
		t.Errorf("after the cover the page says %q", n)
	}
	whole := text("#res-estimate")
	ofPayer, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("estimate-payer").firstChild.textContent.trim()`))
	must(t, err)
	ofDriver := text("#estimate-driver")

	j.deliver(t)
	got := j.mailsTo(t, "olga.unfall@example.de", "wurde aktualisiert")
	if len(got) != 1 {
		t.Fatalf("%d updated confirmations in the mailbox, want 1", len(got))
	}
	want := "Voraussichtlicher Mietpreis: " + whole + " – davon übernimmt HUK-COBURG Schaden " + ofPayer +
		"; Ihr Anteil voraussichtlich " + ofDriver
	if !strings.Contains(got[0].Text, want) || !strings.Contains(got[0].HTML, ofPayer) {
		t.Errorf("the updated confirmation lacks the page's split %q:\n%s", want, got[0].Text)
	}
	if len(j.mailsTo(t, "olga.unfall@example.de", "")) != 2 {
		t.Errorf("the customer has not exactly the confirmation and its update")
	}
	t.Logf("page: %s = %s (insurer) + %s (customer); e-mail %q", whole, ofPayer, ofDriver, got[0].Subject)
}

// TestCounterBookingWithCover (both databases): staff choose the insurer
// on "Neue Reservierung": the booking is stored with its cover and the one
// confirmation the customer gets quotes the reservation page's split (no
// "updated" mail follows). An English-speaking desk books for a customer
// in English: the confirmation is in English with the English page's
// figures. An unknown or inactive payer is a field error on payer_id in
// the staff's language, and nothing is stored or mailed.
func TestCounterBookingWithCover(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		j := newInsurerJourney(t, d)
		old := payer.Payer{Kind: payer.KindInsurer, Name: "Alte Versicherung", Street: "Weg 1", PostalCode: "93047", City: "Regensburg",
			Country: "DE", Active: false, Covers: map[string]bool{payer.PartRent: true}}
		must(t, j.store.CreatePayer(j.sys(), &old))
		c := j.client(t)
		c.login(stationEmail, password)
		book := func(ref, payerID, pickup, ret string) page {
			t.Helper()
			page := c.get("/admin/reservations/new")
			if payerID != "" && !strings.Contains(page.body, `id="f-payer_id"`) {
				t.Fatalf("the form offers no payer")
			}
			return c.post("/admin/reservations/new", url.Values{"csrf": {page.csrf(t)}, "email": {ref + "@example.de"}, "first_name": {"Olga"},
				"last_name": {"Unfall"}, "street": {"Domplatz 5"}, "postal_code": {"93047"}, "city": {"Regensburg"},
				"station_id": {fmt.Sprint(j.reg.ID)}, "category_id": {fmt.Sprint(j.vehicle.CategoryID)},
				"pickup": {pickup}, "return": {ret}, "workshop_ref": {ref}, "payer_id": {payerID}})
		}
		for _, bad := range []struct{ name, id string }{{"unknown", "999999"}, {"inactive", fmt.Sprint(old.ID)}} {
			p := book("WA-BAD", bad.id, "2026-11-27T11:00", "2026-11-30T11:00")
			if p.status != 422 || !strings.Contains(p.fieldErrors()["payer_id"], "Kostenträger") {
				t.Errorf("%s payer: %d %v", bad.name, p.status, p.fieldErrors())
			}
			if _, ok := reservationByWorkshop(t, j.ctEnv, "WA-BAD"); ok {
				t.Fatalf("%s payer: the booking was stored", bad.name)
			}
		}
		if qs, _, err := j.store.ListEmails(j.sys(), mail.Filter{Limit: 10}); err != nil || len(qs) != 0 {
			t.Fatalf("refused bookings queued %d e-mails (%v)", len(qs), err)
		}

		for _, lang := range []struct{ code, ref, pickup, ret, line string }{
			{"de", "WA-DE", "2026-11-27T11:00", "2026-11-30T11:00", "Voraussichtlicher Mietpreis: %s – davon übernimmt HUK-COBURG Schaden %s; Ihr Anteil voraussichtlich %s"},
			{"en", "WA-EN", "2026-12-07T11:00", "2026-12-09T11:00", "Estimated rent: %s – of which HUK-COBURG Schaden covers %s; your share is expected to be %s"},
		} {
			if lang.code == "en" {
				c.post("/admin/lang?l=en", url.Values{"csrf": {c.get("/admin/").csrf(t)}, "next": {"/admin/"}})
			}
			p := book(lang.ref, fmt.Sprint(j.ins.ID), lang.pickup, lang.ret)
			r, ok := reservationByWorkshop(t, j.ctEnv, lang.ref)
			if p.status != 200 || !ok {
				t.Fatalf("%s: booking with the insurer: %d %v", lang.code, p.status, p.fieldErrors())
			}
			cv, err := j.store.Cover(j.sys(), r.ID)
			must(t, err)
			if cv.Mode != payer.ModePayer || cv.PayerID != j.ins.ID {
				t.Fatalf("%s: stored cover %+v", lang.code, cv)
			}
			whole, ofPayer, ofDriver := pageSplit(p.body)
			cs := confirmations(t, j.ctEnv, r.ID)
			if whole == "" || ofPayer == "" || len(cs) != 1 {
				t.Fatalf("%s: page split %q %q %q, %d confirmations (want 1)", lang.code, whole, ofPayer, ofDriver, len(cs))
			}
			if want := fmt.Sprintf(lang.line, whole, ofPayer, ofDriver); !strings.Contains(cs[0].Text, want) ||
				strings.Contains(cs[0].Subject, "aktualisiert") || strings.Contains(cs[0].Subject, "updated") {
				t.Errorf("%s: confirmation %q lacks %q:\n%s", lang.code, cs[0].Subject, want, cs[0].Text)
			}
		}
	})
}

// unmailedFlow is a booking flow whose updated confirmations cannot be
// queued (the outbox refuses).
type unmailedFlow struct{ web.BookingFlow }

func (unmailedFlow) NotifyCover(context.Context, string) (bool, error) {
	return false, errors.New("outbox: database is locked")
}

// TestCoverUpdateUnmailed: when the updated confirmation cannot be queued
// the cover is saved all the same and the page tells staff to let the
// customer know by phone.
func TestCoverUpdateUnmailed(t *testing.T) {
	j := newInsurerJourney(t, store.SQLite)
	j.serve(t, func(d *web.Deps) { d.Flow = unmailedFlow{d.Flow} })
	c := j.client(t)
	c.login(stationEmail, password)
	coverPath := fmt.Sprintf("/admin/reservations/%d/cover", j.res["reg"].ID)
	p := c.post(coverPath, url.Values{"csrf": {c.get(coverPath).csrf(t)}, "mode": {"payer"}, "payer_id": {fmt.Sprint(j.ins.ID)}})
	if notice := span(p.body, `<p class="notice"`, "</p>"); p.status != 200 ||
		!strings.Contains(notice, "die aktualisierte Reservierungsbestätigung konnte aber nicht verschickt werden. Bitte informieren Sie den Kunden telefonisch.") {
		t.Fatalf("%d, the page says %q", p.status, notice)
	}
	if cv, err := j.store.Cover(j.sys(), j.res["reg"].ID); err != nil || cv.PayerID != j.ins.ID {
		t.Fatalf("the cover was not saved: %+v %v", cv, err)
	}
}
