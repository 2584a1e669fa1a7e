package store_test

import (
	"fmt"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
)

// TestReportsExactCents: a returned contract with an advance (4900 gross
// at 19 %), a final over 14700 at 19 % + 1070 at 7 % deducting the advance,
// a credit note of 1190 and two approved card charges of which the first
// was voided. The open items count the voided sale as not paid; revenue
// uses the stored nets (a pro-rated estimate would give 9204 for the final,
// the exact remainder is 13353 − 4118 = 9235).
func TestReportsExactCents(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newCtFixture(t, s, clk)
		c, err := s.StartContract(f.ctx, f.handover())
		mustNil(t, err)
		clk.Advance(72 * time.Hour)
		c, err = s.RecordReturn(f.ctx, &contract.Return{ContractID: c.ID, Protocol: contract.Protocol{OdometerKM: 1300, FuelEighths: 8, Cleanliness: "clean"}})
		mustNil(t, err)
		mustNil(t, s.SetContractStatus(f.ctx, c.ID, []contract.Status{contract.StatusReturned}, contract.StatusBilled))
		mustNil(t, s.SetContractStatus(f.ctx, c.ID, []contract.Status{contract.StatusBilled}, contract.StatusPaymentOpen))

		link := func(iss *invoice.Issued) *invoice.Issued {
			iss.StationID, iss.ReservationID, iss.ContractID = c.StationID, c.ReservationID, c.ID
			return iss
		}
		adv := link(advanceInvoice(c.CustomerID))
		mustNil(t, s.IssueInvoice(f.ctx, invoice.IssueRequest{Issued: adv, Render: fakeRender, Loc: time.UTC}))
		rates, err := s.InvoiceRates(f.ctx, adv.ID)
		mustNil(t, err)
		fin := link(advanceInvoice(c.CustomerID))
		fin.Invoice.Kind = invoice.KindFinal
		fin.Invoice.Lines = []invoice.Line{
			{Description: "Miete 3 Tage", QuantityMilli: 3000, Unit: "day", UnitGross: 4900, VATRateBP: 1900},
			{Description: "Kindersitz", QuantityMilli: 1000, Unit: "piece", UnitGross: 1070, VATRateBP: 700},
		}
		fin.Invoice.Advances = []invoice.Advance{{Number: adv.Invoice.Number, IssueDate: adv.Invoice.IssueDate, Rates: rates}}
		mustNil(t, s.IssueInvoice(f.ctx, invoice.IssueRequest{Issued: fin, Render: fakeRender, Loc: time.UTC}))
		if fin.Totals.Net != 13353 || fin.Totals.Gross != 15770 || fin.Totals.DeductedNet != 4118 || fin.Totals.Due != 10870 {
			t.Fatalf("final totals %+v", fin.Totals)
		}
		cn := link(advanceInvoice(c.CustomerID))
		cn.Invoice.Kind = invoice.KindCreditNote
		cn.Invoice.Lines = []invoice.Line{{Description: "Kulanz", QuantityMilli: 1000, Unit: "piece", UnitGross: 1190, VATRateBP: 1900}}
		cn.CorrectsID = fin.ID
		cn.Invoice.Corrects = &invoice.Reference{Number: fin.Invoice.Number, IssueDate: fin.Invoice.IssueDate}
		mustNil(t, s.IssueInvoice(f.ctx, invoice.IssueRequest{Issued: cn, Render: fakeRender, Loc: time.UTC}))

		n := 0
		pay := func(op payment.Operation, parent, cents int64) payment.Record {
			t.Helper()
			n++
			r := payment.Record{Links: payment.Links{ReservationID: c.ReservationID, ContractID: c.ID, CustomerID: c.CustomerID,
				Purpose: contract.PurposeFinal}, ParentID: parent, Operation: op, Status: payment.StatusPending,
				Amount: payment.Amount{Cents: cents, Currency: "EUR"}, MerchantTransactionID: fmt.Sprintf("mt-%d", n),
				OrderID: c.Number + "-F", CreatedAt: clk.Now()}
			mustNil(t, s.InsertPayment(f.ctx, &r))
			r.Status = payment.StatusApproved
			mustNil(t, s.ResolvePayment(f.ctx, &r))
			return r
		}
		sale := pay(payment.OpTokenSale, 0, 10870)
		pay(payment.OpVoid, sale.ID, 10870)
		pay(payment.OpTokenSale, 0, 5000)

		items, err := s.OpenItems(f.ctx)
		mustNil(t, err)
		// billed 4900 + 10870 − 1190 = 14580; paid 5000 (the voided sale does not count)
		if len(items) != 1 || items[0].ContractID != c.ID || items[0].OpenCents != 9580 {
			t.Fatalf("open items %+v, want one with 9580 open", items)
		}

		from := clk.Now().Add(-30 * 24 * time.Hour)
		rev, err := s.RevenueByStationMonth(f.ctx, from, clk.Now().Add(time.Hour), time.UTC)
		mustNil(t, err)
		want := contract.Revenue{StationID: c.StationID, StationName: f.w.stations[0][0].Name, Month: clk.Now().UTC().Format("2006-01"),
			NetCents: 4118 + 9235 - 1000, GrossCents: 4900 + 10870 - 1190, Documents: 3}
		if len(rev) != 1 || rev[0] != want {
			t.Fatalf("revenue %+v\nwant %+v", rev, want)
		}
		// a station user of the other station sees neither
		other := as(f.w.actor(0, 1))
		if items, err := s.OpenItems(other); err != nil || len(items) != 0 {
			t.Fatalf("other station open items %+v %v", items, err)
		}
		if rev, err := s.RevenueByStationMonth(other, from, clk.Now().Add(time.Hour), time.UTC); err != nil || len(rev) != 0 {
			t.Fatalf("other station revenue %+v %v", rev, err)
		}
	})
}
