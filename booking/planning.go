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
	due, ok := DueBefore(v, ret, loc)
	if !ok || strings.TrimSpace(override) != "" {
		return nil
	}
	var f errs.Fields
	f.Add("due_override", due.inspectKey("counter.inspection_due", "counter.service_due"), locale.Params{"date": locale.Date(due.Date)})
	return f.Err()
}

// Due is the check of a car that runs out before a rental ends: its HU
// (Inspection) or else its service, on Date.
type Due struct {
	Inspection bool
	Date       time.Time
}

// inspectKey is hu when the HU runs out, else service.
func (d Due) inspectKey(hu, service string) locale.Key {
	if d.Inspection {
		return locale.Key(hu)
	}
	return locale.Key(service)
}

// Text says in lang which check runs out when ("HU nur bis 03.11.2026"),
// for lists that offer the car before staff choose it.
func (d Due) Text(lang string) string {
	return locale.Lang(lang).T(d.inspectKey("bk.free_hu_until", "bk.free_service_until"), locale.Params{"date": locale.Date(d.Date)})
}

// DueBefore reports whether v's HU or service runs out before the local
// day (in loc) of ret, and which: the HU first (the same rule as
// fleet.Vehicle.InspectionDueBy, which CheckDue and the handover apply).
func DueBefore(v fleet.Vehicle, ret time.Time, loc *time.Location) (Due, bool) {
	day := ret.In(loc).Format("2006-01-02")
	if !v.InspectionDueBy(day) {
		return Due{}, false
	}
	date, hu := v.NextInspection, true
	if date == "" || date >= day {
		date, hu = v.NextService, false
	}
	t, _ := time.Parse("2006-01-02", date)
	return Due{Inspection: hu, Date: t}, true
}

// FreeVehicle is a vehicle that could take a reservation.
type FreeVehicle struct {
	ID           int64
	Plate        string
	Make, Model  string
	CategoryID   int64
	CategoryCode string
	// NextInspection and NextService are the car's HU and service dates
	// (YYYY-MM-DD, "" when not recorded): a car whose check runs out
	// before the rental ends is offered with that said (DueBefore).
	NextInspection, NextService string
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
