package webhook

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Store is what endpoint management and the delivery log need, scoped by
// the actor in ctx: a tenant's administrators (or the system for one
// tenant) manage its endpoints; others get errs.KindForbidden, and objects
// of other tenants are errs.KindNotFound. Endpoints are read without their
// secret.
type Store interface {
	CreateEndpoint(ctx context.Context, e *Endpoint) error
	ListEndpoints(ctx context.Context) ([]Endpoint, error)
	Endpoint(ctx context.Context, id int64) (Endpoint, error)
	// UpdateEndpoint saves URL, description, events and test of e.
	UpdateEndpoint(ctx context.Context, e Endpoint) error
	// SetEndpointEnabled switches an endpoint on (forgetting why it was
	// off and its failures) or off (DisabledByAdmin).
	SetEndpointEnabled(ctx context.Context, id int64, enabled bool) error
	// DeleteEndpoint deletes an endpoint with its deliveries.
	DeleteEndpoint(ctx context.Context, id int64) error
	ListDeliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, int, error)
	// Delivery returns one delivery with its attempts, oldest first, and
	// its payload (nil while not rendered).
	Delivery(ctx context.Context, id int64) (Delivery, []Attempt, []byte, error)
	// ResendDelivery makes a delivered or failed delivery due now again
	// (with the same webhook-id, payload and attempt history); audited.
	// Errors: KindConflict "webhook_delivery_pending" for a pending one.
	ResendDelivery(ctx context.Context, id int64) error
	// DisabledEndpoints counts the tenant's endpoints disabled by failures
	// (for the notice in the admin web).
	DisabledEndpoints(ctx context.Context) (int, error)
}

// Input is what an administrator enters for an endpoint.
type Input struct {
	URL         string
	Description string
	Events      []Type // none: every type
	Test        bool
}

// Service manages a tenant's endpoints and its delivery log.
type Service struct {
	store  Store
	policy Policy
}

// NewService returns the endpoint management over store; policy decides
// which URLs are allowed.
func NewService(store Store, policy Policy) *Service {
	return &Service{store: store, policy: policy}
}

// Policy returns the URL policy the service applies.
func (s *Service) Policy() Policy { return s.policy }

// check validates in: every problem at once (KindInvalid).
func (s *Service) check(ctx context.Context, in Input) (Input, error) {
	var f errs.Fields
	u, fe := s.policy.CheckURL(ctx, "url", in.URL)
	if fe != nil {
		f = append(f, *fe)
	}
	in.URL = u
	in.Description = strings.TrimSpace(in.Description)
	if utf8.RuneCountInString(in.Description) > MaxDescription {
		f.Add("description", "field.too_long", locale.Params{"n": MaxDescription})
	} else if strings.ContainsFunc(in.Description, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		f.Add("description", "webhook.description_line")
	}
	for _, t := range in.Events {
		if !t.Valid() {
			f.Add("events", "webhook.event_unknown", locale.Params{"type": string(t)})
			break
		}
	}
	if len(in.Events) == len(Types) {
		in.Events = nil
	}
	return in, f.Err()
}

// Create makes an endpoint with a new signing secret and returns it with
// the secret — the only time it is shown. Errors: KindInvalid (every
// invalid field), KindForbidden for a non-administrator.
func (s *Service) Create(ctx context.Context, in Input) (Endpoint, error) {
	in, err := s.check(ctx, in)
	if err != nil {
		return Endpoint{}, err
	}
	e := Endpoint{URL: in.URL, Description: in.Description, Events: in.Events, Test: in.Test, Secret: NewSecret(), Enabled: true}
	if err := s.store.CreateEndpoint(ctx, &e); err != nil {
		return Endpoint{}, err
	}
	return e, nil
}

// Update changes an endpoint's URL, description, events and mode; its
// secret stays. Errors: KindInvalid, KindNotFound, KindForbidden.
func (s *Service) Update(ctx context.Context, id int64, in Input) (Endpoint, error) {
	e, err := s.store.Endpoint(ctx, id)
	if err != nil {
		return Endpoint{}, err
	}
	if in, err = s.check(ctx, in); err != nil {
		return e, err
	}
	e.URL, e.Description, e.Events, e.Test = in.URL, in.Description, in.Events, in.Test
	return e, s.store.UpdateEndpoint(ctx, e)
}

// List returns the tenant's endpoints, without secrets.
func (s *Service) List(ctx context.Context) ([]Endpoint, error) { return s.store.ListEndpoints(ctx) }

// Get returns one endpoint without its secret. Errors: KindNotFound.
func (s *Service) Get(ctx context.Context, id int64) (Endpoint, error) {
	return s.store.Endpoint(ctx, id)
}

// SetEnabled switches an endpoint on or off. Switching on forgets why it
// was off and its failures; deliveries that waited meanwhile go out in
// order. Errors: KindNotFound, KindForbidden.
func (s *Service) SetEnabled(ctx context.Context, id int64, on bool) error {
	return s.store.SetEndpointEnabled(ctx, id, on)
}

// Delete deletes an endpoint and its delivery log. Errors: KindNotFound,
// KindForbidden.
func (s *Service) Delete(ctx context.Context, id int64) error { return s.store.DeleteEndpoint(ctx, id) }

// Deliveries lists deliveries, newest first, with the total count.
func (s *Service) Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, int, error) {
	return s.store.ListDeliveries(ctx, f)
}

// Delivery returns one delivery, its attempts and its payload.
func (s *Service) Delivery(ctx context.Context, id int64) (Delivery, []Attempt, []byte, error) {
	return s.store.Delivery(ctx, id)
}

// Resend makes a delivered or failed delivery due again now.
func (s *Service) Resend(ctx context.Context, id int64) error { return s.store.ResendDelivery(ctx, id) }

// DisabledEndpoints counts endpoints the dispatcher disabled.
func (s *Service) DisabledEndpoints(ctx context.Context) (int, error) {
	return s.store.DisabledEndpoints(ctx)
}

// Retention is how long events and their delivery log are kept: they hold
// customers' names and addresses, which need no longer record.
const Retention = 30 * 24 * time.Hour
