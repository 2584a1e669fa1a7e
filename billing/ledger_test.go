package billing

import (
	"math/rand/v2"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/invoice"
)

// history simulates one contract the way the contract service runs it:
// advance sale at booking, deposit (charge or pre-auth), optional paid
// extension, final bill, settlement with possibly declined charges, later
// charges and refunds. It returns the payment entries and documents.
type history struct {
	pays   []Entry
	docs   []Doc
	setOff int64
	nextID int64
	// declined is what was billed but could not be charged.
	declined int64
}

func (h *history) pay(op, purpose string, cents, parent int64, ok bool) int64 {
	h.nextID++
	h.pays = append(h.pays, Entry{ID: h.nextID, ParentID: parent, Op: op, Purpose: purpose, Approved: ok, Cents: cents})
	return h.nextID
}

func TestLedgerBalancesOverRandomHistories(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 2026))
	for i := 0; i < 5000; i++ {
		tf := testTariff()
		tf.PricePerDayCents = int64(1000 + r.IntN(15000))
		tf.ExtraKMCents = int64(r.IntN(60))
		tf.RefuelPerEighthCents = int64(r.IntN(3000))
		if r.IntN(3) == 0 {
			tf.RefuelPerLitreCents = int64(150 + r.IntN(150))
		}
		if r.IntN(2) == 0 {
			tf.DayCounting = "calendar"
		}
		tf.GraceMinutes = r.IntN(120)
		tf.VATRateBP = []int{1900, 700, 0}[r.IntN(3)]
		mode := []string{DepositCharge, DepositPreAuth}[r.IntN(2)]
		settle := []string{SettleRelease, SettleSetOff}[r.IntN(2)]
		deposit := int64(r.IntN(3)) * 10000

		var h history
		var advances []invoice.Advance
		var advGross int64
		addAdvance := func(gross int64) {
			net, vat := invoice.Split(gross, tf.VATRateBP)
			advances = append(advances, invoice.Advance{Rates: []invoice.RateTotal{{RateBP: tf.VATRateBP, Net: net, VAT: vat, Gross: gross}}})
			advGross += gross
			h.docs = append(h.docs, Doc{Kind: "advance", Gross: gross})
		}
		// booking: one day's rent and the deposit
		rent := h.pay("sale", "rent", tf.PricePerDayCents, 0, true)
		addAdvance(tf.PricePerDayCents)
		var depID int64
		if deposit > 0 {
			op := "sale"
			if mode == DepositPreAuth {
				op = "preauth"
			}
			depID = h.pay(op, "deposit", deposit, 0, true)
		}
		// a paid extension
		if r.IntN(3) == 0 {
			ext := int64(1+r.IntN(3)) * tf.PricePerDayCents
			h.pay("token_sale", "extension", ext, 0, true)
			addAdvance(ext)
		}
		out := Reading{At: time.Date(2026, 3, 1+r.IntN(20), r.IntN(24), r.IntN(60), 0, 0, berlin), KM: int64(r.IntN(90000)),
			FuelEighths: r.IntN(9), Cleanliness: []string{"clean", "normal", "dirty"}[r.IntN(3)]}
		in := Reading{At: out.At.Add(time.Duration(r.IntN(10*24*60)) * time.Minute), KM: out.KM + int64(r.IntN(3000)),
			FuelEighths: r.IntN(9), Cleanliness: []string{"clean", "normal", "dirty", "very_dirty"}[r.IntN(4)]}
		var damages []Charge
		for range r.IntN(3) {
			damages = append(damages, Charge{"damage", int64(r.IntN(100000))})
		}
		b, err := Compute(Input{Terms: termsOf(tf, 40+r.IntN(40), r.IntN(2) == 0), Loc: berlin, Out: out, In: in, Damages: damages, Advances: advances})
		if err != nil {
			t.Fatal(err)
		}
		// finals deduct the advances exactly, per rate, with their VAT
		if b.Totals.DeductedGross != advGross || b.Due != b.Totals.Gross-advGross {
			t.Fatalf("history %d: deducted %d of advances %d, due %d of gross %d", i, b.Totals.DeductedGross, advGross, b.Due, b.Totals.Gross)
		}
		if b.Totals.DeductedNet+b.Totals.DeductedVAT != b.Totals.DeductedGross {
			t.Fatalf("history %d: deducted net+vat != gross", i)
		}
		h.docs = append(h.docs, Doc{Kind: "final", Gross: b.Totals.Gross, Due: b.Due})
		if b.CompensationCents > 0 {
			// damage compensation not subject to VAT: a claim of its own
			h.docs = append(h.docs, Doc{Kind: "invoice", Gross: b.CompensationCents, Due: b.CompensationCents})
		}
		if b.Total != b.Due+b.CompensationCents {
			t.Fatalf("history %d: total %d ≠ due %d + compensation %d", i, b.Total, b.Due, b.CompensationCents)
		}
		s := Settle(b.Total, deposit, mode, settle)
		declineFinal := r.IntN(6) == 0
		if s.Charge > 0 {
			h.pay("token_sale", "final", s.Charge, 0, !declineFinal)
			if declineFinal {
				h.declined += s.Charge
			}
		}
		if s.CaptureDeposit > 0 {
			h.pay("capture", "deposit", s.CaptureDeposit, depID, true)
		}
		if s.ReleasePreAuth {
			h.pay("void_preauth", "deposit", 0, depID, true)
		}
		if s.SetOffDeposit > 0 {
			h.setOff += s.SetOffDeposit
		}
		if s.DepositRefund > 0 {
			h.pay("refund", "deposit", s.DepositRefund, depID, true)
		}
		if s.Refund > 0 {
			// the final invoice itself pays the excess advances back: no
			// credit note books that money a second time
			h.pay("refund", "rent", s.Refund, rent, true)
		}
		// a later damage charge with its invoice, perhaps refunded in part by a credit note
		if r.IntN(4) == 0 {
			c := int64(1 + r.IntN(50000))
			h.docs = append(h.docs, Doc{Kind: "invoice", Gross: c})
			id := h.pay("token_sale", "damage", c, 0, true)
			if r.IntN(2) == 0 {
				back := int64(1 + r.IntN(int(c)))
				h.docs = append(h.docs, Doc{Kind: "credit_note", Gross: back})
				h.pay("refund", "damage", back, id, true)
			}
		}
		l := LedgerOf(h.pays, h.docs, h.setOff)
		if l.Open() != h.declined {
			t.Fatalf("history %d (%s/%s, deposit %d, due %d): open %d, want %d; ledger %+v", i, mode, settle, deposit, b.Due, l.Open(), h.declined, l)
		}
		if l.DepositHeld != 0 {
			t.Fatalf("history %d (%s/%s): deposit still held %d after settlement; ledger %+v", i, mode, settle, l.DepositHeld, l)
		}
		// a successful retry of a declined charge balances the ledger
		if h.declined > 0 {
			h.pay("token_sale", "final", h.declined, 0, true)
			if l := LedgerOf(h.pays, h.docs, h.setOff); !l.Balanced() {
				t.Fatalf("history %d: retry left the ledger open: %+v", i, l)
			}
		}
	}
}

