package document

import (
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/invoice"
)

// TestPaymentNoteEveryWay: every payment way, paid or paid back, with and
// without card digits or a reference, in both languages, gives a catalog
// text with its parameters filled in, naming the card, the reference and
// the term it was given.
func TestPaymentNoteEveryWay(t *testing.T) {
	line := []invoice.Line{{Description: "Miete", QuantityMilli: 1000, Unit: "day", UnitGross: 4900, VATRateBP: 1900}}
	kinds := map[string]invoice.Invoice{
		"advance": {Kind: invoice.KindAdvance, Lines: line},
		"credit":  {Kind: invoice.KindCreditNote, Lines: line},
		"back": {Kind: invoice.KindFinal, Lines: line, Advances: []invoice.Advance{{Rates: []invoice.RateTotal{{RateBP: 1900, Net: 8235,
			VAT: 1565, Gross: 9800}}}}},
		"settled": {Kind: invoice.KindFinal, Lines: line, Advances: []invoice.Advance{{Rates: []invoice.RateTotal{{RateBP: 1900, Net: 4118,
			VAT: 782, Gross: 4900}}}}},
	}
	pays := []invoice.Payment{{Means: invoice.MeansCard, CardLast4: "4242"}, {Means: invoice.MeansCard}, {Means: invoice.MeansCash},
		{Means: invoice.MeansTerminal, Reference: "T-77"}, {Means: invoice.MeansTerminal}, {Means: invoice.MeansTransfer, Reference: "SEPA-9"},
		{Means: invoice.MeansTransfer}, {Means: invoice.MeansOffset}, {Means: invoice.MeansOpen, TermsDays: 14}, {Means: invoice.MeansOpen},
		{Means: invoice.MeansCard, CardLast4: "4242", Cents: 1234}}
	seen := map[string]bool{}
	for name, inv := range kinds {
		for _, p := range pays {
			for _, l := range []Lang{German, English} {
				inv.Payment = p
				got := PaymentNote(l, inv, invoice.Compute(inv))
				if got == "" || strings.ContainsAny(got, "{}") || strings.Contains(got, "docpay.") {
					t.Errorf("%s %+v %s: %q", name, p, l, got)
				}
				for _, want := range []string{p.CardLast4, p.Reference} {
					if name == "settled" && want == p.Reference { // nothing moved: only the advances' card is named
						continue
					}
					if !strings.Contains(got, want) {
						t.Errorf("%s %+v %s: %q lacks %q", name, p, l, got, want)
					}
				}
				if p.TermsDays > 0 && name == "advance" && !strings.Contains(got, "14") {
					t.Errorf("%s %+v %s: %q lacks the term", name, p, l, got)
				}
				if p.Cents > 0 && !strings.Contains(got, "12") {
					t.Errorf("%s %+v %s: %q lacks the part on the card", name, p, l, got)
				}
				seen[got] = true
			}
		}
	}
	if len(seen) < 30 {
		t.Errorf("only %d different notes", len(seen))
	}
}
