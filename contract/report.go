package contract

import (
	"context"
	"time"
)

// Movements are one station's pickups and returns on one day.
type Movements struct {
	StationID      int64
	StationName    string
	PlannedPickups int // bookings with a pickup that day (confirmed, active or completed)
	Pickups        int // handovers done that day
	PlannedReturns int // contracts and bookings due back that day
	Returns        int // returns done that day
}

// OpenItem is a contract whose final charge is still open.
type OpenItem struct {
	ContractID   int64
	Number       string
	StationName  string
	CustomerName string
	EndedAt      *time.Time
	OpenCents    int64
}

// Revenue is what one station billed in one month (gross cents: invoices
// minus credit notes, finals with what they still charged).
type Revenue struct {
	StationID   int64
	StationName string
	Month       string // YYYY-MM in the tenant's default zone (Europe/Berlin)
	GrossCents  int64
	NetCents    int64
	Documents   int
}

// Utilisation is how long a vehicle was taken by bookings in a period.
type Utilisation struct {
	VehicleID    int64
	Plate        string
	CategoryID   int64
	CategoryCode string
	BookedHours  float64
	PeriodHours  float64
}

// Percent is BookedHours / PeriodHours in percent.
func (u Utilisation) Percent() float64 {
	if u.PeriodHours == 0 {
		return 0
	}
	return 100 * u.BookedHours / u.PeriodHours
}

// Reports are the report queries, scoped like everything else by the actor.
type Reports interface {
	DailyMovements(ctx context.Context, dayStart, dayEnd time.Time) ([]Movements, error)
	OpenItems(ctx context.Context) ([]OpenItem, error)
	RevenueByStationMonth(ctx context.Context, from, to time.Time, loc *time.Location) ([]Revenue, error)
	UtilisationByVehicle(ctx context.Context, from, to time.Time) ([]Utilisation, error)
}
