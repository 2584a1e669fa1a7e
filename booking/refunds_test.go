package booking

import (
	"testing"

	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
)

func TestRefundOwed(t *testing.T) {
	eur := func(c int64) payment.Amount { return payment.Amount{Cents: c, Currency: "EUR"} }
	rent := payment.Record{ID: 1, Operation: payment.OpSale, Links: payment.Links{Purpose: PurposeRent}, Status: payment.StatusApproved, Amount: eur(6910)}
	more := payment.Record{ID: 2, Operation: payment.OpTokenSale, Links: payment.Links{Purpose: PurposeRent}, Status: payment.StatusApproved, Amount: eur(1500)}
	dep := payment.Record{ID: 3, Operation: payment.OpTokenPreAuth, Links: payment.Links{Purpose: PurposeDeposit}, Status: payment.StatusApproved, Amount: eur(30000)}
	refund := func(id, parent, cents int64, st payment.Status) payment.Record {
		return payment.Record{ID: id, ParentID: parent, Operation: payment.OpRefund, Links: payment.Links{Purpose: PurposeRefund}, Status: st, Amount: eur(cents)}
	}
	credit := func(gross int64) invoice.Summary { return invoice.Summary{Kind: invoice.KindCreditNote, Gross: gross} }
	advance := invoice.Summary{Kind: invoice.KindAdvance, Gross: 6910}
	tests := []struct {
		name     string
		recs     []payment.Record
		invs     []invoice.Summary
		wantOwed int64
		wantLeft map[int64]int64
	}{
		{"no credit note", []payment.Record{rent, dep}, []invoice.Summary{advance}, 0, map[int64]int64{1: 6910}},
		{"refund failed", []payment.Record{rent, dep, refund(4, 1, 4410, payment.StatusFailed)}, []invoice.Summary{advance, credit(-4410)},
			4410, map[int64]int64{1: 6910}},
		{"refund approved", []payment.Record{rent, refund(4, 1, 4410, payment.StatusApproved)}, []invoice.Summary{advance, credit(-4410)},
			0, map[int64]int64{1: 2500}},
		{"refund still open counts", []payment.Record{rent, refund(4, 1, 4410, payment.StatusUnknown)}, []invoice.Summary{advance, credit(-4410)},
			0, map[int64]int64{1: 2500}},
		{"failed then approved", []payment.Record{rent, refund(4, 1, 4410, payment.StatusFailed), refund(5, 1, 4410, payment.StatusApproved)},
			[]invoice.Summary{advance, credit(-4410)}, 0, map[int64]int64{1: 2500}},
		{"two charges, one credit partly refunded", []payment.Record{rent, more, refund(6, 2, 1500, payment.StatusApproved)},
			[]invoice.Summary{advance, credit(-8410)}, 6910, map[int64]int64{1: 6910, 2: 0}},
		{"positive credit gross", []payment.Record{rent}, []invoice.Summary{credit(1000)}, 1000, map[int64]int64{1: 6910}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			owed, charges, left := refundOwed(tc.recs, tc.invs)
			if owed != tc.wantOwed {
				t.Errorf("owed %d, want %d", owed, tc.wantOwed)
			}
			if len(charges) != len(tc.wantLeft) {
				t.Errorf("%d charges, want %d", len(charges), len(tc.wantLeft))
			}
			for id, want := range tc.wantLeft {
				if left[id] != want {
					t.Errorf("left on %d: %d, want %d", id, left[id], want)
				}
			}
		})
	}
}
