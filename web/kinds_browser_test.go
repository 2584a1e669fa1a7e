package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/mailtmpl"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/web"
)

// TestBrowserTestDriveOnRedPlate: from the home screen a station user
// starts a test drive on a red plate (customer, identity document, car,
// plate), hands the car over (the agreement shown above the signature),
// takes it back without any bill, and opens the plate's trip log from the
// contract: the trip is listed with car, driver and km. Every form of the
// journey is axe clean.
func TestBrowserTestDriveOnRedPlate(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	plate := fleet.DealerPlate{Number: "R-06 123", StationID: ce.reg.ID, ValidFrom: "2026-01-01"}
	must(t, ce.store.CreateDealerPlate(ce.sys(), &plate))
	ret := ce.clk.Now().Add(45 * time.Minute).In(berlinLoc).Format("2006-01-02T15:04") // before the car's next booking
	// the driver's messages as the product writes them
	mt, err := mailtmpl.New()
	must(t, err)
	deps := storeContractDeps(ce.store, ce.clk.Now)
	deps.Mailer = mailtmpl.NewContractMailer(mt, "noreply@koenig.test", ce.clk.Now)
	ce.serve(t, func(d *web.Deps) { d.Contracts = contract.NewService(deps) })

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	fail := testenv.Steps(t, tab, "test-drive")
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail("start form", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(chromedp.ID("home-test-drive")),
		chromedp.Click(chromedp.ID("home-test-drive")),
		chromedp.WaitVisible(chromedp.ID("use-form")),
	))
	testenv.AxeClean(t, ctx, "test drive start form")
	for i, act := range testDriveSteps(ce.res["reg"].VehicleID, ret, chromedp.SetValue(chromedp.ID("f-dealer_plate_id"), fmt.Sprint(plate.ID))) {
		fail(fmt.Sprintf("start step %d", i), chromedp.Do(ctx, act))
	}
	testenv.AxeClean(t, ctx, "test drive handover")
	for i, act := range []chromedp.Action[chromedp.Void]{
		chromedp.SetValue(chromedp.CSS(`[name="drivers.0.birth_date"]`), "1985-02-03"),
		chromedp.SendKeys(chromedp.CSS(`[name="drivers.0.licence_number"]`), "B072RRE2I55"),
		chromedp.SetValue(chromedp.CSS(`[name="drivers.0.licence_issued_on"]`), "2005-06-01"),
		chromedp.Click(chromedp.ID("f-timing_confirmed")), // the test station is closed today
		chromedp.Click(chromedp.ID("f-licence_checked")),
		chromedp.Click(chromedp.CSS(`details.unsigned summary`)),
		chromedp.SendKeys(chromedp.ID("f-unsigned_reason"), "Kunde unterschreibt auf Papier"),
		chromedp.Click(chromedp.ID("handover-save")),
		chromedp.WaitVisible(chromedp.ID("ct-kind")),
		chromedp.Click(chromedp.ID("return-link")),
		chromedp.WaitVisible(chromedp.ID("return-kind")),
	} {
		fail(fmt.Sprintf("handover step %d", i), chromedp.Do(ctx, act))
	}
	testenv.AxeClean(t, ctx, "test drive return")
	for i, act := range []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.ID("f-km"), "5042"),
		chromedp.Click(chromedp.CSS(`label:has(#fuel-8) span`)),
		chromedp.Click(chromedp.CSS(`label:has(#clean-clean) span`)),
		chromedp.Click(chromedp.CSS(`details.unsigned summary`)),
		chromedp.SendKeys(chromedp.ID("f-unsigned_reason"), "Schlüssel am Tresen"),
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.ID("ct-trip-log")),
	} {
		fail(fmt.Sprintf("return step %d", i), chromedp.Do(ctx, act))
	}
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("ct-status")))
	fail("read status", err)
	if !strings.Contains(status, "Abgeschlossen") {
		t.Fatalf("test drive after return: %q", status)
	}
	number, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("ct-number")))
	fail("read number", err)
	// the driver's messages name the test drive, not a rental contract
	num := strings.TrimSpace(number)
	qs, _, err := ce.store.ListEmails(ce.sys(), mail.Filter{Limit: 100})
	must(t, err)
	subjects := map[string]bool{}
	for _, q := range qs {
		subjects[q.Message.Subject] = true
	}
	for _, want := range []string{"Übergabeprotokoll zu Ihrer Probefahrt " + num, "Rücknahmeprotokoll zu Ihrer Probefahrt " + num} {
		if !subjects[want] {
			t.Errorf("no message %q among %v", want, subjects)
		}
	}
	fail("trip log", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("ct-trip-log")),
		chromedp.WaitVisible(chromedp.ID("trip-list")),
	))
	testenv.Screenshot(t, ctx, "trip-log")
	testenv.AxeClean(t, ctx, "trip log")
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("trip-list")))
	fail("read trip log", err)
	for _, want := range []string{strings.TrimSpace(number), "WVWZZZ1KZAW100001", "Paul Probe", "Ring 3", "5.000", "5.042", "Probefahrt"} {
		if !strings.Contains(text, want) {
			t.Fatalf("trip log lacks %q:\n%s", want, text)
		}
	}
	// the plates page (the station user reads it; only admins edit)
	fail("plates", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`.pagehead a[href="/admin/dealer-plates"]`)),
		chromedp.WaitVisible(chromedp.ID("plate-list")),
	))
	testenv.AxeClean(t, ctx, "dealer plates")
}
