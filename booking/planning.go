package booking

import (
	"context"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
)

// Bar kinds on the planning board.
const (
	BarBooking     = "booking"     // a reservation not yet handed over
	BarContract    = "contract"    // a running or finished contract
	BarBlock       = "block"       // the vehicle is blocked
	BarMaintenance = "maintenance" // the vehicle is in maintenance
)

// Bar is one period on the planning board.
type Bar struct {
	AllocationID  int64 // 0 for an unassigned reservation
	ReservationID int64 // 0 for blocks and maintenance
	VehicleID     int64 // 0 for an unassigned reservation
	CategoryID    int64
	Kind          string // BarBooking, BarContract, BarBlock, BarMaintenance
	Start, End    time.Time
	Number        string // booking number
	// ContractID and ContractNumber name the contract of a handed-over
	// booking (0 and "" before the handover).
	ContractID     int64
	ContractNumber string
	CustomerName   string
	Status         Status
	Note           string // for blocks and maintenance
	// Use is the booking's kind (rental, test drive, internal use,
	// transfer); "" for blocks and maintenance.
	Use Kind
}

// Movable reports whether staff may drag the bar: bookings that have not
// been handed over yet.
func (b Bar) Movable() bool {
	return b.Kind == BarBooking && (b.Status == StatusPendingPayment || b.Status == StatusConfirmed)
}

// PlanVehicle is one row of the planning board.
type PlanVehicle struct {
	ID         int64
	CategoryID int64
	Plate      string
	Make       string
	Model      string
	Status     string // fleet status: available, workshop, blocked, retired
	Bars       []Bar
}

// PlanCategory groups the board by vehicle category, with the reservations
// of the category that have no vehicle yet.
type PlanCategory struct {
	ID         int64
	Code       string
	NameDE     string
	NameEN     string
	Vehicles   []PlanVehicle
	Unassigned []Bar
}

// Plan is the planning board of one station for [From, To).
type Plan struct {
	StationID  int64
	From, To   time.Time
	Categories []PlanCategory
}

// Move asks to put a reservation on a vehicle, starting at Pickup (the
// rental keeps its length; zero Pickup keeps the time).
type Move struct {
	ReservationID int64
	VehicleID     int64
	Pickup        time.Time
	// DueOverride is staff's reason to put the booking on a car whose HU
	// or service runs out before its return (see CheckDue).
	DueOverride string
}

// CheckDue refuses a car for a booking ending at ret (local day in loc)
// when its HU or service runs out before then, unless staff give a reason
// (override). Errors: KindInvalid on "due_override" naming the date.
func CheckDue(v fleet.Vehicle, ret time.Time, loc *time.Location, override string) error {
	day := ret.In(loc).Format("2006-01-02")
	if !v.InspectionDueBy(day) || strings.TrimSpace(override) != "" {
		return nil
	}
	key, date := locale.Key("counter.inspection_due"), v.NextInspection
	if date == "" || date >= day {
		key, date = "counter.service_due", v.NextService
	}
	due, _ := time.Parse("2006-01-02", date)
	var f errs.Fields
	f.Add("due_override", key, locale.Params{"date": locale.Date(due)})
	return f.Err()
}

// FreeVehicle is a vehicle that could take a reservation.
type FreeVehicle struct {
	ID           int64
	Plate        string
	Make, Model  string
	CategoryID   int64
	CategoryCode string
}

// PlanningStore is the storage of the planning board, scoped by the actor in
// ctx (a station user plans only its stations; other stations and tenants
// are errs.KindNotFound).
type PlanningStore interface {
	// Plan returns the station's vehicles with every allocation that
	// intersects [from, to), and the unassigned reservations per category,
	// in a few queries. Retired vehicles are left out.
	Plan(ctx context.Context, stationID int64, from, to time.Time) (Plan, error)
	// MoveBooking puts a reservation on m.VehicleID (a vehicle of the
	// reservation's station) and/or shifts it to m.Pickup, atomically under
	// the overlap rule, updating the reservation and writing the audit log
	// in the same transaction. It also assigns a vehicle to an unassigned
	// reservation. Errors: KindNotFound (reservation or vehicle out of
	// reach), KindConflict "vehicle_overlap" (the slot is taken),
	// "booking_status" (handed over, cancelled or finished),
	// "vehicle_unavailable" (vehicle in workshop, blocked or retired),
	// "other_station"; KindInvalid for an unusable time. Nothing changes on
	// error.
	MoveBooking(ctx context.Context, m Move) (Reservation, error)
	// FreeVehicles lists the available vehicles of a station with no
	// allocation overlapping [from, to) (ignoring reservation except's own).
	FreeVehicles(ctx context.Context, stationID int64, from, to time.Time, except int64) ([]FreeVehicle, error)
}
