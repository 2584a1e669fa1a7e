package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/httpx"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// journey is a whole server (API, admin web, simulator, outbox to mailpit)
// on SQLite with one tenant, station, tariff and vehicle.
type journey struct {
	t        testing.TB
	st       *store.Store
	svc      *services
	srv      *httptest.Server
	mp       *testenv.Mailpit
	tenant   tenancy.Tenant
	station  tenancy.Station
	tariff   pricing.Tariff
	vehicles []fleet.Vehicle
	key      string // secret key (the dealer's server)
	staffKey string // staff key (a tablet app)
}

const jPassword = "correct horse battery staple"

func newJourney(t testing.TB, vehicles int) *journey {
	t.Helper()
	return newJourneyOn(t, "", vehicles)
}

// newJourneyOn is newJourney on the database dsn ("" a new SQLite file).
func newJourneyOn(t testing.TB, dsn string, vehicles int) *journey {
	t.Helper()
	j := &journey{t: t, mp: testenv.StartMailpit(t)}
	if dsn == "" {
		dsn = filepath.Join(t.TempDir(), "m.db")
	}
	st, err := store.Open(context.Background(), dsn, store.Options{})
	jm(t, err)
	t.Cleanup(func() { st.Close() })
	_, err = st.Migrate(context.Background())
	jm(t, err)
	j.st = st
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfg, err := configFlags(fs, modeDemo)(envOf(nil))
	jm(t, err)
	cfg.DataDir, cfg.SimAddr = t.TempDir(), "127.0.0.1:0"
	cfg.MailTransport, cfg.SMTPHost, cfg.SMTPPort, cfg.SMTPTLS = "smtp", j.mp.SMTPHost, j.mp.SMTPPort, "none"
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	j.svc, err = newServices(cfg, log, st)
	jm(t, err)
	t.Cleanup(j.svc.close)
	s := &server{cfg: cfg, log: log, st: st, svc: j.svc, metrics: httpx.NewMetrics()}
	j.srv = httptest.NewServer(s.handler())
	t.Cleanup(j.srv.Close)
	stop := j.svc.run(context.Background())
	t.Cleanup(stop)

	root := identity.WithActor(context.Background(), identity.System())
	j.tenant = tenancy.Tenant{Slug: "koenig", Name: "Autohaus König", LegalName: "Autohaus König GmbH", Street: "Hauptstr. 1",
		PostalCode: "94315", City: "Straubing", VATID: "DE123456789", Email: "info@autohaus-koenig.de", MinNoticeMinutes: 60}
	jm(t, st.CreateTenant(root, &j.tenant))
	ctx := j.sys()
	j.station = tenancy.Station{Code: "SR", Name: "Straubing", Street: "Landshuter Str. 5", PostalCode: "94315", City: "Straubing", Active: true}
	for d := range 7 {
		j.station.Hours[d] = []tenancy.Span{{Open: 0, Close: 24 * 60}}
	}
	jm(t, st.CreateStation(ctx, &j.station))
	cat := fleet.Category{Code: "CDMR", NameDE: "Kompaktklasse", NameEN: "Compact", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
	jm(t, st.CreateCategory(ctx, &cat))
	j.tariff = pricing.Tariff{Code: "STD", Name: "Standard", Kind: "standard", PricePerDayCents: 4900, IncludedKMPerDay: 100,
		ExtraKMCents: 30, RefuelPerEighthCents: 1500, CleaningFeeCents: 5000, DepositCents: 20000, DayCounting: "24h",
		GraceMinutes: 59, VATRateBP: 1900, ValidFrom: "2020-01-01", CategoryIDs: []int64{cat.ID}, Active: true}
	jm(t, st.CreateTariff(ctx, &j.tariff))
	for i := range vehicles {
		v := fleet.Vehicle{StationID: j.station.ID, CategoryID: cat.ID, Plate: fmt.Sprintf("SR-K %d", 100+i), VIN: fmt.Sprintf("WVWZZZ1KZAW%06d", i),
			Make: "VW", Model: "Golf", OdometerKM: 1000, FuelEighths: 8, TankLitres: 50}
		jm(t, st.CreateVehicle(ctx, &v))
		j.vehicles = append(j.vehicles, v)
	}
	u := identity.User{Email: "anna@autohaus-koenig.de", Name: "Anna Berger", Role: identity.RoleAdmin, Language: "de"}
	jm(t, j.svc.identity.CreateUser(ctx, &u, jPassword))
	_, j.key, err = j.svc.identity.CreateAPIKey(ctx, "website", identity.ScopeSecret, 1000)
	jm(t, err)
	_, j.staffKey, err = j.svc.identity.CreateAPIKey(ctx, "tablet", identity.ScopeStaff, 1000)
	jm(t, err)
	return j
}

func jm(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (j *journey) sys() context.Context {
	return identity.WithActor(context.Background(), identity.SystemFor(j.tenant.ID))
}

// book books through the API with card and returns the reservation.
func (j *journey) book(email, card string) booking.Reservation {
	j.t.Helper()
	return j.bookFor(email, card, "")
}

// bookFor books for a customer of company (a business customer; "" for a
// consumer).
func (j *journey) bookFor(email, card, company string) booking.Reservation {
	j.t.Helper()
	pickup := time.Now().Add(3 * time.Hour).Truncate(time.Minute)
	body, _ := json.Marshal(map[string]any{
		"customer": map[string]any{"email": email, "first_name": "Eva", "last_name": "Huber", "street": "Weg 1", "postal_code": "94315",
			"city": "Straubing", "phone": "+49 9421 55555", "birth_date": "1985-04-12", "language": "de", "company": company},
		"station": "SR", "category": "CDMR", "pickup": pickup.Format(time.RFC3339), "return": pickup.Add(24 * time.Hour).Format(time.RFC3339),
		"payment": map[string]any{"card": map[string]any{"number": card, "exp_month": 12, "exp_year": 2030, "cvv": "123", "holder": "Eva Huber"}},
	})
	req, _ := http.NewRequest("POST", j.srv.URL+"/api/v1/bookings", bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+j.key)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", payment.RandomID())
	res, err := http.DefaultClient.Do(req)
	jm(j.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		j.t.Fatalf("booking: %d %s", res.StatusCode, raw)
	}
	var out struct {
		Number string `json:"number"`
	}
	jm(j.t, json.Unmarshal(raw, &out))
	r, err := j.st.ReservationByNumber(j.sys(), out.Number)
	jm(j.t, err)
	if r.Status != booking.StatusConfirmed {
		j.t.Fatalf("booking %s is %s", r.Number, r.Status)
	}
	return r
}

// signIn signs the admin in in the browser tab.
func (j *journey) signIn(ctx context.Context) error {
	return chromedp.Do(ctx,
		chromedp.Navigate(j.srv.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), "anna@autohaus-koenig.de"),
		chromedp.SendKeys(chromedp.ID("f-password"), jPassword),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.CSS("header.topbar")),
	)
}

