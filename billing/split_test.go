package billing

import (
	"slices"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/payer"
)

// TestSplit: the two cases of issue 17 and the caps. Every case keeps the
// bill whole: payer share + driver share = the bill (plus nothing invented).
func TestSplit(t *testing.T) {
	// 4 days at 59,00, 1.000 km driven of 800 included (200 extra at 0,25),
	// 3 eighths missing at 10,00, cleaning 49,00, a taxed damage of 300,00
	b, err := Compute(Input{Terms: termsOf(testTariff(), 0, true), Loc: berlin,
		Out: Reading{at(1, 8, 0), 1000, 8, "clean", nil}, In: Reading{at(5, 8, 0), 2000, 5, "very_dirty", nil},
		Damages: []Charge{{"Kratzer Stoßfänger", 30000}}})
	if err != nil {
		t.Fatal(err)
	}
	whole := b.Totals.Gross + b.CompensationCents
	if whole != 4*5900+200*25+3*1000+4900+30000 {
		t.Fatalf("bill %d: the test's arithmetic is off", whole)
	}
	const cat = 7
	insurer := payer.Payer{ID: 1, Kind: payer.KindInsurer, Active: true, CapDays: 14,
		Covers: map[string]bool{payer.PartRent: true, payer.PartCleaning: true, payer.PartDamages: true},
		Rates:  []payer.Rate{{CategoryID: cat, PricePerDayCents: 6500}}}
	maker := payer.Payer{ID: 2, Kind: payer.KindManufacturer, Active: true, CapDays: 3, Covers: map[string]bool{payer.PartRent: true}}
	capped := payer.Payer{ID: 3, Kind: payer.KindFleet, Active: true, CapCents: 10000, Covers: map[string]bool{payer.PartRent: true, payer.PartKM: true}}
	cc := payer.Payer{ID: 4, Kind: payer.KindCostCentre, Active: true, Covers: map[string]bool{payer.PartRent: true}}
	cases := []struct {
		name          string
		cover         payer.Cover
		p             payer.Payer
		payer, driver int64
		driverKinds   []string
	}{
		{"driver only", payer.Cover{Mode: payer.ModeDriver}, payer.Payer{}, 0, whole, nil},
		// the insurer pays the rent at its agreed rate, cleaning and the
		// damage; the driver pays fuel and the extra km
		{"insurer, driver pays fuel and extra km", payer.Cover{Mode: payer.ModePayer, PayerID: 1}, insurer,
			4*6500 + 4900 + 30000, 200*25 + 3*1000, []string{KindExtraKM, KindRefuel}},
		// the programme covers 3 of the 4 days; the 4th and the rest to the driver
		{"manufacturer over its cap in days", payer.Cover{Mode: payer.ModePayer, PayerID: 2}, maker,
			3 * 5900, 5900 + 200*25 + 3*1000 + 4900 + 30000, []string{KindRent, KindExtraKM, KindRefuel, KindCleaning, KindDamage}},
		// rent and km come to 286,00; the payer pays 100,00
		{"fleet over its cap in money", payer.Cover{Mode: payer.ModePayer, PayerID: 3}, capped,
			10000, whole - 10000, []string{KindRefuel, KindCleaning, KindDamage, KindExtra}},
		// courtesy car: the cost centre pays all, the driver nothing
		{"internal courtesy car", payer.Cover{Mode: payer.ModeInternal, PayerID: 4}, cc, whole, 0, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ps, ds := Split(SplitInput{Bill: b, Cover: tc.cover, Payer: tc.p, CategoryID: cat})
			if ps.Gross != tc.payer || ds.Gross != tc.driver {
				t.Fatalf("payer %d, driver %d; want %d and %d", ps.Gross, ds.Gross, tc.payer, tc.driver)
			}
			var kinds []string
			for _, l := range append(ds.Lines, ds.Compensation...) {
				kinds = append(kinds, l.Kind)
			}
			if tc.driverKinds != nil && !slices.Equal(kinds, tc.driverKinds) {
				t.Fatalf("driver's lines %v, want %v", kinds, tc.driverKinds)
			}
			if tc.p.RateFor(cat); len(tc.p.Rates) == 0 && ps.Gross+ds.Gross != whole {
				t.Fatalf("split %d + %d ≠ bill %d", ps.Gross, ds.Gross, whole)
			}
			// a rent at the payer's agreed rate says so (the tariff's name alone
			// would suggest the tariff's price)
			for _, l := range ps.Lines {
				if rate, ok := tc.p.RateFor(cat); l.Kind == KindRent && ok && l.UnitGross == rate &&
					!strings.Contains(l.Description, "zum vereinbarten Tagessatz") {
					t.Errorf("rent at the agreed rate described as %q", l.Description)
				}
			}
		})
	}
}
