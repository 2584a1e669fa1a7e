package billing

import (
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/pricing"
)

// Line kinds, stored with invoice lines and used by renderers and reports.
const (
	KindRent     = "rent"
	KindExtraKM  = "extra_km"
	KindRefuel   = "refuel"
	KindCharge   = "charging" // charging an electric or plug-in car (Ladestrom)
	KindCleaning = "cleaning"
	KindDamage   = "damage"
	KindExtra    = "extra"
)

// Charge is an amount staff entered: a damage or another extra, gross cents.
type Charge struct {
	Description string
	Cents       int64
}

// Reading is the odometer, fuel level and cleanliness at handover or return.
type Reading struct {
	At          time.Time
	KM          int64
	FuelEighths int // 0 (empty) … 8 (full)
	Cleanliness string
	// ChargePercent is the state of charge of an electric or plug-in car
	// (0…100), nil when none was recorded.
	ChargePercent *int
}

// Input is everything the final bill depends on.
type Input struct {
	// Terms is the contract's terms snapshot: prices, included km, the
	// fuel rule, cleaning fee, VAT rate and how damages are taxed.
	Terms   pricing.Terms
	Loc     *time.Location // calendar days are counted in it; nil = UTC
	Out, In Reading        // handover and return
	Damages []Charge       // damage charges entered by staff at the return
	Extras  []Charge       // other agreed extras
	// Advances are the advance invoices issued for this rental (the first
	// day's rent at booking, paid extensions), deducted with their VAT.
	Advances []invoice.Advance
	// Lang is the language of the line descriptions (the invoice's); the
	// zero value gives German.
	Lang locale.Lang
}

// The units of the lines (codes, printed by the document renderers).
const (
	UnitDay     = "day"
	UnitKM      = "km"
	UnitEighth  = "eighth"
	UnitLitre   = "litre"
	UnitPercent = "percent" // percentage points of a battery's charge
	UnitKWh     = "kwh"
	UnitPiece   = "piece"
)

// Bill is the outcome of Compute.
type Bill struct {
	Days           int
	DrivenKM       int64
	IncludedKM     int64
	ExtraKM        int64
	MissingEighths int
	// MissingPercent is the charge the car came back without (percentage
	// points below the handover; 0 for a car that does not charge).
	MissingPercent int
	// Lines are the final invoice's lines: the rental and everything taxed
	// with it.
	Lines     []invoice.Line
	LineKinds []string // the kind of each line (KindRent …)
	Totals    invoice.Totals
	// Due is what the final invoice still charges after the advances:
	// positive → charge the stored card, negative → pay back.
	Due int64
	// Compensation are the damage charges that are genuine damage
	// compensation, not subject to VAT (Terms.DamageTaxable false): they
	// cannot share the final invoice (no consideration for the rental;
	// EN 16931 BR-O-11) and are claimed on a document of their own.
	Compensation []invoice.Line
	// CompensationCents is their sum.
	CompensationCents int64
	// Total is what billing settles: Due plus CompensationCents.
	Total int64
}

// Validate checks an input: return not before handover, km not below the
// handover, fuel 0…8, non-negative charges. Errors: errs.KindInvalid naming
// the field.
func (in Input) Validate() error {
	var f errs.Fields
	if in.In.At.Before(in.Out.At) {
		f.Add("returned_at", "billing.return_before_handover")
	}
	if in.In.KM < in.Out.KM {
		f.Add("km", "billing.km_below_handover", locale.Params{"km": locale.Km(in.Out.KM)})
	}
	for name, v := range map[string]int{"fuel_out": in.Out.FuelEighths, "fuel_eighths": in.In.FuelEighths} {
		if v < 0 || v > 8 {
			f.Add(name, "field.fuel_range")
		}
	}
	for name, v := range map[string]*int{"charge_out": in.Out.ChargePercent, "state_of_charge_percent": in.In.ChargePercent} {
		if v != nil && (*v < 0 || *v > 100) {
			f.Add(name, "protocol.charge_range")
		}
	}
	for i, c := range append(append([]Charge{}, in.Damages...), in.Extras...) {
		if c.Cents < 0 {
			f.Add("charges", "billing.charge_negative", locale.Params{"index": i + 1})
		}
		if c.Description == "" && c.Cents != 0 {
			f.Add("charges", "billing.charge_description", locale.Params{"index": i + 1})
		}
	}
	return f.Err()
}

// cleanRank orders cleanliness levels, cleanest first.
var cleanRank = map[string]int{"clean": 0, "normal": 1, "dirty": 2, "very_dirty": 3}

// CleaningDue reports whether the cleaning fee applies: the car came back
// dirty or very dirty and dirtier than it went out.
func CleaningDue(out, in string) bool {
	return cleanRank[in] >= 2 && cleanRank[in] > cleanRank[out]
}