// home opens the home screen (the page staff start from after signing in)
// and clicks sel there: the journeys reach every object by clicking.
func (j *journey) home(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(j.srv.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.ID("home-today-pickups")),
		chromedp.Click(chromedp.CSS(sel)),
	)
}

// openReservation opens reservation id from the home screen's pickups.
func (j *journey) openReservation(id int64) chromedp.Action[chromedp.Void] {
	return j.home(fmt.Sprintf(`tr[data-res="%d"] a[href="/admin/reservations/%d"]`, id, id))
}

// openContract finds contract id by its number with the header's search
// box and opens it from the results.
func (j *journey) openContract(ctx context.Context, id int64) error {
	c, err := j.st.Contract(j.sys(), id)
	if err != nil {
		return err
	}
	return chromedp.Do(ctx,
		chromedp.Navigate(j.srv.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.ID("global-search")),
		chromedp.SendKeys(chromedp.ID("global-search"), c.Number+"\r"),
		chromedp.WaitVisible(chromedp.ID("search-results")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#search-results a[href="/admin/contracts/%d"]`, id))),
		chromedp.WaitVisible(chromedp.ID("drivers-form")),
	)
}

// handoverInBrowser fills the handover form of reservation resID.
func (j *journey) handoverInBrowser(ctx context.Context, resID int64) error {
	if err := chromedp.Do(ctx,
		j.home(fmt.Sprintf(`tr[data-res="%d"] a[data-action="handover"]`, resID)),
		chromedp.WaitVisible(chromedp.ID("handover-form")),
		chromedp.SendKeys(chromedp.CSS(`input[name="drivers.0.licence_number"]`), "B072RRE2I55"),
		chromedp.SetValue(chromedp.CSS(`input[name="drivers.0.licence_issued_on"]`), "2010-05-01"),
		chromedp.Click(chromedp.ID("f-licence_checked")),
	); err != nil {
		return err
	}
	// the pickup is booked three hours from now: the form says what a
	// handover now does to the price and staff confirm it
	hint, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("timing-hint")))
	if err != nil {
		return fmt.Errorf("no question about the early handover: %w", err)
	}
	if !strings.Contains(hint, "Bitte bestätigen") {
		return fmt.Errorf("early handover hint %q", hint)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("f-timing_confirmed"))); err != nil {
		return err
	}
	// the form fits one 10-inch tablet screen (1280×800) with the driver's
	// licence data still to enter
	h, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollHeight`))
	if err != nil {
		return err
	}
	j.t.Logf("MEASURE handover form height at 1280×800: %.0f px", h)
	testenv.Screenshot(j.t, ctx, "handover-form-tablet")
	if h > 800 {
		return fmt.Errorf("the handover form is %.0f px high: it does not fit a 1280×800 screen", h)
	}
	// on a 1024×768 tablet the signature pad and the save button are on the
	// first screen: nothing to scroll to sign and hand over
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1024, 768)); err != nil {
		return err
	}
	type fit struct{ SigBottom, SaveBottom, Scroll, Height, Width, Inner float64 }
	m, err := chromedp.Run(ctx, chromedp.Evaluate[fit](`(() => { window.scrollTo(0, 0);
		const s = document.getElementById("sigpad").getBoundingClientRect(), b = document.getElementById("handover-save").getBoundingClientRect();
		return {SigBottom: s.bottom, SaveBottom: b.bottom, Scroll: window.scrollY, Height: window.innerHeight,
			Width: document.documentElement.scrollWidth, Inner: window.innerWidth}; })()`))
	if err != nil {
		return err
	}
	j.t.Logf("MEASURE handover at 1024×768: signature pad bottom %.0f px, save button bottom %.0f px, page width %.0f px", m.SigBottom, m.SaveBottom, m.Width)
	testenv.Screenshot(j.t, ctx, "handover-form-1024x768")
	if m.SigBottom > m.Height || m.SaveBottom > m.Height || m.Width > m.Inner {
		return fmt.Errorf("the handover form does not fit 1024×768 without scrolling: %+v", m)
	}
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 800)); err != nil {
		return err
	}
	// a new damage: unfold the damages, tap the left view of the diagram, describe it
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#damages-more > summary`)),
		chromedp.WaitVisible(chromedp.CSS(`#ct-diagram svg.car[data-view="left"]`)),
		chromedp.ScrollIntoView(chromedp.CSS(`#ct-diagram svg.car[data-view="left"]`)),
	); err != nil {
		return err
	}
	box, err := chromedp.Run(ctx, chromedp.Evaluate[[]float64](`(() => { const r = document.querySelector('#ct-diagram svg.car[data-view="left"]').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()`))
	if err != nil {
		return err
	}
	if err := chromedp.Do(ctx,
		chromedp.MouseClickXY(box[0]+box[2]*0.25, box[1]+box[3]*0.5),
		chromedp.WaitVisible(chromedp.CSS(`#damage-rows li.damage-row select.d-kind`)),
		chromedp.SetValue(chromedp.CSS(`#damage-rows li.damage-row select.d-kind`), "scratch"),
		chromedp.SendKeys(chromedp.CSS(`#damage-rows li.damage-row input[name$=".description"]`), "Kratzer Tür vorne links"),
	); err != nil {
		return err
	}
	if err := testenv.DrawSignature(ctx); err != nil {
		return err
	}
	testenv.Screenshot(j.t, ctx, "handover-form")
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("handover-save")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	); err != nil {
		return err
	}
	var n int
	var x float64
	if err := j.st.DB().QueryRow(`SELECT count(*), COALESCE(max(d.x_pct), 0) FROM damages d JOIN contracts c ON c.id = d.contract_id
		WHERE c.reservation_id = $1 AND d.view = 'left' AND d.kind = 'scratch'`, resID).Scan(&n, &x); err != nil {
		return err
	}
	if n != 1 || x < 15 || x > 35 {
		return fmt.Errorf("damage tapped on the diagram: %d stored at x %.1f %%, want one near 25 %%", n, x)
	}
	return nil
}

