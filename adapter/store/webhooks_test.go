package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/webhook"
)

// hookWorld is the fixture of the webhook tests: the world, a customer of
// tenant 0 and a pending reservation of it.
type hookWorld struct {
	*world
	res booking.Reservation
}

func newHookWorld(t *testing.T, s *store.Store) hookWorld {
	t.Helper()
	w := newWorld(t, s)
	ctx := sys(w.tenants[0].ID)
	c := testCustomer(t, s, ctx, "hook@example.de")
	p := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	r := booking.Reservation{StationID: w.stations[0][0].ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
		Pickup: p, Return: p.Add(48 * time.Hour)}
	mustNil(t, s.CreateReservation(ctx, &r))
	return hookWorld{world: w, res: r}
}

func endpoint(t *testing.T, s *store.Store, tenantID int64, url string, test bool, events ...webhook.Type) webhook.Endpoint {
	t.Helper()
	e := webhook.Endpoint{URL: url, Events: events, Test: test, Secret: webhook.NewSecret()}
	mustNil(t, s.CreateEndpoint(sys(tenantID), &e))
	return e
}

func deliveries(t *testing.T, s *store.Store, tenantID, endpointID int64) []webhook.Delivery {
	t.Helper()
	ds, _, err := s.ListDeliveries(sys(tenantID), webhook.DeliveryFilter{EndpointID: endpointID, Limit: 200})
	mustNil(t, err)
	return ds
}

// TestWebhookEventsQueuedWithTheChange: a business change queues its event
// and one delivery per endpoint that wants it in its own transaction; a
// change that is refused queues nothing; filters, test mode and tenants
// keep events apart.
func TestWebhookEventsQueuedWithTheChange(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newHookWorld(t, s)
		t0, t1 := w.tenants[0].ID, w.tenants[1].ID
		ctx := sys(t0)
		woke := 0
		s.SetEventHook(func(context.Context) { woke++ })
		all := endpoint(t, s, t0, "https://hooks.example.de/all", false)
		onlyCancel := endpoint(t, s, t0, "https://hooks.example.de/cancel", false, webhook.BookingCancelled)
		test := endpoint(t, s, t0, "https://hooks.example.de/test", true)
		other := endpoint(t, s, t1, "https://hooks.example.de/other", false)

		mustNil(t, s.SetReservationStatus(ctx, w.res.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
		if woke == 0 {
			t.Error("the event hook was not called after the commit")
		}
		// refused: confirmed → failed is not allowed; nothing is queued
		if err := s.SetReservationStatus(ctx, w.res.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusFailed); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("refused change: %v", err)
		}
		mustNil(t, s.SetReservationNotes(ctx, w.res.ID, "Kindersitz"))
		mustNil(t, s.SetReservationStatus(ctx, w.res.ID, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled))

		got := deliveries(t, s, t0, all.ID)
		var types []webhook.Type
		for i := len(got) - 1; i >= 0; i-- {
			types = append(types, got[i].Type)
			if got[i].Label != w.res.Number || got[i].Status != webhook.StatusPending || got[i].MessageID == "" {
				t.Errorf("delivery %+v", got[i])
			}
		}
		want := []webhook.Type{webhook.BookingConfirmed, webhook.BookingChanged, webhook.BookingCancelled}
		if len(types) != len(want) || types[0] != want[0] || types[1] != want[1] || types[2] != want[2] {
			t.Fatalf("events of the all-events endpoint: %v, want %v", types, want)
		}
		if c := deliveries(t, s, t0, onlyCancel.ID); len(c) != 1 || c[0].Type != webhook.BookingCancelled {
			t.Fatalf("filtered endpoint got %+v", c)
		}
		if n := len(deliveries(t, s, t0, test.ID)); n != 0 {
			t.Fatalf("the test endpoint got %d live events", n)
		}
		if n := len(deliveries(t, s, t1, other.ID)); n != 0 {
			t.Fatalf("another tenant's endpoint got %d events", n)
		}
		// the same event goes to both endpoints with one webhook-id
		if got[0].MessageID != deliveries(t, s, t0, onlyCancel.ID)[0].MessageID {
			t.Error("one event has two message ids")
		}
		// a disabled endpoint gets nothing new
		mustNil(t, s.SetEndpointEnabled(ctx, all.ID, false))
		mustNil(t, s.SetReservationNotes(ctx, w.res.ID, "ohne Kindersitz"))
		if n := len(deliveries(t, s, t0, all.ID)); n != 3 {
			t.Fatalf("a disabled endpoint got a new event: %d deliveries", n)
		}
	})
}

