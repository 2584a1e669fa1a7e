// Package contract owns rental contracts: what a reservation becomes at the
// handover (vehicle, drivers, actual period, tariff, protocols), the rules
// of handover and return, and the Service that runs handover, return,
// automatic billing, later charges and refunds over ports (storage,
// payments, invoices, documents, e-mail).
package contract

import (
	"bytes"
	"context"
	"image/png"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
)

// Status is where a contract stands.
type Status string

// Contract statuses: open (car out) → returned → billed → closed, or
// payment_open when the final charge was declined (retry → billed).
const (
	StatusOpen        Status = "open"
	StatusReturned    Status = "returned"
	StatusBilled      Status = "billed"
	StatusPaymentOpen Status = "payment_open"
	StatusClosed      Status = "closed"
)

// Statuses lists every status in order.
var Statuses = []Status{StatusOpen, StatusReturned, StatusBilled, StatusPaymentOpen, StatusClosed}

// Contract is a running or finished rental.
type Contract struct {
	ID              int64
	TenantID        int64
	Number          string
	ReservationID   int64
	StationID       int64
	ReturnStationID int64
	CustomerID      int64
	VehicleID       int64
	TariffID        int64
	Start           time.Time
	PlannedEnd      time.Time
	EndedAt         *time.Time
	Status          Status
	// Kind is the kind of its booking: rental, test drive, internal use or
	// transfer (only rentals are billed).
	Kind booking.Kind
	// DealerPlate is the number of the red dealer plate the car went on
	// ("" for its own plate).
	DealerPlate        string
	Notes              string
	DepositSetOffCents int64
	// Terms is the snapshot of the prices and rules the contract is billed
	// by: taken at handover, replaced only by a recorded tariff change.
	Terms     pricing.Terms
	Drivers   []Driver
	CreatedAt time.Time
	UpdatedAt time.Time
	// BilledAt is when billing after the return was finished (nil while it
	// runs, or was left half way by a stopped process).
	BilledAt *time.Time
}

// BillingUnfinished reports whether billing has claimed a contract and not
// finished it: status st, finished whether BilledAt is set, res the status
// of its reservation. That is a billing run under way or stopped half way
// (billed, not finished), or one that stopped before its documents and
// gave the contract back to returned, its reservation left completed by
// the claim. ResumeBilling goes on with either (once the gateway or the
// tenant's settings let it); only then can the cover change, by a
// re-split (Resplit).
func BillingUnfinished(st Status, finished bool, res booking.Status) bool {
	return st == StatusBilled && !finished || st == StatusReturned && res == booking.StatusCompleted
}

// MainDriver returns the main driver (zero Driver when none).
func (c Contract) MainDriver() Driver {
	for _, d := range c.Drivers {
		if d.Role == RoleMain {
			return d
		}
	}
	return Driver{}
}

// Driver roles.
const (
	RoleMain       = "main"
	RoleAdditional = "additional"
)

// Driver is a person allowed to drive, with the licence as checked.
type Driver struct {
	ID              int64
	Role            string // "main" or "additional"
	FirstName       string
	LastName        string
	BirthDate       string // YYYY-MM-DD, optional
	LicenceNumber   string
	LicenceClass    string // e.g. "B" or "B, BE"
	LicenceIssuedOn string // YYYY-MM-DD
	LicenceCountry  string // ISO 3166-1 alpha-2
	CheckedBy       int64  // user who checked the licence; 0 = not checked
	CheckedByName   string
	CheckedAt       *time.Time
	// CheckNow asks to record a licence check by the signed-in user now.
	CheckNow bool
}

// Name is "First Last".
func (d Driver) Name() string { return strings.TrimSpace(d.FirstName + " " + d.LastName) }

// Checked reports whether the licence check is recorded.
func (d Driver) Checked() bool { return d.CheckedAt != nil }

// Normalize trims the texts and upper-cases country and licence number.
func (d *Driver) Normalize() {
	d.FirstName = strings.TrimSpace(d.FirstName)
	d.LastName = strings.TrimSpace(d.LastName)
	d.LicenceNumber = strings.ToUpper(strings.TrimSpace(d.LicenceNumber))
	d.LicenceClass = strings.ToUpper(strings.TrimSpace(d.LicenceClass))
	d.LicenceCountry = strings.ToUpper(strings.TrimSpace(d.LicenceCountry))
	d.LicenceIssuedOn = strings.TrimSpace(d.LicenceIssuedOn)
	d.BirthDate = strings.TrimSpace(d.BirthDate)
}

