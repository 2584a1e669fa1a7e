package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
)

// TestReturnWhileExtensionCharging: a colleague's extension charge is
// still at the gateway (its payment pending) when staff confirm the
// car's return. The return is saved and the page says that billing waits
// for the charge and goes on by itself; "Jetzt abrechnen" says the same
// and issues nothing; once the charge has its outcome (here declined),
// billing runs. Both databases.
func TestReturnWhileExtensionCharging(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, ct, csrf := handedOver(t, d)
		supplierReady(t, ce)
		rec := payment.Record{Links: payment.Links{ReservationID: ct.ReservationID, ContractID: ct.ID, CustomerID: ct.CustomerID,
			Purpose: contract.PurposeExtension}, Operation: payment.OpTokenSale, Status: payment.StatusPending,
			Amount: payment.Amount{Cents: 4900, Currency: "EUR"}, OrderID: ct.Number + "-C1", MerchantTransactionID: "mw-race-1",
			CreatedAt: ce.clk.Now()}
		must(t, ce.store.InsertPayment(ce.sys(), &rec))
		path := fmt.Sprintf("/admin/contracts/%d/return", ct.ID)
		form := handoverForm(csrf, false, "5400")
		p := c.post(path, form)
		token := confirmRE.FindStringSubmatch(p.body)
		if token == nil {
			t.Fatalf("no preview: %d %s", p.status, p.alert())
		}
		form.Set("confirm", token[1])
		p = c.post(path, form)
		if p.status != http.StatusOK || !strings.Contains(p.url.RawQuery, "done=return_billing_waits_charge") {
			t.Fatalf("confirmed return: %d %s %s", p.status, p.url, p.alert())
		}
		wantContains(t, p, "Die Rücknahme ist gespeichert. Eine Belastung der Karte (Verlängerung) lief gerade")
		docs := func() int {
			all, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ContractID: ct.ID})
			must(t, err)
			return len(all)
		}
		if n := docs(); n != 0 {
			t.Fatalf("billing issued %d documents while the charge was open", n)
		}
		cpath := fmt.Sprintf("/admin/contracts/%d", ct.ID)
		p = c.post(cpath+"/bill", url.Values{"csrf": {c.token(cpath)}})
		if !strings.HasPrefix(p.alert(), "Eine Belastung dieses Vertrags (Verlängerung) ist noch nicht abgeschlossen") || docs() != 0 {
			t.Fatalf("bill while the charge is open: %d %q, %d documents", p.status, p.alert(), docs())
		}
		// the gateway declined it
		rec.Status, rec.ReasonCode = payment.StatusFailed, payment.ReasonDeclined
		must(t, ce.store.ResolvePayment(ce.sys(), &rec))
		p = c.post(cpath+"/bill", url.Values{"csrf": {c.token(cpath)}})
		got, err := ce.store.Contract(ce.sys(), ct.ID)
		must(t, err)
		if got.BilledAt == nil || docs() == 0 {
			t.Fatalf("billing after the charge's outcome: %d %q, contract %s", p.status, p.alert(), got.Status)
		}
	})
}