// returnInBrowser returns contract id with km and fuel eighths.
func (j *journey) returnInBrowser(ctx context.Context, id int64, km string, fuel int) error {
	if err := j.openContract(ctx, id); err != nil {
		return err
	}
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("return-link")),
		chromedp.WaitVisible(chromedp.ID("return-form")),
		chromedp.Evaluate[chromedp.Void](`document.getElementById("f-km").value = ""`),
		chromedp.SendKeys(chromedp.ID("f-km"), km),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#fuel-%d + span`, fuel))),
		chromedp.Click(chromedp.CSS(`#clean-clean + span`)), // nothing is pre-selected on a return
	); err != nil {
		return err
	}
	if err := testenv.DrawSignature(ctx); err != nil {
		return err
	}
	testenv.Screenshot(j.t, ctx, "return-form")
	// the first click shows the bill; only the second records and charges
	if err := chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.CSS("#return-preview h2")),
	); err != nil {
		return err
	}
	testenv.Screenshot(j.t, ctx, "return-preview")
	return chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
}

// mails waits for n messages to address to and returns them by subject.
func (j *journey) mails(to string, n int) []testenv.MailpitMessage {
	j.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out []testenv.MailpitMessage
		for _, s := range j.mp.Messages() {
			if len(s.To) > 0 && s.To[0].Address == to {
				out = append(out, j.mp.Message(s.ID))
			}
		}
		if len(out) >= n || time.Now().After(deadline) {
			if len(out) < n {
				var subj []string
				for _, m := range out {
					subj = append(subj, m.Subject)
				}
				j.t.Fatalf("%d messages to %s, want %d: %q", len(out), to, n, subj)
			}
			return out
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// attachmentText returns the text of the first PDF attachment of the
// message whose subject contains subj.
func (j *journey) attachmentText(msgs []testenv.MailpitMessage, subj string) string {
	j.t.Helper()
	for _, m := range msgs {
		if strings.Contains(m.Subject, subj) {
			for _, a := range m.Attachments {
				if a.ContentType == "application/pdf" {
					return testenv.PDFText(j.t, j.mp.Part(m.ID, a.PartID))
				}
			}
			j.t.Fatalf("message %q has no PDF", m.Subject)
		}
	}
	var subs []string
	for _, m := range msgs {
		subs = append(subs, m.Subject)
	}
	j.t.Fatalf("no message with %q in %q", subj, subs)
	return ""
}

func (j *journey) ledger(id int64) (contract.Contract, []payment.Record, []invoice.Summary, int64) {
	j.t.Helper()
	c, err := j.st.Contract(j.sys(), id)
	jm(j.t, err)
	l, recs, docs, err := j.svc.contracts.Ledger(j.sys(), id)
	jm(j.t, err)
	return c, recs, docs, l.Open()
}

// TestContractJourney: a booking through the API, handover and return in
// Chromium with 350 extra km and 3/8 missing fuel, the final invoice
// deducting the advance, the token charge, and protocols and invoice at
// the SMTP server; then the variant that ends in a credit note and refund.
func TestContractJourney(t *testing.T) {
	j := newJourney(t, 2)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 4*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed-"+strings.ReplaceAll(step, " ", "-"))
			t.Fatalf("%s: %v", step, err)
		}
	}
	fail("sign in", j.signIn(ctx))

	// --- more owed: extra km and fuel are charged to the stored card ---
	r := j.book("eva@example.de", "4111111111111111")
	fail("handover", j.handoverInBrowser(ctx, r.ID))
	testenv.Screenshot(t, ctx, "contract-after-handover")
	c, err := j.st.ContractByReservation(j.sys(), r.ID)
	jm(t, err)
	if c.Status != contract.StatusOpen || len(c.Drivers) != 1 || c.Drivers[0].CheckedByName != "Anna Berger" {
		t.Fatalf("after handover: %+v", c)
	}
	ps, _ := j.st.Protocols(j.sys(), c.ID)
	if len(ps) != 1 || len(ps[0].SignaturePNG) < 200 {
		t.Fatalf("handover protocol without the drawn signature: %d protocols", len(ps))
	}
	// issue 6: change the contract's driver and period in the browser, with notices
	newEnd := c.PlannedEnd.Add(24 * time.Hour).In(berlinLoc()).Format("2006-01-02T15:04")
	fail("open the contract", j.openContract(ctx, c.ID))
	fail("change driver", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="drivers.1.first_name"]`), "Max"),
		chromedp.SendKeys(chromedp.CSS(`input[name="drivers.1.last_name"]`), "Huber"),
		chromedp.SendKeys(chromedp.CSS(`input[name="drivers.1.licence_number"]`), "J010000SD51"),
		chromedp.SendKeys(chromedp.CSS(`input[name="drivers.1.licence_class"]`), "B"),
		chromedp.SetValue(chromedp.CSS(`input[name="drivers.1.birth_date"]`), "1988-09-30"),
		chromedp.SetValue(chromedp.CSS(`input[name="drivers.1.licence_issued_on"]`), "2015-03-01"),
		chromedp.SendKeys(chromedp.CSS(`input[name="drivers.1.licence_country"]`), "AT"),
		chromedp.Click(chromedp.CSS(`input[name="drivers.1.check"]`)),
		chromedp.Click(chromedp.CSS(`#drivers-form input[name="notify"]`)),
	))
	// Each save reloads the page: wait for that navigation, not for a notice
	// (the previous page's notice is visible until the new page replaces it).
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("drivers-save")))
	fail("save drivers", err)
	fail("saved drivers", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("p.notice"))))
	fail("change period", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-planned_end"), newEnd),
		chromedp.Click(chromedp.CSS(`#period input[name="notify"]`)),
	))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("period-save")))
	fail("save period", err)
	fail("saved period", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("p.notice"))))
	testenv.Screenshot(t, ctx, "contract-changed")
	c, err = j.st.Contract(j.sys(), c.ID)
	jm(t, err)
	if len(c.Drivers) != 2 || c.Drivers[1].Name() != "Max Huber" || c.Drivers[1].CheckedByName != "Anna Berger" ||
		c.PlannedEnd.In(berlinLoc()).Format("2006-01-02T15:04") != newEnd {
		t.Fatalf("after changes: drivers %+v, end %v", c.Drivers, c.PlannedEnd)
	}
	// The page reloads after each save; poll until the reloaded page lists both changes.
	pctx, pcancel := context.WithTimeout(ctx, 20*time.Second)
	_, err = chromedp.Run(pctx, chromedp.Poll[bool](`document.querySelectorAll("#audit-list li[data-action=drivers], #audit-list li[data-action=period]").length >= 2`))
	pcancel()
	fail("audit on page", err)
	audit, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#audit-list li[data-action=drivers], #audit-list li[data-action=period]").length`))
	fail("audit on page", err)
	if audit != 2 {
		t.Fatalf("audit rows for the changes on the page: %d", audit)
	}
	// the changes read as sentences, not data
	sentences, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("audit-list")))
	fail("audit sentences", err)
	if !strings.Contains(sentences, "Fahrer geändert: ") || !strings.Contains(sentences, "Max Huber") ||
		!strings.Contains(sentences, "Geplante Rückgabe von ") || strings.Contains(sentences, "{") {
		t.Fatalf("audit sentences: %q", sentences)
	}
	fail("return", j.returnInBrowser(ctx, c.ID, "1450", 5))
	testenv.Screenshot(t, ctx, "contract-billed")
	c, recs, docs, open := j.ledger(c.ID)
	if c.Status != contract.StatusBilled || open != 0 {
		t.Fatalf("after return: status %s, open %d", c.Status, open)
	}
	// 1 day 49,00 − advance 49,00 + 350 km × 0,30 = 105,00 + 3/8 × 15,00 = 45,00
	var final *invoice.Summary
	for i := range docs {
		if docs[i].Kind == invoice.KindFinal {
			final = &docs[i]
		}
	}
	if final == nil || final.Gross != 4900+10500+4500 || final.Due != 15000 || final.Net != 16723 {
		t.Fatalf("final invoice %+v", final)
	}
	charged := false
	for _, p := range recs {
		if p.Operation == payment.OpTokenSale && p.Purpose == contract.PurposeFinal && p.Status == payment.StatusApproved && p.Amount.Cents == 15000 {
			charged = true
		}
	}
	if !charged {
		t.Fatalf("no approved token sale of 150,00: %+v", recs)
	}
	page, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("sum-open")))
	fail("ledger on page", err)
	if !strings.Contains(page, "0,00") {
		t.Fatalf("page shows open %q", page)
	}
	msgs := j.mails("eva@example.de", 6) // confirmation, handover, 2 change notices, return, final invoice
	if txt := j.attachmentText(msgs, "nderung"); !strings.Contains(txt, "J010000SD51") {
		t.Fatalf("change notice contract PDF:\n%s", txt)
	}
	if txt := j.attachmentText(msgs, "bergabe"); !strings.Contains(txt, c.Number) || !strings.Contains(txt, "1.000") {
		t.Fatalf("handover protocol PDF:\n%s", txt)
	}
	if txt := j.attachmentText(msgs, "cknahme"); !strings.Contains(txt, "1.450") {
		t.Fatalf("return protocol PDF:\n%s", txt)
	}
	if txt := j.attachmentText(msgs, final.Number); !strings.Contains(txt, "150,00") || !strings.Contains(txt, "105,00") || !strings.Contains(txt, "45,00") {
		t.Fatalf("final invoice PDF:\n%s", txt)
	}
	j.measure(c.ID)

	// --- less owed: a prepaid extension, early return → the final invoice
	// deducts both advances and pays the difference back; no credit note
	// books that money a second time (§ 14 Abs. 5 UStG) ---
	r2 := j.book("max@example.de", "5424180279791732")
	fail("handover 2", j.handoverInBrowser(ctx, r2.ID))
	c2, err := j.st.ContractByReservation(j.sys(), r2.ID)
	jm(t, err)
	adminCtx := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: j.tenant.ID, UserID: 1, Name: "Anna Berger", Role: identity.RoleAdmin})
	if _, _, err := j.svc.contracts.Charge(adminCtx, c2.ID, contract.LaterCharge{Kind: contract.PurposeExtension, Description: "Verlängerung 2 Tage", Cents: 9800}); err != nil {
		t.Fatal(err)
	}
	fail("return 2", j.returnInBrowser(ctx, c2.ID, "1050", 8))
	testenv.Screenshot(t, ctx, "contract-credit")
	c2, recs, docs, open = j.ledger(c2.ID)
	if c2.Status != contract.StatusBilled || open != 0 {
		t.Fatalf("credit variant: status %s, open %d", c2.Status, open)
	}
	var final2 *invoice.Summary
	for i := range docs {
		switch docs[i].Kind {
		case invoice.KindCreditNote:
			t.Fatalf("a credit note books the final invoice's refund again: %+v", docs)
		case invoice.KindFinal:
			final2 = &docs[i]
		}
	}
	if final2 == nil || final2.Gross != 4900 || final2.Due != -9800 {
		t.Fatalf("final invoice %+v", docs)
	}
	refunded := int64(0)
	for _, p := range recs {
		if p.Operation == payment.OpRefund && p.Status == payment.StatusApproved {
			refunded += p.Amount.Cents
		}
	}
	if refunded != 9800 {
		t.Fatalf("refunded %d, want 9800: %+v", refunded, recs)
	}
	msgs = j.mails("max@example.de", 5) // confirmation, handover, extension invoice, return, final
	if txt := strings.Join(strings.Fields(j.attachmentText(msgs, final2.Number)), " "); !strings.Contains(txt, "Erstattungsbetrag zu Ihren Gunsten 98,00 €") ||
		!strings.Contains(txt, "Endung 1732 gutgeschrieben") {
		t.Fatalf("final invoice PDF:\n%s", txt)
	}
}

