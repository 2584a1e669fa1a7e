// Package pricing owns tariffs and the pure price calculations over them.
package pricing

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Tariff prices a rental. Prices are gross (incl. VAT), in cents.
type Tariff struct {
	ID                   int64
	TenantID             int64
	Code                 string
	Name                 string
	Kind                 string // "standard" or "workshop" (workshop replacement)
	PricePerDayCents     int64
	IncludedKMPerDay     int
	ExtraKMCents         int64
	RefuelPerEighthCents int64
	RefuelPerLitreCents  int64
	CleaningFeeCents     int64
	// ChargingRule is what an electric or plug-in car's missing charge at
	// the return costs (ChargeNone, ChargePerPercent, ChargePerKWh) at
	// ChargingPriceCents per percentage point or per kWh.
	ChargingRule       string
	ChargingPriceCents int64
	DepositCents       int64
	DayCounting        string // "24h" or "calendar"
	GraceMinutes       int
	VATRateBP          int
	ValidFrom          string // YYYY-MM-DD
	ValidTo            string // YYYY-MM-DD, "" = open-ended
	CategoryIDs        []int64
	Active             bool
}

// Charging rules of a tariff.
const (
	ChargeNone       = "none"
	ChargePerPercent = "per_percent" // price per percentage point missing
	ChargePerKWh     = "per_kwh"     // price per kWh missing (missing % × battery capacity)
)

// ChargingRules lists the charging rules in the order forms offer them.
var ChargingRules = []string{ChargeNone, ChargePerPercent, ChargePerKWh}

// Validate returns a KindInvalid error naming every invalid field.
func (t Tariff) Validate() error {
	var f errs.Fields
	switch t.ChargingRule {
	case ChargeNone, "":
		if t.ChargingPriceCents != 0 {
			f.Add("charging_price", "tariff.charging_price_without_rule")
		}
	case ChargePerPercent, ChargePerKWh:
		if t.ChargingPriceCents <= 0 {
			f.Add("charging_price", "tariff.charging_price_required")
		}
	default:
		f.Add("charging_rule", "tariff.charging_rule_choose")
	}
	if t.Code == "" {
		f.Add("code", "field.code_required")
	}
	if t.Name == "" {
		f.Add("name", "field.name_required")
	}
	if t.Kind != "standard" && t.Kind != "workshop" {
		f.Add("kind", "tariff.kind_choose")
	}
	for name, v := range map[string]int64{"price_per_day_cents": t.PricePerDayCents, "extra_km_cents": t.ExtraKMCents,
		"refuel_per_eighth_cents": t.RefuelPerEighthCents, "refuel_per_litre_cents": t.RefuelPerLitreCents,
		"cleaning_fee_cents": t.CleaningFeeCents, "deposit_cents": t.DepositCents, "charging_price": t.ChargingPriceCents} {
		if v < 0 {
			f.Add(name, "field.not_negative")
		}
	}
	if t.IncludedKMPerDay < 0 {
		f.Add("included_km_per_day", "field.not_negative")
	}
	if t.DayCounting != "24h" && t.DayCounting != "calendar" {
		f.Add("day_counting", "tariff.day_counting_choose")
	}
	if t.GraceMinutes < 0 || t.GraceMinutes > 24*60 {
		f.Add("grace_minutes", "field.between", locale.Params{"min": 0, "max": 1440})
	}
	if t.VATRateBP < 0 || t.VATRateBP > 10000 {
		f.Add("vat_rate_bp", "field.between", locale.Params{"min": locale.Percent(0), "max": locale.Percent(10000)})
	}
	from, err := time.Parse("2006-01-02", t.ValidFrom)
	if err != nil {
		f.Add("valid_from", "field.date_format")
	}
	if t.ValidTo != "" {
		to, err := time.Parse("2006-01-02", t.ValidTo)
		if err != nil {
			f.Add("valid_to", "field.date_format_or_empty")
		} else if to.Before(from) {
			f.Add("valid_to", "tariff.valid_to_before_from")
		}
	}
	if len(t.CategoryIDs) == 0 {
		f.Add("categories", "tariff.categories_required")
	}
	return f.Err()
}

// ValidOn reports whether the tariff applies on date (YYYY-MM-DD).
func (t Tariff) ValidOn(date string) bool {
	return t.Active && t.ValidFrom <= date && (t.ValidTo == "" || date <= t.ValidTo)
}

// Store is what pricing needs from storage, scoped to the actor's tenant.
type Store interface {
	CreateTariff(ctx context.Context, t *Tariff) error
	ListTariffs(ctx context.Context) ([]Tariff, error)
	Tariff(ctx context.Context, id int64) (Tariff, error)
}
