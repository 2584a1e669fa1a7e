package web_test

import (
	"context"
	"encoding/base64"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/smtp"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/tenancy"
	"mietwerk.dev/mietwerk/web"
)

// insurerJourney is the admin UI with the real booking flow, the real
// contract mails and an outbox that delivers to mailpit, for an accident
// replacement the insurer pays: Regensburg opens every day, its tariff
// (49,00 € a day) includes 100 km a day, 0,30 € an extra km and 15,00 €
// an eighth of fuel; the insurer agreed 59,00 € a day for the category
// and pays the rent (14 days' term); a second car stands free.
type insurerJourney struct {
	*ctEnv
	mp      *testenv.Mailpit
	outbox  *mail.Outbox
	ins     payer.Payer
	vehicle fleet.Vehicle
}

func newInsurerJourney(t *testing.T, d store.Dialect) *insurerJourney {
	t.Helper()
	ce := newCtEnv(t, d)
	supplierReady(t, ce)
	ctx := ce.sys()
	tn, err := ce.store.Tenant(ctx)
	must(t, err)
	tn.Phone, tn.Email, tn.IBAN, tn.BIC = "+49 941 12345", "info@autohaus-koenig.de", "DE02120300000000202051", "BYLADEM1001"
	must(t, ce.store.UpdateTenant(ctx, &tn))
	st, err := ce.store.Station(ctx, ce.reg.ID)
	must(t, err)
	for day := range 7 {
		st.Hours[day] = []tenancy.Span{{Open: 7 * 60, Close: 19 * 60}}
	}
	must(t, ce.store.UpdateStation(ctx, &st))
	tf, err := ce.store.Tariff(ctx, ce.res["reg"].TariffID)
	must(t, err)
	tf.IncludedKMPerDay, tf.ExtraKMCents, tf.RefuelPerEighthCents = 100, 30, 1500
	must(t, ce.store.UpdateTariff(ctx, &tf))
	j := &insurerJourney{ctEnv: ce, mp: testenv.StartMailpit(t)}
	j.vehicle = fleet.Vehicle{StationID: ce.reg.ID, CategoryID: ce.res["reg"].CategoryID, Plate: "R-UE 77", VIN: "WVWZZZ1KZAW777777",
		Make: "VW", Model: "Passat", OdometerKM: 12000, FuelEighths: 8, TankLitres: 60}
	must(t, ce.store.CreateVehicle(ctx, &j.vehicle))
	j.ins = payer.Payer{Kind: payer.KindInsurer, Name: "HUK-COBURG Schaden", Street: "Bahnhofsplatz 1", PostalCode: "96444",
		City: "Coburg", Country: "DE", Active: true, Email: "mietwagen@huk.example", BuyerReference: "KS-Abteilung 7", PaymentDays: 14,
		Covers: map[string]bool{payer.PartRent: true, payer.PartDamages: true},
		Rates:  []payer.Rate{{CategoryID: ce.res["reg"].CategoryID, PricePerDayCents: 5900}}}
	must(t, ce.store.CreatePayer(ctx, &j.ins))

	mt, err := mailtmpl.New()
	must(t, err)
	deps := storeContractDeps(ce.store, ce.clk.Now)
	deps.Mailer, deps.EInvoicer = mailtmpl.NewContractMailer(mt, "noreply@koenig.test", ce.clk.Now), xrechnung.EInvoicer{}
	svc := contract.NewService(deps)
	flow := booking.NewService(booking.Deps{Bookings: ce.store, Tenancy: ce.store, Customers: ce.store, Categories: ce.store,
		Tariffs: ce.store, Mailer: mailtmpl.NewBookingMailer(mt, "noreply@koenig.test", ""), Outbox: ce.store, Now: ce.clk.Now,
		Estimates: svc})
	ce.serve(t, func(d *web.Deps) { d.Flow, d.Contracts = flow, svc })
	tr, err := smtp.New(smtp.Config{Host: j.mp.SMTPHost, Port: j.mp.SMTPPort, TLS: smtp.TLSNone})
	must(t, err)
	j.outbox = mail.NewOutbox(ce.store, tr, mail.OutboxConfig{Worker: "journey"}, ce.clk.Now, slog.New(slog.NewTextHandler(io.Discard, nil)))
	return j
}

