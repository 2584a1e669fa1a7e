// Package booking owns reservations: the rules for when a car can be booked
// (opening hours, notice, length), the reservation's life cycle, and the
// storage contract for taking a free vehicle without overlap.
package booking

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/tenancy"
)

// Status is where a reservation stands.
type Status string

// Reservation statuses.
const (
	StatusPendingPayment Status = "pending_payment" // vehicle held while the card is charged
	StatusConfirmed      Status = "confirmed"       // paid, waiting for pickup
	StatusActive         Status = "active"          // handed over: a contract runs
	StatusCompleted      Status = "completed"       // returned and billed
	StatusCancelled      Status = "cancelled"
	StatusFailed         Status = "failed" // payment declined or failed; vehicle released
)

// Holds reports whether a reservation in this status holds its vehicle.
func (s Status) Holds() bool {
	return s == StatusPendingPayment || s == StatusConfirmed || s == StatusActive
}

// Reservation is a booked period at a station for a category.
type Reservation struct {
	ID              int64
	TenantID        int64
	Number          string
	StationID       int64
	ReturnStationID int64
	CustomerID      int64
	CategoryID      int64
	VehicleID       int64 // 0 until a vehicle is assigned
	TariffID        int64
	Pickup          time.Time
	Return          time.Time
	Status          Status
	Source          string // "api", "admin" or "walk_in"
	APIClientID     int64
	SecretHash      string // HashToken of the booking secret handed to its API creator; "" for others
	// Billing is the name and billing address the booking was made with:
	// its documents (and its contract's) print these.
	Billing     customer.Billing
	WorkshopRef string
	Notes       string
	Language    string
	// Use is the booking's kind (rental, test drive, internal use,
	// transfer) with what that kind records.
	Use Use
	// Test marks a booking made with a test-mode API key: its payments go
	// through a simulator, its documents are numbered TEST-…, it holds cars
	// apart from live bookings, live keys never see it, and it can be wiped.
	Test                bool
	DayPriceCents       int64
	DepositCents        int64
	EstimatedTotalCents int64
	Currency            string
	CancelledAt         *time.Time
	// CancelFeeCents is the fee a cancellation kept; CancelFeeWaived why
	// staff waived the tenant's fee ("" when not waived).
	CancelFeeCents  int64
	CancelFeeWaived string
	// ReleasedAt is when the background job released the booking, a start
	// on a red dealer plate nobody handed over in time (cancelled then;
	// see StartReleaseAt); nil for every other booking.
	ReleasedAt *time.Time
	CreatedAt  time.Time
	UpdatedAt  time.Time

	// CalendarSequence is the revision of the booking's calendar entries:
	// 0 as confirmed, one more with every change of the period.
	CalendarSequence int

	// IdempotencyKey is the Idempotency-Key of the API request that created
	// the booking ("" otherwise), bound in the same transaction: a retry
	// with the key resumes this booking.
	IdempotencyKey string
	// LeaseUntil is set while a process works on the booking (a request or
	// the job finishing it); another process waits until it has passed.
	LeaseUntil *time.Time
	// SettledAt is when a cancellation was finished: credit note, refunds
	// and the customer's e-mail done (nil while it is not).
	SettledAt *time.Time
}

// Transition is a status change of a reservation together with what must
// be stored in the same transaction.
type Transition struct {
	ID   int64
	From []Status
	// To is the new status; it may be the current one (in From), then only
	// the rest applies.
	To Status
	// Settle marks a cancellation finished.
	Settle bool
	// Release gives up the lease of the booking.
	Release bool
	// Mails are queued in the same transaction.
	Mails []mail.Queued
	// AuditAction, when set, is logged for the booking with AuditDetail
	// (besides the status change, which is always logged).
	AuditAction string
	AuditDetail map[string]any
}

// Reason codes why a period cannot be booked.
const (
	ReasonInPast         = "in_past"
	ReasonTooShortNotice = "too_short_notice"
	ReasonTooLong        = "too_long"
	ReasonClosedPickup   = "closed_on_pickup_day"
	ReasonClosedReturn   = "closed_on_return_day"
	ReasonOutsideHours   = "outside_opening_hours"
	ReasonReturnBefore   = "return_before_pickup"
	ReasonNothingFree    = "nothing_free"
)

// Problem is one reason a period cannot be booked: a stable reason code
// (for API clients), the field it concerns, and the catalog text (Key with
// Params) that explains it.
type Problem struct {
	Code   string
	Field  string
	Key    locale.Key
	Params locale.Params
}

// Text returns the explanation of p in language l.
func (p Problem) Text(l locale.Lang) string { return l.T(p.Key, p.Params) }

