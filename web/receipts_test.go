package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/adapter/xrechnung"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/web"
)

// returnedWithoutCard hands over the bookings keys of ce (as their tenant's
// system) through the contract service and returns them a day and two hours
// later: without a stored card the final invoice (two days, 98,00) stays
// open and the contracts are payment_open.
func returnedWithoutCard(t *testing.T, ce *ctEnv, keys ...string) map[string]contract.Contract {
	t.Helper()
	out := returnedThrough(t, ce, contract.NewService(storeContractDeps(ce.store, ce.clk.Now)), keys...)
	for _, key := range keys {
		if out[key].Status != contract.StatusPaymentOpen {
			t.Fatalf("%s: status %s after a return without card", key, out[key].Status)
		}
	}
	return out
}

// TestReceiptForm: on the contract page of a payment_open walk-in contract,
// station staff record a payment received at the counter. Bad input comes
// back (422) with German messages next to the fields, the typed values kept
// and nothing recorded; a correct payment shows in the list, the contract
// is billed and the form is gone; a reversal needs a reason and reopens the
// contract. Another station's and another tenant's contracts answer 404
// and take nothing.
func TestReceiptForm(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		cs := returnedWithoutCard(t, ce, "reg", "muc", "foreign")
		reg, muc, foreign := cs["reg"], cs["muc"], cs["foreign"]
		ce.clk.Advance(time.Hour)

		c := ce.client(t)
		c.mustLogin(stationEmail)
		path := fmt.Sprintf("/admin/contracts/%d", reg.ID)
		p := c.get(path)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `id="receipt-form"`, "Zahlung erfassen", `name="receipt_received_on" type="date" value="2026-11-28"`,
			`id="sum-open" class="alert-text">98,00`)
		tok := p.csrf(t)

		// everything wrong at once
		p = c.post(path+"/receipts", url.Values{"csrf": {tok}, "receipt_method": {"scheck"}, "receipt_amount": {"zwölf"},
			"receipt_reference": {"Beleg 1"}, "receipt_received_on": {"2026-12-24"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		fe := p.fieldErrors()
		if !strings.Contains(fe["receipt_method"], "Bitte bar, Kartenterminal oder Überweisung wählen") || !strings.Contains(fe["receipt_amount"], "Betrag in Euro") ||
			!strings.Contains(fe["receipt_received_on"], "nicht in der Zukunft") {
			t.Fatalf("field errors %v", fe)
		}
		wantContains(t, p, `value="zwölf"`, `value="Beleg 1"`, `value="2026-12-24"`)
		// terminal without slip number, more than is open
		p = c.post(path+"/receipts", url.Values{"csrf": {tok}, "receipt_method": {"terminal"}, "receipt_amount": {"98,01"},
			"receipt_reference": {""}, "receipt_received_on": {"2026-11-28"}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		fe = p.fieldErrors()
		if fe["receipt_amount"] != "Auf diesem Vertrag sind höchstens 98,00 € offen." || !strings.Contains(fe["receipt_reference"], "Belegnummer") {
			t.Fatalf("field errors %v", fe)
		}
		wantContains(t, p, `<option value="terminal" selected>`)
		rs, err := ce.store.Receipts(ce.sys(), reg.ID)
		must(t, err)
		if len(rs) != 0 {
			t.Fatalf("bad input recorded %d receipts", len(rs))
		}

		// another station's and another tenant's contracts: 404, nothing recorded
		for _, id := range []int64{muc.ID, foreign.ID} {
			p = c.post(fmt.Sprintf("/admin/contracts/%d/receipts", id), url.Values{"csrf": {tok}, "receipt_method": {"cash"},
				"receipt_amount": {"10,00"}, "receipt_received_on": {"2026-11-28"}})
			wantStatus(t, p, http.StatusNotFound)
		}
		for id, ctx := range map[int64]context.Context{muc.ID: ce.sys(), foreign.ID: ce.foreign} {
			if rs, err := ce.store.Receipts(ctx, id); err != nil || len(rs) != 0 {
				t.Fatalf("contract %d: receipts %v, %v", id, rs, err)
			}
		}

		// paid in cash at the counter
		p = c.post(path+"/receipts", url.Values{"csrf": {tok}, "receipt_method": {"cash"}, "receipt_amount": {"98,00"},
			"receipt_reference": {"Kassenbon 17"}, "receipt_received_on": {"2026-11-28"}})
		wantStatus(t, p, http.StatusOK)
		if p.url.Path != path {
			t.Fatalf("after recording: %s", p.url)
		}
		wantContains(t, p, "der Vertrag ist bezahlt", `id="ct-status">Abgerechnet`, `id="receipt-list"`, "Kassenbon 17", "Stefan Station",
			"28.11.2026", `id="sum-open" class="">0,00`)
		wantLacks(t, p, `id="receipt-form"`)
		got, err := ce.store.Contract(ce.sys(), reg.ID)
		must(t, err)
		rs, err = ce.store.Receipts(ce.sys(), reg.ID)
		must(t, err)
		if got.Status != contract.StatusBilled || len(rs) != 1 || rs[0].AmountCents != 9800 || rs[0].CreatedBy != ce.station.ID {
			t.Fatalf("after recording: status %s, receipts %+v", got.Status, rs)
		}

		// reversal: a reason is required, then payment_open again
		rev := fmt.Sprintf("%s/receipts/%d/reverse", path, rs[0].ID)
		p = c.post(rev, url.Values{"csrf": {tok}, "reason": {""}})
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if fe := p.fieldErrors(); !strings.Contains(fe["reverse_reason"], "warum die Zahlung storniert") {
			t.Fatalf("reversal without reason: %v", fe)
		}
		p = c.post(rev, url.Values{"csrf": {tok}, "reason": {"falscher Vertrag"}})
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "wieder offen", `id="ct-status">Zahlung offen`, `data-reversed="1"`, "falscher Vertrag", `id="receipt-form"`)
		p = c.post(rev, url.Values{"csrf": {tok}, "reason": {"noch einmal"}})
		wantStatus(t, p, http.StatusConflict)
		wantContains(t, p, "Diese Zahlung wurde bereits storniert.")
		// without the CSRF token nothing happens
		p = c.post(path+"/receipts", url.Values{"receipt_method": {"cash"}, "receipt_amount": {"98,00"}, "receipt_received_on": {"2026-11-28"}})
		if p.status != http.StatusForbidden {
			t.Fatalf("without CSRF token: %d", p.status)
		}
		got, err = ce.store.Contract(identity.WithActor(context.Background(), identity.SystemFor(ce.tenant.ID)), reg.ID)
		must(t, err)
		if rs, _ := ce.store.Receipts(ce.sys(), reg.ID); got.Status != contract.StatusPaymentOpen || len(rs) != 2 {
			t.Fatalf("end: status %s, %d receipt rows", got.Status, len(rs))
		}
	})
}

// TestReceiptPaidXRechnung: the XRechnung download of a final invoice is
// the document as issued — open, due by transfer within its term — and
// stays so after a payment at the counter settles it (an issued document
// never changes; the receipt is confirmed by its own e-mail): the same
// bytes before and after, never claiming a card payment.
func TestReceiptPaidXRechnung(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	s := ce.store
	svc := contract.NewService(storeContractDeps(s, ce.clk.Now))
	ce.srv.Close()
	ce.srv = httptest.NewServer(web.New(web.Deps{Identity: ce.id, Users: s, Tenancy: s, Now: ce.clk.Now,
		Fleet: s, Damages: s, Categories: s, Pricing: s, Tariffs: s, Mail: s, Bookings: s, EInvoicer: xrechnung.EInvoicer{},
		Contracts: svc, ContractData: s, Logger: slog.New(slog.NewJSONHandler(ce.log, nil))}))
	t.Cleanup(ce.srv.Close)
	reg := returnedWithoutCard(t, ce, "reg")["reg"]
	tn, err := s.Tenant(ce.sys())
	must(t, err)
	tn.IBAN, tn.BIC, tn.Phone, tn.Email = "DE02120300000000202051", "BYLADEM1001", "+49 941 123456", "info@autohaus-koenig.de"
	must(t, s.UpdateTenant(ce.sys(), &tn))
	_, _, docs, err := svc.Ledger(ce.sys(), reg.ID)
	must(t, err)
	var final int64
	for _, d := range docs {
		if d.Kind == invoice.KindFinal {
			final = d.ID
		}
	}
	c := ce.client(t)
	c.mustLogin(stationEmail)
	xmlPath := fmt.Sprintf("/admin/invoices/%d/xrechnung", final)
	p := c.get(xmlPath)
	wantStatus(t, p, http.StatusOK)
	wantContains(t, p, "<ram:TypeCode>58</ram:TypeCode>", "<ram:DuePayableAmount>98.00</ram:DuePayableAmount>")
	_, err = svc.RecordReceipt(identity.WithActor(context.Background(), identity.Actor{Kind: identity.ActorUser, TenantID: ce.tenant.ID,
		UserID: ce.station.ID, Role: identity.RoleStation, StationIDs: []int64{ce.reg.ID}}), reg.ID,
		contract.Receipt{Method: contract.MethodTerminal, AmountCents: 9800, Reference: "T-0815", ReceivedOn: ce.clk.Now().Format("2006-01-02")})
	must(t, err)
	before := p.body
	p = c.get(xmlPath)
	wantStatus(t, p, http.StatusOK)
	if p.body != before {
		t.Fatalf("the e-invoice changed after a receipt:\n%s", p.body)
	}
	wantLacks(t, p, "<ram:TypeCode>48</ram:TypeCode>", "ApplicableTradeSettlementFinancialCard")
}