// toNewReservation goes from the home screen to the "Neue Reservierung" form.
func (j *insurerJourney) toNewReservation() []chromedp.Action[chromedp.Void] {
	return []chromedp.Action[chromedp.Void]{
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(chromedp.ID("home-new-res")),
		chromedp.Click(chromedp.ID("home-new-res")),
		chromedp.WaitVisible(chromedp.ID("res-new-form")),
	}
}

// counterBooking fills the open "Neue Reservierung" form for the accident
// customer Olga Unfall (27.11. to 30.11., 11:00, the journey's car, workshop
// order ref unless "") and saves it: the reservation page opens.
func (j *insurerJourney) counterBooking(ref string) []chromedp.Action[chromedp.Void] {
	acts := []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.ID("f-email"), "olga.unfall@example.de"),
		chromedp.SendKeys(chromedp.ID("f-first_name"), "Olga"),
		chromedp.SendKeys(chromedp.ID("f-last_name"), "Unfall"),
		chromedp.SendKeys(chromedp.ID("f-street"), "Domplatz 5"),
		chromedp.SendKeys(chromedp.ID("f-postal_code"), "93047"),
		chromedp.SendKeys(chromedp.ID("f-city"), "Regensburg"),
		// the date-time picker's typing order depends on the browser's
		// locale: its value is set as a picker would
		chromedp.SetValue(chromedp.ID("f-pickup"), "2026-11-27T11:00"),
		chromedp.SetValue(chromedp.ID("f-return"), "2026-11-30T11:00"),
		chromedp.SetValue(chromedp.ID("f-category_id"), fmt.Sprint(j.vehicle.CategoryID)),
		chromedp.SetValue(chromedp.ID("f-vehicle_id"), fmt.Sprint(j.vehicle.ID)),
	}
	if ref != "" {
		acts = append(acts, chromedp.SendKeys(chromedp.ID("f-workshop_ref"), ref))
	}
	return append(acts, chromedp.Click(chromedp.ID("res-new-save")), chromedp.WaitVisible(chromedp.ID("cover-change")))
}

// deliver sends every queued e-mail to mailpit.
func (j *insurerJourney) deliver(t *testing.T) {
	t.Helper()
	for range 20 {
		n, err := j.outbox.RunOnce(context.Background())
		must(t, err)
		if n == 0 {
			return
		}
	}
	t.Fatal("the outbox does not empty")
}

// mailsTo returns the messages to addr whose subject contains subject.
func (j *insurerJourney) mailsTo(t *testing.T, addr, subject string) []testenv.MailpitMessage {
	t.Helper()
	var out []testenv.MailpitMessage
	for _, s := range j.mp.Messages() {
		if len(s.To) == 1 && s.To[0].Address == addr && strings.Contains(s.Subject, subject) {
			out = append(out, j.mp.Message(s.ID))
		}
	}
	return out
}

// pdfAttachment returns the text of m's PDF attachment.
func (j *insurerJourney) pdfAttachment(t *testing.T, m testenv.MailpitMessage) string {
	t.Helper()
	for _, a := range m.Attachments {
		if a.ContentType == "application/pdf" {
			return testenv.PDFText(t, j.mp.Part(m.ID, a.PartID))
		}
	}
	t.Fatalf("mail %q has no PDF", m.Subject)
	return ""
}

