package pricing

import "time"

// Sources of a terms snapshot.
const (
	TermsAtHandover    = "handover"      // taken when the car was handed over
	TermsTariffChanged = "tariff_change" // replaced by a recorded change of the tariff
	TermsMigration     = "migration"     // taken for a contract that existed before snapshots
)

// Terms is the snapshot of the prices and rules a rental is billed by
// (Vertragskonditionen): taken at handover from the tariff and the booking,
// replaced only by a recorded change, and the one source every document of
// the contract prints its terms from (contract PDF, change notices, billing
// preview, final invoice). Prices are gross cents.
type Terms struct {
	TariffID             int64  `json:"tariff_id"`
	TariffCode           string `json:"tariff_code"`
	TariffName           string `json:"tariff_name"`
	PricePerDayCents     int64  `json:"price_per_day_cents"`
	IncludedKMPerDay     int    `json:"included_km_per_day"`
	ExtraKMCents         int64  `json:"extra_km_cents"`
	RefuelPerEighthCents int64  `json:"refuel_per_eighth_cents"`
	RefuelPerLitreCents  int64  `json:"refuel_per_litre_cents"`
	// TankLitres is the vehicle's tank at handover: refuelling is billed
	// per litre only with a per-litre price and a known tank.
	TankLitres       int   `json:"tank_litres"`
	CleaningFeeCents int64 `json:"cleaning_fee_cents"`
	// DriveType is the car's drive type at handover (fleet drive types;
	// "" in snapshots taken before electric cars: fuelled); BatteryKWh
	// its battery. ChargingRule and ChargingPriceCents are the tariff's
	// price of missing charge (see Tariff).
	DriveType          string `json:"drive_type,omitempty"`
	BatteryKWh         int    `json:"battery_kwh,omitempty"`
	ChargingRule       string `json:"charging_rule,omitempty"`
	ChargingPriceCents int64  `json:"charging_price_cents,omitempty"`
	DepositCents       int64  `json:"deposit_cents"` // the deposit held for the rental
	DayCounting        string `json:"day_counting"`
	GraceMinutes       int    `json:"grace_minutes"`
	// VATRateBP is the rate the rental is taxed at: the tariff's, else the
	// tenant's.
	VATRateBP int `json:"vat_rate_bp"`
	// DamageTaxable says damage charges carry VAT (tenant setting when the
	// snapshot was taken); otherwise they are genuine damage compensation,
	// not subject to VAT.
	DamageTaxable bool `json:"damage_taxable"`
	// TestDriveFeeCents is, for a test drive, the tenant's fee per test
	// drive at handover (gross; 0: free): the agreement signed then names
	// it and the return invoices it.
	TestDriveFeeCents int64     `json:"test_drive_fee_cents,omitempty"`
	Source            string    `json:"source"`            // TermsAtHandover, …
	TakenAt           time.Time `json:"taken_at,omitzero"` // zero for TermsMigration
}

// TermsOf takes a snapshot of tariff t for a rental: dayPrice is the day
// price the booking was quoted (0: the tariff's), deposit what is held,
// tankLitres the vehicle's tank, tenantVATBP the tenant's rate where the
// tariff has none.
func TermsOf(t Tariff, dayPrice, deposit int64, tankLitres, tenantVATBP int, damageTaxable bool, source string, at time.Time) Terms {
	if dayPrice <= 0 {
		dayPrice = t.PricePerDayCents
	}
	rate := t.VATRateBP
	if rate == 0 {
		rate = tenantVATBP
	}
	return Terms{TariffID: t.ID, TariffCode: t.Code, TariffName: t.Name, PricePerDayCents: dayPrice,
		IncludedKMPerDay: t.IncludedKMPerDay, ExtraKMCents: t.ExtraKMCents, RefuelPerEighthCents: t.RefuelPerEighthCents,
		RefuelPerLitreCents: t.RefuelPerLitreCents, TankLitres: tankLitres, CleaningFeeCents: t.CleaningFeeCents,
		DepositCents: deposit, DayCounting: t.DayCounting, GraceMinutes: t.GraceMinutes, VATRateBP: rate,
		ChargingRule: t.ChargingRule, ChargingPriceCents: t.ChargingPriceCents,
		DamageTaxable: damageTaxable, Source: source, TakenAt: at.UTC()}
}

// WithCar returns the terms for the car handed over: its drive type and
// battery capacity decide whether fuel, charge or both are billed.
func (t Terms) WithCar(driveType string, batteryKWh int) Terms {
	t.DriveType, t.BatteryKWh = driveType, batteryKWh
	return t
}

// Tariff returns the terms as a tariff for the day and price rules
// (RentalDays, QuoteFor).
func (t Terms) Tariff() Tariff {
	return Tariff{ID: t.TariffID, Code: t.TariffCode, Name: t.TariffName, PricePerDayCents: t.PricePerDayCents,
		IncludedKMPerDay: t.IncludedKMPerDay, ExtraKMCents: t.ExtraKMCents, RefuelPerEighthCents: t.RefuelPerEighthCents,
		RefuelPerLitreCents: t.RefuelPerLitreCents, CleaningFeeCents: t.CleaningFeeCents, DepositCents: t.DepositCents,
		DayCounting: t.DayCounting, GraceMinutes: t.GraceMinutes, VATRateBP: t.VATRateBP,
		ChargingRule: t.ChargingRule, ChargingPriceCents: t.ChargingPriceCents}
}

// RefuelPerLitre reports whether refuelling is billed per litre (a
// per-litre price and a known tank), else per eighth of the tank.
func (t Terms) RefuelPerLitre() bool { return t.RefuelPerLitreCents > 0 && t.TankLitres > 0 }

// IsZero reports a missing snapshot.
func (t Terms) IsZero() bool { return t.TariffID == 0 && t.Source == "" }