// measure logs the time from the return being saved to the final invoice
// e-mail being queued (both stamped by the database clock).
func (j *journey) measure(contractID int64) {
	var ret, queued string
	jm(j.t, j.st.DB().QueryRow(`SELECT recorded_at FROM protocols WHERE contract_id = $1 AND kind = 'return'`, contractID).Scan(&ret))
	jm(j.t, j.st.DB().QueryRow(`SELECT created_at FROM emails WHERE contract_id = $1 AND kind = 'final_invoice'`, contractID).Scan(&queued))
	a, _ := time.Parse("2006-01-02T15:04:05.000000Z", ret)
	b, _ := time.Parse("2006-01-02T15:04:05.000000Z", queued)
	j.t.Logf("MEASURE return saved → final invoice e-mail queued: %v", b.Sub(a))
}

// TestContractDeclinedFinalCharge: the stored card of the customer is a
// decline card (a token the simulator declines), so the final charge is
// declined: the invoice is issued, the contract is payment_open with the
// amount among the open items, the customer gets a payment-failed notice,
// and a retry is declined again with a clear message.
func TestContractDeclinedFinalCharge(t *testing.T) {
	j := newJourney(t, 1)
	r := j.book("olga@example.de", "4111111111111111")
	ctx := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: j.tenant.ID, UserID: 1, Name: "Anna Berger", Role: identity.RoleAdmin})
	// the customer's newest card: a token of the simulator's decline card
	gw, err := j.svc.gateways.Gateway(ctx, j.tenant.ID)
	jm(t, err)
	res, err := gw.CreateToken(ctx, payment.TokenCreate{MerchantTransactionID: payment.RandomID(), Card: payment.Card{Number: "4000000000000002", ExpMonth: 12, ExpYear: 2030}})
	jm(t, err)
	if res.Token == "" {
		t.Fatalf("no token: %+v", res)
	}
	jm(t, j.st.SaveCard(ctx, &payment.StoredCard{CustomerID: r.CustomerID, Token: res.Token, Card: payment.CardInfo{Brand: "visa", Last4: "0002", ExpMonth: 12, ExpYear: 2030}}))

	// handover and return through the API (tablet apps and integrations)
	hand := map[string]any{"km": 1000, "fuel_eighths": 8, "cleanliness": "clean", "licence_checked": false,
		"drivers": []map[string]any{{"role": "main", "first_name": "Olga", "last_name": "Huber", "licence_number": "B072RRE2I55",
			"licence_class": "B", "birth_date": "1980-04-12", "licence_issued_on": "2010-05-01", "licence_country": "DE"}}}
	status, body := j.api("POST", "/api/v1/bookings/"+r.Number+"/handover", hand)
	if status != http.StatusUnprocessableEntity || !strings.Contains(body, "licence_checked") {
		t.Fatalf("handover without licence check: %d %s", status, body)
	}
	hand["licence_checked"], hand["unsigned_reason"], hand["timing_confirmed"] = true, "Kundin per Telefon, Unterschrift folgt", true
	if status, body = j.api("POST", "/api/v1/bookings/"+r.Number+"/handover", hand); status != http.StatusCreated || !strings.Contains(body, `"status":"open"`) {
		t.Fatalf("API handover: %d %s", status, body)
	}
	if status, body = j.api("POST", "/api/v1/bookings/"+r.Number+"/return", map[string]any{"km": 999, "fuel_eighths": 8, "cleanliness": "dirty"}); status != http.StatusUnprocessableEntity || !strings.Contains(body, `"km"`) {
		t.Fatalf("API return below handover km: %d %s", status, body)
	}
	status, body = j.api("POST", "/api/v1/bookings/"+r.Number+"/return", map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1200, "fuel_eighths": 8, "cleanliness": "dirty"})
	// 100 extra km × 0,30 + cleaning 50,00 = 80,00 owed, declined
	if status != http.StatusOK || !strings.Contains(body, `"status":"payment_open"`) || !strings.Contains(body, `"open_cents":8000`) {
		t.Fatalf("API return with declined charge: %d %s", status, body)
	}
	if status, body = j.api("GET", "/api/v1/bookings/"+r.Number+"/contract", nil); status != http.StatusOK || !strings.Contains(body, `"kind":"final"`) || !strings.Contains(body, `"status":"declined"`) {
		t.Fatalf("API contract: %d %s", status, body)
	}
	// the booking itself shows the contract with its invoices, payments and balance
	if status, body = j.api("GET", "/api/v1/bookings/"+r.Number, nil); status != http.StatusOK || !strings.Contains(body, `"contract":{`) ||
		!strings.Contains(body, `"open_cents":8000`) || !strings.Contains(body, `"kind":"final"`) {
		t.Fatalf("API booking with contract: %d %s", status, body)
	}
	c, err := j.st.ContractByReservation(ctx, r.ID)
	jm(t, err)
	if c.Status != contract.StatusPaymentOpen {
		t.Fatalf("status %s", c.Status)
	}
	items, err := j.st.OpenItems(ctx)
	jm(t, err)
	if len(items) != 1 || items[0].ContractID != c.ID || items[0].OpenCents != 8000 {
		t.Fatalf("open items %+v", items)
	}
	_, _, _, open := j.ledger(c.ID)
	if open != 8000 {
		t.Fatalf("ledger open %d", open)
	}
	if _, err := j.svc.contracts.RetryPayment(ctx, c.ID); err == nil || !strings.Contains(err.Error(), "declined") {
		t.Fatalf("retry with the decline card: %v", err)
	}
	msgs := j.mails("olga@example.de", 5) // confirmation, handover, return, final invoice, payment failed
	found := false
	for _, m := range msgs {
		found = found || strings.Contains(m.Text, "abgelehnt")
	}
	if !found {
		t.Fatal("no payment-failed notice")
	}
}

