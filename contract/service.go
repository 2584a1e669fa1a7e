package contract

import (
	"context"
	"fmt"
	"log/slog"
	"mietwerk.dev/mietwerk/payer"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// MailContext is what every contract message is built from.
type MailContext struct {
	Tenant   tenancy.Tenant
	Station  tenancy.Station
	Customer customer.Customer
	Contract Contract
	Vehicle  fleet.Vehicle
}

// Mailer builds the customer messages of a contract (implemented over the
// e-mail templates outside the domain).
type Mailer interface {
	HandoverProtocol(m MailContext, p Protocol, pdf []byte) (mail.Message, error)
	ReturnProtocol(m MailContext, p Protocol, pdf []byte) (mail.Message, error)
	// FinalInvoice sends the final invoice (its payment note says whether
	// the amount was charged, is open or is paid back).
	FinalInvoice(m MailContext, inv invoice.Issued, pdf []byte) (mail.Message, error)
	// AdvanceInvoice sends an advance invoice of the contract (an
	// extension charged while the car is out), which the final invoice
	// deducts.
	AdvanceInvoice(m MailContext, inv invoice.Issued, pdf []byte) (mail.Message, error)
	// Compensation sends a damage settlement (damage compensation not
	// subject to VAT).
	Compensation(m MailContext, inv invoice.Issued, pdf []byte) (mail.Message, error)
	CreditNote(m MailContext, inv invoice.Issued, corrects string, pdf []byte) (mail.Message, error)
	// ChangeNotice lists what changed (with the price effect) and attaches
	// the updated contract PDF under filename.
	ChangeNotice(m MailContext, changes []Change, filename string, pdf []byte) (mail.Message, error)
	// ContractDocument sends the contract PDF on its own (no change).
	ContractDocument(m MailContext, filename string, pdf []byte) (mail.Message, error)
	PaymentFailed(m MailContext, invoiceNumber string, amountCents int64) (mail.Message, error)
	// PaymentReceipt confirms a receipt or payout outside the card; open is
	// what the contract still owes afterwards (cents, ≥ 0).
	PaymentReceipt(m MailContext, r Receipt, open int64) (mail.Message, error)
	// FineLetter sends the letter about a fine (the PDF under filename).
	FineLetter(m MailContext, f Fine, filename string, pdf []byte) (mail.Message, error)
	// PayerInvoice sends payer p (to its e-mail address, in German) its
	// invoice inv for the rental; claim is the cover's claim number.
	PayerInvoice(m MailContext, p payer.Payer, claim string, inv invoice.Issued, pdf []byte) (mail.Message, error)
	// PayerDunning sends payer p (in German) a dunning notice n with its
	// PDF under filename.
	PayerDunning(m MailContext, p payer.Payer, claim string, n DunningNotice, filename string, pdf []byte) (mail.Message, error)
}

// Vehicles is what contracts need of the fleet.
type Vehicles interface {
	Vehicle(ctx context.Context, id int64) (fleet.Vehicle, error)
	ListDamages(ctx context.Context, vehicleID int64, openOnly bool) ([]fleet.Damage, error)
}

// Records reads payment records.
type Records interface {
	ListPayments(ctx context.Context, f payment.RecordFilter) ([]payment.Record, error)
}

// Deps are the ports the contract service works over.
type Deps struct {
	Store     Store
	Bookings  booking.Store
	Vehicles  Vehicles
	Tariffs   pricing.Store
	Tenancy   tenancy.Store
	Customers customer.Store
	Payments  *payment.Service
	Records   Records
	Invoices  invoice.Store
	Issued    invoice.Reader
	Renderer  document.Renderer
	EInvoicer document.EInvoicer // nil: no e-invoices for business customers
	// Receipts keeps payments received outside the gateway; nil: the Store
	// when it implements ReceiptStore.
	Receipts ReceiptStore
	Mailer   Mailer
	Now      func() time.Time
	Log      *slog.Logger
	// Tenants lists the tenants Run resumes billing for; nil: Run does
	// nothing.
	Tenants Tenants
	// Jobs runs the items of the background job (ResumeBilling); nil:
	// failures are only logged, nothing is marked.
	Jobs *job.Runner
	// Pages keeps what customers enter on their booking page (the
	// pre-check-in); nil: PreCheckin is unavailable.
	Pages booking.PageStore
	// Covers and Payers give a rental's cover and its payer: billing
	// splits the final bill between payer and driver (Split); nil: the
	// driver pays everything.
	Covers payer.CoverStore
	Payers payer.Store
	// Collective finds the rentals of payers billed by collective invoice
	// (CollectivePreview); nil: there are none.
	Collective CollectiveStore
	// Assignments keeps the customers' signed assignments of claims
	// (SignAssignment); nil: none are taken.
	Assignments AssignmentStore
	// Plates are the red dealer plates a test drive or transfer may go
	// on; nil: the Store when it implements fleet.PlateStore.
	Plates fleet.PlateStore
	// Trips reads the trips on red plates; nil: the Store when it
	// implements TripStore.
	Trips TripStore
	// Starts finds and releases starts on a red plate nobody handed over
	// (ReleaseAbandonedStarts); nil: the Store when it implements
	// StartStore, else none are released.
	Starts StartStore
}

// Tenants lists every tenant (for the all-tenants system actor).
type Tenants interface {
	ListTenants(ctx context.Context) ([]tenancy.Tenant, error)
}

// Service runs handover, return, billing, later charges and refunds.
type Service struct{ d Deps }

// NewService returns a contract service (Now defaults to time.Now, Log to slog.Default()).
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if rs, ok := d.Store.(ReceiptStore); ok && d.Receipts == nil {
		d.Receipts = rs
	}
	if ps, ok := d.Store.(fleet.PlateStore); ok && d.Plates == nil {
		d.Plates = ps
	}
	if ts, ok := d.Store.(TripStore); ok && d.Trips == nil {
		d.Trips = ts
	}
	if ss, ok := d.Store.(StartStore); ok && d.Starts == nil {
		d.Starts = ss
	}
	return &Service{d: d}
}

