package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/cmd/mietwerk/demo"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// pageServer is the whole server (API, admin web, booking pages) in this
// process with --public-url pointing at itself, the demo tenant seeded and
// its workers running; e-mails are kept in the database.
type pageServer struct {
	url   string
	st    *store.Store
	creds demo.Credentials
	ctx   context.Context // the demo tenant's system
}

func newPageServer(t *testing.T, dialect string) *pageServer {
	t.Helper()
	dir := t.TempDir()
	hs := httptest.NewUnstartedServer(nil)
	args := []string{"--data-dir", dir, "--mail-transport", "keep", "--public-url", "http://" + hs.Listener.Addr().String(),
		"--secure-cookies=false"}
	if dialect == "postgres" {
		args = append(args, "--database-url", testenv.PostgresDSN(t))
	}
	sd := startSeeded(t, dir, args)
	ctx, st, creds := sd.ctx, sd.st, sd.creds
	s := &server{cfg: sd.cfg, log: sd.log, st: st, svc: sd.svc, metrics: httpx.NewMetrics()}
	hs.Config.Handler = s.handler()
	hs.Start()
	t.Cleanup(hs.Close)
	tn, err := st.TenantBySlug(identity.WithActor(ctx, identity.System()), demo.Slug)
	if err != nil {
		t.Fatal(err)
	}
	// cancelling is free until 96 hours before pickup (the demo's fee: 25 €)
	if _, err := st.DB().ExecContext(ctx, `UPDATE tenants SET cancel_free_hours = 96 WHERE id = $1`, tn.ID); err != nil {
		t.Fatal(err)
	}
	return &pageServer{url: hs.URL, st: st, creds: creds, ctx: identity.WithActor(ctx, identity.SystemFor(tn.ID))}
}

var pageLinkRE = regexp.MustCompile(`http://[^\s]+/b/[A-Za-z0-9_-]+`)

// book books a car at SR for pickup and returns the booking number and
// the link of its confirmation e-mail.
func (ps *pageServer) book(t *testing.T, email string, pickup time.Time) (string, string) {
	t.Helper()
	ret := pickup.AddDate(0, 0, 1).Add(8 * time.Hour)
	for ret.Weekday() == time.Saturday || ret.Weekday() == time.Sunday {
		ret = ret.AddDate(0, 0, 1)
	}
	req := map[string]any{
		"customer": map[string]any{"email": email, "first_name": "Eva", "last_name": "Huber", "street": "Weg 1", "postal_code": "94315",
			"city": "Straubing", "phone": "+49 9421 55555", "birth_date": "1985-04-12", "language": "de"},
		"station": "SR", "category": "CDMR", "pickup": pickup.Format(time.RFC3339), "return": ret.Format(time.RFC3339),
		"payment": map[string]any{"card": map[string]any{"number": "4111111111111111", "exp_month": 12, "exp_year": 2030, "cvv": "123"}},
	}
	status, _, b, err := apiCall(t, "POST", ps.url+"/api/v1/bookings", ps.creds.APIKey, req, "Idempotency-Key", "page-"+email)
	if err != nil || status != 201 {
		t.Fatalf("book: %d %v %v", status, b, err)
	}
	number := b["number"].(string)
	r, err := ps.st.ReservationByNumber(ps.ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _, err := ps.st.ListEmails(ps.ctx, mail.Filter{ReservationID: r.ID})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		if m.Message.Kind == mail.KindReservationConfirmation {
			if link := pageLinkRE.FindString(m.Message.Text); link != "" {
				if !strings.HasPrefix(link, ps.url+"/b/") {
					t.Fatalf("the link %s is not under --public-url %s", link, ps.url)
				}
				return number, link
			}
		}
	}
	t.Fatalf("no confirmation with a booking page link for %s: %+v", number, msgs)
	return "", ""
}

// refunds sums the approved refunds of a booking.
func (ps *pageServer) refunds(t *testing.T, number string) int64 {
	t.Helper()
	r, err := ps.st.ReservationByNumber(ps.ctx, number)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := ps.st.ListPayments(ps.ctx, payment.RecordFilter{ReservationID: r.ID})
	if err != nil {
		t.Fatal(err)
	}
	var sum int64
	for _, p := range recs {
		if p.Operation == payment.OpRefund && p.Status == payment.StatusApproved {
			sum += p.Amount.Cents
		}
	}
	return sum
}

