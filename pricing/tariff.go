// Package pricing owns tariffs and the pure price calculations over them.
package pricing

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/errs"
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
	DepositCents         int64
	DayCounting          string // "24h" or "calendar"
	GraceMinutes         int
	VATRateBP            int
	ValidFrom            string // YYYY-MM-DD
	ValidTo              string // YYYY-MM-DD, "" = open-ended
	CategoryIDs          []int64
	Active               bool
}

// Validate returns a KindInvalid error naming every invalid field.
func (t Tariff) Validate() error {
	var f errs.Fields
	if t.Code == "" {
		f.Add("code", "enter a code")
	}
	if t.Name == "" {
		f.Add("name", "enter a name")
	}
	if t.Kind != "standard" && t.Kind != "workshop" {
		f.Add("kind", "choose standard or workshop")
	}
	for name, v := range map[string]int64{"price_per_day_cents": t.PricePerDayCents, "extra_km_cents": t.ExtraKMCents,
		"refuel_per_eighth_cents": t.RefuelPerEighthCents, "refuel_per_litre_cents": t.RefuelPerLitreCents,
		"cleaning_fee_cents": t.CleaningFeeCents, "deposit_cents": t.DepositCents} {
		if v < 0 {
			f.Add(name, "must not be negative")
		}
	}
	if t.IncludedKMPerDay < 0 {
		f.Add("included_km_per_day", "must not be negative")
	}
	if t.DayCounting != "24h" && t.DayCounting != "calendar" {
		f.Add("day_counting", "choose 24h or calendar")
	}
	if t.GraceMinutes < 0 || t.GraceMinutes > 24*60 {
		f.Add("grace_minutes", "between 0 and 1440")
	}
	if t.VATRateBP < 0 || t.VATRateBP > 10000 {
		f.Add("vat_rate_bp", "between 0 and 10000 basis points")
	}
	from, err := time.Parse("2006-01-02", t.ValidFrom)
	if err != nil {
		f.Add("valid_from", "enter a date as YYYY-MM-DD")
	}
	if t.ValidTo != "" {
		to, err := time.Parse("2006-01-02", t.ValidTo)
		if err != nil {
			f.Add("valid_to", "enter a date as YYYY-MM-DD or leave empty")
		} else if to.Before(from) {
			f.Add("valid_to", "must not be before valid_from")
		}
	}
	if len(t.CategoryIDs) == 0 {
		f.Add("categories", "choose at least one vehicle category")
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
