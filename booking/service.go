package booking

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// Change is a new period and price for a reservation (ChangeStore).
type Change struct {
	ReservationID       int64
	Pickup, Return      time.Time
	TariffID            int64
	DayPriceCents       int64
	EstimatedTotalCents int64
}

// ChangeStore is what changing and finishing bookings needs from storage
// beyond Store.
type ChangeStore interface {
	// ChangeReservation moves a reservation to a new period (keeping its
	// vehicle when it is free, else taking another) and stores its new
	// price, atomically. Errors: KindConflict "nothing_free", "booking_status".
	ChangeReservation(ctx context.Context, ch Change) (Reservation, error)
	// CancelReservation cancels a confirmed reservation (releasing its
	// vehicle), keeping the fee charged and why staff waived the tenant's
	// fee ("" when not), audit-logged. Errors: KindConflict, KindNotFound.
	CancelReservation(ctx context.Context, id int64, feeCents int64, waived string) error
	// PendingReservations lists pending_payment reservations created before
	// createdBefore (all tenants for the all-tenants system actor).
	PendingReservations(ctx context.Context, createdBefore time.Time, limit int) ([]Reservation, error)
	// ReservationsWithFailedRefunds lists reservations (all tenants for the
	// all-tenants system actor) with a refund that ended failed or declined,
	// and fewer than maxFailed that the gateway refused (not counting those
	// never sent).
	ReservationsWithFailedRefunds(ctx context.Context, maxFailed, limit int) ([]Reservation, error)
	// ChangeBookingCustomer merges in into the booking's customer record
	// (audited as a change by the booking) and into the booking's billing
	// snapshot, atomically, and returns the customer as the booking shows
	// it. Errors: KindNotFound, KindConflict "customer_restricted".
	ChangeBookingCustomer(ctx context.Context, reservationID int64, in customer.Customer) (customer.Customer, error)

	// ReservationByIdempotencyKey returns the newest booking the actor's
	// API client created with key since since. Errors: KindNotFound.
	ReservationByIdempotencyKey(ctx context.Context, key string, since time.Time) (Reservation, error)
	// SetBookingSecret replaces the hash of the booking's secret (only the
	// API client that created it). Errors: KindNotFound.
	SetBookingSecret(ctx context.Context, id int64, hash string) error
	// ClaimReservation takes the booking's lease until until, when nobody
	// holds it (or it has expired). Errors: KindConflict "booking_busy".
	ClaimReservation(ctx context.Context, id int64, until time.Time) error
	// RenewReservation moves the lease the caller holds (lease_until =
	// held) to until, or gives it up for a zero until. Errors: KindConflict
	// "booking_busy" when the caller lost it.
	RenewReservation(ctx context.Context, id int64, held, until time.Time) error
	// TransitionReservation applies t atomically (see Transition), audit-
	// logged; a status that does not hold a vehicle releases it. Errors:
	// KindConflict "booking_status" when the status is not one of t.From.
	TransitionReservation(ctx context.Context, t Transition) error
	// UnsettledCancellations lists cancelled bookings whose cancellation is
	// not finished, last changed before before and not leased (all tenants
	// for the all-tenants system actor).
	UnsettledCancellations(ctx context.Context, before time.Time, limit int) ([]Reservation, error)
	// ReservationsWithStrayMoney lists failed bookings (all tenants for the
	// all-tenants system actor) holding an approved payment that no
	// approved or open void/refund reverses, with fewer than maxFailed
	// reversals the gateway refused (not counting those never sent).
	ReservationsWithStrayMoney(ctx context.Context, maxFailed, limit int) ([]Reservation, error)
}

// Categories looks up a tenant's vehicle categories.
type Categories interface {
	ListCategories(ctx context.Context) ([]fleet.Category, error)
}

// PaymentRecords reads payment records and stores cards tokenised by an
// integrator in the browser.
type PaymentRecords interface {
	ListPayments(ctx context.Context, f payment.RecordFilter) ([]payment.Record, error)
	SaveCard(ctx context.Context, c *payment.StoredCard) error
}

