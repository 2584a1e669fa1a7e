package invoice

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestSplit(t *testing.T) {
	tests := []struct {
		name     string
		gross    int64
		rate     int
		net, vat int64
	}{
		{"round 19%", 11900, 1900, 10000, 1900},
		{"one euro 19%", 100, 1900, 84, 16},
		{"day rent 19%", 4999, 1900, 4201, 798},
		{"7%", 1000, 700, 935, 65},
		{"0%", 1234, 0, 1234, 0},
		{"zero", 0, 1900, 0, 0},
		{"exact half rounds up", 4, 6000, 3, 1},       // 2.5 → 3
		{"exact half rounds up 100%", 1, 10000, 1, 0}, // 0.5 → 1
		{"negative is symmetric", -4, 6000, -3, -1},
		{"negative 19%", -4999, 1900, -4201, -798},
		{"large", 99_999_999_999_99, 1900, 8_403_361_344_537, 1_596_638_655_462},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net, vat := Split(tt.gross, tt.rate)
			if net != tt.net || vat != tt.vat {
				t.Errorf("Split(%d, %d) = %d, %d; want %d, %d", tt.gross, tt.rate, net, vat, tt.net, tt.vat)
			}
		})
	}
}

func TestLineGross(t *testing.T) {
	tests := []struct {
		qty, unit, want int64
	}{
		{1000, 4999, 4999},
		{3000, 4999, 14997},
		{1500, 4999, 7499}, // 7498.5 rounds up
		{333, 100, 33},     // 33.3
		{120_000, 29, 3480},
		{1500, -4999, -7499}, // discounts round away from zero too
		{1, 1, 0},
		{500, 1, 1},
	}
	for _, tt := range tests {
		if got := LineGross(Line{QuantityMilli: tt.qty, UnitGross: tt.unit}); got != tt.want {
			t.Errorf("LineGross(%d × %d) = %d; want %d", tt.qty, tt.unit, got, tt.want)
		}
	}
}

var day = time.Date(2026, 3, 14, 0, 0, 0, 0, time.UTC)

func line(desc string, qty, unit int64, rate int) Line {
	return Line{Description: desc, QuantityMilli: qty, Unit: "day", UnitGross: unit, VATRateBP: rate}
}