// Store gives read access to the contract store (for handlers).
func (s *Service) Store() Store { return s.d.Store }

// cctx is a loaded contract with everything documents and mails need.
type cctx struct {
	MailContext
	ReturnStation tenancy.Station
	Tariff        pricing.Tariff
	WorkshopRef   string         // the workshop order the rental replaces the car of
	BookingStatus booking.Status // the reservation's status as load read it
}

func (s *Service) load(ctx context.Context, c Contract) (cctx, error) {
	var x cctx
	var err error
	x.Contract = c
	if x.Tenant, err = s.d.Tenancy.Tenant(ctx); err != nil {
		return x, err
	}
	// the stations are read as the system of the tenant: a station user
	// returning a one-way rental may not see the pickup station
	sys := identity.WithActor(ctx, identity.SystemFor(x.Tenant.ID))
	if x.Station, err = s.d.Tenancy.Station(sys, c.StationID); err != nil {
		return x, err
	}
	if x.ReturnStation, err = s.d.Tenancy.Station(sys, c.ReturnStationID); err != nil {
		return x, err
	}
	if x.Customer, err = s.d.Customers.Customer(ctx, c.CustomerID); err != nil {
		return x, err
	}
	// documents print the name and billing address the booking was made
	// with (its snapshot), whatever the customer record says now
	r, err := s.d.Bookings.Reservation(sys, c.ReservationID)
	if err != nil {
		return x, err
	}
	x.Customer = r.Billing.Of(x.Customer)
	x.WorkshopRef, x.BookingStatus = r.WorkshopRef, r.Status
	if x.Vehicle, err = s.d.Vehicles.Vehicle(sys, c.VehicleID); err != nil {
		return x, err
	}
	if x.Tariff, err = s.d.Tariffs.Tariff(ctx, c.TariffID); err != nil {
		return x, err
	}
	return x, nil
}

func lang(c customer.Customer) document.Lang { return document.Lang(c.Language).Or() }