// browserPDF fetches the PDF the link sel points to with the browser's
// session, as a click on it downloads it, and returns its text.
func browserPDF(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector(`+"`"+sel+"`"+`).href).then(r => {
		if (!r.ok || r.headers.get("Content-Type") !== "application/pdf") throw new Error(r.status + " " + r.headers.get("Content-Type"));
		return r.arrayBuffer();
	}).then(b => { const u = new Uint8Array(b); let s = ""; for (let i = 0; i < u.length; i++) s += String.fromCharCode(u[i]); return btoa(s); })`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("PDF of %s: %v", sel, err)
	}
	pdf, err := base64.StdEncoding.DecodeString(b64)
	must(t, err)
	return testenv.PDFText(t, pdf)
}

// TestBrowserInsurerJourney: an accident replacement car from the
// counter to the 2. Mahnung, in Chromium, by clicking and typing from the
// home screen. Counter staff book a new reservation for the accident
// customer, record the insurer's cover (claim, policy, date of damage,
// party at fault, the customer's car), have the customer sign the
// assignment of claims on the pad on the way to the handover and hand
// the car over; three days later they take it back with 150 extra km and
// two eighths of fuel missing: the preview splits the bill (the insurer
// the rent at its agreed 59,00 € a day, the driver fuel and km), and the
// insurer's invoice is issued for the preview's amount, its PDF saying
// so, e-mailed once. Weeks later the back office finds it overdue in the
// open items, sends the Zahlungserinnerung, records a partial transfer,
// then the 1. and 2. Mahnung: each notice's PDF claims the open amount
// the page shows and reaches the insurer once. Every page is axe clean.
// Both databases.
func TestBrowserInsurerJourney(t *testing.T) {
	eachDBDialect(t, walkInsurerJourney)
}

func walkInsurerJourney(t *testing.T, d store.Dialect) {
	j := newInsurerJourney(t, d)
	de := locale.Lang("de")
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 4*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			dctx, dcancel := context.WithTimeout(tab, 5*time.Second)
			defer dcancel()
			loc, _ := chromedp.Run(dctx, chromedp.Location())
			body, _ := chromedp.Run(dctx, chromedp.Evaluate[string](`document.body.innerText`))
			t.Logf("at %s:\n%.2500s", loc, body)
			testenv.Screenshot(t, tab, "failed-insurer-"+step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	steps := func(step string, acts ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		for i, act := range acts {
			sctx, scancel := context.WithTimeout(ctx, 20*time.Second)
			err := chromedp.Do(sctx, act)
			scancel()
			fail(fmt.Sprintf("%s %d", step, i), err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		fail("read "+sel, err)
		return s
	}
	shot := func(name string) { testenv.Screenshot(t, ctx, "insurer-"+name) }

	// 1. the counter: a new reservation for the accident customer
	browserSignIn(t, ctx, j.env, stationEmail)
	steps("new reservation", j.toNewReservation()...)
	testenv.AxeClean(t, ctx, "new reservation")
	steps("book", j.counterBooking("WA-2026-0815")...)
	shot("01-reservation")
	testenv.AxeClean(t, ctx, "reservation")

	// 2. the cover: the insurer with the claim and the customer's car
	steps("cover",
		chromedp.Click(chromedp.ID("cover-change")),
		chromedp.WaitVisible(chromedp.ID("cover-form")),
	)
	testenv.AxeClean(t, ctx, "cover form")
	steps("cover form",
		chromedp.Click(chromedp.ID("mode-payer")),
		chromedp.SetValue(chromedp.ID("f-payer_id"), fmt.Sprint(j.ins.ID)),
		chromedp.SendKeys(chromedp.ID("f-claim_number"), "KS-2026-4711"),
		chromedp.SendKeys(chromedp.ID("f-policy_number"), "KH-998877"),
		chromedp.SetValue(chromedp.ID("f-damage_date"), "2026-11-25"),
		chromedp.SendKeys(chromedp.ID("f-at_fault_party"), "Max Muster, R-XY 1"),
		chromedp.SendKeys(chromedp.ID("f-customer_vin"), "WBA8E11080K123456"),
		chromedp.SendKeys(chromedp.ID("f-customer_plate"), "R-OU 42"),
		chromedp.Click(chromedp.ID("cover-save")),
		chromedp.WaitVisible(chromedp.ID("cover-summary")),
	)
	if got := text("#cover"); !strings.Contains(got, "HUK-COBURG Schaden") || !strings.Contains(got, "KS-2026-4711") ||
		!strings.Contains(got, "25.11.2026") || !strings.Contains(got, "WBA8E11080K123456") {
		t.Fatalf("cover card: %q", got)
	}
	// the estimate at the insurer's rate, split as the return will bill it
	if got, drv := text("#estimate-payer"), text("#estimate-driver"); !strings.Contains(got, "177,00 €") ||
		!strings.Contains(got, "59,00 €") || drv != "0,00 €" || text("#res-estimate") != "177,00 €" {
		t.Errorf("reservation estimate: insurer %q, driver %q", got, drv)
	}
	shot("02-cover")

	loc, err := chromedp.Run(ctx, chromedp.Location())
	fail("location", err)
	var resID int64
	if _, err := fmt.Sscanf(loc[strings.Index(loc, "/admin/reservations/"):], "/admin/reservations/%d", &resID); err != nil {
		t.Fatalf("after the cover at %s", loc)
	}

	// 3. the handover: the assignment of claims signed on the pad first
	j.clk.Advance(time.Hour) // 11:00 in Regensburg: the pickup
	browserSignIn(t, ctx, j.env, stationEmail)
	pickup := fmt.Sprintf(`#home-today-pickups tr[data-res="%d"] a[data-action="handover"]`, resID)
	steps("to the handover",
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(chromedp.CSS(pickup)),
		chromedp.Click(chromedp.CSS(pickup)),
		chromedp.WaitVisible(chromedp.ID("assignment-due")),
		chromedp.Click(chromedp.ID("assignment-due-sign")),
		chromedp.WaitVisible(chromedp.ID("as-text")),
	)
	if got := text("#as-text"); !strings.Contains(got, "KS-2026-4711") || !strings.Contains(got, "HUK-COBURG Schaden") ||
		!strings.Contains(got, "Max Muster, R-XY 1") {
		t.Errorf("assignment text: %q", got)
	}
	testenv.AxeClean(t, ctx, "assignment")
	fail("sign", testenv.DrawSignature(ctx))
	steps("signed",
		chromedp.Click(chromedp.ID("as-sign")),
		chromedp.WaitVisible(chromedp.ID("handover-form")),
	)
	shot("03-handover")
	if got := text("p.notice"); !strings.Contains(got, "Abtretungserklärung ist unterschrieben") {
		t.Errorf("handover notice: %q", got)
	}
	if n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#assignment-due").length`)); err != nil || n != 0 {
		t.Errorf("the handover still asks for the assignment (%d, %v)", n, err)
	}
	testenv.AxeClean(t, ctx, "handover")
	if km, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-km"))); err != nil || km != "12000" {
		t.Errorf("handover km %q (%v), want the car's 12000", km, err)
	}
	steps("handover",
		chromedp.Click(chromedp.CSS(`label:has(#fuel-8) span`)),
		chromedp.Click(chromedp.CSS(`label:has(#clean-clean) span`)),
		chromedp.SetValue(chromedp.CSS(`[name="drivers.0.birth_date"]`), "1979-03-14"),
		chromedp.SendKeys(chromedp.CSS(`[name="drivers.0.licence_number"]`), "B072RRE2I55"),
		chromedp.SetValue(chromedp.CSS(`[name="drivers.0.licence_issued_on"]`), "1998-06-01"),
		chromedp.Click(chromedp.ID("f-licence_checked")),
	)
	fail("sign protocol", testenv.DrawSignature(ctx))
	steps("start",
		chromedp.Click(chromedp.ID("handover-save")),
		chromedp.WaitVisible(chromedp.ID("return-link")),
	)
	ct, err := j.store.ContractByReservation(j.sys(), resID)
	must(t, err)
	if got := text("#cover-assignment"); !strings.Contains(got, "Olga Unfall") {
		t.Errorf("contract's assignment: %q", got)
	}
	if got := text("#estimate-payer"); !strings.Contains(got, "177,00 €") {
		t.Errorf("contract estimate: insurer %q", got)
	}
	shot("04-contract")
	testenv.AxeClean(t, ctx, "contract")

	// 4. the return three days later: 450 km (150 over), 2/8 fuel missing
	j.clk.Advance(72 * time.Hour)
	browserSignIn(t, ctx, j.env, stationEmail)
	ret := fmt.Sprintf(`#home-today-returns tr[data-res="%d"] a[data-action="return"]`, resID)
	steps("to the return",
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(chromedp.CSS(ret)),
		chromedp.Click(chromedp.CSS(ret)),
		chromedp.WaitVisible(chromedp.ID("f-km")),
		chromedp.SendKeys(chromedp.ID("f-km"), "12450"),
		chromedp.Click(chromedp.CSS(`label:has(#fuel-6) span`)),
		chromedp.Click(chromedp.CSS(`label:has(#clean-clean) span`)),
	)
	fail("sign return", testenv.DrawSignature(ctx))
	steps("preview",
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.ID("preview-payer-gross")),
	)
	shot("05-preview")
	testenv.AxeClean(t, ctx, "return preview")
	preview := text("#return-preview")
	payerShare, driverShare := text("#preview-payer-gross"), text("#preview-gross")
	// the insurer: 3 days at the agreed 59,00 €; the driver: 150 km at
	// 0,30 € and 2/8 fuel at 15,00 €
	if payerShare != "177,00 €" || driverShare != "75,00 €" {
		t.Errorf("preview: insurer %q, driver %q:\n%s", payerShare, driverShare, preview)
	}
	for _, want := range []string{"Rechnung an HUK-COBURG Schaden", "45,00 €", "30,00 €", "59,00 €"} {
		if !strings.Contains(preview, want) {
			t.Errorf("preview lacks %q:\n%s", want, preview)
		}
	}
	steps("confirm",
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.ID("payer-invoices")),
	)
	shot("06-returned")

	// 5. the insurer's invoice: the preview's amount, its PDF, one e-mail
	doc, _ := payerAndFinal(t, j.ctEnv, ct.ID, j.ins.ID)
	if got := text("#billed-facts"); !strings.Contains(got, "Rechnung an HUK-COBURG Schaden "+doc.Number+" über "+payerShare) {
		t.Errorf("billed facts do not name the insurer's invoice: %q", got)
	}
	inv := text("#payer-invoices")
	if de.Money(doc.Gross) != payerShare || !strings.Contains(inv, doc.Number) || !strings.Contains(inv, payerShare) ||
		!strings.Contains(inv, "14.12.2026") {
		t.Errorf("issued %s over %d, preview said %s; contract shows:\n%s", doc.Number, doc.Gross, payerShare, inv)
	}
	pdf := browserPDF(t, ctx, fmt.Sprintf(`#payer-invoices tr[data-invoice="%d"] a[href*="/documents/"]`, doc.ID))
	for _, want := range []string{doc.Number, payerShare, "KS-2026-4711", "WBA8E11080K123456", "WA-2026-0815"} {
		if !strings.Contains(pdf, want) {
			t.Errorf("invoice PDF lacks %q:\n%s", want, pdf)
		}
	}
	j.deliver(t)
	if ms := j.mailsTo(t, j.ins.Email, doc.Number); len(ms) != 1 {
		t.Fatalf("%d mails with %s to the insurer, want 1", len(ms), doc.Number)
	}
	testenv.AxeClean(t, ctx, "contract after the return")

	// 6. the back office, days after the due date
	j.clk.Advance(15 * 24 * time.Hour) // 15.12.: one day overdue
	browserSignIn(t, ctx, j.env, adminEmail)
	openItems := func(step string) {
		t.Helper()
		steps(step,
			chromedp.Click(chromedp.ID("admin-menu-toggle")),
			chromedp.WaitVisible(chromedp.CSS(`#admin-menu a[href="/admin/payer-open-items"]`)),
			chromedp.Click(chromedp.CSS(`#admin-menu a[href="/admin/payer-open-items"]`)),
			chromedp.WaitVisible(chromedp.ID("open-items-summary")),
		)
	}
	openItems("open items")
	row := fmt.Sprintf(`table.open-items tr[data-invoice="%d"]`, doc.ID)
	if got := text(row); !strings.Contains(got, doc.Number) || !strings.Contains(got, payerShare) || !strings.Contains(got, "(1 Tag)") {
		t.Errorf("open item: %q", got)
	}
	shot("07-open-items")
	testenv.AxeClean(t, ctx, "open items")

	// the dunning run: level by level, with the partial transfer after
	// the Zahlungserinnerung
	dunning := func(level, title string, advance time.Duration) {
		t.Helper()
		j.clk.Advance(advance)
		browserSignIn(t, ctx, j.env, adminEmail)
		openItems("open items before " + title)
		steps("dunning "+title,
			chromedp.Click(chromedp.ID("dunning-link")),
			chromedp.WaitVisible(chromedp.ID("proposal-list")),
		)
		prop := fmt.Sprintf(`#proposal-list tr[data-invoice="%d"]`, doc.ID)
		got := text(prop)
		claimed := text(prop + ` td[data-claimed]`)
		if !strings.Contains(got, title) || !strings.Contains(got, doc.Number) {
			t.Fatalf("proposal for %s: %q", title, got)
		}
		testenv.AxeClean(t, ctx, "dunning proposal "+title)
		steps("issue "+title,
			chromedp.Click(chromedp.ID("dunning-issue")),
			chromedp.WaitVisible(chromedp.ID("notice-list")),
		)
		note := fmt.Sprintf(`#notice-list tr[data-invoice="%d"][data-level="%s"]`, doc.ID, level)
		listed := text(note)
		if !strings.Contains(listed, claimed) || !strings.Contains(listed, j.ins.Email) {
			t.Errorf("%s listed as %q, proposed %s", title, listed, claimed)
		}
		shot("dunning-" + level)
		pdf := browserPDF(t, ctx, note+` a`)
		// the insurer finds the case by its claim number
		if !strings.Contains(pdf, title) || !strings.Contains(pdf, doc.Number) || !strings.Contains(pdf, claimed) ||
			!strings.Contains(pdf, "KS-2026-4711") {
			t.Errorf("%s PDF lacks %s / %s / KS-2026-4711:\n%s", title, doc.Number, claimed, pdf)
		}
		j.deliver(t)
		ms := j.mailsTo(t, j.ins.Email, title)
		if len(ms) != 1 {
			t.Fatalf("%d mails %q to the insurer, want 1", len(ms), title)
		}
		if !strings.Contains(ms[0].Text, "KS-2026-4711") || !strings.Contains(ms[0].Text, claimed) {
			t.Errorf("%s mail lacks the claim number or %s:\n%s", title, claimed, ms[0].Text)
		}
		if mp := j.pdfAttachment(t, ms[0]); !strings.Contains(mp, claimed) || !strings.Contains(mp, doc.Number) {
			t.Errorf("%s mailed PDF lacks %s / %s:\n%s", title, doc.Number, claimed, mp)
		}
		testenv.AxeClean(t, ctx, "dunning after "+title)
	}
	dunning("1", "Zahlungserinnerung", 6*24*time.Hour) // 21.12.: 7 days overdue

	// a partial transfer of 100,00 € from the insurer
	openItems("open items for the transfer")
	steps("transfer",
		chromedp.Click(chromedp.CSS(row+` a[href*="/admin/contracts/"]`)),
		chromedp.WaitVisible(chromedp.ID("payer-payment-form")),
		chromedp.SendKeys(chromedp.ID("f-payer_amount"), "100,00"),
		chromedp.SendKeys(chromedp.ID("f-payer_reference"), "HUK KS-2026-4711 Teilzahlung"),
		chromedp.Click(chromedp.ID("payer-payment-save")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	)
	if got := text(fmt.Sprintf(`#payer-invoices td[data-open="%d"]`, doc.ID)); got != "77,00 €" {
		t.Fatalf("open after the transfer: %q", got)
	}
	shot("08-transfer")
	dunning("2", "1. Mahnung", 14*24*time.Hour)
	dunning("3", "2. Mahnung", 14*24*time.Hour)
	openItems("open items at the end")
	if got := text(row); !strings.Contains(got, "77,00 €") {
		t.Errorf("open item at the end: %q", got)
	}
}
