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
	card := invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111"}
	credit := func(gross int64) invoice.Summary {
		return invoice.Summary{Kind: invoice.KindCreditNote, Gross: gross, Payment: card}
	}
	legacy := invoice.Summary{Kind: invoice.KindCreditNote, Gross: 1000, PaymentUnknown: true}
	paidOut := invoice.Summary{Kind: invoice.KindCreditNote, Gross: 1000, Payment: invoice.Payment{Means: invoice.MeansCash}}
	final := func(due int64, pay invoice.Payment) invoice.Summary {
		return invoice.Summary{ID: 9, Kind: invoice.KindFinal, Gross: 6910 + due, Due: due, Payment: pay}
	}
	legacyFinal := invoice.Summary{ID: 9, Kind: invoice.KindFinal, Gross: 2500, Due: -4410, PaymentUnknown: true}
	legacyNote := invoice.Summary{Kind: invoice.KindCreditNote, Gross: 4410, CorrectsID: 9, PaymentUnknown: true}
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
		{"legacy credit note: refunded on the card", []payment.Record{rent}, []invoice.Summary{legacy}, 1000, map[int64]int64{1: 6910}},
		{"credit note paid out in cash: nothing on the card", []payment.Record{rent}, []invoice.Summary{paidOut}, 0, map[int64]int64{1: 6910}},
		{"final paying back, refund failed", []payment.Record{rent, refund(4, 1, 4410, payment.StatusFailed)},
			[]invoice.Summary{advance, final(-4410, card)}, 4410, map[int64]int64{1: 6910}},
		{"final paying back, refund approved", []payment.Record{rent, refund(4, 1, 4410, payment.StatusApproved)},
			[]invoice.Summary{advance, final(-4410, card)}, 0, map[int64]int64{1: 2500}},
		{"final paying back less after a damage settlement", []payment.Record{rent},
			[]invoice.Summary{advance, final(-4410, invoice.Payment{Means: invoice.MeansCard, CardLast4: "1111", Cents: 1410})}, 1410, map[int64]int64{1: 6910}},
		{"final set off entirely", []payment.Record{rent},
			[]invoice.Summary{advance, final(-4410, invoice.Payment{Means: invoice.MeansOffset})}, 0, map[int64]int64{1: 6910}},
		{"legacy final with its legacy credit note counts once", []payment.Record{rent, refund(4, 1, 4410, payment.StatusFailed)},
			[]invoice.Summary{advance, legacyFinal, legacyNote}, 4410, map[int64]int64{1: 6910}},
		{"extension charge refundable too", []payment.Record{rent, {ID: 7, Operation: payment.OpTokenSale, Links: payment.Links{Purpose: "extension"},
			Status: payment.StatusApproved, Amount: eur(9800)}}, []invoice.Summary{credit(1000)}, 1000, map[int64]int64{1: 6910, 7: 9800}},
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
