package payment

import (
	"context"
	"mietwerk.dev/mietwerk/errs"
	"strings"
	"time"
)

// Status is where our record of one gateway attempt stands.
type Status string

// Record statuses. A record is written as Pending before its request goes
// out and resolved after; Unknown means the gateway's answer is still being
// found out by inquiry (the reconciler keeps asking).
const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusDeclined Status = "declined"
	StatusFailed   Status = "failed"
	StatusUnknown  Status = "unknown"
)

// Open reports whether the record still waits for its outcome.
func (s Status) Open() bool { return s == StatusPending || s == StatusUnknown }

// Links ties a payment to what it is for.
type Links struct {
	ReservationID int64
	ContractID    int64
	CustomerID    int64
	// Purpose says what the money is for: "rent", "deposit", "final",
	// "damage", "extension", "cancellation", "deposit_release", "refund".
	Purpose string
	// Test marks a payment of a test booking: it goes through a
	// simulator, never the tenant's own gateway (see TestGateways).
	Test bool
}

// Record is our bookkeeping of one gateway attempt (DESIGN invariant 3: no
// money without a record, no record without money).
type Record struct {
	ID       int64
	TenantID int64
	Links
	CardID   int64 // the stored card used or created
	ParentID int64 // for capture, void and refund: the record they act on

	Operation Operation
	Status    Status
	Amount    Amount

	MerchantTransactionID string
	OrderID               string
	GatewayTransactionID  string
	ApprovalCode          string
	SchemeTransactionID   string
	Card                  CardInfo
	ReasonCode            ReasonCode
	Message               string // for staff: the gateway's words, never card data

	Inquiries     int
	NextInquiryAt *time.Time
	CreatedAt     time.Time
	ResolvedAt    *time.Time

	token string // a token the gateway returned, until it is saved as a StoredCard
	// stored is the card saved with this record's outcome (resolve), so
	// that its payment need not read it back
	stored *StoredCard
}

// StoredCard is a card kept at the gateway as a token (DataStorage). Only
// the token, brand, last 4 digits and expiry are stored here.
type StoredCard struct {
	ID                  int64
	TenantID            int64
	CustomerID          int64
	Token               string
	Card                CardInfo
	SchemeTransactionID string // of the FIRST use, sent with merchant-initiated charges
	CreatedAt           time.Time
	// Test marks a card stored at a simulator by a test booking.
	Test bool
}

// RecordFilter selects records of a reservation, contract or customer.
type RecordFilter struct {
	ReservationID int64
	ContractID    int64
	CustomerID    int64
}

// Store is what the payment service needs from storage. Methods are scoped by
// the actor in ctx; the all-tenants system actor (the reconciler) may act on
// any tenant's records.
type Store interface {
	// InsertPayment stores a new record (status Pending) and commits it
	// before the request goes out.
	InsertPayment(ctx context.Context, r *Record) error
	// ResolvePayment stores what became of an attempt. A record leaves an
	// open status only once, except that Approved (money moved, found out
	// later) always wins over Failed.
	ResolvePayment(ctx context.Context, r *Record) error
	// ResolvePaymentWithCard is ResolvePayment for an approved first payment
	// that created a token: it stores c (or finds the card already stored
	// under its token), sets c.ID and r.CardID, and resolves r, in one
	// transaction.
	ResolvePaymentWithCard(ctx context.Context, r *Record, c *StoredCard) error
	// ResolvePaymentThen stores the approved outcome of r as
	// ResolvePayment does (as ResolvePaymentWithCard when c is not nil),
	// then applies guard g (none when nil) and records next as Pending
	// (InsertPayment), durably: r's outcome is stored before or with
	// next's record, and next is recorded only when g held. next.CardID,
	// when zero, becomes r's card. held reports whether g held and was
	// applied; held false with a nil error: g did not hold, and nothing of
	// next was recorded (r's outcome was). next.ID is set once next is
	// recorded, and only then may it be sent.
	ResolvePaymentThen(ctx context.Context, r *Record, c *StoredCard, g Guard, next *Record) (held bool, err error)
	Payment(ctx context.Context, id int64) (Record, error)
	ListPayments(ctx context.Context, f RecordFilter) ([]Record, error)
	// DuePayments lists open records due for an inquiry: Unknown ones whose
	// NextInquiryAt has passed and Pending ones created before stalePending
	// (their process died between writing and resolving them).
	DuePayments(ctx context.Context, now, stalePending time.Time, limit int) ([]Record, error)

	SaveCard(ctx context.Context, c *StoredCard) error
	StoredCard(ctx context.Context, id int64) (StoredCard, error)
}

