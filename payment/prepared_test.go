package payment_test

import (
	"testing"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payment"
)

// TestPreparedSale: a sale prepared before its order id is known (a
// booking's rent, recorded with the booking) is checked at once — an
// invalid card or amount is refused before anything is recorded or sent
// —, its record is the one SaleThen records (pending, brand and last 4
// only), nothing is sent until the caller has recorded it, and SendThen
// then sends exactly that record under the order id the caller set. An
// order id that turns out invalid when sent is not sent: the record fails
// as an invalid request.
func TestPreparedSale(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		l := payment.Links{CustomerID: e.customer, Purpose: "rent"}
		bad := visa
		bad.CVV = "7x7"
		if _, err := e.svc.PrepareSale(e.ctx, l, "", payment.EUR(4900), bad, nil); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("a bad card prepared: %v", err)
		}
		if _, err := e.svc.PrepareSale(e.ctx, l, "", payment.EUR(0), visa, nil); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("no money prepared: %v", err)
		}
		p, err := e.svc.PrepareSale(e.ctx, l, "", payment.EUR(4900), visa, nil)
		if err != nil {
			t.Fatal(err)
		}
		rec := p.Record
		if rec.ID != 0 || rec.Status != payment.StatusPending || rec.Operation != payment.OpSale || rec.MerchantTransactionID == "" ||
			rec.OrderID != "" || rec.Card != visa.Info() || rec.TenantID == 0 || p.Card != nil {
			t.Fatalf("prepared record %+v", rec)
		}
		p.Record.OrderID = "B26-00001" // as the booking's store records it
		if _, err := e.svc.SendThen(e.ctx, p, &payment.Rental{AgreementNumber: "B26-00001"}, nil); err == nil || len(e.sim.Ledger()) != 0 {
			t.Fatalf("a prepared sale not recorded was sent: %v %+v", err, e.sim.Ledger())
		}
		if err := e.st.InsertPayment(e.ctx, &p.Record); err != nil {
			t.Fatal(err)
		}
		ch, err := e.svc.SendThen(e.ctx, p, &payment.Rental{AgreementNumber: "B26-00001"}, nil)
		if err != nil || ch.First.ID != p.Record.ID || ch.First.Status != payment.StatusApproved || ch.Card == nil ||
			ch.First.MerchantTransactionID != rec.MerchantTransactionID {
			t.Fatalf("sent: %+v %v", ch, err)
		}
		if l := e.sim.Ledger()["B26-00001"]; l.Captured != 4900 {
			t.Fatalf("ledger %+v", l)
		}

		p2, err := e.svc.PrepareSale(e.ctx, l, "", payment.EUR(4900), visa, nil)
		if err != nil {
			t.Fatal(err)
		}
		p2.Record.OrderID = "B26 00002" // not an order id the gateway takes
		if err := e.st.InsertPayment(e.ctx, &p2.Record); err != nil {
			t.Fatal(err)
		}
		ch, err = e.svc.SendThen(e.ctx, p2, nil, nil)
		if !errs.Is(err, errs.KindInvalid) || ch.First.Status != payment.StatusFailed || ch.First.ReasonCode != payment.ReasonInvalidRequest {
			t.Fatalf("an invalid order id sent: %+v %v", ch.First, err)
		}
		got, err := e.st.Payment(e.ctx, p2.Record.ID)
		if err != nil || got.Status != payment.StatusFailed {
			t.Fatalf("its record: %+v %v", got, err)
		}
		if len(e.sim.Ledger()) != 1 {
			t.Fatalf("ledger %+v", e.sim.Ledger())
		}
		assertLedgerMatches(t, e)
	})
}
