package document

import "time"

// Licence is a driving licence as checked at the counter (§21 StVG).
type Licence struct {
	Number         string
	Classes        string // e.g. "B, BE"
	IssuedOn       time.Time
	IssuingCountry string // ISO 3166-1 alpha-2
	CheckedBy      string
	CheckedAt      time.Time
}

// Driver is a person allowed to drive under the contract.
type Driver struct {
	Person
	Licence Licence
}

// Tariff is the price terms of a contract, as its terms snapshot holds
// them; all prices gross in cents.
type Tariff struct {
	Name             string
	PerDay           int64
	IncludedKmPerDay int64
	PerExtraKm       int64
	RefuelPerEighth  int64
	// RefuelPerLitre with TankLitres: refuelling is billed per litre
	// (tank/8 litres per missing eighth); else per eighth.
	RefuelPerLitre int64
	TankLitres     int
	CleaningFee    int64
	// NoFuel: a pure electric car, no refuelling. ChargePerPercent or
	// ChargePerKWh (with BatteryKWh) is the price of charge missing at the
	// return of an electric or plug-in car; 0 when not billed.
	NoFuel            bool
	ChargePerPercent  int64
	ChargePerKWh      int64
	BatteryKWh        int
	VATRateBP         int
	DeductiblePerCase int64 // Selbstbeteiligung; 0 when none
	// DayCounting is "24h" (started 24-hour periods, GraceMinutes of
	// grace) or "calendar" (calendar days touched).
	DayCounting  string
	GraceMinutes int
	// DamageTaxable: damage charges carry VAT; otherwise they are genuine
	// damage compensation, not subject to VAT, settled apart.
	DamageTaxable bool
}

// ContractDoc is a rental contract.
type ContractDoc struct {
	Lang     Lang
	Location *time.Location // nil means UTC
	Branding Branding
	Number   string
	// WorkshopRef is the workshop order the rental replaces the car of ("" none).
	WorkshopRef string
	IssuedAt    time.Time // when this version of the contract was produced
	Customer    Person
	Drivers     []Driver
	Vehicle     Vehicle
	Station     Station
	From, To    time.Time // agreed rental period
	Tariff      Tariff
	Deposit     int64    // cents
	Terms       []string // paragraphs of the terms and conditions, in Lang
	Signature   []byte   // customer's signature PNG, optional
	Signer      string
}
