package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
)

// TestCashRefundAndPayoutForm: a walk-in paid in cash; staff issue a credit
// note from the contract page and give the money back in cash: the credit
// note is issued, the payout shows in the list with its number, nothing is
// open. Reversing the payout shows "paid too much" and the payout form;
// bad input there comes back in German next to the fields (nothing
// recorded); a transfer with its reference settles it again.
func TestCashRefundAndPayoutForm(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		reg := returnedWithoutCard(t, ce, "reg")["reg"]
		ce.clk.Advance(time.Hour)
		c := ce.client(t)
		c.mustLogin(stationEmail)
		path := fmt.Sprintf("/admin/contracts/%d", reg.ID)
		p := c.get(path)
		tok := p.csrf(t)
		p = c.post(path+"/receipts", url.Values{"csrf": {tok}, "receipt_method": {"cash"}, "receipt_amount": {"98,00"},
			"receipt_received_on": {"2026-11-28"}})
		wantStatus(t, p, http.StatusOK)
		wantLacks(t, p, `id="payout-form"`)
		docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ReservationID: reg.ReservationID})
		must(t, err)
		var final int64
		for _, d := range docs {
			if d.Kind == invoice.KindFinal {
				final = d.ID
			}
		}

		// to the card: refused, the chosen way and amount kept
		p = c.post(path+"/refund", url.Values{"csrf": {tok}, "invoice_id": {fmt.Sprint(final)}, "amount": {"20,00"},
			"reason": {"Kulanz"}, "refund_to": {"card"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if fe := p.fieldErrors(); !strings.Contains(fe["amount"], "Auf die Karte können höchstens 0,00") {
			t.Fatalf("refund to no card: %v", fe)
		}
		// in cash
		p = c.post(path+"/refund", url.Values{"csrf": {tok}, "invoice_id": {fmt.Sprint(final)}, "amount": {"20,00"},
			"reason": {"Kulanz"}, "refund_to": {"cash"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `data-kind="payout"`, "Auszahlung", `id="sum-open" class="">0,00`)
		rs, err := ce.store.Receipts(ce.sys(), reg.ID)
		must(t, err)
		var payout contract.Receipt
		for _, r := range rs {
			if r.Kind == contract.KindPayout {
				payout = r
			}
		}
		if payout.AmountCents != 2000 || !strings.HasPrefix(payout.Reason, "GS") {
			t.Fatalf("payout %+v", payout)
		}

		// reversed by mistake: paid too much again, the payout form appears
		p = c.post(fmt.Sprintf("%s/receipts/%d/reverse", path, payout.ID), url.Values{"csrf": {tok}, "reason": {"doch Überweisung"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Auszahlung wurde storniert", `id="payout-form"`, "Zu viel gezahlt: 20,00")
		p = c.post(path+"/payouts", url.Values{"csrf": {tok}, "payout_method": {"transfer"}, "payout_amount": {"20,01"},
			"payout_reference": {""}, "payout_received_on": {"2026-11-28"}, "payout_reason": {"GS"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		fe := p.fieldErrors()
		if fe["payout_amount"] != "Auf diesem Vertrag sind höchstens 20,00 € zu viel gezahlt." || !strings.Contains(fe["payout_reference"], "Bankreferenz") {
			t.Fatalf("payout field errors %v", fe)
		}
		wantContains(t, p, `value="20,01"`, `<option value="transfer" selected>`)
		p = c.post(path+"/payouts", url.Values{"csrf": {tok}, "payout_method": {"transfer"}, "payout_amount": {"20,00"},
			"payout_reference": {"SEPA-4711"}, "payout_received_on": {"2026-11-28"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Die Auszahlung wurde erfasst", "SEPA-4711", `id="sum-open" class="">0,00`)
		wantLacks(t, p, `id="payout-form"`)
	})
}
