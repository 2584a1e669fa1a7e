package billing

import (
	"testing"
	"time"

	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/pricing"
)

var berlin, _ = time.LoadLocation("Europe/Berlin")

func at(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, berlin) }

func testTariff() pricing.Tariff {
	return pricing.Tariff{Name: "Kompakt", PricePerDayCents: 5900, IncludedKMPerDay: 200, ExtraKMCents: 25,
		RefuelPerEighthCents: 1000, CleaningFeeCents: 4900, DepositCents: 30000, DayCounting: "24h", GraceMinutes: 59, VATRateBP: 1900}
}

// termsOf is the snapshot of t for a car with a tank of tank litres, the
// tenant at 19 %, damages taxed as the test says.
func termsOf(t pricing.Tariff, tank int, damageTaxable bool) pricing.Terms {
	return pricing.TermsOf(t, 0, t.DepositCents, tank, 1900, damageTaxable, pricing.TermsAtHandover, time.Time{})
}

// advance returns an advance invoice of gross cents at 19 %.
func advance(number string, gross int64) invoice.Advance {
	net, vat := invoice.Split(gross, 1900)
	return invoice.Advance{Number: number, IssueDate: at(1, 7, 0), Rates: []invoice.RateTotal{{RateBP: 1900, Net: net, VAT: vat, Gross: gross}}}
}

func TestCompute(t *testing.T) {
	tf := testTariff()
	cal := tf
	cal.DayCounting, cal.GraceMinutes = "calendar", 0
	litre := tf
	litre.RefuelPerLitreCents = 219
	first := []invoice.Advance{advance("RE-1", 5900)}
	type want struct {
		days                 int
		gross, net, vat, due int64
		dedNet, dedVAT       int64
		lines                []string // kinds
	}
	cases := []struct {
		name    string
		tariff  pricing.Tariff
		out, in Reading
		tank    int
		damages []Charge
		adv     []invoice.Advance
		want    want
	}{
		{"on time three days", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(4, 8, 0), 1500, 8, "clean", nil}, 0, nil, first,
			want{3, 17700, 14874, 2826, 11800, 4958, 942, []string{KindRent}}},
		{"early return same day", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(1, 18, 0), 1100, 8, "clean", nil}, 0, nil, first,
			want{1, 5900, 4958, 942, 0, 4958, 942, []string{KindRent}}},
		{"late within grace", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(4, 8, 59), 1500, 8, "clean", nil}, 0, nil, first,
			want{3, 17700, 14874, 2826, 11800, 4958, 942, []string{KindRent}}},
		{"late past grace", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(4, 9, 0), 1500, 8, "clean", nil}, 0, nil, first,
			want{4, 23600, 19832, 3768, 17700, 4958, 942, []string{KindRent}}},
		{"extra km", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(4, 8, 0), 1800, 8, "clean", nil}, 0, nil, first,
			want{3, 22700, 19076, 3624, 16800, 4958, 942, []string{KindRent, KindExtraKM}}},
		{"fuel per eighth", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(2, 8, 0), 1100, 5, "clean", nil}, 0, nil, first,
			want{1, 8900, 7479, 1421, 3000, 4958, 942, []string{KindRent, KindRefuel}}},
		{"fuel per litre via tank size", litre, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(2, 8, 0), 1100, 5, "clean", nil}, 50, nil, first,
			want{1, 10006, 8408, 1598, 4106, 4958, 942, []string{KindRent, KindRefuel}}},
		{"fuel above handover is not credited", tf, Reading{at(1, 8, 0), 1000, 4, "clean", nil}, Reading{at(2, 8, 0), 1100, 8, "clean", nil}, 0, nil, first,
			want{1, 5900, 4958, 942, 0, 4958, 942, []string{KindRent}}},
		{"cleaning", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(2, 8, 0), 1100, 8, "dirty", nil}, 0, nil, first,
			want{1, 10800, 9076, 1724, 4900, 4958, 942, []string{KindRent, KindCleaning}}},
		{"no cleaning when it went out dirty", tf, Reading{at(1, 8, 0), 1000, 8, "dirty", nil}, Reading{at(2, 8, 0), 1100, 8, "dirty", nil}, 0, nil, first,
			want{1, 5900, 4958, 942, 0, 4958, 942, []string{KindRent}}},
		{"damage", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(2, 8, 0), 1100, 8, "clean", nil}, 0,
			[]Charge{{"Kratzer Tür hinten links", 25000}}, first,
			want{1, 30900, 25966, 4934, 25000, 4958, 942, []string{KindRent, KindDamage}}},
		{"extension paid in advance", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(6, 8, 0), 2000, 8, "clean", nil}, 0, nil,
			[]invoice.Advance{advance("RE-1", 5900), advance("RE-2", 11800)},
			want{5, 29500, 24790, 4710, 11800, 14874, 2826, []string{KindRent}}},
		{"calendar days", cal, Reading{at(1, 18, 0), 1000, 8, "clean", nil}, Reading{at(3, 9, 0), 1300, 8, "clean", nil}, 0, nil, first,
			want{3, 17700, 14874, 2826, 11800, 4958, 942, []string{KindRent}}},
		{"early return below the prepaid amount is a credit", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(2, 7, 0), 1100, 8, "clean", nil}, 0, nil,
			[]invoice.Advance{advance("RE-1", 17700)},
			want{1, 5900, 4958, 942, -11800, 14874, 2826, []string{KindRent}}},
		{"everything at once", tf, Reading{at(1, 8, 0), 1000, 8, "clean", nil}, Reading{at(3, 10, 0), 1950, 2, "very_dirty", nil}, 0,
			[]Charge{{"Delle", 12345}}, first,
			// 3 days 17700 + 350 km × 25 = 8750 + 6/8 × 1000 = 6000 + 4900 + 12345
			want{3, 49695, 41761, 7934, 43795, 4958, 942, []string{KindRent, KindExtraKM, KindRefuel, KindCleaning, KindDamage}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b, err := Compute(Input{Terms: termsOf(c.tariff, c.tank, true), Loc: berlin, Out: c.out, In: c.in, Damages: c.damages, Advances: c.adv})
			if err != nil {
				t.Fatal(err)
			}
			got := want{b.Days, b.Totals.Gross, b.Totals.Net, b.Totals.VAT, b.Due, b.Totals.DeductedNet, b.Totals.DeductedVAT, b.LineKinds}
			if got.days != c.want.days || got.gross != c.want.gross || got.net != c.want.net || got.vat != c.want.vat ||
				got.due != c.want.due || got.dedNet != c.want.dedNet || got.dedVAT != c.want.dedVAT || !equal(got.lines, c.want.lines) {
				t.Errorf("got  %+v\nwant %+v", got, c.want)
			}
			if b.Totals.Net+b.Totals.VAT != b.Totals.Gross {
				t.Errorf("net %d + vat %d != gross %d", b.Totals.Net, b.Totals.VAT, b.Totals.Gross)
			}
		})
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestComputeRejectsBadInput(t *testing.T) {
	tf := testTariff()
	cases := []struct {
		name  string
		in    Input
		field string
	}{
		{"km below handover", Input{Terms: termsOf(tf, 0, true), Out: Reading{at(1, 8, 0), 1000, 8, "clean", nil}, In: Reading{at(2, 8, 0), 999, 8, "clean", nil}}, "km"},
		{"return before handover", Input{Terms: termsOf(tf, 0, true), Out: Reading{at(2, 8, 0), 1000, 8, "clean", nil}, In: Reading{at(1, 8, 0), 1000, 8, "clean", nil}}, "returned_at"},
		{"fuel above full", Input{Terms: termsOf(tf, 0, true), Out: Reading{at(1, 8, 0), 1000, 8, "clean", nil}, In: Reading{at(2, 8, 0), 1000, 9, "clean", nil}}, "fuel_eighths"},
		{"negative damage", Input{Terms: termsOf(tf, 0, true), Out: Reading{at(1, 8, 0), 1000, 8, "clean", nil}, In: Reading{at(2, 8, 0), 1000, 8, "clean", nil}, Damages: []Charge{{"x", -1}}}, "charges"},
	}
	for _, c := range cases {
		_, err := Compute(c.in)
		if err == nil || !hasField(err, c.field) {
			t.Errorf("%s: err = %v, want a field error on %s", c.name, err, c.field)
		}
	}
}