// TestWebhookPaymentEvents: a payment's outcome queues payment.succeeded or
// payment.failed once, not again when the record is resolved a second
// time with the same outcome (a stored card added to it).
func TestWebhookPaymentEvents(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newHookWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		ep := endpoint(t, s, w.tenants[0].ID, "https://hooks.example.de/pay", false, webhook.PaymentSucceeded, webhook.PaymentFailed)
		pay := func(status payment.Status, id string) payment.Record {
			r := payment.Record{Links: payment.Links{ReservationID: w.res.ID, Purpose: "rent"}, Operation: payment.OpSale,
				Status: payment.StatusPending, Amount: payment.Amount{Cents: 4900, Currency: "EUR"}, MerchantTransactionID: id,
				OrderID: w.res.Number, CreatedAt: clk.Now()}
			mustNil(t, s.InsertPayment(ctx, &r))
			r.Status = status
			mustNil(t, s.ResolvePayment(ctx, &r))
			return r
		}
		ok := pay(payment.StatusApproved, "mwhook1")
		mustNil(t, s.ResolvePayment(ctx, &ok)) // again, same outcome
		pay(payment.StatusDeclined, "mwhook2")
		ds := deliveries(t, s, w.tenants[0].ID, ep.ID)
		if len(ds) != 2 || ds[1].Type != webhook.PaymentSucceeded || ds[0].Type != webhook.PaymentFailed || ds[0].Label != w.res.Number {
			t.Fatalf("payment deliveries: %+v", ds)
		}
	})
}