// Handover starts the contract of a confirmed reservation: the main
// driver's licence must be checked (KindInvalid on "licence_checked"
// otherwise), drivers and readings valid (KindInvalid naming each field).
// The licence check is recorded with the signed-in user and the time. The
// handover protocol PDF is stored and e-mailed to the customer in the same
// transaction. Errors: KindNotFound, KindConflict (not confirmed, vehicle
// taken; "use.released" for a start the job released, see
// ReleaseAbandonedStarts), KindInvalid.
func (s *Service) Handover(ctx context.Context, h *Handover) (Contract, error) {
	now := s.d.Now().UTC()
	a, _ := identity.ActorFrom(ctx)
	f := append(errs.Fields{}, h.Invalid...)
	for i := range h.Drivers {
		h.Drivers[i].Normalize()
	}
	if err := ValidateDrivers(h.Drivers, now); err != nil {
		e, _ := errs.As(err)
		f = append(f, e.Fields...)
	}
	if !h.LicenceChecked {
		f.Add("licence_checked", "handover.licence_check_required")
	}
	h.Protocol.Kind = KindHandover
	h.Protocol.validateInto(&f)
	h.Protocol.UnsignedReason = strings.TrimSpace(h.Protocol.UnsignedReason)
	if len(h.Protocol.SignaturePNG) == 0 && h.Protocol.UnsignedReason == "" && !f.Has("signature") {
		f.Add("signature", "counter.sign_or_reason")
	}
	h.DueOverride = strings.TrimSpace(h.DueOverride)
	f.Line("due_override", h.DueOverride, MaxProtocolNotes)
	r, v, err := s.handoverCar(ctx, h)
	if err != nil {
		return Contract{}, err
	}
	// released by the job (nobody handed it over in time): nothing of the form matters
	if err := r.ReleasedError(s.bookingLoc(ctx, r)); err != nil {
		return Contract{}, err
	}
	s.checkCar(ctx, &f, h, r, v)
	if v.ID != 0 {
		h.Protocol.checkEnergy(&f, v.FuelType, v.FuelEighths, fleet.RecordsCharge(v.FuelType))
	}
	terms, err := s.handoverTerms(ctx, r, v, now)
	if err != nil {
		return Contract{}, err
	}
	if err := s.checkTiming(ctx, &f, h, r, terms, now); err != nil {
		return Contract{}, err
	}
	if err := f.Err(); err != nil {
		return Contract{}, err
	}
	for i := range h.Drivers {
		h.Drivers[i].CheckedBy, h.Drivers[i].CheckedByName = a.UserID, a.Name
		h.Drivers[i].CheckedAt = &now
	}
	h.Protocol.RecordedAt, h.Protocol.RecordedBy, h.Protocol.StaffName = now, a.UserID, a.Name
	if h.DueOverride != "" && v.InspectionDueBy(s.dueDay(ctx, r)) {
		// the reason goes on the protocol: the audit and the PDF keep it
		h.Protocol.Notes = strings.TrimSpace(h.Protocol.Notes + "\n" + "HU/Service: " + h.DueOverride)
	}
	for i := range h.Protocol.NewDamages {
		h.Protocol.NewDamages[i].Normalize()
	}
	h.Terms = terms
	c, err := s.d.Store.StartContract(ctx, h)
	if err != nil {
		return Contract{}, err
	}
	if err := s.sendProtocol(ctx, c, KindHandover); err != nil {
		return c, fmt.Errorf("contract %s started; handover protocol: %w", c.Number, err)
	}
	return c, nil
}

// handoverCar loads the reservation of a handover and the car to hand
// over (zero Vehicle when none is assigned or chosen).
func (s *Service) handoverCar(ctx context.Context, h *Handover) (booking.Reservation, fleet.Vehicle, error) {
	r, err := s.d.Bookings.Reservation(ctx, h.ReservationID)
	if err != nil {
		return r, fleet.Vehicle{}, err
	}
	vid := r.VehicleID
	if h.VehicleID != 0 {
		vid = h.VehicleID
	}
	if vid == 0 {
		return r, fleet.Vehicle{}, nil
	}
	v, err := s.d.Vehicles.Vehicle(identity.WithActor(ctx, identity.SystemFor(r.TenantID)), vid)
	if errs.Is(err, errs.KindNotFound) {
		err = errs.Invalid("error.fields_invalid", errs.Field("vehicle_id", "field.vehicle_choose"))
	}
	return r, v, err
}

