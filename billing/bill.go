package billing

import (
	"fmt"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/pricing"
)

// Line kinds, stored with invoice lines and used by renderers and reports.
const (
	KindRent     = "rent"
	KindExtraKM  = "extra_km"
	KindRefuel   = "refuel"
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
}

// Input is everything the final bill depends on.
type Input struct {
	Tariff     pricing.Tariff
	VATRateBP  int            // used when the tariff has none (tenant default)
	Loc        *time.Location // calendar days are counted in it; nil = UTC
	Out, In    Reading        // handover and return
	TankLitres int            // for refuelling per litre; 0 = unknown
	Damages    []Charge       // damage charges entered by staff at the return
	Extras     []Charge       // other agreed extras
	// Advances are the advance invoices issued for this rental (the first
	// day's rent at booking, paid extensions), deducted with their VAT.
	Advances []invoice.Advance
	// Labels translate line descriptions; nil gives the German defaults.
	Labels *Labels
}

// Labels are the line descriptions in the document language.
type Labels struct {
	Rent, ExtraKM, RefuelEighth, RefuelLitre, Cleaning string
	UnitDay, UnitKM, UnitEighth, UnitLitre, UnitPiece  string
}

// German and English are the built-in line labels.
var (
	German = Labels{Rent: "Miete %s", ExtraKM: "Mehrkilometer (%d km gefahren, %d km inklusive)",
		RefuelEighth: "Betankung (%d/8 fehlen)", RefuelLitre: "Betankung (%d/8 fehlen, %s l)", Cleaning: "Reinigung",
		UnitDay: "day", UnitKM: "km", UnitEighth: "eighth", UnitLitre: "litre", UnitPiece: "piece"}
	English = Labels{Rent: "Rent %s", ExtraKM: "Extra kilometres (%d km driven, %d km included)",
		RefuelEighth: "Refuelling (%d/8 missing)", RefuelLitre: "Refuelling (%d/8 missing, %s l)", Cleaning: "Cleaning",
		UnitDay: "day", UnitKM: "km", UnitEighth: "eighth", UnitLitre: "litre", UnitPiece: "piece"}
)

// Bill is the outcome of Compute.
type Bill struct {
	Days           int
	DrivenKM       int64
	IncludedKM     int64
	ExtraKM        int64
	MissingEighths int
	Lines          []invoice.Line
	LineKinds      []string // the kind of each line (KindRent …)
	Totals         invoice.Totals
	// Due is what the final invoice still charges after the advances:
	// positive → charge the stored card, negative → credit and refund.
	Due int64
}

// Validate checks an input: return not before handover, km not below the
// handover, fuel 0…8, non-negative charges. Errors: errs.KindInvalid naming
// the field.
func (in Input) Validate() error {
	var f errs.Fields
	if in.In.At.Before(in.Out.At) {
		f.Add("returned_at", "the return cannot be before the handover")
	}
	if in.In.KM < in.Out.KM {
		f.Add("km", "billing.km_below_handover", locale.Params{"km": locale.Km(in.Out.KM)})
	}
	for name, v := range map[string]int{"fuel_out": in.Out.FuelEighths, "fuel_eighths": in.In.FuelEighths} {
		if v < 0 || v > 8 {
			f.Add(name, "between 0 (empty) and 8 (full)")
		}
	}
	for i, c := range append(append([]Charge{}, in.Damages...), in.Extras...) {
		if c.Cents < 0 {
			f.Addf("charges", "charge %d must not be negative", i+1)
		}
		if c.Description == "" && c.Cents != 0 {
			f.Addf("charges", "charge %d needs a description", i+1)
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

// Compute returns the final bill. Rent is the tariff's day price times the
// days of the actual period (pricing.RentalDays: 24-hour days with grace, or
// calendar days); km beyond Days × included km cost the extra-km price;
// each missing eighth costs the per-eighth price, or, when the tariff has a
// per-litre price and the tank size is known, tank/8 litres per eighth;
// the cleaning fee applies per CleaningDue; damages and extras are lines of
// their own. All lines carry the tariff's VAT rate. Errors: see Validate.
func Compute(in Input) (Bill, error) {
	if err := in.Validate(); err != nil {
		return Bill{}, err
	}
	lb := in.Labels
	if lb == nil {
		lb = &German
	}
	rate := in.Tariff.VATRateBP
	if rate == 0 {
		rate = in.VATRateBP
	}
	t := in.Tariff
	var b Bill
	add := func(kind, desc string, qtyMilli int64, unit string, unitGross int64) {
		if qtyMilli == 0 || unitGross == 0 {
			return
		}
		b.Lines = append(b.Lines, invoice.Line{Description: desc, QuantityMilli: qtyMilli, Unit: unit, UnitGross: unitGross, VATRateBP: rate})
		b.LineKinds = append(b.LineKinds, kind)
	}
	b.Days = pricing.RentalDays(t, in.Out.At, in.In.At, in.Loc)
	add(KindRent, fmt.Sprintf(lb.Rent, t.Name), int64(b.Days)*1000, lb.UnitDay, t.PricePerDayCents)

	b.DrivenKM = in.In.KM - in.Out.KM
	b.IncludedKM = int64(b.Days) * int64(t.IncludedKMPerDay)
	if t.ExtraKMCents > 0 && b.DrivenKM > b.IncludedKM {
		b.ExtraKM = b.DrivenKM - b.IncludedKM
		add(KindExtraKM, fmt.Sprintf(lb.ExtraKM, b.DrivenKM, b.IncludedKM), b.ExtraKM*1000, lb.UnitKM, t.ExtraKMCents)
	}

	b.MissingEighths = max(in.Out.FuelEighths-in.In.FuelEighths, 0)
	if b.MissingEighths > 0 {
		if t.RefuelPerLitreCents > 0 && in.TankLitres > 0 {
			milli := int64(b.MissingEighths) * int64(in.TankLitres) * 125 // tank/8 litres per eighth, exact in milli
			add(KindRefuel, fmt.Sprintf(lb.RefuelLitre, b.MissingEighths, litres(milli)), milli, lb.UnitLitre, t.RefuelPerLitreCents)
		} else {
			add(KindRefuel, fmt.Sprintf(lb.RefuelEighth, b.MissingEighths), int64(b.MissingEighths)*1000, lb.UnitEighth, t.RefuelPerEighthCents)
		}
	}
	if CleaningDue(in.Out.Cleanliness, in.In.Cleanliness) {
		add(KindCleaning, lb.Cleaning, 1000, lb.UnitPiece, t.CleaningFeeCents)
	}
	for _, d := range in.Damages {
		add(KindDamage, d.Description, 1000, lb.UnitPiece, d.Cents)
	}
	for _, x := range in.Extras {
		add(KindExtra, x.Description, 1000, lb.UnitPiece, x.Cents)
	}
	inv := invoice.Invoice{Kind: invoice.KindFinal, Lines: b.Lines, Advances: in.Advances}
	b.Totals = invoice.Compute(inv)
	b.Due = b.Totals.Due
	return b, nil
}

// litres formats thousandths of a litre as "12,5" (German decimal comma).
func litres(milli int64) string {
	s := fmt.Sprintf("%d", milli/1000)
	if r := milli % 1000; r != 0 {
		frac := fmt.Sprintf("%03d", r)
		for frac[len(frac)-1] == '0' {
			frac = frac[:len(frac)-1]
		}
		s += "," + frac
	}
	return s
}