// CheckPeriod returns every rule that [pickup, ret) at station st breaks
// under the tenant's settings at instant now; none means bookable (if a car
// is free). Pickup and return must fall within the station's opening hours
// (honouring exceptions), at least MinNoticeMinutes after now, and the
// rental may last at most MaxRentalDays.
func CheckPeriod(tn tenancy.Tenant, st tenancy.Station, pickup, ret, now time.Time) []Problem {
	var ps []Problem
	if !ret.After(pickup) {
		return []Problem{{Code: ReasonReturnBefore, Field: "return", Key: "field.return_after_pickup"}}
	}
	if pickup.Before(now) {
		ps = append(ps, Problem{Code: ReasonInPast, Field: "pickup", Key: "booking.pickup_passed"})
	} else if pickup.Before(now.Add(time.Duration(tn.MinNoticeMinutes) * time.Minute)) {
		p := Problem{Code: ReasonTooShortNotice, Field: "pickup", Key: "booking.notice_minutes", Params: locale.Params{"n": tn.MinNoticeMinutes}}
		if tn.MinNoticeMinutes%60 == 0 {
			p.Key, p.Params = "booking.notice_hours", locale.Params{"n": tn.MinNoticeMinutes / 60}
		}
		ps = append(ps, p)
	}
	if tn.MaxRentalDays > 0 && ret.Sub(pickup) > time.Duration(tn.MaxRentalDays)*24*time.Hour {
		ps = append(ps, Problem{Code: ReasonTooLong, Field: "return", Key: "booking.too_long", Params: locale.Params{"n": tn.MaxRentalDays}})
	}
	for _, x := range []struct {
		field  string
		t      time.Time
		closed string
	}{{"pickup", pickup, ReasonClosedPickup}, {"return", ret, ReasonClosedReturn}} {
		if len(st.SpansOn(x.t)) == 0 {
			ps = append(ps, Problem{Code: x.closed, Field: x.field, Key: "booking.closed_day"})
		} else if !st.OpenAt(x.t) {
			ps = append(ps, Problem{Code: ReasonOutsideHours, Field: x.field, Key: "booking.outside_hours",
				Params: locale.Params{"hours": tenancy.FormatSpans(st.SpansOn(x.t))}})
		}
	}
	return ps
}

// Free is how many vehicles of a category are free for a period at a station.
type Free struct {
	CategoryID int64
	Free       int
	Total      int
}

// Filter selects reservations in lists.
type Filter struct {
	StationID  int64
	Status     Status
	CustomerID int64
	From, To   time.Time // pickups or returns within [From, To)
	Limit      int
	Offset     int
}

// Store is what bookings need from storage, scoped by the actor in ctx.
type Store interface {
	// Availability counts free vehicles per category at a station for a period.
	Availability(ctx context.Context, stationID int64, pickup, ret time.Time) ([]Free, error)
	// CreateReservation numbers the reservation and takes a free vehicle of
	// its category at its station in the same transaction. Errors:
	// KindConflict "nothing_free" when every vehicle is taken.
	CreateReservation(ctx context.Context, r *Reservation) error
	// CreateReservationFor upserts customer c by e-mail (as
	// customer.Store.UpsertCustomer, audited) and creates r for it, in one
	// transaction: when no vehicle is free (KindConflict "nothing_free") or
	// the customer is blocked (KindConflict), nothing is written. r's
	// IdempotencyKey and LeaseUntil are stored with it; a key already bound
	// to a live booking of the API client is KindConflict "idempotency_key_bound".
	CreateReservationFor(ctx context.Context, c *customer.Customer, r *Reservation) error
	// CreateReservationPaying is CreateReservationFor that also records
	// rent — the booking's first payment, prepared and still pending
	// (payment.Prepared.Record) — in the same transaction, so that it is
	// durable with the booking, before it is sent: its ReservationID,
	// CustomerID and OrderID (the booking number) are set from r, and
	// card, when not nil (a card tokenised in the browser,
	// payment.Prepared.Card), is saved for r's customer first, its ID
	// becoming rent.CardID (a card deleted meanwhile: KindNotFound
	// "stored_card_not_found", nothing written). rent.ID is set when the
	// booking was created; a booking not created records nothing. rent and
	// card must be of r's mode (test or live). cover, when not nil, is
	// stored as r's cover (as payer.CoverStore.SetCover would, audited,
	// with its payer's terms as of now) in the same transaction, after the
	// car is taken: checked again against its payer there (KindInvalid
	// with field errors, and nothing is written); its ReservationID is set.
	CreateReservationPaying(ctx context.Context, c *customer.Customer, r *Reservation, rent *payment.Record, card *payment.StoredCard,
		cover *payer.Cover) error
	Reservation(ctx context.Context, id int64) (Reservation, error)
	ReservationByNumber(ctx context.Context, number string) (Reservation, error)
	ListReservations(ctx context.Context, f Filter) ([]Reservation, int, error)
	// SetReservationStatus moves a reservation from one of from to to; a
	// status that does not hold a vehicle releases it. Errors: KindConflict.
	SetReservationStatus(ctx context.Context, id int64, from []Status, to Status) error
}