// dueDay is the last local day of reservation r at its station: the car's
// HU must last until then.
func (s *Service) dueDay(ctx context.Context, r booking.Reservation) string {
	return r.Return.In(s.bookingLoc(ctx, r)).Format("2006-01-02")
}

// bookingLoc is the time zone of r's station (UTC when it cannot be read).
func (s *Service) bookingLoc(ctx context.Context, r booking.Reservation) *time.Location {
	if st, err := s.d.Tenancy.Station(ctx, r.StationID); err == nil {
		return st.Location()
	}
	return time.UTC
}

// checkCar adds the guard rails of the car handed over: the odometer
// never goes below the car's last reading, and a car whose HU runs out
// before the planned return needs staff's reason (DueOverride).
func (s *Service) checkCar(ctx context.Context, f *errs.Fields, h *Handover, r booking.Reservation, v fleet.Vehicle) {
	if v.ID == 0 {
		return
	}
	if h.Protocol.OdometerKM < v.OdometerKM && !f.Has("km") {
		f.Add("km", "counter.km_below_last", locale.Params{"km": locale.Km(v.OdometerKM)})
	}
	if err := booking.CheckDue(v, r.Return, s.bookingLoc(ctx, r), h.DueOverride); err != nil {
		if e, ok := errs.As(err); ok {
			*f = append(*f, e.Fields...)
		}
	}
}

// Timing says whether a handover now needs staff's confirmation: it comes
// more than the tenant's EarlyHandoverMinutes before the booked pickup, or
// while the station is closed (when it has opening hours). Key and Params
// are the message that says what it does to the rental days and the price
// (the rent runs from the handover).
type Timing struct {
	Ask    bool
	Key    locale.Key
	Params locale.Params
}

// HandoverTiming tells whether handing over reservation r now needs staff's
// confirmation, and why (the handover form asks before it is sent). Errors:
// those of reading the tenant, station and tariff.
func (s *Service) HandoverTiming(ctx context.Context, r booking.Reservation) (Timing, error) {
	now := s.d.Now().UTC()
	terms, err := s.handoverTerms(ctx, r, fleet.Vehicle{}, now)
	if err != nil {
		return Timing{}, err
	}
	return s.timing(ctx, r, terms, now)
}

// checkTiming adds the field error of an unconfirmed handover that needs
// confirmation (see Timing).
func (s *Service) checkTiming(ctx context.Context, f *errs.Fields, h *Handover, r booking.Reservation, terms pricing.Terms, now time.Time) error {
	if h.TimingConfirmed {
		return nil
	}
	tm, err := s.timing(ctx, r, terms, now)
	if err != nil || !tm.Ask {
		return err
	}
	f.Add("timing_confirmed", tm.Key, tm.Params)
	return nil
}

// timing computes Timing of a handover of r at now under terms.
func (s *Service) timing(ctx context.Context, r booking.Reservation, terms pricing.Terms, now time.Time) (Timing, error) {
	if r.Pickup.IsZero() {
		return Timing{}, nil
	}
	tn, err := s.d.Tenancy.Tenant(ctx)
	if err != nil {
		return Timing{}, err
	}
	st, err := s.d.Tenancy.Station(ctx, r.StationID) // the actor handing over sees its station
	if err != nil {
		return Timing{}, err
	}
	early := now.Before(r.Pickup.Add(-time.Duration(tn.EarlyHandoverMinutes) * time.Minute))
	closed := st.HasHours() && !st.OpenAt(now)
	if !early && !closed {
		return Timing{}, nil
	}
	loc := st.Location()
	t := pricing.Tariff{DayCounting: terms.DayCounting, GraceMinutes: terms.GraceMinutes}
	booked := pricing.RentalDays(t, r.Pickup, r.Return, loc)
	actual := pricing.RentalDays(t, now, r.Return, loc)
	key := locale.Key("counter.early_handover")
	switch same := actual <= booked; { // same: the rent runs from now, the number of days stays
	case early && same:
		key = "counter.early_handover_same"
	case !early && same:
		key = "counter.closed_handover_same"
	case !early:
		key = "counter.closed_handover"
	}
	return Timing{Ask: true, Key: key, Params: locale.Params{"pickup": locale.DateTime(r.Pickup.In(loc)), "n": actual, "booked": booked,
		"more": locale.Money(int64(max(0, actual-booked)) * terms.PricePerDayCents)}}, nil
}