func TestSettle(t *testing.T) {
	cases := []struct {
		name         string
		due, deposit int64
		mode, settle string
		want         Settlement
	}{
		{"owed, preauth released", 5000, 30000, DepositPreAuth, SettleRelease, Settlement{Charge: 5000, ReleasePreAuth: true}},
		{"owed, preauth set off partly", 5000, 30000, DepositPreAuth, SettleSetOff, Settlement{CaptureDeposit: 5000, ReleasePreAuth: true}},
		{"owed more than preauth", 40000, 30000, DepositPreAuth, SettleSetOff, Settlement{Charge: 10000, CaptureDeposit: 30000}},
		{"credit, preauth", -3000, 30000, DepositPreAuth, SettleSetOff, Settlement{Refund: 3000, ReleasePreAuth: true}},
		{"owed, charged deposit released", 5000, 30000, DepositCharge, SettleRelease, Settlement{Charge: 5000, DepositRefund: 30000}},
		{"owed, charged deposit set off", 5000, 30000, DepositCharge, SettleSetOff, Settlement{SetOffDeposit: 5000, DepositRefund: 25000}},
		{"nothing owed, no deposit", 0, 0, DepositPreAuth, SettleRelease, Settlement{}},
	}
	for _, c := range cases {
		if got := Settle(c.due, c.deposit, c.mode, c.settle); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

// TestComputeDamageCompensation: with the tenant's default (damages are
// genuine compensation, not subject to VAT) a damage charge leaves the final
// invoice and becomes compensation at 0 % in category O; taxed damages stay
// on the final invoice at the rental's rate. The total settled is the same.
func TestComputeDamageCompensation(t *testing.T) {
	tf := testTariff()
	in := Input{Loc: berlin, Out: Reading{at(1, 8, 0), 1000, 8, "clean", nil}, In: Reading{at(2, 8, 0), 1100, 8, "clean", nil},
		Damages: []Charge{{"Kratzer Tür hinten links", 25000}}, Advances: []invoice.Advance{advance("RE-1", 5900)}}
	in.Terms = termsOf(tf, 0, false)
	b, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Lines) != 1 || b.Lines[0].Kind != KindRent || b.Due != 0 {
		t.Fatalf("final invoice lines %+v due %d, want the rent only and nothing due", b.Lines, b.Due)
	}
	if len(b.Compensation) != 1 || b.CompensationCents != 25000 || b.Compensation[0].TaxCategory != invoice.CategoryNotSubject ||
		b.Compensation[0].VATRateBP != 0 || b.Total != 25000 {
		t.Fatalf("compensation %+v (%d), total %d", b.Compensation, b.CompensationCents, b.Total)
	}
	in.Terms = termsOf(tf, 0, true)
	taxed, err := Compute(in)
	if err != nil {
		t.Fatal(err)
	}
	if len(taxed.Lines) != 2 || taxed.Lines[1].VATRateBP != 1900 || len(taxed.Compensation) != 0 || taxed.Total != b.Total {
		t.Fatalf("taxed damage: lines %+v compensation %+v total %d", taxed.Lines, taxed.Compensation, taxed.Total)
	}
}