// validateInto adds the driver's field errors under prefix (e.g. "drivers.0.").
func (d Driver) validateInto(f *errs.Fields, prefix string, now time.Time) {
	if d.Role != RoleMain && d.Role != RoleAdditional {
		f.Add(prefix+"role", "driver.role_choose")
	}
	if d.FirstName == "" {
		f.Add(prefix+"first_name", "person.first_name_required")
	}
	if d.LastName == "" {
		f.Add(prefix+"last_name", "person.last_name_required")
	}
	if len(d.LicenceNumber) < 4 || len(d.LicenceNumber) > 30 {
		f.Add(prefix+"licence_number", "licence.number_format")
	}
	if d.LicenceClass == "" {
		f.Add(prefix+"licence_class", "licence.class_required")
	}
	if issued, err := time.Parse("2006-01-02", d.LicenceIssuedOn); err != nil {
		f.Add(prefix+"licence_issued_on", "licence.issued_on_format")
	} else if issued.After(now) {
		f.Add(prefix+"licence_issued_on", "licence.issued_on_future")
	}
	if len(d.LicenceCountry) != 2 || strings.Trim(d.LicenceCountry, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") != "" {
		f.Add(prefix+"licence_country", "licence.country_code")
	}
	if d.BirthDate == "" { // the age rules need it: without, they could not be kept
		f.Add(prefix+"birth_date", "person.birth_date_required")
	} else {
		if born, err := time.Parse("2006-01-02", d.BirthDate); err != nil {
			f.Add(prefix+"birth_date", "person.birth_date_format")
		} else {
			checkAge(f, prefix, born, d.LicenceIssuedOn, now)
		}
	}
	f.Line(prefix+"first_name", d.FirstName, customer.MaxName)
	f.Line(prefix+"last_name", d.LastName, customer.MaxName)
	f.Line(prefix+"licence_number", d.LicenceNumber, customer.MaxLicence)
	f.Line(prefix+"licence_class", d.LicenceClass, customer.MaxLicence)
}

// Driving ages (Germany, FeV § 10 and § 48a: class B from 17 with an
// accompanying person, alone from 18): a driver must be MinDriverAge on
// the day of the handover and the licence cannot be older than the
// driver's MinLicenceAge-th birthday.
const (
	MinDriverAge  = 18
	MinLicenceAge = 17
)

// birthday is the day a person born on born turns years old (29 February
// birthdays fall on 1 March in common years, as § 187 BGB counts).
func birthday(born time.Time, years int) time.Time {
	return time.Date(born.Year()+years, born.Month(), born.Day(), 0, 0, 0, 0, time.UTC)
}

// checkAge adds the age rules of a driver born on born: at least
// MinDriverAge on the local day now, and a licence issued on or after the
// MinLicenceAge-th birthday.
func checkAge(f *errs.Fields, prefix string, born time.Time, issuedOn string, now time.Time) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	if adult := birthday(born, MinDriverAge); adult.After(today) {
		f.Add(prefix+"birth_date", "counter.driver_too_young", locale.Params{"age": MinDriverAge, "date": locale.Date(adult)})
	}
	if issued, err := time.Parse("2006-01-02", issuedOn); err == nil {
		if first := birthday(born, MinLicenceAge); issued.Before(first) {
			f.Add(prefix+"licence_issued_on", "counter.licence_before_age", locale.Params{"age": MinLicenceAge, "date": locale.Date(first)})
		}
	}
}

