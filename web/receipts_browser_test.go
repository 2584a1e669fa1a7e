package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
)

// TestContractMoneyFormsAccessible runs axe-core in headless Chromium on a
// contract page that shows every money form at once — the list of payments
// at the counter with a payout and a reversal, the payout form (paid too
// much), the refund form with its way select — and fails on serious or
// critical violations; then records a cash payout through the browser.
func TestContractMoneyFormsAccessible(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	reg := returnedWithoutCard(t, ce, "reg")["reg"]
	s := ce.store
	staff := identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: ce.tenant.ID,
		UserID: ce.station.ID, Name: "Stefan Station", Role: identity.RoleStation, StationIDs: []int64{ce.reg.ID}})
	c := ce.client(t)
	c.mustLogin(stationEmail)
	path := fmt.Sprintf("/admin/contracts/%d", reg.ID)
	tok := c.get(path).csrf(t)
	docs, err := s.ListInvoices(staff, invoice.Filter{ReservationID: reg.ReservationID})
	must(t, err)
	var final int64
	for _, d := range docs {
		if d.Kind == invoice.KindFinal {
			final = d.ID
		}
	}
	for _, form := range []struct {
		path   string
		values map[string]string
	}{
		{path + "/receipts", map[string]string{"receipt_method": "cash", "receipt_amount": "98,00", "receipt_received_on": "2026-11-28"}},
		{path + "/refund", map[string]string{"invoice_id": fmt.Sprint(final), "amount": "20,00", "reason": "Kulanz", "refund_to": "cash"}},
	} {
		v := map[string][]string{"csrf": {tok}}
		for k, x := range form.values {
			v[k] = []string{x}
		}
		if p := c.post(form.path, v); p.status != 200 {
			t.Fatalf("%s: %d", form.path, p.status)
		}
	}
	rs, err := s.Receipts(staff, reg.ID)
	must(t, err)
	for _, r := range rs {
		if r.Kind == contract.KindPayout {
			if p := c.post(fmt.Sprintf("%s/receipts/%d/reverse", path, r.ID), map[string][]string{"csrf": {tok}, "reason": {"doch Überweisung"}}); p.status != 200 {
				t.Fatalf("reverse payout: %d", p.status)
			}
		}
	}

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	browserSignIn(t, ctx, ce.env, stationEmail)
	if err := chromedp.Do(ctx,
		chromedp.Navigate(ce.srv.URL+path),
		chromedp.WaitVisible(chromedp.ID("payout-form")),
	); err != nil {
		testenv.Screenshot(t, tab, "failed-contract-money")
		t.Fatal(err)
	}
	var serious []string
	for _, v := range testenv.Axe(t, ctx) {
		if v.Serious() {
			serious = append(serious, v.String())
		}
	}
	if len(serious) > 0 {
		testenv.Screenshot(t, ctx, "axe-contract-money")
		t.Fatalf("serious accessibility violations:\n%s", strings.Join(serious, "\n"))
	}
	// the payout through the browser: transfer with its reference
	if err := chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-payout_method"), "transfer"),
		chromedp.SendKeys(chromedp.ID("f-payout_amount"), "20,00"),
		chromedp.SendKeys(chromedp.ID("f-payout_reference"), "SEPA-4711"),
		chromedp.Click(chromedp.ID("payout-save")),
		chromedp.WaitNotPresent(chromedp.ID("payout-form")), // settled: the form is gone
		chromedp.WaitVisible(chromedp.ID("receipt-list")),
	); err != nil {
		testenv.Screenshot(t, ctx, "failed-payout")
		t.Fatal(err)
	}
	open, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("sum-open")))
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(open) != "0,00 €" {
		t.Fatalf("open after the payout in the browser: %q", open)
	}
}
