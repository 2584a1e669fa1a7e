package api

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/webhook"
)

// EventRenderer renders the data of webhook events with the API's own
// views (webhook.Renderer): a booking event carries the booking as
// GET /api/v1/bookings/{number} returns it, a contract event the contract
// as GET /api/v1/bookings/{number}/contract does, an invoice or payment
// event the element of the booking's (or its contract's) invoices or
// payments with the numbers of the booking and contract it belongs to. Texts
// are in German, as the API answers without Accept-Language.
type EventRenderer struct{ s *server }

var _ webhook.Renderer = (*EventRenderer)(nil)

// NewEventRenderer returns the renderer over the API's dependencies
// (Bookings, and Contracts for contract events).
func NewEventRenderer(d Deps) *EventRenderer { return &EventRenderer{s: &server{d: d}} }

// viewRequest is the GET the views of booking number answer, acting as ctx's actor.
func viewRequest(ctx context.Context, number string) *http.Request {
	r, _ := http.NewRequestWithContext(ctx, http.MethodGet, "/api/v1/bookings/"+url.PathEscape(number), nil)
	r.SetPathValue("number", number)
	return r
}

// Data renders ev's object. Errors: KindNotFound when it no longer exists.
func (e *EventRenderer) Data(ctx context.Context, ev webhook.Event) ([]byte, error) {
	if ev.Ref.Booking == "" {
		return nil, errs.NotFound("booking_not_found")
	}
	r := viewRequest(ctx, ev.Ref.Booking)
	var v any
	var err error
	switch ev.Type.Object() {
	case webhook.ObjectBooking:
		_, v, err = e.s.getBooking(r)
	case webhook.ObjectContract:
		if e.s.d.Contracts == nil {
			return nil, errs.NotFound("contract_not_found")
		}
		_, v, err = e.s.apiContract(r)
	case webhook.ObjectInvoice:
		v, err = e.element(r, ev, "invoice")
	case webhook.ObjectPayment:
		v, err = e.element(r, ev, "payment")
	default:
		return nil, fmt.Errorf("unknown event object %s", ev.Type.Object())
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(v)
}

// element renders the invoice or payment of ev as the booking's answer
// lists it (one element of "invoices" or "payments", built by the same
// code), with "booking" and "contract" (the numbers it belongs to; null
// before a handover) and, for an invoice, what is due ("due_cents").
func (e *EventRenderer) element(r *http.Request, ev webhook.Event, kind string) (map[string]any, error) {
	ctx := r.Context()
	d, err := e.s.d.Bookings.Get(ctx, ev.Ref.Booking)
	if err != nil {
		return nil, err
	}
	var recs []payment.Record
	var docs []invoice.Summary
	recs, docs = append(recs, d.Payments...), append(docs, d.Invoices...)
	var contract any
	if e.s.d.Contracts != nil && (d.Reservation.Status == booking.StatusActive || d.Reservation.Status == booking.StatusCompleted) {
		c, err := e.s.d.Contracts.Store().ContractByReservation(ctx, d.Reservation.ID)
		if err != nil {
			return nil, err
		}
		contract = c.Number
		_, crecs, cdocs, err := e.s.d.Contracts.Ledger(ctx, c.ID)
		if err != nil {
			return nil, err
		}
		recs, docs = append(recs, crecs...), append(docs, cdocs...)
	}
	one := d
	one.Payments, one.Invoices = nil, nil
	var elem any
	var due int64
	switch kind {
	case "invoice":
		for _, x := range docs {
			if x.ID == ev.Ref.InvoiceID {
				one.Invoices, due = []invoice.Summary{x}, x.Due
				elem = bookingResp(one, "de").Invoices[0]
				break
			}
		}
	default:
		for _, x := range recs {
			if x.ID == ev.Ref.PaymentID {
				one.Payments = []payment.Record{x}
				elem = bookingResp(one, "de").Payments[0]
				break
			}
		}
	}
	if elem == nil {
		return nil, errs.NotFound(locale.Key(kind + "_not_found"))
	}
	b, err := json.Marshal(elem)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	out["booking"], out["contract"] = d.Reservation.Number, contract
	if kind == "invoice" {
		out["due_cents"] = due
	}
	return out, nil
}

// openapiWebhooks holds the webhooks of the OpenAPI document (OpenAPI 3.1
// "webhooks": one POST per event type, with the Standard Webhooks headers)
// and the schemas of their bodies; merged into the document at start.
//
//go:embed openapi_webhooks.json
var openapiWebhooks []byte

func init() {
	var doc, frag map[string]any
	if err := json.Unmarshal(openapiJSON, &doc); err != nil {
		panic("api: openapi.json: " + err.Error())
	}
	if err := json.Unmarshal(openapiWebhooks, &frag); err != nil {
		panic("api: openapi_webhooks.json: " + err.Error())
	}
	doc["webhooks"] = frag["webhooks"]
	schemas := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for k, v := range frag["schemas"].(map[string]any) {
		if _, dup := schemas[k]; dup {
			panic("api: openapi_webhooks.json: schema " + k + " is already in the document")
		}
		schemas[k] = v
	}
	tag := map[string]any{"name": "Webhooks", "description": "Events the server sends to the dealer's endpoints (see the webhooks section)."}
	if tags, ok := doc["tags"].([]any); ok {
		doc["tags"] = append(tags, tag)
	}
	b, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		panic(err)
	}
	openapiJSON = b
}