// TestWebhookClaimOrderLeaseAndFailures: deliveries of one booking to one
// endpoint are claimed one at a time in order; a claim is leased (another
// worker gets it only after the lease ran out, and the first may then no
// longer record it); failures mark the endpoint failing, a success clears
// it, giving up reports both instants; disabling queues the notices once.
func TestWebhookClaimOrderLeaseAndFailures(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newHookWorld(t, s)
		t0 := w.tenants[0].ID
		ctx := sys(t0)
		all := identity.WithActor(ctx, identity.System())
		ep := endpoint(t, s, t0, "https://hooks.example.de/x", false)
		mustNil(t, s.SetReservationStatus(ctx, w.res.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
		mustNil(t, s.SetReservationNotes(ctx, w.res.ID, "eins"))
		now := clk.Now()
		if c, err := s.ClaimDeliveries(all, "w1", now, time.Minute, 10); err != nil || len(c) != 0 {
			t.Fatalf("claimed before the payload was rendered: %d, %v", len(c), err)
		}
		evs, err := s.EventsToRender(all, now, 10)
		mustNil(t, err)
		if len(evs) != 2 || evs[0].Type != webhook.BookingConfirmed || evs[0].Ref.ReservationID != w.res.ID || evs[0].Ref.Booking != w.res.Number {
			t.Fatalf("events to render: %+v", evs)
		}
		for _, ev := range evs {
			mustNil(t, s.SetEventPayload(all, ev.ID, []byte(`{"type":"`+string(ev.Type)+`"}`)))
		}
		mustNil(t, s.SetEventPayload(all, evs[0].ID, []byte(`{"second":"render"}`))) // the first payload stays
		c1, err := s.ClaimDeliveries(all, "w1", now, time.Minute, 10)
		mustNil(t, err)
		if len(c1) != 1 || c1[0].Type != webhook.BookingConfirmed || string(c1[0].Payload) != `{"type":"booking.confirmed"}` ||
			c1[0].Secret != ep.Secret || c1[0].URL != ep.URL {
			t.Fatalf("first claim: %+v", c1)
		}
		if c, _ := s.ClaimDeliveries(all, "w2", now, time.Minute, 10); len(c) != 0 {
			t.Fatalf("the later event of the same booking or a leased one was claimed: %+v", c)
		}
		// the lease runs out: another worker takes it; the first may not record it
		later := now.Add(2 * time.Minute)
		c2, err := s.ClaimDeliveries(all, "w2", later, time.Minute, 10)
		mustNil(t, err)
		if len(c2) != 1 || c2[0].ID != c1[0].ID {
			t.Fatalf("after the lease: %+v", c2)
		}
		fail := webhook.Attempt{At: later, StatusCode: 500, Error: "500: not a 2xx answer", Worker: "w2"}
		if err := s.MarkDelivered(all, c1[0].ID, "w1", webhook.Attempt{At: later, StatusCode: 200}); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("the worker that lost its lease recorded the delivery: %v", err)
		}
		since, first, err := s.MarkDeliveryFailed(all, c1[0].ID, "w2", fail, later.Add(5*time.Second), false)
		mustNil(t, err)
		if !since.Equal(later) || !first.Equal(later) {
			t.Fatalf("failing since %v, first attempt %v", since, first)
		}
		if c, _ := s.ClaimDeliveries(all, "w2", later.Add(time.Second), time.Minute, 10); len(c) != 0 {
			t.Fatalf("claimed before its retry was due: %+v", c)
		}
		c3, _ := s.ClaimDeliveries(all, "w2", later.Add(6*time.Second), time.Minute, 10)
		if len(c3) != 1 || c3[0].Attempts != 1 {
			t.Fatalf("retry claim: %+v", c3)
		}
		mustNil(t, s.MarkDelivered(all, c3[0].ID, "w2", webhook.Attempt{At: later.Add(6 * time.Second), StatusCode: 204, Worker: "w2"}))
		// now the booking's second event
		c4, _ := s.ClaimDeliveries(all, "w2", later.Add(7*time.Second), time.Minute, 10)
		if len(c4) != 1 || c4[0].Type != webhook.BookingChanged {
			t.Fatalf("second event: %+v", c4)
		}
		e, err := s.Endpoint(ctx, ep.ID)
		mustNil(t, err)
		if e.FailingSince != nil {
			t.Fatalf("a success did not clear failing_since: %v", e.FailingSince)
		}
		at := later.Add(8 * time.Second)
		since, first, err = s.MarkDeliveryFailed(all, c4[0].ID, "w2", webhook.Attempt{At: at, Error: "connection refused"}, at, true)
		mustNil(t, err)
		if !since.Equal(at) || !first.Equal(at) {
			t.Fatalf("give up: failing since %v, first %v", since, first)
		}
		d, atts, body, err := s.Delivery(ctx, c1[0].ID)
		mustNil(t, err)
		if d.Status != webhook.StatusDelivered || d.Attempts != 2 || len(atts) != 2 || atts[0].StatusCode != 500 || atts[1].StatusCode != 204 ||
			string(body) != `{"type":"booking.confirmed"}` {
			t.Fatalf("delivery %+v attempts %+v body %s", d, atts, body)
		}
		// disabling queues the notices once
		note := mail.Queued{Message: mail.Message{Kind: mail.KindWebhookDisabled, Lang: "de", From: mail.Address{Email: "noreply@example.de"},
			To: mail.Address{Email: "chef@example.de"}, Subject: "Webhook deaktiviert", Text: "…"}}
		done, err := s.DisableEndpoint(all, t0, ep.ID, webhook.DisabledFailing, []mail.Queued{note})
		mustNil(t, err)
		again, err := s.DisableEndpoint(all, t0, ep.ID, webhook.DisabledFailing, []mail.Queued{note})
		mustNil(t, err)
		if !done || again {
			t.Fatalf("disable: %v, again: %v", done, again)
		}
		if n, err := s.DisabledEndpoints(ctx); err != nil || n != 1 {
			t.Fatalf("disabled endpoints: %d, %v", n, err)
		}
		msgs, _, err := s.ListEmails(ctx, mail.Filter{})
		mustNil(t, err)
		if len(msgs) != 1 || msgs[0].Message.Kind != mail.KindWebhookDisabled {
			t.Fatalf("notices: %+v", msgs)
		}
		// resend: the failed one again, now; a pending one is refused
		mustNil(t, s.ResendDelivery(ctx, c4[0].ID))
		if err := s.ResendDelivery(ctx, c4[0].ID); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("resend of a pending delivery: %v", err)
		}
		// a disabled endpoint's deliveries wait; enabling lets them go
		if c, _ := s.ClaimDeliveries(all, "w2", at.Add(time.Minute), time.Minute, 10); len(c) != 0 {
			t.Fatalf("claimed for a disabled endpoint: %+v", c)
		}
		mustNil(t, s.SetEndpointEnabled(ctx, ep.ID, true))
		if c, _ := s.ClaimDeliveries(all, "w2", at.Add(time.Minute), time.Minute, 10); len(c) != 1 {
			t.Fatalf("after enabling: %+v", c)
		}
	})
}