// TestLedgerFinalPaysBackOnce: a final invoice below its advances counts
// with its negative due, the money it pays back; a credit note issued for
// that same money by billing before this rule (legacy data) does not count
// it a second time, while a credit note beyond it does.
func TestLedgerFinalPaysBackOnce(t *testing.T) {
	pays := []Entry{
		{ID: 1, Op: "sale", Purpose: "rent", Approved: true, Cents: 4900},
		{ID: 2, ParentID: 1, Op: "refund", Purpose: "rent", Approved: true, Cents: 3910},
	}
	adv := Doc{ID: 10, Kind: "advance", Gross: 4900}
	final := Doc{ID: 11, Kind: "final", Gross: 990, Due: -3910}
	l := LedgerOf(pays, []Doc{adv, final}, 0)
	if l.Billed() != 990 || l.Paid() != 990 || !l.Balanced() {
		t.Fatalf("final paying back 39,10: %+v billed %d paid %d", l, l.Billed(), l.Paid())
	}
	legacy := Doc{ID: 12, Kind: "credit_note", Gross: 3910, CorrectsID: 11}
	if l := LedgerOf(pays, []Doc{adv, final, legacy}, 0); l.Billed() != 990 || !l.Balanced() {
		t.Fatalf("legacy credit note counted twice: %+v", l)
	}
	// a credit note on another invoice counts in full
	other := Doc{ID: 13, Kind: "credit_note", Gross: 500, CorrectsID: 10}
	if l := LedgerOf(pays, []Doc{adv, final, other}, 0); l.Billed() != 490 {
		t.Fatalf("credit note on the advance: billed %d, want 490", l.Billed())
	}
}

func TestLedgerOfVoidAndRefund(t *testing.T) {
	pays := []Entry{
		{ID: 1, Op: "sale", Purpose: "rent", Approved: true, Cents: 5900},
		{ID: 2, Op: "sale", Purpose: "rent", Approved: false, Cents: 5900}, // declined: no money
		{ID: 3, Op: "token_sale", Purpose: "damage", Approved: true, Cents: 1000},
		{ID: 4, ParentID: 3, Op: "void", Purpose: "damage", Approved: true},
		{ID: 5, Op: "preauth", Purpose: "deposit", Approved: true, Cents: 30000},
		{ID: 6, ParentID: 5, Op: "capture", Purpose: "deposit", Approved: true, Cents: 2000},
		{ID: 7, ParentID: 5, Op: "void_preauth", Purpose: "deposit", Approved: true},
	}
	l := LedgerOf(pays, []Doc{{Kind: "advance", Gross: 5900}, {Kind: "final", Gross: 7900, Due: 2000}}, 0)
	if l.Charged != 7900 || l.Refunded != 0 || l.Invoiced != 7900 || l.DepositHeld != 0 || !l.Balanced() {
		t.Fatalf("ledger %+v", l)
	}
}