// Gateways gives the gateway configured for a tenant.
type Gateways interface {
	Gateway(ctx context.Context, tenantID int64) (Gateway, error)
}

// TestGateways gives the simulated gateway the test-mode payments of a
// tenant go through, whatever gateway the tenant has itself.
type TestGateways interface {
	TestGateway(ctx context.Context, tenantID int64) (Gateway, error)
}

// ErrNoTestGateway answers a test-mode payment when there is no simulator
// to send it to: it is never sent to a real gateway instead.
var ErrNoTestGateway = errs.New(errs.KindUnavailable, "test_gateway_missing")

// GatewayFor returns the gateway a payment of the tenant goes through: for
// a test payment the simulator of gws (ErrNoTestGateway when gws has
// none), never the tenant's own gateway; else the tenant's gateway.
func GatewayFor(ctx context.Context, gws Gateways, tenantID int64, test bool) (Gateway, error) {
	if !test {
		return gws.Gateway(ctx, tenantID)
	}
	t, ok := gws.(TestGateways)
	if !ok {
		return nil, ErrNoTestGateway
	}
	return t.TestGateway(ctx, tenantID)
}

// RetryOrderID returns the order id for a new attempt at a payment whose
// earlier attempts are the primary records (sales and authorisations) in
// recs whose order id starts with base: base when there is none; the order
// id of the newest of them when it provably never reached the gateway
// (failed because it was not sent, or not found after the late window) —
// so that the gateway refuses the new attempt as a duplicate should the old
// one have arrived after all; else fresh (a gateway refuses a second
// primary transaction under an order id it knows, even a declined one).
func RetryOrderID(recs []Record, base, fresh string) string {
	var last *Record
	for i := range recs {
		r := &recs[i]
		if r.ParentID == 0 && strings.HasPrefix(r.OrderID, base) &&
			(r.Operation == OpSale || r.Operation == OpTokenSale || r.Operation == OpPreAuth || r.Operation == OpTokenPreAuth) {
			last = r
		}
	}
	switch {
	case last == nil:
		return base
	case last.Status == StatusFailed && (last.ReasonCode == ReasonNotSent || last.ReasonCode == ReasonNotFound):
		return last.OrderID
	}
	return fresh
}

// CardLast4 returns the last four digits of the card of the newest approved
// record in recs (in the order they were made) that names one, or "".
func CardLast4(recs []Record) string {
	for i := len(recs) - 1; i >= 0; i-- {
		if recs[i].Status == StatusApproved && recs[i].Card.Last4 != "" {
			return recs[i].Card.Last4
		}
	}
	return ""
}

// Left returns what of approved primary payment rec (a charge or a
// pre-authorisation) recs still hold: its amount less approved captures
// and refunds of it; nothing once it was voided or released.
func Left(recs []Record, rec Record) int64 {
	left := rec.Amount.Cents
	for _, r := range recs {
		if r.ParentID != rec.ID || r.Status != StatusApproved {
			continue
		}
		switch r.Operation {
		case OpCapture, OpRefund:
			left -= r.Amount.Cents
		case OpVoid, OpVoidPreAuth:
			left = 0
		}
	}
	return max(left, 0)
}
