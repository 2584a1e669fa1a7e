package document

import "time"

// ProtocolKind says whether a protocol records a handover or a return.
type ProtocolKind string

// The protocol kinds.
const (
	Handover ProtocolKind = "handover"
	Return   ProtocolKind = "return"
)

// Cleanliness is the state of a vehicle's interior and exterior.
type Cleanliness string

// The cleanliness levels, cleanest first.
const (
	Clean     Cleanliness = "clean"
	Normal    Cleanliness = "normal"
	Dirty     Cleanliness = "dirty"
	VeryDirty Cleanliness = "very_dirty"
)

// View is one view of the car diagram a damage is marked on.
type View string

// The diagram views.
const (
	ViewTop   View = "top"
	ViewLeft  View = "left"
	ViewRight View = "right"
	ViewFront View = "front"
	ViewRear  View = "rear"
)

// Views lists every view in drawing order.
var Views = []View{ViewTop, ViewLeft, ViewRight, ViewFront, ViewRear}

// Severity grades a damage.
type Severity string

// The severities.
const (
	Minor    Severity = "minor"
	Moderate Severity = "moderate"
	Severe   Severity = "severe"
)

// Vehicle identifies the rented car.
type Vehicle struct {
	// Plate is the plate the car is driven on: its own registration, or
	// the red dealer plate when RedPlate is set.
	Plate string
	// RedPlate: the car goes on a red dealer plate (Plate); OwnPlate is
	// then the car's own registration ("" when it is not registered).
	// Documents print both, labelled, so that nobody confuses them.
	RedPlate bool
	OwnPlate string
	Make     string
	Model    string
	VIN      string
}

// Person is a customer or driver as printed on documents.
type Person struct {
	Name      string
	Address   []string // printed lines, e.g. street, "20095 Hamburg"
	Email     string
	Phone     string
	BirthDate time.Time // zero when not recorded
}

// Station is where the vehicle is handed over or returned.
type Station struct {
	Name    string
	Address []string
	Phone   string
}

// Damage is one damage marked on the car diagram.
type Damage struct {
	View        View
	XPercent    float64 // 0 (left) … 100 (right) on the view
	YPercent    float64 // 0 (top) … 100 (bottom) on the view
	Kind        string  // e.g. "Kratzer" / "scratch", already in the document language
	Severity    Severity
	Description string
	New         bool // recorded at this return; false: existing before
}

// Reading is what was recorded at one handover or return.
type Reading struct {
	Time        time.Time
	Km          int64
	FuelEighths int // 0 (empty) … 8 (full)
	Cleanliness Cleanliness
	// NoFuel: a pure electric car, no tank (FuelEighths is not printed).
	NoFuel bool
	// ChargePercent is the state of charge of an electric or plug-in car
	// and RangeKM the range it showed; nil when not recorded.
	ChargePercent *int
	RangeKM       *int
}

// ProtocolDoc is a handover or return protocol.
type ProtocolDoc struct {
	Kind           ProtocolKind
	Lang           Lang
	Location       *time.Location // nil means UTC
	Branding       Branding
	ContractNumber string
	Vehicle        Vehicle
	Customer       Person
	Station        Station
	Reading        Reading  // the values recorded now
	Handover       *Reading // for a return: the handover values to compare
	Damages        []Damage // numbered 1… in this order
	Notes          string
	StaffName      string
	SignaturePNG   []byte // the customer's signature, optional
	SignerName     string // printed only under a signature
	// UnsignedReason is why the customer did not sign (printed instead of
	// the signature).
	UnsignedReason string
	// AgreementTitle and Agreement are the terms the customer signs with
	// the protocol (a test drive's agreement with its liability terms),
	// printed above the signatures; "" for none.
	AgreementTitle string
	Agreement      string
}

// PlateLines is how every document prints the plate of v in l: the plate
// itself, or for a car on a red dealer plate that plate marked as red and
// the car's own registration (or that it has none) on a second line.
func (v Vehicle) PlateLines(l Lang) []string {
	if !v.RedPlate {
		return []string{v.Plate}
	}
	own := l.T("plate.own_registration", v.OwnPlate)
	if v.OwnPlate == "" {
		own = l.T("plate.unregistered")
	}
	return []string{l.T("plate.red_marked", v.Plate), own}
}
