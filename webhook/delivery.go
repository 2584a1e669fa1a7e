package webhook

import (
	"encoding/json"
	"time"
)

// Status is where a delivery stands.
type Status string

// Delivery statuses.
const (
	StatusPending   Status = "pending"   // waiting for its (next) attempt
	StatusDelivered Status = "delivered" // a 2xx answer came back
	StatusFailed    Status = "failed"    // given up; an administrator can send it again
)

// Delivery is one event on its way to one endpoint.
type Delivery struct {
	ID             int64
	TenantID       int64
	EventID        int64
	EndpointID     int64
	Status         Status
	Attempts       int
	NextAttemptAt  time.Time
	FirstAttemptAt *time.Time
	LastStatus     int    // HTTP status of the last attempt; 0: none or no answer
	LastError      string // why the last attempt failed
	DeliveredAt    *time.Time
	CreatedAt      time.Time
	// Of the event, for lists.
	Type        Type
	MessageID   string
	Test        bool
	Label       string // booking, contract or invoice number
	OccurredAt  time.Time
	EndpointURL string
}

// Attempt is one try to deliver, with the receiver's answer.
type Attempt struct {
	At         time.Time
	StatusCode int    // 0: no HTTP answer
	Response   string // the start of the answer's body
	Error      string // why it failed without an answer, or what the answer means
	Duration   time.Duration
	Worker     string
}

// OK reports whether the attempt delivered the event (a 2xx answer).
func (a Attempt) OK() bool { return a.StatusCode >= 200 && a.StatusCode <= 299 }

// Claim is a delivery leased to a worker, with what sending it needs.
type Claim struct {
	Delivery
	URL     string
	Secret  string
	Payload []byte
}

// DeliveryFilter selects deliveries for the admin log.
type DeliveryFilter struct {
	EndpointID    int64
	Status        Status
	Limit, Offset int
}

// Body builds the payload of an event whose object ev.Type names is data:
// {"type", "timestamp" (when it happened, RFC 3339 in UTC), "data"}.
func Body(ev Event, data []byte) ([]byte, error) {
	return json.Marshal(struct {
		Type      Type            `json:"type"`
		Timestamp string          `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}{ev.Type, ev.OccurredAt.UTC().Format(time.RFC3339Nano), data})
}