// TestBusinessContractEInvoice: a business customer's final invoice is
// issued with an XRechnung e-invoice, kept with it and attached to the
// final-invoice e-mail as it arrives at the SMTP server, deducting the
// advance invoice; it passes the EN 16931/XRechnung check.
func TestBusinessContractEInvoice(t *testing.T) {
	j := newJourney(t, 1)
	_, err := j.st.DB().Exec(`UPDATE tenants SET phone = '+49 9421 12345', iban = 'DE02120300000000202051', bic = 'BYLADEM1001'`)
	jm(t, err)
	r := j.bookFor("fuhrpark@leasing.example", "4111111111111111", "Muster Leasing GmbH")
	hand := map[string]any{"km": 1000, "fuel_eighths": 8, "cleanliness": "clean", "licence_checked": true, "timing_confirmed": true, "unsigned_reason": "Kunde telefonisch zugestimmt",
		"drivers": []map[string]any{{"role": "main", "first_name": "Olga", "last_name": "Huber", "licence_number": "B072RRE2I55",
			"licence_class": "B", "birth_date": "1980-04-12", "licence_issued_on": "2010-05-01", "licence_country": "DE"}}}
	if status, body := j.api("POST", "/api/v1/bookings/"+r.Number+"/handover", hand); status != http.StatusCreated {
		t.Fatalf("API handover: %d %s", status, body)
	}
	// 100 extra km × 0,30 = 30,00 more, charged to the stored card
	if status, body := j.api("POST", "/api/v1/bookings/"+r.Number+"/return", map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1200, "fuel_eighths": 8,
		"cleanliness": "clean"}); status != http.StatusOK || !strings.Contains(body, `"status":"billed"`) {
		t.Fatalf("API return: %d %s", status, body)
	}
	var final string
	jm(t, j.st.DB().QueryRow(`SELECT number FROM invoices WHERE kind = 'final'`).Scan(&final))
	var stored []byte
	jm(t, j.st.DB().QueryRow(`SELECT e.data FROM einvoices e JOIN invoices i ON i.id = e.invoice_id WHERE i.number = $1`, final).Scan(&stored))
	if vs := xrechnung.Check(stored); len(vs) > 0 {
		for _, v := range vs {
			if v.Severity == xrechnung.Error {
				t.Errorf("final e-invoice violates %s", v)
			}
		}
	}
	// paid by the stored card: payment means 48 with the card's last 4 digits
	for _, want := range []string{"<ram:TypeCode>380</ram:TypeCode>", "Muster Leasing GmbH", "<ram:TotalPrepaidAmount>",
		"<ram:TypeCode>48</ram:TypeCode>", "<ram:ID>1111</ram:ID>"} {
		if !strings.Contains(string(stored), want) {
			t.Errorf("final e-invoice lacks %s", want)
		}
	}
	var mailed []byte
	for _, m := range j.mails("fuhrpark@leasing.example", 4) { // confirmation, handover, return, final invoice
		for _, a := range m.Attachments {
			if strings.HasSuffix(a.FileName, final+".xml") { // named like the PDF: Rechnung-<number>.xml
				mailed = j.mp.Part(m.ID, a.PartID)
			}
		}
	}
	if !bytes.Equal(mailed, stored) {
		t.Fatalf("final-invoice e-mail carries %d bytes of e-invoice, %d stored", len(mailed), len(stored))
	}
}

