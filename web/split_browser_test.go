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
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
)

// TestBrowserReturnSplit: staff go from the home screen to the covered
// contract, open the return, see the split in the preview, confirm, and
// find both invoices in the invoices list and the programme's invoice in
// the reports (by payer, manufacturer claims); the pages pass axe-core.
func TestBrowserReturnSplit(t *testing.T) {
	ce, _, ct, man := coveredContract(t, store.SQLite)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()
	fail := testenv.Steps(t, tab, "split")
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail("contract", chromedp.Do(ctx, append(toContract(ct.ID),
		chromedp.WaitVisible(chromedp.ID("return-link")),
		chromedp.Click(chromedp.ID("return-link")),
		chromedp.WaitVisible(chromedp.ID("f-km")),
	)...))
	for i, act := range []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.ID("f-km"), "5100"),
		chromedp.Click(chromedp.CSS(`label:has(#fuel-8) span`)),
		chromedp.Click(chromedp.CSS(`label:has(#clean-clean) span`)),
		chromedp.Click(chromedp.CSS(`details.unsigned summary`)),
		chromedp.SendKeys(chromedp.ID("f-unsigned_reason"), "Schlüsselkasten"),
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.ID("preview-payer-gross")),
	} {
		fail(fmt.Sprintf("preview step %d", i), chromedp.Do(ctx, act))
	}
	payerText, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("return-preview")))
	fail("read preview", err)
	for _, want := range []string{"Rechnung an " + man.Name, "49,00 €"} {
		if !strings.Contains(payerText, want) {
			t.Fatalf("preview lacks %q:\n%s", want, payerText)
		}
	}
	var serious []string
	for _, v := range testenv.Axe(t, ctx) {
		if v.Serious() {
			serious = append(serious, v.String())
		}
	}
	if len(serious) > 0 {
		testenv.Screenshot(t, ctx, "axe-return-split")
		t.Fatalf("serious accessibility violations:\n%s", strings.Join(serious, "\n"))
	}
	fail("confirm", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("return-save")),
		chromedp.WaitVisible(chromedp.ID("payer-invoices")),
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/invoices"]`)),
		chromedp.WaitVisible(chromedp.CSS(".payer-badge")),
	))
	list, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("main")))
	fail("read invoices", err)
	docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
	must(t, err)
	if len(docs) != 2 {
		t.Fatalf("%d documents: %+v", len(docs), docs)
	}
	for _, d := range docs {
		if !strings.Contains(list, d.Number) {
			t.Errorf("invoices list lacks %s:\n%s", d.Number, list)
		}
	}
	testenv.Screenshot(t, ctx, "split-invoices")

	// the reports: the programme's invoice in the payer report and as a
	// manufacturer claim, with the amount issued
	var payerDoc invoice.Summary
	for _, d := range docs {
		if d.PayerID == man.ID {
			payerDoc = d
		}
	}
	fail("reports", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/reports"]`)),
		chromedp.WaitVisible(chromedp.ID("manufacturer-claims")),
	))
	claims, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("manufacturer-claims")))
	fail("read claims", err)
	byPayer, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("payer-revenue")))
	fail("read payer report", err)
	gross := locale.Lang("de").Money(payerDoc.Gross)
	if !strings.Contains(claims, payerDoc.Number) || !strings.Contains(claims, gross) || !strings.Contains(byPayer, man.Name) {
		t.Errorf("reports lack the programme's invoice %s (%s):\n%s\n%s", payerDoc.Number, gross, byPayer, claims)
	}
}