// MailContext is what every booking message is built from.
type MailContext struct {
	Tenant      tenancy.Tenant
	Station     tenancy.Station
	Category    fleet.Category
	Customer    customer.Customer
	Reservation Reservation
	// PageToken opens the customer's own booking page; set only for the
	// confirmation, the one message that carries the link.
	PageToken string
}

// Mailer builds the customer messages of a booking (implemented over the
// e-mail templates outside the domain).
type Mailer interface {
	// Confirmation is the confirmation of a booking paid online, with the
	// advance invoice PDF: the rent paid (q.PaidCents), the deposit held
	// and, when a payer covers a part, the expected rent and who pays
	// which share (q.Split). q.Online is true.
	Confirmation(m MailContext, inv invoice.Issued, pdf []byte, q ConfirmQuote) (mail.Message, error)
	// CounterConfirmation confirms a booking staff made at the counter or
	// on the phone: nothing is paid yet; it names the estimated rent and
	// the deposit, both due at pickup, and, when a payer covers a part,
	// who pays which share (q.Split).
	CounterConfirmation(m MailContext, q ConfirmQuote) (mail.Message, error)
	// CoverUpdate is the confirmation again after the booking's cover
	// changed: "updated", with the rent split as it is now (q.Split; zero:
	// the driver pays all) and, for a booking paid online, what was paid.
	CoverUpdate(m MailContext, q ConfirmQuote) (mail.Message, error)
	// Invoice sends a further advance invoice (a period change that costs more).
	Invoice(m MailContext, inv invoice.Issued, pdf []byte) (mail.Message, error)
	// CreditNote sends a credit note (refund after a change or cancellation).
	CreditNote(m MailContext, inv invoice.Issued, pdf []byte, corrects string) (mail.Message, error)
	// Cancellation confirms a cancellation with the fee kept (or waived),
	// the refunded amount and the deposit released (and the calendar file
	// that removes the booking's entries).
	Cancellation(m MailContext, q CancelQuote) (mail.Message, error)
	// Change tells the customer the booking's new period, with the calendar
	// file that updates the entries (revision m.Reservation.CalendarSequence).
	Change(m MailContext) (mail.Message, error)
	// Failed tells the customer that the booking could not be completed:
	// reason is a customer-safe text in the customer's language; charged
	// says money was taken or reserved and is being given back.
	Failed(m MailContext, reason string, charged bool) (mail.Message, error)
}

// CostSplit is what a booking is expected to cost in all and who pays
// which part, as its reservation page shows it (contract.Estimate: the
// planned period billed and split as the return will).
type CostSplit struct {
	TotalCents  int64  // the whole rental, gross (a payer's agreed rate may differ from the tariff's)
	PayerCents  int64  // the payer's share, gross
	DriverCents int64  // the driver's share, gross, before advances
	PayerName   string // who pays PayerCents ("": nobody but the driver)
	// Internal: a cost centre of the dealership pays (courtesy car); the
	// customer is told the dealership pays, not the cost centre's name.
	Internal bool
}

// Covered reports whether someone other than the driver pays a part.
func (c CostSplit) Covered() bool { return c.PayerName != "" }

// Estimator splits the expected cost of a booking between its payer and
// its driver (contract.Service, wired outside the domain).
type Estimator interface {
	// ReservationSplit is the split the reservation page shows for
	// reservation id: the zero CostSplit when the driver pays all or the
	// rental cannot be estimated. Errors: KindNotFound.
	ReservationSplit(ctx context.Context, reservationID int64) (CostSplit, error)
}

// ConfirmQuote is what a booking's confirmation quotes beyond the booking.
type ConfirmQuote struct {
	EstimateCents int64     // the expected rent in all: Split.TotalCents when covered, else the stored estimate
	DepositCents  int64     // the deposit: due at pickup, or held (paid online)
	Split         CostSplit // zero: the driver pays all
	// Online: the booking was paid online (one day's rent, PaidCents,
	// and the deposit held); else everything is due at pickup.
	Online    bool
	PaidCents int64
}

// Outbox queues a message on its own (a cancellation without a refund).
type Outbox interface {
	QueueEmail(ctx context.Context, q *mail.Queued) error
}

