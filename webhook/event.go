package webhook

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// Type is the type of an event, e.g. "booking.confirmed": the object it is
// about, a full stop, what happened.
type Type string

// The event types. Each names the object its data carries (Object).
const (
	BookingConfirmed Type = "booking.confirmed"
	BookingFailed    Type = "booking.failed"
	BookingChanged   Type = "booking.changed"
	BookingCancelled Type = "booking.cancelled"
	ContractStarted  Type = "contract.started"
	ContractEnded    Type = "contract.ended"
	InvoiceIssued    Type = "invoice.issued"
	PaymentSucceeded Type = "payment.succeeded"
	PaymentFailed    Type = "payment.failed"
)

// Types lists every event type in the order forms and documents show them.
var Types = []Type{BookingConfirmed, BookingFailed, BookingChanged, BookingCancelled, ContractStarted, ContractEnded,
	InvoiceIssued, PaymentSucceeded, PaymentFailed}

// Valid reports whether t is a known event type.
func (t Type) Valid() bool {
	for _, x := range Types {
		if x == t {
			return true
		}
	}
	return false
}

// Object is the kind of object an event's data carries.
type Object string

// The objects of events.
const (
	ObjectBooking  Object = "booking"
	ObjectContract Object = "contract"
	ObjectInvoice  Object = "invoice"
	ObjectPayment  Object = "payment"
)

// Object returns the kind of object events of type t carry: the part before
// the full stop.
func (t Type) Object() Object {
	o, _, _ := strings.Cut(string(t), ".")
	return Object(o)
}

// Ref names the object of an event and the booking it belongs to.
type Ref struct {
	ReservationID int64
	ContractID    int64
	InvoiceID     int64
	PaymentID     int64
	// Label is how people recognise the object: the booking, contract or
	// invoice number, or for a payment its booking's number.
	Label string
	// Booking is the number of the booking the object belongs to. Events
	// of one booking (its contract, invoices and payments too) are
	// delivered to each endpoint in the order they happened.
	Booking string
}

// OrderKey is what deliveries are ordered by: the booking, else the object.
func (r Ref) OrderKey() string {
	if r.Booking != "" {
		return "booking:" + r.Booking
	}
	return "object:" + r.Label
}

// Event is one thing that happened, as queued by the transaction that
// caused it.
type Event struct {
	ID         int64
	TenantID   int64
	MessageID  string // the webhook-id header: "msg_" and 26 characters; the same on every retry
	Type       Type
	Test       bool // caused by a test-mode API key: only test endpoints get it
	Ref        Ref
	OccurredAt time.Time
	// Payload is the body as sent ({"type", "timestamp", "data"}); nil
	// until it has been rendered after the commit.
	Payload []byte
	// RenderAttempts counts failed attempts to render the payload.
	RenderAttempts int
}

// NewMessageID returns a new message id: "msg_" and 26 random characters
// (130 bits) of lower-case base32, never a full stop (the signed content
// is "id.timestamp.body").
func NewMessageID() string {
	b := make([]byte, 17)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return "msg_" + strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b))[:26]
}