// TestWebhookManagementScoped: only a tenant's administrators manage its
// endpoints and read its delivery log.
func TestWebhookManagementScoped(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newHookWorld(t, s)
		ep := endpoint(t, s, w.tenants[0].ID, "https://hooks.example.de/x", false)
		if _, err := s.ListEndpoints(as(w.actor(0, 0))); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("station user lists endpoints: %v", err)
		}
		if _, err := s.Endpoint(as(w.actor(1, -1)), ep.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant reads the endpoint: %v", err)
		}
		if err := s.DeleteEndpoint(as(w.actor(1, -1)), ep.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant deletes the endpoint: %v", err)
		}
		list, err := s.ListEndpoints(as(w.actor(0, -1)))
		mustNil(t, err)
		if len(list) != 1 || list[0].Secret != "" || list[0].URL != ep.URL {
			t.Fatalf("list %+v", list)
		}
		mustNil(t, s.DeleteEndpoint(as(w.actor(0, -1)), ep.ID))
		if list, _ := s.ListEndpoints(as(w.actor(0, -1))); len(list) != 0 {
			t.Fatalf("after delete: %+v", list)
		}
	})
}

// TestWebhookClaimsConcurrent: workers claiming at the same time never get
// the same delivery, and per booking only one delivery is out at a time
// (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: one writer).
func TestWebhookClaimsConcurrent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		t0 := w.tenants[0].ID
		ctx := sys(t0)
		all := identity.WithActor(ctx, identity.System())
		endpoint(t, s, t0, "https://hooks.example.de/x", false)
		c := testCustomer(t, s, ctx, "many@example.de")
		p := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		const bookings = 12
		for i := range bookings {
			r := booking.Reservation{StationID: w.stations[0][i%2].ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
				Pickup: p.Add(time.Duration(i) * 72 * time.Hour), Return: p.Add(time.Duration(i)*72*time.Hour + time.Hour)}
			mustNil(t, s.CreateReservation(ctx, &r))
			mustNil(t, s.SetReservationStatus(ctx, r.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
			mustNil(t, s.SetReservationNotes(ctx, r.ID, "zwei"))
		}
		evs, err := s.EventsToRender(all, clk.Now(), 100)
		mustNil(t, err)
		for _, ev := range evs {
			mustNil(t, s.SetEventPayload(all, ev.ID, []byte(`{}`)))
		}
		var mu sync.Mutex
		seen := map[int64]int{}
		perBooking := map[string]int{}
		var wg sync.WaitGroup
		for i := range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cs, err := s.ClaimDeliveries(all, "w"+string(rune('a'+i)), clk.Now(), time.Minute, 5)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				defer mu.Unlock()
				for _, c := range cs {
					seen[c.ID]++
					perBooking[c.Label]++
				}
			}()
		}
		wg.Wait()
		for id, n := range seen {
			if n != 1 {
				t.Errorf("delivery %d claimed %d times", id, n)
			}
		}
		for b, n := range perBooking {
			if n != 1 {
				t.Errorf("booking %s: %d deliveries out at once", b, n)
			}
		}
		if len(perBooking) != bookings {
			t.Errorf("%d of %d bookings claimed", len(perBooking), bookings)
		}
	})
}

// TestWebhookEventsGoWithErasure: an erasure request deletes the
// customer's webhook events (they carry the name and e-mail) with their
// deliveries; another customer's stay.
func TestWebhookEventsGoWithErasure(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newHookWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		ep := endpoint(t, s, w.tenants[0].ID, "https://hooks.example.de/x", false)
		other := testCustomer(t, s, ctx, "other@example.de")
		p := time.Date(2026, 12, 14, 8, 0, 0, 0, time.UTC)
		r2 := booking.Reservation{StationID: w.stations[0][0].ID, CustomerID: other.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
			Pickup: p, Return: p.Add(time.Hour)}
		mustNil(t, s.CreateReservation(ctx, &r2))
		mustNil(t, s.SetReservationStatus(ctx, r2.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
		mustNil(t, s.SetReservationStatus(ctx, w.res.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
		mustNil(t, s.SetReservationStatus(ctx, w.res.ID, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled))
		if n := len(deliveries(t, s, w.tenants[0].ID, ep.ID)); n != 3 {
			t.Fatalf("%d deliveries before the erasure", n)
		}
		_, err := s.EraseCustomer(ctx, w.res.CustomerID)
		mustNil(t, err)
		ds := deliveries(t, s, w.tenants[0].ID, ep.ID)
		if len(ds) != 1 || ds[0].Label != r2.Number {
			t.Fatalf("after erasing the customer: %+v", ds)
		}
	})
}