// Compute returns the final bill from the terms snapshot. Rent is the day
// price times the days of the actual period (pricing.RentalDays: 24-hour
// days with grace, or calendar days); km beyond Days × included km cost the
// extra-km price; each missing eighth costs the per-eighth price, or, when
// the terms bill per litre (a per-litre price and the tank size),
// tank/8 litres per eighth (not for a pure electric car); the charge an
// electric or plug-in car came back without (percentage points below the
// handover) costs the terms' charging price per point, or per kWh of that
// share of the battery (ChargePerKWh), as a line of kind KindCharge taxed
// like the rent; the cleaning fee applies per CleaningDue;
// damages and extras are lines of their own. Lines carry the terms' VAT
// rate, except damages when the terms do not tax them: those are
// Compensation, not subject to VAT. Errors: see Validate.
func Compute(in Input) (Bill, error) {
	if err := in.Validate(); err != nil {
		return Bill{}, err
	}
	l := in.Lang.Or()
	t := in.Terms
	rate := t.VATRateBP
	var b Bill
	add := func(kind, desc string, qtyMilli int64, unit string, unitGross int64) {
		if qtyMilli == 0 || unitGross == 0 && kind != KindRent { // the rent is billed even when free
			return
		}
		l := invoice.Line{Description: desc, QuantityMilli: qtyMilli, Unit: unit, UnitGross: unitGross, VATRateBP: rate, Kind: kind}
		if kind == KindDamage && !t.DamageTaxable {
			l.VATRateBP, l.TaxCategory = 0, invoice.CategoryNotSubject
			b.Compensation = append(b.Compensation, l)
			b.CompensationCents += invoice.LineGross(l)
			return
		}
		b.Lines = append(b.Lines, l)
		b.LineKinds = append(b.LineKinds, kind)
	}
	b.Days = pricing.RentalDays(t.Tariff(), in.Out.At, in.In.At, in.Loc)
	add(KindRent, l.T("billing.line.rent", locale.Params{"tariff": t.TariffName}), int64(b.Days)*1000, UnitDay, t.PricePerDayCents)

	b.DrivenKM = in.In.KM - in.Out.KM
	b.IncludedKM = int64(b.Days) * int64(t.IncludedKMPerDay)
	if t.ExtraKMCents > 0 && b.DrivenKM > b.IncludedKM {
		b.ExtraKM = b.DrivenKM - b.IncludedKM
		add(KindExtraKM, l.T("billing.line.extra_km", locale.Params{"driven": locale.Km(b.DrivenKM), "included": locale.Km(b.IncludedKM)}),
			b.ExtraKM*1000, UnitKM, t.ExtraKMCents)
	}

	if fleet.RecordsFuel(t.DriveType) {
		b.MissingEighths = max(in.Out.FuelEighths-in.In.FuelEighths, 0)
	}
	if b.MissingEighths > 0 {
		if t.RefuelPerLitre() {
			milli := int64(b.MissingEighths) * int64(t.TankLitres) * 125 // tank/8 litres per eighth, exact in milli
			add(KindRefuel, l.T("billing.line.refuel_litre", locale.Params{"eighths": b.MissingEighths, "litres": l.Quantity(milli)}),
				milli, UnitLitre, t.RefuelPerLitreCents)
		} else {
			add(KindRefuel, l.T("billing.line.refuel_eighth", locale.Params{"eighths": b.MissingEighths}),
				int64(b.MissingEighths)*1000, UnitEighth, t.RefuelPerEighthCents)
		}
	}
	if fleet.RecordsCharge(t.DriveType) && in.Out.ChargePercent != nil && in.In.ChargePercent != nil {
		b.MissingPercent = max(*in.Out.ChargePercent-*in.In.ChargePercent, 0)
	}
	if n := int64(b.MissingPercent); n > 0 {
		p := locale.Params{"out": *in.Out.ChargePercent, "in": *in.In.ChargePercent, "n": n}
		switch t.ChargingRule {
		case pricing.ChargePerPercent:
			add(KindCharge, l.T("billing.line.charge_percent", p), n*1000, UnitPercent, t.ChargingPriceCents)
		case pricing.ChargePerKWh:
			milli := n * int64(t.BatteryKWh) * 10 // n % of the capacity in kWh, exact in milli
			p["kwh"] = l.Quantity(milli)
			add(KindCharge, l.T("billing.line.charge_kwh", p), milli, UnitKWh, t.ChargingPriceCents)
		}
	}
	if CleaningDue(in.Out.Cleanliness, in.In.Cleanliness) {
		add(KindCleaning, l.T("billing.line.cleaning"), 1000, UnitPiece, t.CleaningFeeCents)
	}
	for _, d := range in.Damages {
		add(KindDamage, d.Description, 1000, UnitPiece, d.Cents)
	}
	for _, x := range in.Extras {
		add(KindExtra, x.Description, 1000, UnitPiece, x.Cents)
	}
	inv := invoice.Invoice{Kind: invoice.KindFinal, Lines: b.Lines, Advances: in.Advances}
	b.Totals = invoice.Compute(inv)
	b.Due = b.Totals.Due
	b.Total = b.Due + b.CompensationCents
	return b, nil
}