// Deps are the ports the booking service works over.
type Deps struct {
	Bookings   Store
	Changes    ChangeStore
	Customers  customer.Store
	Tariffs    pricing.Store
	Tenancy    tenancy.Store
	Categories Categories
	Payments   *payment.Service
	Records    PaymentRecords
	Invoices   invoice.Store
	Issued     invoice.Reader
	Renderer   document.Renderer
	EInvoicer  document.EInvoicer // nil: no e-invoices for business customers
	Mailer     Mailer
	Outbox     Outbox
	// Estimates splits a booking's expected cost for its confirmations;
	// nil: they quote the stored estimate alone.
	Estimates Estimator
	Now       func() time.Time
	Log       *slog.Logger
	// Jobs runs the items of the background jobs (FinishPending,
	// RetryRefunds, FinishCancellations, ReturnStrayMoney); nil: failures
	// are only logged, nothing is marked.
	Jobs *job.Runner

	// Occupancy reads the availability calendar's month; nil: Bookings
	// when it implements OccupancyStore.
	Occupancy OccupancyStore
	// Lease is how long a process may work on one booking before another
	// one may take it over (default 5 min; keep it above the time two
	// gateway calls with their inquiries can take).
	Lease time.Duration
	// Stages, when set, is told how long each stage of a Book took
	// (StageValidate, StageCar, StagePayment, StageIssue, StageAnswer): the
	// metrics' booking-stage histograms.
	Stages func(stage string, d time.Duration)
}

// The stages of a booking, as Deps.Stages names them.
const (
	StageValidate = "validate" // the references read and the request checked
	StageCar      = "car"      // the customer written and a car taken
	StagePayment  = "payment"  // rent and deposit through the gateway
	StageIssue    = "issue"    // advance invoice, confirmation e-mail, confirmed
	StageAnswer   = "answer"   // the booking read back for the answer
)

// stageTimer returns a function that reports the time since the last call
// (or since stageTimer) as the stage named, to Deps.Stages.
func (s *Service) stageTimer() func(stage string) {
	start := time.Now()
	return func(stage string) {
		now := time.Now()
		if s.d.Stages != nil {
			s.d.Stages(stage, now.Sub(start))
		}
		start = now
	}
}

// Service books, changes and cancels reservations for API clients: it
// validates, upserts the customer, takes a vehicle, moves the money, issues
// invoices and credit notes and queues the e-mails.
type Service struct {
	d Deps
}

// NewService returns a booking service (Now defaults to time.Now, Log to slog.Default()).
func NewService(d Deps) *Service {
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.Occupancy == nil {
		d.Occupancy, _ = d.Bookings.(OccupancyStore)
	}
	if d.Lease == 0 {
		d.Lease = 5 * time.Minute
	}
	return &Service{d: d}
}

// Offer is the answer for one category of an availability query.
type Offer struct {
	Category  fleet.Category
	Available bool
	Free      int
	Tariff    *pricing.Tariff
	Quote     *pricing.Quote
	VATRateBP int
	Reasons   []Problem // why not available
}

// AvailabilityQuery asks what can be booked at a station for a period.
type AvailabilityQuery struct {
	StationCode  string
	CategoryCode string // optional: only this category
	Pickup       time.Time
	Return       time.Time
	Workshop     bool // price with the workshop-replacement tariff when one applies
}

// Reason code for a category without a valid tariff.
const ReasonNoTariff = "no_tariff"

