package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/payer"
)

// TestBrowserPayerDunningJourney: a replacement car the manufacturer
// programme pays was returned eight days ago (its invoice of 49,00 € due
// at once). From the home screen the back office opens the payers' open
// items, goes to the contract, records a partial transfer of 20,00 €,
// then opens the dunning run from the open items: the proposal names the
// invoice at the Zahlungserinnerung claiming the 29,00 € left; issuing it
// lists the reminder. Every page of the journey is axe clean.
func TestBrowserPayerDunningJourney(t *testing.T) {
	ce, c, ct, man := coveredBy(t, store.SQLite, payer.ModePayer)
	man.Email = "rechnung@vw-mobil.example"
	must(t, ce.store.UpdatePayer(ce.sys(), &man))
	doc := returnCovered(t, ce, c, ct, man.ID)
	ce.clk.Advance(8 * 24 * time.Hour)

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed")
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		fail("read "+sel, err)
		return s
	}
	browserSignIn(t, ctx, ce.env, adminEmail)
	fail("open items", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("admin-menu-toggle")),
		chromedp.WaitVisible(chromedp.CSS(`#admin-menu a[href="/admin/payer-open-items"]`)),
		chromedp.Click(chromedp.CSS(`#admin-menu a[href="/admin/payer-open-items"]`)),
		chromedp.WaitVisible(chromedp.ID("open-items-summary")),
	))
	if got := text("#open-items-total"); !strings.Contains(got, "49,00 €") {
		t.Fatalf("open items total: %q", got)
	}
	testenv.AxeClean(t, ctx, "payer open items")
	fail("transfer", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`table.open-items a[href*="/admin/contracts/"]`)),
		chromedp.WaitVisible(chromedp.ID("payer-payment-form")),
		chromedp.SendKeys(chromedp.ID("f-payer_amount"), "20,00"),
		chromedp.SendKeys(chromedp.ID("f-payer_reference"), "SEPA VW 0815"),
		chromedp.Click(chromedp.ID("payer-payment-save")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	))
	testenv.Screenshot(t, ctx, "01-transfer")
	if got := text(`#payer-invoices td[data-open]`); got != "29,00 €" {
		t.Fatalf("open after the transfer: %q", got)
	}
	testenv.AxeClean(t, ctx, "contract with payer transfer")
	fail("dunning", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/invoices"]`)),
		chromedp.WaitVisible(chromedp.ID("inv-payer-items")),
		chromedp.Click(chromedp.ID("inv-payer-items")),
		chromedp.WaitVisible(chromedp.ID("dunning-link")),
		chromedp.Click(chromedp.ID("dunning-link")),
		chromedp.WaitVisible(chromedp.ID("proposal-list")),
	))
	if got := text("#proposal-list tbody"); !strings.Contains(got, doc.Number) || !strings.Contains(got, "Zahlungserinnerung") ||
		!strings.Contains(got, "29,00 €") {
		t.Fatalf("proposal: %q", got)
	}
	testenv.AxeClean(t, ctx, "dunning proposal")
	fail("issue", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("dunning-issue")),
		chromedp.WaitVisible(chromedp.ID("notice-list")),
	))
	testenv.Screenshot(t, ctx, "02-reminder")
	if got := text("#notice-list tbody"); !strings.Contains(got, "MA-") || !strings.Contains(got, "Zahlungserinnerung") ||
		!strings.Contains(got, doc.Number) || !strings.Contains(got, man.Email) {
		t.Fatalf("reminders: %q", got)
	}
	if got := text("#proposal"); !strings.Contains(got, "keine Rechnung zu mahnen") {
		t.Fatalf("proposal after the run: %q", got)
	}
	testenv.AxeClean(t, ctx, "dunning after the run")
}