func berlinLoc() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}

// BenchmarkContractBilling measures contracts billed per second: each
// iteration bills one returned contract (final invoice with PDF and e-mail,
// token charge through the simulator over HTTP, deposit release) on SQLite.
func BenchmarkContractBilling(b *testing.B) {
	j := newJourney(b, 1)
	ctx := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: j.tenant.ID, UserID: 1, Name: "Anna Berger", Role: identity.RoleAdmin})
	ids := make([]int64, 0, b.N)
	now := time.Now()
	for i := 0; i < b.N; i++ {
		r := j.book(fmt.Sprintf("bench%d@example.de", i), "4111111111111111")
		c, err := j.svc.contracts.Handover(ctx, &contract.Handover{ReservationID: r.ID, LicenceChecked: true, TimingConfirmed: true,
			Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Eva", LastName: "Huber", LicenceNumber: "B072RRE2I55", LicenceClass: "B",
				BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE", CheckedAt: &now}},
			Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: int64(1000 + 300*i), FuelEighths: 8, Cleanliness: "clean"}})
		jm(b, err)
		_, err = j.st.RecordReturn(ctx, &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{UnsignedReason: "Kunde telefonisch zugestimmt", OdometerKM: int64(1300 + 300*i), FuelEighths: 6, Cleanliness: "clean"}})
		jm(b, err)
		ids = append(ids, c.ID)
	}
	b.ResetTimer()
	start := time.Now()
	for _, id := range ids {
		out, err := j.svc.contracts.Bill(ctx, id)
		jm(b, err)
		if out.Status != contract.StatusBilled {
			b.Fatalf("contract %d: %s", id, out.Status)
		}
	}
	b.ReportMetric(float64(len(ids))/time.Since(start).Seconds(), "contracts/s")
}

