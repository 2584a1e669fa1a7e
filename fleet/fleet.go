// Package fleet owns vehicle categories, vehicles, their condition, damages
// and the allocations that take a vehicle for a period (bookings, blocks,
// maintenance).
package fleet

import (
	"context"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Category is what customers book (ACRISS-like code, e.g. "CDMR").
type Category struct {
	ID            int64
	TenantID      int64
	Code          string
	NameDE        string
	NameEN        string
	DescriptionDE string
	DescriptionEN string
	Seats         int
	Doors         int
	Transmission  string // "manual" or "automatic"
	Fuel          string
	ExampleModel  string
	ImageURL      string
	SortOrder     int
	Active        bool
}

// Name returns the category name in lang ("de" default).
func (c Category) Name(lang string) string {
	if lang == "en" && c.NameEN != "" {
		return c.NameEN
	}
	return c.NameDE
}

// Vehicle statuses.
const (
	StatusAvailable = "available"
	StatusWorkshop  = "workshop"
	StatusBlocked   = "blocked"
	StatusRetired   = "retired"
)

// Drive types (Vehicle.FuelType).
const (
	DrivePetrol       = "petrol"
	DriveDiesel       = "diesel"
	DriveElectric     = "electric"
	DriveHybrid       = "hybrid" // a hybrid without plug: fuelled only
	DrivePluginHybrid = "plugin_hybrid"
	DriveLPG          = "lpg"
)

// DriveTypes lists the drive types in the order forms offer them.
var DriveTypes = []string{DrivePetrol, DriveDiesel, DriveElectric, DrivePluginHybrid, DriveHybrid, DriveLPG}

// MaxBatteryKWh bounds a battery capacity.
const MaxBatteryKWh = 500

// RecordsCharge reports whether cars of drive type d record their state of
// charge at handover and return (electric and plug-in hybrid cars).
func RecordsCharge(d string) bool { return d == DriveElectric || d == DrivePluginHybrid }

// RecordsFuel reports whether cars of drive type d record their fuel level
// (all but pure electric cars).
func RecordsFuel(d string) bool { return d != DriveElectric }

// Cleanliness levels.
var Cleanliness = []string{"clean", "normal", "dirty", "very_dirty"}

// Vehicle is one car of the fleet.
type Vehicle struct {
	ID         int64
	TenantID   int64
	StationID  int64
	CategoryID int64
	Plate      string
	VIN        string
	Make       string
	Model      string
	Color      string
	// FuelType is the drive type (DriveTypes): how the car is fuelled and
	// whether handover and return record fuel eighths, state of charge or
	// both (see RecordsFuel, RecordsCharge).
	FuelType   string
	TankLitres int
	// BatteryKWh is the usable battery capacity of an electric or plug-in
	// car (charging billed per kWh needs it); 0 for others.
	BatteryKWh int
	// ChargePercent is the state of charge last recorded by a handover or
	// return (read only; nil when none).
	ChargePercent     *int
	OdometerKM        int64
	FuelEighths       int
	Cleanliness       string
	Status            string
	FirstRegistration string // YYYY-MM-DD
	NextInspection    string // YYYY-MM-DD (HU)
	NextService       string // YYYY-MM-DD (the maker's service interval)
	// Readiness is Ready, ToClean or ToInspect: set by a return, back to
	// Ready when staff mark the car ready.
	Readiness string
	// OpenDamages is the number of its damages not repaired (read only).
	OpenDamages         int
	SelfDriveRegistered bool
	Notes               string
	CreatedAt           time.Time
	UpdatedAt           time.Time
}

// Readiness of a car after a return.
const (
	Ready     = "ready"
	ToClean   = "to_clean"
	ToInspect = "to_inspect"
)

// ReadinessAfterReturn is what a car needs after a return with the given
// cleanliness and number of new damages: inspection when damages were
// found, cleaning when it is not clean, else nothing.
func ReadinessAfterReturn(cleanliness string, newDamages int) string {
	switch {
	case newDamages > 0:
		return ToInspect
	case cleanliness != "" && cleanliness != "clean":
		return ToClean
	}
	return Ready
}

// InspectionDueBy reports whether the car's HU (NextInspection) or its
// service (NextService) runs out before the local day day (YYYY-MM-DD):
// such a car may not be handed over for a rental lasting until that day
// without a reason. A car without recorded dates is not due.
func (v Vehicle) InspectionDueBy(day string) bool {
	return v.NextInspection != "" && v.NextInspection < day || v.NextService != "" && v.NextService < day
}

// Normalize trims and upper-cases plate and VIN.
func (v *Vehicle) Normalize() {
	v.Plate = strings.ToUpper(strings.Join(strings.Fields(v.Plate), " "))
	v.VIN = strings.ToUpper(strings.TrimSpace(v.VIN))
	v.Make = strings.TrimSpace(v.Make)
	v.Model = strings.TrimSpace(v.Model)
	if v.Status == "" {
		v.Status = StatusAvailable
	}
	if v.Cleanliness == "" {
		v.Cleanliness = "clean"
	}
	if v.FuelType == "" {
		v.FuelType = "petrol"
	}
	if !RecordsCharge(v.FuelType) {
		v.BatteryKWh = 0 // only a car that charges has a battery to bill by
	}
}

// Validate returns a KindInvalid error naming every invalid field.
func (v Vehicle) Validate() error {
	var f errs.Fields
	if !ValidPlate(v.Plate) {
		f.Add("plate", "vehicle.plate_format")
	}
	if code := CheckVIN(v.VIN); code != "" {
		f.Add("vin", code)
	}
	if v.Make == "" {
		f.Add("make", "vehicle.make_required")
	}
	if v.Model == "" {
		f.Add("model", "vehicle.model_required")
	}
	if v.StationID == 0 {
		f.Add("station_id", "field.station_choose")
	}
	if v.CategoryID == 0 {
		f.Add("category_id", "vehicle.category_choose")
	}
	if v.OdometerKM < 0 {
		f.Add("odometer_km", "field.not_negative")
	}
	if v.FuelEighths < 0 || v.FuelEighths > 8 {
		f.Add("fuel_eighths", "field.fuel_range")
	}
	driveOK := false
	for _, d := range DriveTypes {
		driveOK = driveOK || d == v.FuelType
	}
	if !driveOK {
		f.Add("fuel_type", "vehicle.drive_choose")
	}
	switch {
	case v.BatteryKWh < 0 || v.BatteryKWh > MaxBatteryKWh:
		f.Add("battery_kwh", "field.between", locale.Params{"min": 1, "max": MaxBatteryKWh})
	case RecordsCharge(v.FuelType) && v.BatteryKWh == 0:
		f.Add("battery_kwh", "vehicle.battery_required")
	}
	switch v.Status {
	case StatusAvailable, StatusWorkshop, StatusBlocked, StatusRetired:
	default:
		f.Add("status", "vehicle.status_choose")
	}
	ok := false
	for _, c := range Cleanliness {
		ok = ok || c == v.Cleanliness
	}
	if !ok {
		f.Add("cleanliness", "field.cleanliness_choose")
	}
	return f.Err()
}

// Allocation kinds.
const (
	AllocBooking     = "booking"
	AllocBlock       = "block"
	AllocMaintenance = "maintenance"
)

// Allocation takes a vehicle for [Start, End). No two allocations of one
// vehicle overlap (DESIGN invariant 1), enforced by the database.
type Allocation struct {
	ID            int64
	TenantID      int64
	VehicleID     int64
	Start         time.Time
	End           time.Time
	Kind          string
	ReservationID int64
	Note          string
	CreatedBy     int64
	CreatedAt     time.Time
	// Test marks the allocation of a test booking: test bookings hold cars
	// in a world of their own, apart from live bookings (blocks and
	// maintenance hold cars in both).
	Test bool
}

// ErrOverlap is returned when a vehicle is already taken in the period.
var ErrOverlap = errs.Conflict("vehicle_overlap")

// VehicleFilter selects vehicles in lists.
type VehicleFilter struct {
	StationID  int64
	CategoryID int64
	Status     string
	Query      string // plate, VIN or model, case-insensitive substring
	Sort       string // "plate" (default), "model", "odometer", "station"
	Limit      int
	Offset     int
}

// Store is what fleet needs from storage, scoped by the actor in ctx: a
// station user sees only vehicles whose home station it has (errs.KindNotFound
// otherwise) and cannot move a vehicle to another station (errs.KindForbidden).
type Store interface {
	CreateCategory(ctx context.Context, c *Category) error
	ListCategories(ctx context.Context) ([]Category, error)
	CategoryByCode(ctx context.Context, code string) (Category, error)

	CreateVehicle(ctx context.Context, v *Vehicle) error
	Vehicle(ctx context.Context, id int64) (Vehicle, error)
	ListVehicles(ctx context.Context, f VehicleFilter) ([]Vehicle, int, error)
	UpdateVehicle(ctx context.Context, v *Vehicle) error
	// MarkVehicleReady sets a car's readiness to Ready (staff cleaned or
	// inspected it after a return). Errors: KindNotFound.
	MarkVehicleReady(ctx context.Context, id int64) error

	// Allocate inserts a after checking, atomically, that the vehicle is free
	// in [a.Start, a.End). Errors: ErrOverlap (KindConflict).
	Allocate(ctx context.Context, a *Allocation) error
	ListAllocations(ctx context.Context, vehicleID int64, from, to time.Time) ([]Allocation, error)
	DeleteAllocation(ctx context.Context, id int64) error
}