// Availability answers per active category of the station's tenant whether
// it can be booked for the period, how many vehicles are free, its tariff
// and quote, and why not. Errors: KindInvalid (unknown station or
// category, with field errors).
func (s *Service) Availability(ctx context.Context, q AvailabilityQuery) (tenancy.Station, []Offer, error) {
	var f errs.Fields
	tn, err := s.d.Tenancy.Tenant(ctx)
	if err != nil {
		return tenancy.Station{}, nil, err
	}
	st, cats, err := s.lookup(ctx, &f, q.StationCode, q.CategoryCode, q.CategoryCode != "")
	if err != nil {
		return st, nil, err
	}
	if q.Pickup.IsZero() {
		f.Add("pickup", "request.time_required")
	}
	if q.Return.IsZero() {
		f.Add("return", "request.time_required")
	}
	if err := f.Err(); err != nil {
		return st, nil, err
	}
	period := CheckPeriod(tn, st, q.Pickup, q.Return, s.d.Now())
	var free []Free
	if q.Return.After(q.Pickup) {
		if free, err = s.d.Bookings.Availability(ctx, st.ID, q.Pickup, q.Return); err != nil {
			return st, nil, err
		}
	}
	tariffs, err := s.d.Tariffs.ListTariffs(ctx)
	if err != nil {
		return st, nil, err
	}
	freeBy := map[int64]int{}
	for _, x := range free {
		freeBy[x.CategoryID] = x.Free
	}
	date := q.Pickup.In(st.Location()).Format("2006-01-02")
	out := make([]Offer, 0, len(cats))
	for _, c := range cats {
		o := Offer{Category: c, Free: freeBy[c.ID], VATRateBP: tn.VATRateBP}
		o.Reasons = append(o.Reasons, period...)
		if t, ok := pricing.Best(tariffs, c.ID, date, q.Workshop); ok {
			qt := pricing.QuoteFor(t, q.Pickup, q.Return, st.Location(), tn.Currency)
			o.Tariff, o.Quote = &t, &qt
		} else {
			o.Reasons = append(o.Reasons, Problem{Code: ReasonNoTariff, Field: "category", Key: "booking.no_tariff"})
		}
		if len(period) == 0 && o.Free == 0 {
			o.Reasons = append(o.Reasons, Problem{Code: ReasonNothingFree, Field: "category", Key: "booking.all_taken"})
		}
		o.Available = len(o.Reasons) == 0
		out = append(out, o)
	}
	return st, out, nil
}

// lookup resolves a station and categories by code, adding field errors.
func (s *Service) lookup(ctx context.Context, f *errs.Fields, stationCode, categoryCode string, oneCategory bool) (tenancy.Station, []fleet.Category, error) {
	var st tenancy.Station
	code := strings.ToUpper(strings.TrimSpace(stationCode))
	f.Line("station", code, maxCode)
	switch {
	case f.Has("station"): // not a code: nothing to look up
	case code == "":
		f.Add("station", "booking.station_required")
	default:
		var err error
		st, err = s.d.Tenancy.StationByCode(ctx, code)
		if errs.Is(err, errs.KindNotFound) || (err == nil && !st.Active) {
			f.Add("station", "booking.station_unknown", locale.Params{"code": code})
		} else if err != nil {
			return st, nil, err
		}
	}
	all, err := s.d.Categories.ListCategories(ctx)
	if err != nil {
		return st, nil, err
	}
	var cats []fleet.Category
	cc := strings.ToUpper(strings.TrimSpace(categoryCode))
	f.Line("category", cc, maxCode)
	for _, c := range all {
		if c.Active && (!oneCategory || c.Code == cc) {
			cats = append(cats, c)
		}
	}
	if oneCategory && len(cats) == 0 && !f.Has("category") {
		if cc == "" {
			f.Add("category", "booking.category_required")
		} else {
			f.Add("category", "booking.category_unknown", locale.Params{"code": cc})
		}
	}
	return st, cats, nil
}

func quote(s string) string { return "\"" + s + "\"" }

// maxCode is the longest station or category code a request may name.
const maxCode = 16

// Stations lists the tenant's active stations.
func (s *Service) Stations(ctx context.Context) ([]tenancy.Station, error) {
	all, err := s.d.Tenancy.ListStations(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, st := range all {
		if st.Active {
			out = append(out, st)
		}
	}
	return out, nil
}

// Categories lists the tenant's active vehicle categories.
func (s *Service) Categories(ctx context.Context) ([]fleet.Category, error) {
	all, err := s.d.Categories.ListCategories(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0:0]
	for _, c := range all {
		if c.Active {
			out = append(out, c)
		}
	}
	return out, nil
}

// Names of the booking service's background jobs (job.Runner, and the
// attention records staff see).
const (
	JobFinishPending       = "booking.finish_pending"
	JobRetryRefunds        = "booking.retry_refunds"
	JobFinishCancellations = "booking.finish_cancellations"
	JobReturnStrayMoney    = "booking.return_stray_money"
)