// handoverTerms takes the terms snapshot of a handover: the reservation's
// tariff with the day price its booking was quoted, the deposit actually
// held for it (none when no deposit payment was approved), the tank of
// the car handed over, the tenant's VAT rate where the tariff has none and
// its damage setting.
func (s *Service) handoverTerms(ctx context.Context, r booking.Reservation, v fleet.Vehicle, now time.Time) (pricing.Terms, error) {
	tn, err := s.d.Tenancy.Tenant(ctx)
	if err != nil {
		return pricing.Terms{}, err
	}
	t, err := s.d.Tariffs.Tariff(ctx, r.TariffID)
	if err != nil {
		return pricing.Terms{}, err
	}
	var deposit int64
	if s.d.Records != nil {
		recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: r.ID})
		if err != nil {
			return pricing.Terms{}, err
		}
		deposit, _ = depositHeld(recs)
	}
	terms := pricing.TermsOf(t, r.DayPriceCents, deposit, v.TankLitres, tn.VATRateBP, tn.DamageTaxable, pricing.TermsAtHandover, now).
		WithCar(v.FuelType, v.BatteryKWh)
	if r.Use.Kind == booking.KindTestDrive { // the fee of the agreement signed now
		terms.TestDriveFeeCents = tn.TestDriveFeeCents
	}
	return terms, nil
}

// terms is the contract's terms snapshot; a contract without one (none
// exists after migration 0013) is billed by its current tariff.
func (x cctx) terms() pricing.Terms {
	if !x.Contract.Terms.IsZero() {
		return x.Contract.Terms
	}
	return pricing.TermsOf(x.Tariff, 0, x.Tariff.DepositCents, x.Vehicle.TankLitres, x.Tenant.VATRateBP, x.Tenant.DamageTaxable,
		pricing.TermsMigration, time.Time{}).WithCar(x.Vehicle.FuelType, x.Vehicle.BatteryKWh)
}

// WalkIn creates a walk-in reservation at the counter (source walk_in,
// confirmed, priced by the tariff) ready for the handover. Errors:
// KindInvalid, KindConflict "nothing_free".
func (s *Service) WalkIn(ctx context.Context, r *booking.Reservation) error {
	r.Source = "walk_in"
	return s.counterReservation(ctx, r)
}

// Reserve creates a reservation staff take by phone or at the counter for
// a later period (source admin, confirmed, priced by the tariff, paid at
// the counter): r names the customer, station, period, category or car,
// tariff, and optionally the workshop order and notes. The period follows
// the rules a website booking follows (booking.CheckPeriod: not in the
// past, within the station's opening hours, at most the tenant's longest
// rental) except the minimum notice. Errors: KindInvalid (every field at
// once, see CheckReservation), KindConflict "nothing_free" (no car of the
// category, or the chosen car, is free then).
func (s *Service) Reserve(ctx context.Context, r *booking.Reservation) error {
	f, err := s.CheckReservation(ctx, *r)
	if err != nil {
		return err
	}
	if r.CustomerID == 0 {
		f.Add("customer_id", "contract.customer_choose")
	}
	if err := f.Err(); err != nil {
		return err
	}
	r.Source = "admin"
	return s.counterReservation(ctx, r)
}

// CheckReservation returns every problem Reserve would find with r's
// fields, its customer aside (so that a form can show them together with
// the problems of a customer not stored yet); it changes nothing. Errors:
// those of reading the tenant.
func (s *Service) CheckReservation(ctx context.Context, r booking.Reservation) (errs.Fields, error) {
	f := counterFields(&r)
	if r.Pickup.IsZero() {
		f.Add("pickup", "field.required")
	}
	if r.Return.IsZero() {
		f.Add("return", "field.required")
	}
	if r.StationID != 0 && !r.Pickup.IsZero() && !r.Return.IsZero() {
		tn, err := s.d.Tenancy.Tenant(ctx)
		if err != nil {
			return nil, err
		}
		st, err := s.d.Tenancy.Station(ctx, r.StationID)
		if err != nil {
			f.Add("station_id", "field.station_choose")
			return f, nil
		}
		tn.MinNoticeMinutes = 0 // staff book at short notice
		for _, p := range booking.CheckPeriod(tn, st, r.Pickup, r.Return, s.d.Now().Add(-15*time.Minute)) {
			if p.Field == "return" && p.Key == "field.return_after_pickup" && f.Has("return") {
				continue
			}
			f.Add(p.Field, p.Key, p.Params)
		}
	}
	return f, nil
}