// ValidateDrivers checks a contract's drivers: exactly one main driver and
// every field of each. Errors: errs.KindInvalid with fields
// "drivers.<i>.<field>".
func ValidateDrivers(ds []Driver, now time.Time) error {
	var f errs.Fields
	mains := 0
	for i, d := range ds {
		d.validateInto(&f, "drivers."+itoa(i)+".", now)
		if d.Role == RoleMain {
			mains++
		}
	}
	if mains != 1 {
		f.Add("drivers", "driver.one_main")
	}
	return f.Err()
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// Protocol kinds.
const (
	KindHandover = "handover"
	KindReturn   = "return"
)

// Protocol is what was recorded at the handover or the return.
type Protocol struct {
	ID          int64
	ContractID  int64
	Kind        string // "handover" or "return"
	StationID   int64
	RecordedAt  time.Time
	RecordedBy  int64
	StaffName   string
	OdometerKM  int64
	FuelEighths int
	// FuelMissing: the caller had no fuel level (a pure electric car
	// records none; any other car must, see checkEnergy).
	FuelMissing bool
	// ChargePercent is the state of charge (0–100) of an electric or
	// plug-in car, RangeKM the range its display showed (optional); nil
	// for other cars.
	ChargePercent *int
	RangeKM       *int
	Cleanliness   string
	Notes         string
	SignerName    string
	SignaturePNG  []byte
	// UnsignedReason is why the customer did not sign (staff record it);
	// a handover needs a signature or a reason.
	UnsignedReason string
	// NewDamages are damages found at this handover or return (stored on
	// the vehicle with this contract); ChargeCents on a return damage is
	// billed on the final invoice.
	NewDamages []fleet.Damage
}

// MaxOdometerKM is the highest odometer reading a protocol takes.
const MaxOdometerKM = 2_000_000

// MaxProtocolNotes is the longest note a handover or return protocol takes.
const MaxProtocolNotes = 2000

// validateReadings checks km, fuel and cleanliness.
func (p Protocol) validateInto(f *errs.Fields) {
	if p.OdometerKM < 0 || p.OdometerKM > MaxOdometerKM {
		f.Add("km", "protocol.km_range", locale.Params{"max": locale.Km(MaxOdometerKM)})
	}
	if !p.FuelMissing && (p.FuelEighths < 0 || p.FuelEighths > 8) {
		f.Add("fuel_eighths", "protocol.fuel_range")
	}
	ok := false
	for _, c := range fleet.Cleanliness {
		ok = ok || c == p.Cleanliness
	}
	if !ok {
		f.Add("cleanliness", "field.cleanliness_choose")
	}
	if len(p.SignaturePNG) > 0 {
		switch cfg, err := png.DecodeConfig(bytes.NewReader(p.SignaturePNG)); {
		case !isPNG(p.SignaturePNG) || err != nil:
			f.Add("signature", "protocol.signature_png")
		case len(p.SignaturePNG) > 512<<10 || cfg.Width > 8000 || cfg.Height > 8000 ||
			int64(cfg.Width)*int64(cfg.Height) > maxSignaturePixels:
			f.Add("signature", "protocol.signature_too_large")
		}
	}
	if len(p.NewDamages) > MaxNewDamages {
		f.Add("damages", "protocol.too_many_damages", locale.Params{"n": MaxNewDamages})
	}
	f.Text("notes", p.Notes, MaxProtocolNotes)
	f.Line("signer_name", p.SignerName, customer.MaxName*2)
	f.Line("unsigned_reason", p.UnsignedReason, MaxProtocolNotes)
	for i, d := range p.NewDamages {
		f.Merge("damages."+itoa(i)+".", d.Validate())
	}
}

// MaxRangeKM bounds the range an electric car's display shows.
const MaxRangeKM = 2000

// checkEnergy adds the readings' rules that depend on the car's drive type
// (fleet.RecordsFuel, fleet.RecordsCharge): a car with a tank needs its
// fuel level, a pure electric car keeps keepFuel (the car's last, it has
// no tank); a car that charges (needCharge) needs its state of charge
// 0–100 % and may have its range (0–MaxRangeKM km); other cars record
// neither.
func (p *Protocol) checkEnergy(f *errs.Fields, drive string, keepFuel int, needCharge bool) {
	if !fleet.RecordsFuel(drive) {
		p.FuelEighths, p.FuelMissing = keepFuel, false
	} else if p.FuelMissing && !f.Has("fuel_eighths") {
		f.Add("fuel_eighths", "protocol.fuel_required")
	}
	if !needCharge {
		p.ChargePercent, p.RangeKM = nil, nil
		return
	}
	switch {
	case p.ChargePercent == nil:
		if !f.Has("state_of_charge_percent") {
			f.Add("state_of_charge_percent", "protocol.charge_required")
		}
	case *p.ChargePercent < 0 || *p.ChargePercent > 100:
		f.Add("state_of_charge_percent", "protocol.charge_range")
	}
	if p.RangeKM != nil && (*p.RangeKM < 0 || *p.RangeKM > MaxRangeKM) {
		f.Add("range_km", "field.between", locale.Params{"min": 0, "max": locale.Km(MaxRangeKM)})
	}
}

// MaxNewDamages bounds the new damages one handover or return records.
const MaxNewDamages = 20

// maxSignaturePixels bounds a signature image by its header (also no side
// over 8000): every protocol PDF decodes it, so a small PNG claiming a
// huge canvas (a decompression bomb) is refused before it is stored. A
// signature pad draws a few hundred pixels wide.
const maxSignaturePixels = 4_000_000

func isPNG(b []byte) bool {
	return len(b) > 8 && string(b[:8]) == "\x89PNG\r\n\x1a\n"
}

// Handover is a check-out: the contract to start from a reservation.
type Handover struct {
	ReservationID int64
	VehicleID     int64 // 0 = keep the reservation's vehicle
	Drivers       []Driver
	Protocol      Protocol
	// ConfirmedDamages are the ids of the vehicle's open damages the
	// customer confirmed as existing.
	ConfirmedDamages []int64
	// LicenceChecked must be true: staff saw the main driver's licence.
	LicenceChecked bool
	// DueOverride is staff's reason to hand over a car whose HU is due
	// (see fleet.Vehicle.InspectionDue); empty: such a handover is refused.
	DueOverride string
	// TimingConfirmed: staff confirmed a handover earlier than the
	// tenant's EarlyHandoverMinutes before the booked pickup or outside the
	// station's opening hours (the rent runs from the handover).
	TimingConfirmed bool
	// Terms is the terms snapshot the contract starts with (set by the
	// service; its TariffID must be the reservation's). A zero Terms
	// stores none: such a contract is billed by its current tariff.
	Terms pricing.Terms

	// Invalid are field errors the caller found reading the request (a value
	// of the wrong type, a malformed time): they are answered together with
	// the service's own, and then nothing is done.
	Invalid errs.Fields
}

// Return is a check-in.
type Return struct {
	ContractID int64
	StationID  int64 // where the car comes back (another station = one-way)
	Protocol   Protocol
	// Readiness is what the car needs next (fleet.ToClean, ToInspect or
	// Ready), set by the service from the protocol.
	Readiness string
	// PreviewLang is the language PreviewReturn words the lines in (the
	// staff's, who read the preview); "" the driver's. The documents
	// issued at the return stay in the driver's language.
	PreviewLang document.Lang

	// Invalid are field errors the caller found reading the request (a value
	// of the wrong type, a malformed time): they are answered together with
	// the service's own, and then nothing is done.
	Invalid errs.Fields
}

// Filter selects contracts in lists.
type Filter struct {
	StationID int64
	Status    Status
	// Day, when set, selects contracts with a pickup, planned return or
	// actual return on that local day (From..To).
	From, To time.Time
	Query    string // contract number or customer name
	Limit    int
	Offset   int
}

// Listed is a contract with what a list shows.
type Listed struct {
	Contract
	CustomerName string
	Plate        string
	StationName  string
}

// DocumentInfo is a stored document of a contract, without its bytes.
type DocumentInfo struct {
	ID        int64
	Kind      string
	Filename  string
	SHA256    string
	Size      int64
	CreatedAt time.Time
}

// Change is one audited change of a contract, as its notice names it:
// the field, before and after, and its effect on the price (Effect, in the
// customer's language; "" when it has none).
type Change struct {
	Field, Old, New string // Field names the text "contract.field.<Field>"; Old and New are in the customer's language
	Effect          string
}

// Store is what contracts need from storage. Every method is scoped by the
// actor in ctx: contracts of other stations (station users) or tenants are
// errs.KindNotFound.
type Store interface {
	// StartContract turns a confirmed reservation into an open contract in
	// one transaction: reservation → active, contract number from the
	// counter, drivers, handover protocol, new damages, condition row,
	// vehicle km/fuel/cleanliness. Errors: KindNotFound, KindConflict
	// "booking_status" when the reservation is not confirmed, fleet.ErrOverlap
	// when another vehicle is chosen that is not free.
	StartContract(ctx context.Context, h *Handover) (Contract, error)
	// CreateWalkIn stores a reservation staff take (source walk_in, or admin
	// when r.Source says so; confirmed, a vehicle allocated); the handover
	// follows with StartContract.
	CreateWalkIn(ctx context.Context, r *booking.Reservation) error
	Contract(ctx context.Context, id int64) (Contract, error)
	ContractByReservation(ctx context.Context, reservationID int64) (Contract, error)
	ListContracts(ctx context.Context, f Filter) ([]Listed, int, error)
	Protocols(ctx context.Context, contractID int64) ([]Protocol, error)
	// RecordReturn stores the return protocol, new damages, condition and
	// vehicle state, ends the contract (status returned) and moves the end
	// of the vehicle's allocation to the actual return: an early return
	// frees the car, a late return that would overlap the next booking is
	// refused with fleet.ErrOverlap (KindConflict) and changes nothing.
	RecordReturn(ctx context.Context, rt *Return) (Contract, error)
	// SetContractStatus moves a contract from one of from to to.
	// Errors: KindConflict "contract_status".
	SetContractStatus(ctx context.Context, id int64, from []Status, to Status) error
	// FinishBilling ends billing: billed (being billed) → to (billed or
	// payment_open), BilledAt set. Errors: KindConflict "contract_status".
	FinishBilling(ctx context.Context, id int64, to Status) error
	// ContractsWithoutDocument lists contracts created in [from, to)
	// without a stored document of kind.
	ContractsWithoutDocument(ctx context.Context, kind string, from, to time.Time, limit int) ([]Contract, error)
	// ReclaimBilling takes over a billing left half way: billed without
	// BilledAt and unchanged since before. Errors: KindConflict.
	ReclaimBilling(ctx context.Context, id int64, before time.Time) error
	// UnfinishedBillings lists contracts returned, or billed without
	// BilledAt, last changed before before.
	UnfinishedBillings(ctx context.Context, before time.Time, limit int) ([]Contract, error)
	// UpdateDrivers replaces the drivers (removed ones are kept, marked
	// removed), audit-logged.
	UpdateDrivers(ctx context.Context, id int64, ds []Driver) error
	// ChangePeriod moves the planned end, re-allocating the vehicle under
	// the overlap rules. Errors: fleet.ErrOverlap.
	ChangePeriod(ctx context.Context, id int64, plannedEnd time.Time, estimatedTotalCents int64) error
	// ChangeTariff sets another tariff with its terms snapshot (the
	// recorded change that replaces the snapshot), audit-logged.
	ChangeTariff(ctx context.Context, id int64, terms pricing.Terms) error
	SetNotes(ctx context.Context, id int64, notes string) error
	SetDepositSetOff(ctx context.Context, id int64, cents int64) error
	// SaveDocument stores a generated document of the contract (with its
	// SHA-256) and queues msgs in the same transaction.
	SaveDocument(ctx context.Context, contractID int64, kind, filename string, data []byte, msgs []mail.Queued) (DocumentInfo, error)
	ContractDocuments(ctx context.Context, id int64) ([]DocumentInfo, error)
	// CustomerCard returns the id of the customer's most recently stored
	// card. Errors: KindNotFound when there is none.
	CustomerCard(ctx context.Context, customerID int64) (int64, error)
	// IssuedInvoice returns an issued invoice exactly as stored (lines,
	// payment). Errors: KindNotFound.
	IssuedInvoice(ctx context.Context, id int64) (invoice.Issued, error)
	// InvoiceRates returns the per-rate totals of an issued invoice as
	// invoice.Compute made them (for deduction on a final invoice).
	InvoiceRates(ctx context.Context, invoiceID int64) ([]invoice.RateTotal, error)
	// IssueHeld issues the document build returns for contract id in one
	// transaction that holds the contract's row: locked first, then the
	// contract and its reservation read (the lock order of every change to
	// what billing reads), so build sees them as committed now and a change
	// of the workshop order, a return or billing's claim either commits
	// before (build sees it) or waits until the document is issued. build
	// may run more than once (a busy database is retried); it must not
	// send anything. Errors: KindNotFound, what build and issuing return.
	IssueHeld(ctx context.Context, id int64, build func(Held) (invoice.IssueRequest, error)) error
	// RecordCharge stores rec, the pending payment of a staff charge on
	// contract id, before it is sent, in one transaction that holds the
	// contract's row as IssueHeld does, and only when check passes on the
	// contract and its reservation as committed then: a return or
	// billing's claim either commits before (check sees it) or after the
	// pending payment, which billing then finds. check may run more than
	// once. Errors: KindNotFound, check's error (nothing stored).
	RecordCharge(ctx context.Context, id int64, check func(Held) error, rec *payment.Record) error
}

// Held is a contract and what its booking adds to its documents, as
// committed while the store holds the contract's row (Store.IssueHeld).
type Held struct {
	Contract    Contract
	WorkshopRef string
	// BookingStatus is the status of the contract's reservation.
	BookingStatus booking.Status
}

// Documents the contract package renders and stores.
const (
	DocHandover     = "handover_protocol"
	DocReturn       = "return_protocol"
	DocContract     = "contract"
	DocChangeNotice = "change_notice"
)

// damageSeverity maps fleet severities to the document's.
func damageSeverity(s string) document.Severity {
	switch s {
	case "medium":
		return document.Moderate
	case "major":
		return document.Severe
	}
	return document.Minor
}