func TestCompute(t *testing.T) {
	advance := Invoice{Kind: KindAdvance, Number: "RE-2026-000001", IssueDate: day,
		Lines: []Line{line("Miete 1 Tag", 1000, 4999, 1900)}}
	bigAdvance := Invoice{Kind: KindAdvance, Number: "RE-2026-000002", IssueDate: day,
		Lines: []Line{line("Miete 2 Tage", 2000, 4999, 1900)}}

	tests := []struct {
		name string
		inv  Invoice
		want Totals
	}{
		{
			name: "advance invoice",
			inv:  advance,
			want: Totals{Rates: []RateTotal{{1900, 4201, 798, 4999}}, Net: 4201, VAT: 798, Gross: 4999, Due: 4999},
		},
		{
			name: "three lines of one euro",
			inv: Invoice{Kind: KindStandalone, Lines: []Line{
				line("a", 1000, 100, 1900), line("b", 1000, 100, 1900), line("c", 1000, 100, 1900),
			}},
			// 3000000/11900 = 252.1 → 252, VAT 48
			want: Totals{Rates: []RateTotal{{1900, 252, 48, 300}}, Net: 252, VAT: 48, Gross: 300, Due: 300},
		},
		{
			name: "per-rate rounding differs from per-line",
			inv: Invoice{Kind: KindStandalone, Lines: []Line{
				line("a", 1000, 1, 1900), line("b", 1000, 1, 1900), line("c", 1000, 1, 1900),
				line("d", 1000, 1, 1900), line("e", 1000, 1, 1900), line("f", 1000, 1, 1900),
			}},
			// per line each 1 cent is net 1, VAT 0 (VAT 0 in sum); per rate 6 → 5.04 → net 5, VAT 1.
			want: Totals{Rates: []RateTotal{{1900, 5, 1, 6}}, Net: 5, VAT: 1, Gross: 6, Due: 6},
		},
		{
			name: "mixed rates, highest first",
			inv: Invoice{Kind: KindStandalone, Lines: []Line{
				line("Buch", 1000, 1000, 700), line("Miete", 1000, 11900, 1900), line("Kaution", 1000, 50000, 0),
			}},
			want: Totals{
				Rates: []RateTotal{{1900, 10000, 1900, 11900}, {700, 935, 65, 1000}, {0, 50000, 0, 50000}},
				Net:   60935, VAT: 1965, Gross: 62900, Due: 62900,
			},
		},
		{
			name: "final invoice deducts advance",
			inv: Invoice{Kind: KindFinal, Advances: []Advance{AsAdvance(advance)}, Lines: []Line{
				line("Miete", 3000, 4999, 1900), line("Mehr-km", 120_000, 29, 1900), line("Reinigung", 1000, 2500, 1900),
			}},
			// gross 14997+3480+2500 = 20977; net 209770000/11900 = 17627.73 → 17628
			want: Totals{
				Rates: []RateTotal{{1900, 17628, 3349, 20977}}, Net: 17628, VAT: 3349, Gross: 20977,
				Deducted:    []RateTotal{{1900, 4201, 798, 4999}},
				DeductedNet: 4201, DeductedVAT: 798, DeductedGross: 4999,
				Remaining: []RateTotal{{1900, 13427, 2551, 15978}},
				Due:       15978,
			},
		},
		{
			name: "final invoice below advance gives a credit",
			inv:  Invoice{Kind: KindFinal, Advances: []Advance{AsAdvance(bigAdvance)}, Lines: []Line{line("Miete", 1000, 4999, 1900)}},
			// advance 9998: net 99980000/11900 = 8401.68 → 8402, VAT 1596
			want: Totals{
				Rates: []RateTotal{{1900, 4201, 798, 4999}}, Net: 4201, VAT: 798, Gross: 4999,
				Deducted:    []RateTotal{{1900, 8402, 1596, 9998}},
				DeductedNet: 8402, DeductedVAT: 1596, DeductedGross: 9998,
				Remaining: []RateTotal{{1900, -4201, -798, -4999}},
				Due:       -4999,
			},
		},
		{
			name: "final invoice with advance at a rate it no longer has",
			inv: Invoice{Kind: KindFinal, Advances: []Advance{{Number: "X", IssueDate: day, Rates: []RateTotal{{700, 935, 65, 1000}}}},
				Lines: []Line{line("Miete", 1000, 11900, 1900)}},
			want: Totals{
				Rates: []RateTotal{{1900, 10000, 1900, 11900}}, Net: 10000, VAT: 1900, Gross: 11900,
				Deducted:    []RateTotal{{700, 935, 65, 1000}},
				DeductedNet: 935, DeductedVAT: 65, DeductedGross: 1000,
				Remaining: []RateTotal{{1900, 10000, 1900, 11900}, {700, -935, -65, -1000}},
				Due:       10900,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Compute(tt.inv)
			if !equalTotals(got, tt.want) {
				t.Errorf("Compute =\n %+v\nwant\n %+v", got, tt.want)
			}
		})
	}
}

func equalTotals(a, b Totals) bool {
	eq := func(x, y []RateTotal) bool {
		if len(x) != len(y) {
			return false
		}
		for i := range x {
			if x[i] != y[i] {
				return false
			}
		}
		return true
	}
	return eq(a.Rates, b.Rates) && eq(a.Deducted, b.Deducted) && eq(a.Remaining, b.Remaining) &&
		a.Net == b.Net && a.VAT == b.VAT && a.Gross == b.Gross &&
		a.DeductedNet == b.DeductedNet && a.DeductedVAT == b.DeductedVAT && a.DeductedGross == b.DeductedGross &&
		a.Due == b.Due
}

