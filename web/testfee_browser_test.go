package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserTestDriveFee: with a fee of 25,00 € per test drive, a station
// user starts a test drive from the home screen (the form says what is
// due), hands the car over (the agreement names the fee), takes it back
// (the form says the fee is invoiced) and lands on the contract: the fee
// invoice in its documents, 25,00 € open. From the home screen's money
// list the cash paid at the counter is recorded with the receipts form: nothing is open, the contract is
// billed, and the home screen's money list no longer shows it. Every page
// of the journey is axe clean.
func TestBrowserTestDriveFee(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	tn, err := ce.store.Tenant(ce.sys())
	must(t, err)
	tn.TestDriveFeeCents = 2500
	tn.Street, tn.PostalCode, tn.City, tn.Country, tn.VATID = "Hauptstraße 1", "93047", "Regensburg", "DE", "DE123456789" // what invoices need
	must(t, ce.store.UpdateTenant(ce.sys(), &tn))
	ret := ce.clk.Now().Add(45 * time.Minute).In(berlinLoc).Format("2006-01-02T15:04") // before the car's next booking

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	fail := testenv.Steps(t, tab, "test-drive-fee")
	text := func(step, id string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID(id)))
		fail(step, err)
		return strings.Join(strings.Fields(s), " ")
	}
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail("start form", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(chromedp.ID("home-test-drive")),
		chromedp.Click(chromedp.ID("home-test-drive")),
		chromedp.WaitVisible(chromedp.ID("use-form")),
	))
	if got := text("start fee", "test-drive-fee"); got != "Probefahrt: 25,00 €, zahlbar bei Rückgabe" {
		t.Fatalf("start form: %q", got)
	}
	testenv.AxeClean(t, ctx, "test drive start form with a fee")
	for i, act := range testDriveSteps(ce.res["reg"].VehicleID, ret) {
		fail(fmt.Sprintf("start step %d", i), chromedp.Do(ctx, act))
	}
	if got := text("agreement", "test-drive-agreement"); !strings.Contains(got, "gegen eine Gebühr von 25,00 €, zahlbar bei Rückgabe") ||
		!strings.Contains(got, "Probefahrt: 25,00 €, zahlbar bei Rückgabe") {
		t.Fatalf("agreement at the handover: %q", got)
	}
	testenv.AxeClean(t, ctx, "test drive handover with a fee")
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
	if got := text("return hint", "return-kind-hint"); !strings.Contains(got, "Gebühr von 25,00 € in Rechnung gestellt") {
		t.Fatalf("return form: %q", got)
	}
	testenv.AxeClean(t, ctx, "test drive return with a fee")
	for i, act := range []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.ID("f-km"), "5042"),
		chromedp.Click(chromedp.CSS(`label:has(#fuel-8) span`)),
		chromedp.Click(chromedp.CSS(`label:has(#clean-clean) span`)),
		chromedp.Click(chromedp.CSS(`details.unsigned summary`)),
		chromedp.SendKeys(chromedp.ID("f-unsigned_reason"), "Schlüssel am Tresen"),
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.ID("receipt-form")),
	} {
		fail(fmt.Sprintf("return step %d", i), chromedp.Do(ctx, act))
	}
	if got := text("status", "ct-status"); got != "Zahlung offen" {
		t.Fatalf("test drive after return: %q", got)
	}
	docs := text("documents", "ledger-docs")
	if !strings.Contains(docs, "Rechnung") || !strings.Contains(docs, "25,00 €") {
		t.Fatalf("contract's documents: %q", docs)
	}
	if got := text("open", "sum-open"); got != "25,00 €" {
		t.Fatalf("open after the return: %q", got)
	}
	testenv.AxeClean(t, ctx, "test drive contract with its fee open")
	number := text("number", "ct-number")
	// the home screen's money list has it: paid from there
	fail("home money", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(chromedp.ID("home-money")),
	))
	if got := text("money list", "home-money"); !strings.Contains(got, number) {
		t.Fatalf("home screen's money list lacks %s: %q", number, got)
	}
	fail("receipt", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#home-money a[data-action="pay"]`)),
		chromedp.WaitVisible(chromedp.ID("receipt-form")),
		chromedp.SetValue(chromedp.ID("f-receipt_method"), "cash"),
		chromedp.SendKeys(chromedp.ID("f-receipt_amount"), "25,00"),
		chromedp.Click(chromedp.ID("receipt-save")),
		chromedp.WaitNotPresent(chromedp.ID("receipt-form")), // settled: the form is gone
		chromedp.WaitVisible(chromedp.ID("receipt-list")),
	))
	if got := text("open after", "sum-open"); got != "0,00 €" {
		t.Fatalf("open after the cash receipt: %q", got)
	}
	if got := text("status after", "ct-status"); got != "Abgerechnet" {
		t.Fatalf("status after the cash receipt: %q", got)
	}
	fail("home", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(chromedp.ID("home-test-drive")),
	))
	home, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText`))
	fail("read home", err)
	if strings.Contains(home, number) {
		t.Fatalf("home screen still lists %s after it was paid", number)
	}
}
