package fleet

import (
	"context"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

// DealerPlate is a red dealer plate (rotes Kennzeichen, § 16 FZV): a
// number of its own, valid for a period, kept at a station. A test drive
// or transfer may go on it instead of the car's own plate; its trip log
// (Fahrtenbuch) lists every such trip.
type DealerPlate struct {
	ID        int64
	TenantID  int64
	Number    string // e.g. "R-06 123"
	StationID int64
	ValidFrom string // YYYY-MM-DD
	ValidTo   string // YYYY-MM-DD, "" = open
	Notes     string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// MaxPlateNotes bounds a dealer plate's notes.
const MaxPlateNotes = 500

// NormPlate is a plate number without spaces and hyphens, upper-case
// ("r-06 123" → "R06123"): how plates are compared and searched.
func NormPlate(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' || r == '\u00a0' {
			return -1
		}
		return r
	}, strings.ToUpper(strings.TrimSpace(s)))
}

// Normalize trims the fields and upper-cases the number.
func (p *DealerPlate) Normalize() {
	p.Number = strings.ToUpper(strings.Join(strings.Fields(p.Number), " "))
	p.ValidFrom, p.ValidTo = strings.TrimSpace(p.ValidFrom), strings.TrimSpace(p.ValidTo)
	p.Notes = strings.TrimSpace(p.Notes)
}

// Validate checks a dealer plate: a number of 4–15 characters whose
// distinguishing part is followed by 06 (the red plates' series), a
// station, a valid-from date and a valid-to date not before it.
// Errors: errs.KindInvalid naming each field.
func (p DealerPlate) Validate() error {
	var f errs.Fields
	n := NormPlate(p.Number)
	switch {
	case len(n) < 4 || len(p.Number) > 15:
		f.Add("number", "plate.number_format")
	case !strings.Contains(n, "06"):
		f.Add("number", "plate.number_red")
	}
	if p.StationID == 0 {
		f.Add("station_id", "field.station_choose")
	}
	from, err := time.Parse("2006-01-02", p.ValidFrom)
	if err != nil {
		f.Add("valid_from", "field.date_format")
	}
	if p.ValidTo != "" {
		if to, err := time.Parse("2006-01-02", p.ValidTo); err != nil {
			f.Add("valid_to", "field.date_format_or_empty")
		} else if !f.Has("valid_from") && to.Before(from) {
			f.Add("valid_to", "plate.valid_to_before_from")
		}
	}
	f.Text("notes", p.Notes, MaxPlateNotes)
	return f.Err()
}

// ValidOn reports whether the plate may be used on date (YYYY-MM-DD).
func (p DealerPlate) ValidOn(date string) bool {
	return p.ValidFrom <= date && (p.ValidTo == "" || date <= p.ValidTo)
}

// PlateStore keeps the dealer plates of the actor's tenant.
type PlateStore interface {
	// CreateDealerPlate stores a new plate. Errors: KindConflict
	// "plate_exists" (the number is taken), KindInvalid.
	CreateDealerPlate(ctx context.Context, p *DealerPlate) error
	// UpdateDealerPlate changes number, station, validity and notes.
	UpdateDealerPlate(ctx context.Context, p *DealerPlate) error
	DealerPlate(ctx context.Context, id int64) (DealerPlate, error)
	ListDealerPlates(ctx context.Context) ([]DealerPlate, error)
}