// TestComputeProperties checks, over many random line sets, that net+VAT =
// gross per rate, that each net is the correctly rounded quotient, that the
// totals are the sums of the rates, and that on final invoices deductions
// and remainders balance to the amount due.
func TestComputeProperties(t *testing.T) {
	rng := rand.New(rand.NewPCG(20260314, 1))
	rates := []int{0, 700, 1900, 1600, 500}
	for i := 0; i < 5000; i++ {
		inv := Invoice{Kind: KindStandalone}
		n := 1 + rng.IntN(12)
		for j := 0; j < n; j++ {
			inv.Lines = append(inv.Lines, Line{
				QuantityMilli: 1 + rng.Int64N(100_000),
				UnitGross:     rng.Int64N(2_000_000) - 200_000, // some discounts
				VATRateBP:     rates[rng.IntN(len(rates))],
			})
		}
		if rng.IntN(2) == 0 {
			inv.Kind = KindFinal
			for k := rng.IntN(3); k > 0; k-- {
				adv := Invoice{Kind: KindAdvance, Lines: []Line{{QuantityMilli: 1000, UnitGross: rng.Int64N(500_000), VATRateBP: rates[rng.IntN(len(rates))]}}}
				inv.Advances = append(inv.Advances, AsAdvance(adv))
			}
		}
		tot := Compute(inv)

		var sumGross int64
		for _, l := range inv.Lines {
			sumGross += LineGross(l)
		}
		if tot.Gross != sumGross {
			t.Fatalf("case %d: gross %d, lines sum to %d", i, tot.Gross, sumGross)
		}
		var net, vat, gross int64
		for _, r := range tot.Rates {
			if r.Net+r.VAT != r.Gross {
				t.Fatalf("case %d rate %d: %d + %d != %d", i, r.RateBP, r.Net, r.VAT, r.Gross)
			}
			// |net×(10000+rate) − gross×10000| ≤ (10000+rate)/2: net is the rounded quotient.
			d := 10000 + int64(r.RateBP)
			if diff := r.Net*d - r.Gross*10000; diff*2 > d || diff*2 < -d {
				t.Fatalf("case %d rate %d: net %d is not round(%d×10000/%d)", i, r.RateBP, r.Net, r.Gross, d)
			}
			net, vat, gross = net+r.Net, vat+r.VAT, gross+r.Gross
		}
		if net != tot.Net || vat != tot.VAT || gross != tot.Gross {
			t.Fatalf("case %d: totals %d/%d/%d, rates sum to %d/%d/%d", i, tot.Net, tot.VAT, tot.Gross, net, vat, gross)
		}
		if inv.Kind != KindFinal {
			if tot.Due != tot.Gross {
				t.Fatalf("case %d: due %d != gross %d", i, tot.Due, tot.Gross)
			}
			continue
		}
		var dn, dv, dg, rn, rv, rg int64
		for _, a := range inv.Advances {
			for _, r := range a.Rates {
				dn, dv, dg = dn+r.Net, dv+r.VAT, dg+r.Gross
			}
		}
		for _, r := range tot.Remaining {
			if r.Net+r.VAT != r.Gross {
				t.Fatalf("case %d: remaining rate %d does not balance: %+v", i, r.RateBP, r)
			}
			rn, rv, rg = rn+r.Net, rv+r.VAT, rg+r.Gross
		}
		if dn != tot.DeductedNet || dv != tot.DeductedVAT || dg != tot.DeductedGross {
			t.Fatalf("case %d: deducted %d/%d/%d, advances sum to %d/%d/%d", i, tot.DeductedNet, tot.DeductedVAT, tot.DeductedGross, dn, dv, dg)
		}
		if rg != tot.Due || tot.Due != tot.Gross-tot.DeductedGross || rn != tot.Net-dn || rv != tot.VAT-dv {
			t.Fatalf("case %d: remaining %d/%d/%d does not balance with due %d", i, rn, rv, rg, tot.Due)
		}
	}
}