// counterFields checks the fields every reservation staff take needs, the
// customer aside; it trims the workshop order and notes.
func counterFields(r *booking.Reservation) errs.Fields {
	var f errs.Fields
	if r.StationID == 0 {
		f.Add("station_id", "field.station_choose")
	}
	if r.CategoryID == 0 && r.VehicleID == 0 {
		f.Add("category_id", "contract.category_or_vehicle")
	}
	if r.TariffID == 0 {
		f.Add("tariff_id", "field.tariff_choose")
	}
	if !r.Return.After(r.Pickup) {
		f.Add("return", "field.return_after_pickup")
	}
	r.WorkshopRef, r.Notes = strings.TrimSpace(r.WorkshopRef), strings.TrimSpace(r.Notes)
	f.Line("workshop_ref", r.WorkshopRef, booking.MaxWorkshopRef)
	f.Text("notes", r.Notes, booking.MaxNotes)
	return f
}

// counterReservation validates and stores a reservation staff take (see
// WalkIn and Reserve).
func (s *Service) counterReservation(ctx context.Context, r *booking.Reservation) error {
	f := counterFields(r)
	if r.CustomerID == 0 {
		f.Add("customer_id", "contract.customer_choose")
	}
	if err := f.Err(); err != nil {
		return err
	}
	t, err := s.d.Tariffs.Tariff(ctx, r.TariffID)
	if err != nil {
		return errs.Invalid("error.fields_invalid", errs.Field("tariff_id", "field.tariff_choose"))
	}
	st, err := s.d.Tenancy.Station(ctx, r.StationID)
	if err != nil {
		return err
	}
	q := pricing.QuoteFor(t, r.Pickup, r.Return, st.Location(), "EUR")
	r.Status = booking.StatusConfirmed
	r.DayPriceCents, r.EstimatedTotalCents, r.Currency = t.PricePerDayCents, q.RentCents, "EUR"
	if r.VehicleID != 0 && r.CategoryID == 0 {
		v, err := s.d.Vehicles.Vehicle(ctx, r.VehicleID)
		if err != nil {
			return err
		}
		r.CategoryID = v.CategoryID
	}
	return s.d.Store.CreateWalkIn(ctx, r)
}

// docReading is protocol p as its PDF prints it: no fuel for a pure
// electric car (by the terms' drive type), the state of charge and range
// where recorded.
func docReading(p Protocol, t pricing.Terms) document.Reading {
	return document.Reading{Time: p.RecordedAt, Km: p.OdometerKM, FuelEighths: p.FuelEighths, Cleanliness: document.Cleanliness(p.Cleanliness),
		NoFuel: !fleet.RecordsFuel(t.DriveType), ChargePercent: p.ChargePercent, RangeKM: p.RangeKM}
}

// DocVehicle is the car of contract c as documents and messages name it:
// the plate it is driven on — the red dealer plate of a test drive or
// transfer on one, with the car's own registration beside it — make, model
// and VIN.
func DocVehicle(c Contract, v fleet.Vehicle) document.Vehicle {
	d := document.Vehicle{Plate: v.Plate, Make: v.Make, Model: v.Model, VIN: v.VIN}
	if c.DealerPlate != "" {
		d.Plate, d.RedPlate, d.OwnPlate = c.DealerPlate, true, v.Plate
	}
	return d
}

