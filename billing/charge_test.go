package billing

import (
	"slices"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/pricing"
)

func pct(n int) *int { return &n }

// TestComputeCharging bills the charge an electric or plug-in car came back
// without by the tariff's charging rule, and no refuelling for a pure
// electric car.
func TestComputeCharging(t *testing.T) {
	perPct := testTariff()
	perPct.ChargingRule, perPct.ChargingPriceCents = pricing.ChargePerPercent, 50 // 0,50 € per point
	perKWh := testTariff()
	perKWh.ChargingRule, perKWh.ChargingPriceCents = pricing.ChargePerKWh, 59 // 0,59 € per kWh
	none := testTariff()
	type want struct {
		kinds          []string
		chargeQtyMilli int64
		chargeUnit     string
		chargeGross    int64
		missingPct     int
	}
	cases := []struct {
		name          string
		tariff        pricing.Tariff
		drive         string
		battery       int
		fuelOut, fuel int
		out, in       *int
		want          want
	}{
		{"per percent: 80 → 50 %", perPct, fleet.DriveElectric, 58, 8, 8, pct(80), pct(50),
			want{[]string{KindRent, KindCharge}, 30_000, UnitPercent, 1500, 30}},
		{"per kWh: 30 % of 58 kWh = 17.4 kWh", perKWh, fleet.DriveElectric, 58, 8, 8, pct(80), pct(50),
			want{[]string{KindRent, KindCharge}, 17_400, UnitKWh, 1027, 30}}, // 17.4 × 0,59 = 10,266 → 10,27
		{"charged more than at handover: nothing", perKWh, fleet.DriveElectric, 58, 8, 8, pct(60), pct(90),
			want{[]string{KindRent}, 0, "", 0, 0}},
		{"rule none: nothing", none, fleet.DriveElectric, 58, 8, 8, pct(80), pct(10),
			want{[]string{KindRent}, 0, "", 0, 70}},
		{"pure electric: fuel eighths are not billed", perPct, fleet.DriveElectric, 58, 8, 2, pct(80), pct(80),
			want{[]string{KindRent}, 0, "", 0, 0}},
		{"plug-in: fuel and charge both billed", perPct, fleet.DrivePluginHybrid, 13, 8, 6, pct(100), pct(40),
			want{[]string{KindRent, KindRefuel, KindCharge}, 60_000, UnitPercent, 3000, 60}},
		{"petrol car: a charge reading is ignored", perPct, fleet.DrivePetrol, 0, 8, 8, pct(80), pct(20),
			want{[]string{KindRent}, 0, "", 0, 0}},
		{"old snapshot without drive type: fuel as before", perPct, "", 0, 8, 7, nil, nil,
			want{[]string{KindRent, KindRefuel}, 0, "", 0, 0}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			terms := termsOf(c.tariff, 0, true).WithCar(c.drive, c.battery)
			in := Input{Terms: terms, Loc: berlin,
				Out: Reading{At: at(1, 8, 0), KM: 1000, FuelEighths: c.fuelOut, Cleanliness: "clean", ChargePercent: c.out},
				In:  Reading{At: at(2, 8, 0), KM: 1100, FuelEighths: c.fuel, Cleanliness: "clean", ChargePercent: c.in}}
			b, err := Compute(in)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(b.LineKinds, c.want.kinds) {
				t.Fatalf("kinds %v, want %v", b.LineKinds, c.want.kinds)
			}
			if b.MissingPercent != c.want.missingPct {
				t.Errorf("missing %d %%, want %d", b.MissingPercent, c.want.missingPct)
			}
			i := slices.Index(b.LineKinds, KindCharge)
			if i < 0 {
				return
			}
			ln := b.Lines[i]
			if ln.QuantityMilli != c.want.chargeQtyMilli || ln.Unit != c.want.chargeUnit || invoice.LineGross(ln) != c.want.chargeGross {
				t.Errorf("charge line %+v gross %d, want %d %s %d", ln, invoice.LineGross(ln), c.want.chargeQtyMilli, c.want.chargeUnit, c.want.chargeGross)
			}
			if ln.VATRateBP != 1900 || !strings.HasPrefix(ln.Description, "Ladestrom") {
				t.Errorf("charge line %q at %d bp, want Ladestrom… at the rent's 19 %%", ln.Description, ln.VATRateBP)
			}
			if partOf[KindCharge] != payer.PartFuel {
				t.Errorf("charging belongs to %q, want the fuel part", partOf[KindCharge])
			}
		})
	}
}

func TestComputeChargeRange(t *testing.T) {
	terms := termsOf(testTariff(), 0, true).WithCar(fleet.DriveElectric, 58)
	for _, v := range []int{-1, 101} {
		_, err := Compute(Input{Terms: terms, Out: Reading{At: at(1, 8, 0), ChargePercent: pct(50), Cleanliness: "clean"},
			In: Reading{At: at(2, 8, 0), ChargePercent: pct(v), Cleanliness: "clean"}})
		if err == nil || !strings.Contains(err.Error(), "state_of_charge_percent") {
			t.Errorf("charge %d: %v, want a field error on state_of_charge_percent", v, err)
		}
	}
}