// api calls the booking API with the journey's staff key (a tablet app) and
// returns status and body.
func (j *journey) api(method, path string, body any) (int, string) {
	j.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, j.srv.URL+path, rd)
	req.Header.Set("Authorization", "Bearer "+j.staffKey)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	jm(j.t, err)
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(raw)
}

// TestAPIReturnDamageChargeOverLimit: a return through the API with a
// damage charge over the limit per damage (or beyond what the gateway
// takes) is answered 422 naming the damage's field, and nothing is
// stored: the contract stays open and a correct return then bills.
func TestAPIReturnDamageChargeOverLimit(t *testing.T) {
	j := newJourney(t, 1)
	r := j.book("paul@example.de", "4111111111111111")
	hand := map[string]any{"km": 1000, "fuel_eighths": 8, "cleanliness": "clean", "licence_checked": true, "timing_confirmed": true, "unsigned_reason": "Kunde telefonisch zugestimmt",
		"drivers": []map[string]any{{"role": "main", "first_name": "Paul", "last_name": "Huber", "licence_number": "B072RRE2I55",
			"licence_class": "B", "birth_date": "1980-04-12", "licence_issued_on": "2010-05-01", "licence_country": "DE"}}}
	if status, body := j.api("POST", "/api/v1/bookings/"+r.Number+"/handover", hand); status != http.StatusCreated {
		t.Fatalf("API handover: %d %s", status, body)
	}
	damage := func(cents int64) map[string]any {
		return map[string]any{"view": "left", "x": 20, "y": 40, "kind": "dent", "severity": "major", "description": "Tür", "charge_cents": cents}
	}
	for _, cents := range []int64{10_000_001, 99_999_999_900, 1 << 62} {
		ret := map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1100, "fuel_eighths": 8, "cleanliness": "clean", "damages": []any{damage(5000), damage(cents)}}
		status, body := j.api("POST", "/api/v1/bookings/"+r.Number+"/return", ret)
		if status != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"damages.1.charge_cents"`) {
			t.Fatalf("return with a damage charge of %d cents: %d %s", cents, status, body)
		}
	}
	ctx := identity.WithActor(context.Background(), identity.SystemFor(j.tenant.ID))
	c, err := j.st.ContractByReservation(ctx, r.ID)
	jm(t, err)
	if c.Status != contract.StatusOpen {
		t.Fatalf("contract after refused returns: %s", c.Status)
	}
	ret := map[string]any{"unsigned_reason": "Schlüsselkasten", "km": 1100, "fuel_eighths": 8, "cleanliness": "clean", "damages": []any{damage(5000)}}
	if status, body := j.api("POST", "/api/v1/bookings/"+r.Number+"/return", ret); status != http.StatusOK || !strings.Contains(body, `"status":"billed"`) {
		t.Fatalf("return with a 50 € damage: %d %s", status, body)
	}
}
