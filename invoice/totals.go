package invoice

import "sort"

// RateTotal is net, VAT and gross for one VAT rate; Net+VAT == Gross always.
type RateTotal struct {
	RateBP int
	Net    int64
	VAT    int64
	Gross  int64
}

// Totals is the arithmetic of one document.
type Totals struct {
	// Rates holds the totals of the lines per VAT rate, highest rate first.
	Rates []RateTotal
	// Net, VAT and Gross are the sums over Rates.
	Net, VAT, Gross int64
	// Deducted holds the advance invoices' amounts per rate (final invoices
	// only), highest rate first; DeductedNet/VAT/Gross are their sums.
	Deducted                                []RateTotal
	DeductedNet, DeductedVAT, DeductedGross int64
	// Remaining is Rates minus Deducted per rate: what the final invoice
	// still charges (negative when the advances exceed the final amount).
	Remaining []RateTotal
	// Due is Gross − DeductedGross: the amount to charge, or, when negative,
	// to credit.
	Due int64
}

// LineGross returns the gross amount of l in cents: quantity × unit price,
// rounded half away from zero to the cent.
func LineGross(l Line) int64 { return divRound(l.QuantityMilli, l.UnitGross, 1000) }

// Split returns net and VAT contained in a gross amount at a rate:
// net = round(gross×10000/(10000+rate)) half up (on the magnitude, so that
// Split(−g) = −Split(g)), VAT = gross − net.
func Split(gross int64, rateBP int) (net, vat int64) {
	net = divRound(gross, 10000, int64(10000+rateBP))
	return net, gross - net
}

// Compute returns the totals of inv. Lines are summed gross per rate first,
// then each rate's gross is split into net and VAT once, so the document's
// VAT is not a sum of per-line roundings. For a final invoice the advances
// are deducted per rate. Compute assumes inv passed Validate.
func Compute(inv Invoice) Totals {
	gross := map[int]int64{}
	for _, l := range inv.Lines {
		gross[l.VATRateBP] += LineGross(l)
	}
	var t Totals
	for _, rate := range sortedRates(gross) {
		net, vat := Split(gross[rate], rate)
		t.Rates = append(t.Rates, RateTotal{RateBP: rate, Net: net, VAT: vat, Gross: gross[rate]})
		t.Net += net
		t.VAT += vat
		t.Gross += gross[rate]
	}
	t.Due = t.Gross
	if inv.Kind != KindFinal {
		return t
	}

	ded := map[int]RateTotal{}
	for _, a := range inv.Advances {
		for _, r := range a.Rates {
			d := ded[r.RateBP]
			d.RateBP = r.RateBP
			d.Net += r.Net
			d.VAT += r.VAT
			d.Gross += r.Gross
			ded[r.RateBP] = d
		}
	}
	all := map[int]int64{}
	for rate := range gross {
		all[rate] = 0
	}
	for rate := range ded {
		all[rate] = 0
	}
	own := map[int]RateTotal{}
	for _, r := range t.Rates {
		own[r.RateBP] = r
	}
	for _, rate := range sortedRates(all) {
		if d, ok := ded[rate]; ok {
			t.Deducted = append(t.Deducted, d)
			t.DeductedNet += d.Net
			t.DeductedVAT += d.VAT
			t.DeductedGross += d.Gross
		}
		o, d := own[rate], ded[rate]
		t.Remaining = append(t.Remaining, RateTotal{
			RateBP: rate, Net: o.Net - d.Net, VAT: o.VAT - d.VAT, Gross: o.Gross - d.Gross,
		})
	}
	t.Due = t.Gross - t.DeductedGross
	return t
}

func sortedRates[V any](m map[int]V) []int {
	rates := make([]int, 0, len(m))
	for r := range m {
		rates = append(rates, r)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(rates)))
	return rates
}
