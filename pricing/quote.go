package pricing

import "time"

// Quote is the price of a rental period under a tariff, in cents (gross).
type Quote struct {
	Days           int   // billable rental days
	DayPriceCents  int64 // price of one day
	RentCents      int64 // Days × DayPriceCents
	IncludedKM     int   // Days × IncludedKMPerDay
	DepositCents   int64
	ChargeNowCents int64 // what is charged at booking: one day's rent
	ExtraKMCents   int64 // price per extra km
	Currency       string
}

// RentalDays counts the billable days of [pickup, ret) under t's rules:
// "24h" counts started 24-hour periods, ignoring a last period no longer than
// the grace minutes; "calendar" counts the local calendar days touched, not
// counting a return day reached by no more than the grace minutes. The
// result is at least 1.
func RentalDays(t Tariff, pickup, ret time.Time, loc *time.Location) int {
	if !ret.After(pickup) {
		return 1
	}
	grace := time.Duration(t.GraceMinutes) * time.Minute
	if t.DayCounting == "calendar" {
		if loc == nil {
			loc = time.UTC
		}
		p, r := pickup.In(loc), ret.In(loc)
		pd := time.Date(p.Year(), p.Month(), p.Day(), 0, 0, 0, 0, time.UTC)
		rd := time.Date(r.Year(), r.Month(), r.Day(), 0, 0, 0, 0, time.UTC)
		days := int(rd.Sub(pd).Hours()/24) + 1
		midnight := time.Date(r.Year(), r.Month(), r.Day(), 0, 0, 0, 0, loc)
		if days > 1 && r.Sub(midnight) <= grace {
			days--
		}
		return max(days, 1)
	}
	d := ret.Sub(pickup)
	days := int(d / (24 * time.Hour))
	if rest := d % (24 * time.Hour); rest > grace || days == 0 {
		days++
	}
	return max(days, 1)
}

// QuoteFor prices [pickup, ret) under t.
func QuoteFor(t Tariff, pickup, ret time.Time, loc *time.Location, currency string) Quote {
	days := RentalDays(t, pickup, ret, loc)
	if currency == "" {
		currency = "EUR"
	}
	return Quote{
		Days: days, DayPriceCents: t.PricePerDayCents, RentCents: int64(days) * t.PricePerDayCents,
		IncludedKM: days * t.IncludedKMPerDay, DepositCents: t.DepositCents, ChargeNowCents: t.PricePerDayCents,
		ExtraKMCents: t.ExtraKMCents, Currency: currency,
	}
}

// Best picks the tariff for a category and pickup date: a valid "workshop"
// tariff when workshop is true and one exists, else the cheapest valid
// standard tariff. ok is false when none applies.
func Best(tariffs []Tariff, categoryID int64, date string, workshop bool) (Tariff, bool) {
	var best Tariff
	found := false
	for _, t := range tariffs {
		if !t.ValidOn(date) || !t.appliesTo(categoryID) {
			continue
		}
		better := !found ||
			(workshop && t.Kind == "workshop" && best.Kind != "workshop") ||
			(t.Kind == best.Kind && t.PricePerDayCents < best.PricePerDayCents) ||
			(!workshop && t.Kind == "standard" && best.Kind != "standard")
		if better {
			best, found = t, true
		}
	}
	return best, found
}

func (t Tariff) appliesTo(categoryID int64) bool {
	for _, id := range t.CategoryIDs {
		if id == categoryID {
			return true
		}
	}
	return false
}
