package booking

import (
	"context"
	"time"
)

// Row is a reservation as staff see it in lists and on its page: the
// reservation with the names of what it refers to.
type Row struct {
	Reservation
	CustomerName  string
	CustomerEmail string
	StationName   string
	CategoryCode  string
	// CategoryNameDE and CategoryNameEN are the category's names
	// (CategoryLabel shows the one of the reader's language).
	CategoryNameDE, CategoryNameEN string
	VehiclePlate                   string // "" while no vehicle is assigned
	TariffName                     string
	ContractID                     int64 // 0 before handover
	ContractNumber                 string
}

// CategoryLabel is the category as staff read it on a reservation's page
// and printout: its code and its name in lang ("CDMR · Kompakt"), as the
// forms that choose it show it.
func (r Row) CategoryLabel(lang string) string {
	name := r.CategoryNameDE
	if lang == "en" && r.CategoryNameEN != "" {
		name = r.CategoryNameEN
	}
	if name == "" || name == r.CategoryCode {
		return r.CategoryCode
	}
	return r.CategoryCode + " · " + name
}

// Row kinds of a day list: what the row means for the day asked for.
const (
	DayPickup = "pickup" // picked up that day
	DayReturn = "return" // returned that day
	DayOther  = "other"
)

// ListQuery selects reservations for the staff list. With Day set, only
// reservations picked up or returned in [Day, DayEnd) are listed, pickups
// first, then returns, each by time; without, all by pickup time.
type ListQuery struct {
	StationID int64
	Day       time.Time // start of the day (station time zone) or zero
	DayEnd    time.Time
	Status    Status
	Search    string // booking number, customer name, e-mail or workshop order (case-insensitive substring)
	Limit     int    // default 50, at most 200
	Offset    int
}

// ListedRow is a Row with its meaning for the listed day.
type ListedRow struct {
	Row
	DayKind string // DayPickup, DayReturn or DayOther
}

// AdminStore is what the staff pages need beyond Store, scoped by the actor
// in ctx: a station user sees only reservations of its stations
// (errs.KindNotFound otherwise).
type AdminStore interface {
	// ReservationRows lists reservations matching q and their total count.
	ReservationRows(ctx context.Context, q ListQuery) ([]ListedRow, int, error)
	// ReservationRow returns one reservation with its labels. Errors: KindNotFound.
	ReservationRow(ctx context.Context, id int64) (Row, error)
	// SetReservationNotes replaces the staff notes (at most 2000 characters)
	// and logs before and after. Errors: KindNotFound, KindInvalid.
	SetReservationNotes(ctx context.Context, id int64, notes string) error
}

// MaxNotes is the longest note a reservation takes.
const MaxNotes = 2000