// sendProtocol renders the handover or return protocol, stores it and
// queues its e-mail, in one transaction.
func (s *Service) sendProtocol(ctx context.Context, c Contract, kind string) error {
	x, err := s.load(ctx, c)
	if err != nil {
		return err
	}
	ps, err := s.d.Store.Protocols(ctx, c.ID)
	if err != nil {
		return err
	}
	var p, out *Protocol
	for i := range ps {
		if ps[i].Kind == kind {
			p = &ps[i]
		}
		if ps[i].Kind == KindHandover {
			out = &ps[i]
		}
	}
	if p == nil {
		return errs.NotFound("protocol_not_found")
	}
	damages, err := s.d.Vehicles.ListDamages(identity.WithActor(ctx, identity.SystemFor(x.Tenant.ID)), c.VehicleID, true)
	if err != nil {
		return err
	}
	doc := document.ProtocolDoc{Kind: document.ProtocolKind(kind), Lang: lang(x.Customer), Location: x.Station.Location(),
		Branding: Branding(x.Tenant), ContractNumber: c.Number,
		Vehicle:  DocVehicle(c, x.Vehicle),
		Customer: person(x.Customer), Station: station(x.Station),
		Reading: docReading(*p, x.terms()),
		Notes:   p.Notes, StaffName: p.StaffName, SignaturePNG: p.SignaturePNG, SignerName: p.SignerName,
		UnsignedReason: p.UnsignedReason}
	if kind == KindHandover && c.Kind == booking.KindTestDrive {
		l := lang(x.Customer)
		doc.AgreementTitle = l.T("kind.agreement_title")
		doc.Agreement = TestDriveAgreement(l, x.Tenant.TestDriveDeductibleCents, x.terms().TestDriveFeeCents)
	}
	if kind == KindReturn {
		doc.Station = station(x.ReturnStation)
		if out != nil {
			r := docReading(*out, x.terms())
			doc.Handover = &r
		}
	}
	for _, d := range damages {
		doc.Damages = append(doc.Damages, document.Damage{View: document.View(d.View), XPercent: d.X, YPercent: d.Y,
			Kind:     lang(x.Customer).T(locale.Key("damage.kind." + d.Kind)),
			Severity: damageSeverity(d.Severity), Description: d.Description, New: kind == KindReturn && d.ContractID == c.ID && d.ReportedAt.After(c.Start)})
	}
	pdf, err := s.d.Renderer.Protocol(ctx, doc)
	if err != nil {
		return err
	}
	p.NewDamages = nil
	for _, d := range doc.Damages {
		if d.New {
			p.NewDamages = append(p.NewDamages, fleet.Damage{Kind: d.Kind})
		}
	}
	var msg mail.Message
	docKind, name := DocHandover, lang(x.Customer).T("mail.file.handover")+"-"+c.Number+".pdf"
	if kind == KindReturn {
		docKind, name = DocReturn, lang(x.Customer).T("mail.file.return")+"-"+c.Number+".pdf"
		msg, err = s.d.Mailer.ReturnProtocol(x.MailContext, *p, pdf)
	} else {
		msg, err = s.d.Mailer.HandoverProtocol(x.MailContext, *p, pdf)
	}
	if err != nil {
		return err
	}
	_, err = s.d.Store.SaveDocument(ctx, c.ID, docKind, name, pdf, []mail.Queued{s.queued(x, msg)})
	return err
}

func (s *Service) queued(x cctx, msg mail.Message) mail.Queued {
	return mail.Queued{Links: mail.Links{StationID: x.Contract.StationID, ReservationID: x.Contract.ReservationID,
		ContractID: x.Contract.ID, CustomerID: x.Contract.CustomerID}, Message: msg}
}

// Branding returns what a tenant prints on its documents.
func Branding(tn tenancy.Tenant) document.Branding {
	return booking.Branding(tn)
}

func person(c customer.Customer) document.Person {
	p := document.Person{Name: c.Name(), Email: c.Email, Phone: c.Phone}
	if c.Street != "" {
		p.Address = append(p.Address, c.Street)
	}
	if c.PostalCode != "" || c.City != "" {
		p.Address = append(p.Address, c.PostalCode+" "+c.City)
	}
	if t, err := time.Parse("2006-01-02", c.BirthDate); err == nil {
		p.BirthDate = t
	}
	return p
}

func station(st tenancy.Station) document.Station {
	return document.Station{Name: st.Name, Address: []string{st.Street, st.PostalCode + " " + st.City}, Phone: st.Phone}
}