// TestBookingPageInBrowser: the customer opens the link of the booking
// confirmation on a phone (390 px wide): the page shows the booking in
// German and English, the invoice and calendar downloads are the stored
// PDF and a calendar of the booking; a pre-check-in with a missing licence
// number is refused at its field, a complete one is saved and greets the
// staff on the handover form with the drivers filled in; cancelling within
// the free period shows 0,00 € fee before anything happens and refunds the
// rent, cancelling after it shows and keeps the 25,00 € fee. No page has a
// serious accessibility violation or scrolls sideways. On SQLite and
// PostgreSQL.
func TestBookingPageInBrowser(t *testing.T) {
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) { bookingPageJourney(t, dialect) })
	}
}

func bookingPageJourney(t *testing.T, dialect string) {
	ps := newPageServer(t, dialect)
	free, freeLink := ps.book(t, "eva.frei@example.de", weekdayAt(6, 9))
	late, lateLink := ps.book(t, "eva.spaet@example.de", weekdayAt(1, 9))
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			testenv.Screenshot(t, ctx, "failed-"+name)
			t.Fatalf("%s: %v", name, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			testenv.Screenshot(t, ctx, "failed-text")
			t.Fatalf("text of %s: %v", sel, err)
		}
		return strings.TrimSpace(s)
	}
	checkPage := func(name string) {
		t.Helper()
		testenv.AxeClean(t, ctx, name)
		wide, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > document.documentElement.clientWidth`))
		if err != nil || wide {
			testenv.Screenshot(t, ctx, "failed-wide-"+name)
			t.Fatalf("%s scrolls sideways on a phone (%v)", name, err)
		}
	}
	step("phone", chromedp.EmulateViewport(390, 844))

	// the booking, German then English
	step("open", chromedp.Navigate(freeLink), chromedp.WaitVisible(chromedp.ID("page-status")))
	testenv.Screenshot(t, ctx, "booking-page-de")
	if s := text("#page-status"); s != "Bestätigt" {
		t.Fatalf("status %q", s)
	}
	if h := text("h1"); h != "Buchung "+free {
		t.Fatalf("heading %q", h)
	}
	checkPage("booking page")
	step("english", chromedp.Click(chromedp.ID("page-lang")), chromedp.WaitVisible(chromedp.ID("page-status")))
	if s := text("#page-status"); s != "Confirmed" || !strings.Contains(text("#cancel-terms"), "free of charge until") {
		t.Fatalf("English page: %q / %q", s, text("#cancel-terms"))
	}
	checkPage("booking page (English)")
	step("german", chromedp.Click(chromedp.ID("page-lang")), chromedp.WaitVisible(chromedp.ID("page-status")))

	// downloads: the stored invoice PDF, the calendar of the booking
	href := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector(`+fmt.Sprintf("%q", sel)+`).href`))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	get := func(u string) (*http.Response, []byte) {
		t.Helper()
		res, err := http.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res, b
	}
	res, ics := get(href("#page-ics"))
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/calendar") ||
		!strings.Contains(string(ics), "BEGIN:VCALENDAR") || !strings.Contains(string(ics), "UID:"+free+"-pickup@") {
		t.Fatalf("calendar: %d %s\n%s", res.StatusCode, res.Header.Get("Content-Type"), ics)
	}
	res, pdf := get(href("#page-invoices a"))
	r, err := ps.st.ReservationByNumber(ps.ctx, free)
	if err != nil {
		t.Fatal(err)
	}
	invs, err := ps.st.ListInvoices(ps.ctx, invoice.Filter{ReservationID: r.ID})
	if err != nil || len(invs) != 1 {
		t.Fatalf("invoices: %v %v", invs, err)
	}
	doc, err := ps.st.Document(ps.ctx, invs[0].DocumentID)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != 200 || string(pdf) != string(doc.Data) {
		t.Fatalf("invoice download: %d, %d bytes, stored %d", res.StatusCode, len(pdf), len(doc.Data))
	}
	// someone else's invoice through this page: 404
	if res, _ := get(strings.TrimSuffix(freeLink, "/") + fmt.Sprintf("/invoices/%d", invs[0].ID+1)); res.StatusCode != 404 {
		t.Fatalf("another invoice through the page: %d", res.StatusCode)
	}

	// pre-check-in: refused without the licence number, then saved
	setDate := func(id, v string) chromedp.Action[chromedp.Void] {
		return chromedp.Evaluate[chromedp.Void](`document.getElementById(` + fmt.Sprintf("%q", id) + `).value=` + fmt.Sprintf("%q", v) + `;void 0`)
	}
	step("checkin refused", setDate("f-drivers.0.licence_issued_on", "2010-05-01"), chromedp.Click(chromedp.ID("checkin-submit")),
		chromedp.WaitVisible(chromedp.CSS(`p.field-error[data-field="drivers.0.licence_number"]`)))
	if e := text(`p.field-error[data-field="drivers.0.licence_number"]`); !strings.Contains(e, "Führerscheinnummer") &&
		!strings.Contains(e, "Zeichen") {
		t.Fatalf("licence number error: %q", e)
	}
	checkPage("pre-check-in refused")
	step("checkin", chromedp.SendKeys(chromedp.CSS(`input[name="drivers.0.licence_number"]`), "B072RRE2I55"),
		setDate("f-drivers.0.licence_issued_on", "2010-05-01"), chromedp.Click(chromedp.ID("checkin-submit")),
		chromedp.WaitVisible(chromedp.ID("checkin-done")))
	if n := text("#page-notice"); !strings.Contains(n, "gespeichert") {
		t.Fatalf("after the pre-check-in: %q", n)
	}
	testenv.Screenshot(t, ctx, "booking-page-checkin")

	// staff see it on the handover form
	step("admin", chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ps.url+"/admin/login"), chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), ps.creds.Admin.Email), chromedp.SendKeys(chromedp.ID("f-password"), ps.creds.Admin.Password),
		chromedp.Click(chromedp.ID("login-submit")), chromedp.WaitVisible(chromedp.CSS("header.topbar")),
		chromedp.Navigate(fmt.Sprintf("%s/admin/reservations/%d/handover", ps.url, r.ID)), chromedp.WaitVisible(chromedp.ID("precheckin-notice")))
	testenv.Screenshot(t, ctx, "handover-precheckin")
	if n := text("#precheckin-notice"); !strings.Contains(n, "Vorab-Check-in") || !strings.Contains(n, "B072RRE2I55") {
		t.Fatalf("handover notice: %q", n)
	}
	if v, err := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`input[name="drivers.0.licence_number"]`))); err != nil || v != "B072RRE2I55" {
		t.Fatalf("handover licence number %q, %v", v, err)
	}

	// cancel within the free period: the terms first, then nothing kept
	step("cancel free", chromedp.EmulateViewport(390, 844), chromedp.Navigate(freeLink), chromedp.WaitVisible(chromedp.ID("cancel-start")),
		chromedp.Click(chromedp.ID("cancel-start")), chromedp.WaitVisible(chromedp.ID("cancel-confirm")))
	checkPage("cancel (free)")
	if fee, refund := text("#cancel-fee"), text("#cancel-refund"); fee != "0,00 €" || refund != "49,00 €" {
		t.Fatalf("free cancellation: fee %q refund %q", fee, refund)
	}
	step("confirm free", chromedp.Click(chromedp.ID("cancel-confirm")), chromedp.WaitVisible(chromedp.ID("page-notice")))
	if s := text("#page-status"); s != "Storniert" {
		t.Fatalf("after cancelling: %q", s)
	}
	if n := ps.refunds(t, free); n != 4900 {
		t.Fatalf("refunded %d after a free cancellation, want 4900", n)
	}

	// cancel after the free period: the fee shown first, then kept
	step("open late", chromedp.Navigate(lateLink), chromedp.WaitVisible(chromedp.ID("cancel-terms")))
	if terms := text("#cancel-terms"); !strings.Contains(terms, "25,00 € Stornogebühr") {
		t.Fatalf("terms after the free period: %q", terms)
	}
	step("cancel late", chromedp.Click(chromedp.ID("cancel-start")), chromedp.WaitVisible(chromedp.ID("cancel-confirm")))
	testenv.Screenshot(t, ctx, "booking-page-cancel-fee")
	if fee, refund := text("#cancel-fee"), text("#cancel-refund"); fee != "25,00 €" || refund != "24,00 €" {
		t.Fatalf("cancellation with fee: fee %q refund %q", fee, refund)
	}
	step("confirm late", chromedp.Click(chromedp.ID("cancel-confirm")), chromedp.WaitVisible(chromedp.ID("page-notice")))
	if s := text("#page-status"); s != "Storniert" {
		t.Fatalf("after cancelling: %q", s)
	}
	if n := ps.refunds(t, late); n != 2400 {
		t.Fatalf("refunded %d after the free period, want 2400 (25,00 € kept)", n)
	}
	// a cancelled booking offers neither cancellation nor pre-check-in
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#cancel-start, #checkin-form").length`)); err != nil || n != 0 {
		t.Fatalf("a cancelled booking still offers %d actions (%v)", n, err)
	}
	// an unknown token: the 404 page, in German
	res, body := get(ps.url + "/b/" + strings.Repeat("x", 43))
	if res.StatusCode != 404 || !strings.Contains(string(body), "Diese Buchung gibt es unter dieser Adresse nicht") {
		t.Fatalf("unknown token: %d", res.StatusCode)
	}
}
