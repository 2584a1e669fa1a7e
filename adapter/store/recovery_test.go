package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/internal/cfgver"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// TestIdempotentAnswerNeverReplaced: an answer stored for a key is what
// every replay gets, even when a process that lost the key finishes later;
// an unlocked key (no outcome) is taken by the next request at once.
func TestIdempotentAnswerNeverReplaced(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID, APIClientID: 7})
		_, _, err := s.BeginIdempotent(ctx, "k", "POST", "/b", "h", time.Minute)
		mustNil(t, err)
		mustNil(t, s.UnlockIdempotent(ctx, "k")) // a 500: no outcome
		if _, _, err := s.BeginIdempotent(ctx, "k", "POST", "/b", "other", time.Minute); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("an unlocked key with another request: %v", err)
		}
		if r, _, err := s.BeginIdempotent(ctx, "k", "POST", "/b", "h", time.Minute); err != nil || r != nil {
			t.Fatalf("an unlocked key is taken at once: %v %v", r, err)
		}
		mustNil(t, s.FinishIdempotent(ctx, "k", idempotency.Response{StatusCode: 201, ContentType: "application/json", Body: []byte(`{"n":1}`)}))
		mustNil(t, s.FinishIdempotent(ctx, "k", idempotency.Response{StatusCode: 402, ContentType: "application/json", Body: []byte(`{"n":2}`)}))
		mustNil(t, s.UnlockIdempotent(ctx, "k"))
		if r, _, err := s.BeginIdempotent(ctx, "k", "POST", "/b", "h", time.Minute); err != nil || r == nil || r.StatusCode != 201 {
			t.Fatalf("replay: %+v %v, want the first answer", r, err)
		}
	})
}

// TestReservationRecovery: a booking bound to an Idempotency-Key (one live
// booking per key and API client; a failed one frees the key), its lease,
// and transitions that queue mails and settle in one transaction.
func TestReservationRecovery(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		api := as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID, APIClientID: 7})
		otherClient := as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID, APIClientID: 8})
		pickup := clk.Now().Add(48 * time.Hour)
		book := func(email, key string, day int) (booking.Reservation, error) {
			c := customer.Customer{Email: email, FirstName: "Eva", LastName: "Huber", Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
			lease := clk.Now().Add(time.Minute)
			r := booking.Reservation{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
				Pickup: pickup.Add(time.Duration(day) * 72 * time.Hour), Return: pickup.Add(time.Duration(day)*72*time.Hour + 24*time.Hour),
				APIClientID: 7, IdempotencyKey: key, LeaseUntil: &lease}
			err := s.CreateReservationFor(api, &c, &r)
			return r, err
		}
		r, err := book("a@example.de", "key-1", 0)
		mustNil(t, err)
		if _, err := book("b@example.de", "key-1", 1); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("a second live booking for the key: %v", err)
		}
		got, err := s.ReservationByIdempotencyKey(api, "key-1", clk.Now().Add(-time.Hour))
		if err != nil || got.ID != r.ID || got.IdempotencyKey != "key-1" || got.LeaseUntil == nil {
			t.Fatalf("by key: %+v %v", got, err)
		}
		if _, err := s.ReservationByIdempotencyKey(otherClient, "key-1", clk.Now().Add(-time.Hour)); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("another API client sees the key: %v", err)
		}
		// the lease: held, then expired and taken over
		if err := s.ClaimReservation(api, r.ID, clk.Now().Add(time.Minute)); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("claim while leased: %v", err)
		}
		if pend, _ := s.PendingReservations(as(identity.System()), clk.Now().Add(time.Hour), 10); len(pend) != 0 {
			t.Fatalf("a leased booking is listed for the finisher: %+v", pend)
		}
		clk.Advance(2 * time.Minute)
		mustNil(t, s.ClaimReservation(api, r.ID, clk.Now().Add(time.Minute)))
		// failing it with the failure e-mail, in one transaction; the key is free again
		msg := mail.Message{Kind: mail.KindBookingFailed, Lang: "de", From: mail.Address{Email: "a@b.de"}, To: mail.Address{Email: "a@example.de"},
			Subject: "Buchung nicht abgeschlossen", Text: "…", MessageID: "<x@y>"}
		mustNil(t, s.TransitionReservation(api, booking.Transition{ID: r.ID, From: []booking.Status{booking.StatusPendingPayment},
			To: booking.StatusFailed, Release: true, Mails: []mail.Queued{{Links: mail.Links{ReservationID: r.ID}, Message: msg}}}))
		got, _ = s.Reservation(api, r.ID)
		if got.Status != booking.StatusFailed || got.LeaseUntil != nil {
			t.Fatalf("after failing: %+v", got)
		}
		var mails int
		mustNil(t, s.DB().QueryRow(`SELECT count(*) FROM emails WHERE reservation_id = $1 AND kind = 'booking_failed'`, r.ID).Scan(&mails))
		if mails != 1 {
			t.Fatalf("%d failure e-mails", mails)
		}
		if _, err := book("b@example.de", "key-1", 1); err != nil {
			t.Fatalf("the key of a failed booking books again: %v", err)
		}
		// a transition from the wrong status changes nothing (no mail either)
		if err := s.TransitionReservation(api, booking.Transition{ID: r.ID, From: []booking.Status{booking.StatusConfirmed},
			To: booking.StatusCancelled, Mails: []mail.Queued{{Message: msg}}}); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("wrong status: %v", err)
		}
		mustNil(t, s.DB().QueryRow(`SELECT count(*) FROM emails`).Scan(&mails))
		if mails != 1 {
			t.Fatalf("%d e-mails after a refused transition", mails)
		}
	})
}

// TestResolvePaymentWithCardIsAtomic: the card of an approved first
// payment is stored in the transaction that resolves it — when the card
// cannot be stored, the payment stays open (the reconciler asks again), it
// is never approved without its card.
//
// Both ways of storing an outcome: in a transaction, and (PostgreSQL, in an
// API request whose cached configuration shows no webhook endpoint) in one
// statement; a second, different outcome is refused either way.
func TestResolvePaymentWithCardIsAtomic(t *testing.T) {
	for _, mode := range []string{"transaction", "request"} {
		t.Run(mode, func(t *testing.T) { testResolvePaymentWithCard(t, mode) })
	}
}

func testResolvePaymentWithCard(t *testing.T, mode string) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		if mode == "request" {
			ctx = cfgver.With(ctx)
			_, err := s.Tenant(ctx) // reads the version and caches the setup
			mustNil(t, err)
		}
		c := customer.Customer{Email: "card@example.de", FirstName: "Eva", LastName: "Huber", Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
		_, _, err := s.UpsertCustomer(ctx, &c)
		mustNil(t, err)
		rec := payment.Record{Links: payment.Links{CustomerID: c.ID, Purpose: "rent"}, Operation: payment.OpSale, Status: payment.StatusPending,
			Amount: payment.EUR(4900), MerchantTransactionID: "mw-atomic", OrderID: "o-atomic", CreatedAt: clk.Now()}
		mustNil(t, s.InsertPayment(ctx, &rec))
		now := clk.Now()
		rec.Status, rec.ResolvedAt, rec.GatewayTransactionID = payment.StatusApproved, &now, "84001"
		bad := payment.StoredCard{CustomerID: c.ID + 1000, Token: "tok-1", Card: payment.CardInfo{Brand: "visa", Last4: "1111"}}
		if err := s.ResolvePaymentWithCard(ctx, &rec, &bad); err == nil {
			t.Fatal("a card of an unknown customer was stored")
		}
		got, _ := s.Payment(ctx, rec.ID)
		if got.Status != payment.StatusPending || got.CardID != 0 {
			t.Fatalf("the payment was resolved without its card: %+v", got)
		}
		rec.CardID = 0
		good := payment.StoredCard{CustomerID: c.ID, Token: "tok-1", Card: payment.CardInfo{Brand: "visa", Last4: "1111"}}
		mustNil(t, s.ResolvePaymentWithCard(ctx, &rec, &good))
		got, _ = s.Payment(ctx, rec.ID)
		card, err := s.StoredCard(ctx, got.CardID)
		if got.Status != payment.StatusApproved || got.CardID != good.ID || rec.CardID != good.ID || err != nil || card.Token != "tok-1" {
			t.Fatalf("resolved %+v, card %+v %v", got, card, err)
		}
		rec.Status, rec.ReasonCode = payment.StatusDeclined, payment.ReasonRejected
		if err := s.ResolvePayment(ctx, &rec); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("a second, different outcome: %v, want a conflict", err)
		}
		if got, _ = s.Payment(ctx, rec.ID); got.Status != payment.StatusApproved {
			t.Fatalf("after the refused outcome the payment is %s", got.Status)
		}
	})
}

// TestStrayMoneyCountsOnlyRefusedReversals: a failed booking with approved
// money is listed for reversal until the gateway has refused five
// reversals; reversals never sent (gateway unreachable) do not count.
func TestStrayMoneyCountsOnlyRefusedReversals(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := customer.Customer{Email: "stray@example.de", FirstName: "Eva", LastName: "Huber", Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
		r := booking.Reservation{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
			Pickup: clk.Now().Add(48 * time.Hour), Return: clk.Now().Add(72 * time.Hour)}
		mustNil(t, s.CreateReservationFor(ctx, &c, &r))
		mustNil(t, s.SetReservationStatus(ctx, r.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusFailed))
		n := 0
		pay := func(parent int64, op payment.Operation, status payment.Status, reason payment.ReasonCode) int64 {
			n++
			rec := payment.Record{Links: payment.Links{ReservationID: r.ID, CustomerID: c.ID, Purpose: "rent"}, ParentID: parent,
				Operation: op, Status: payment.StatusPending, Amount: payment.EUR(4900), MerchantTransactionID: fmt.Sprintf("mw-stray-%d", n),
				OrderID: r.Number, CreatedAt: clk.Now()}
			mustNil(t, s.InsertPayment(ctx, &rec))
			now := clk.Now()
			rec.Status, rec.ReasonCode, rec.ResolvedAt = status, reason, &now
			mustNil(t, s.ResolvePayment(ctx, &rec))
			return rec.ID
		}
		listed := func() bool {
			rs, err := s.ReservationsWithStrayMoney(as(identity.System()), 5, 10)
			mustNil(t, err)
			return len(rs) == 1 && rs[0].ID == r.ID
		}
		sale := pay(0, payment.OpSale, payment.StatusApproved, "")
		if !listed() {
			t.Fatal("a failed booking with approved money is not listed")
		}
		for range 6 {
			pay(sale, payment.OpVoid, payment.StatusFailed, payment.ReasonNotSent)
		}
		if !listed() {
			t.Fatal("reversals never sent counted as refused")
		}
		for range 5 {
			pay(sale, payment.OpVoid, payment.StatusFailed, payment.ReasonNotAllowed)
		}
		if listed() {
			t.Fatal("listed after five refused reversals")
		}
	})
}

// TestConfirmingIssueNeedsTheLease: the advance invoice that confirms a
// booking is issued only while the issuing process still holds the
// booking's lease, checked in the issue's transaction: after another
// process took the booking over, nothing is issued (no invoice, no number
// used, the booking still pending) and the issue is refused as busy; with
// the lease it holds, it issues and confirms.
func TestConfirmingIssueNeedsTheLease(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		api := as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID, APIClientID: 7})
		c := customer.Customer{Email: "lease@example.de", FirstName: "Eva", LastName: "Huber", Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
		mine := clk.Now().Add(time.Minute).Truncate(time.Microsecond)
		r := booking.Reservation{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
			Pickup: clk.Now().Add(48 * time.Hour), Return: clk.Now().Add(72 * time.Hour), APIClientID: 7, LeaseUntil: &mine}
		mustNil(t, s.CreateReservationFor(api, &c, &r))
		issue := func(lease time.Time) error {
			iss := advanceInvoice(c.ID)
			iss.ReservationID = r.ID
			return s.IssueInvoice(api, invoice.IssueRequest{Issued: iss, Render: fakeRender, Loc: time.UTC,
				ConfirmReservation: r.ID, ConfirmLease: lease})
		}
		theirs := mine.Add(time.Minute)
		mustNil(t, s.RenewReservation(api, r.ID, mine, theirs)) // another process takes it over
		if err := issue(mine); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("issue after the lease was taken over: %v, want booking_busy", err)
		}
		got, err := s.Reservation(api, r.ID)
		mustNil(t, err)
		var invoices int
		mustNil(t, s.DB().QueryRow(`SELECT count(*) FROM invoices`).Scan(&invoices))
		if got.Status != booking.StatusPendingPayment || invoices != 0 {
			t.Fatalf("after the refused issue: status %s, %d invoices", got.Status, invoices)
		}
		mustNil(t, issue(theirs))
		got, err = s.Reservation(api, r.ID)
		mustNil(t, err)
		var number string
		mustNil(t, s.DB().QueryRow(`SELECT number FROM invoices`).Scan(&number))
		if got.Status != booking.StatusConfirmed || got.LeaseUntil != nil || !strings.HasSuffix(number, "00001") {
			t.Fatalf("issued with the lease: status %s, lease %v, number %s (want the series' first)", got.Status, got.LeaseUntil, number)
		}
	})
}

// TestResolvePaymentThen: a rent's approved outcome (with the card it
// created), the booking's lease renewal and the deposit's pending record
// are stored together — in one statement on PostgreSQL in an API request
// whose cached configuration shows no webhook endpoint — and of the deposit
// nothing when the lease was lost (the rent's outcome is stored) or when
// the rent was resolved differently meanwhile (a conflict: nothing stored,
// the lease not moved).
func TestResolvePaymentThen(t *testing.T) {
	eachOutcomeMode(t, func(t *testing.T, s *store.Store, clk *clock, w *world, ctx context.Context, mode string) {
		c := customer.Customer{Email: "then@example.de", FirstName: "Eva", LastName: "Huber", Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
		mine := clk.Now().Add(time.Minute).Truncate(time.Microsecond)
		r := booking.Reservation{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
			Pickup: clk.Now().Add(48 * time.Hour), Return: clk.Now().Add(72 * time.Hour), APIClientID: 7, LeaseUntil: &mine}
		mustNil(t, s.CreateReservationFor(ctx, &c, &r))
		pending := func(id string, op payment.Operation, purpose string) payment.Record {
			return payment.Record{Links: payment.Links{ReservationID: r.ID, CustomerID: c.ID, Purpose: purpose}, Operation: op,
				Status: payment.StatusPending, Amount: payment.EUR(4900), MerchantTransactionID: "mw-" + id, OrderID: "o-" + id,
				CreatedAt: clk.Now()}
		}
		approvedRent := func(id string) payment.Record {
			rec := pending(id, payment.OpSale, "rent")
			mustNil(t, s.InsertPayment(ctx, &rec))
			now := clk.Now()
			rec.Status, rec.ResolvedAt, rec.GatewayTransactionID = payment.StatusApproved, &now, "84"+id
			return rec
		}
		lease := func() time.Time {
			got, err := s.Reservation(ctx, r.ID)
			mustNil(t, err)
			return *got.LeaseUntil
		}
		recorded := func(id string) int {
			var n int
			mustNil(t, s.DB().QueryRow(`SELECT count(*) FROM payments WHERE merchant_txn_id = $1`, "mw-"+id).Scan(&n))
			return n
		}

		// the lease held: all three, the deposit on the rent's new card
		rent := approvedRent("1")
		card := payment.StoredCard{CustomerID: c.ID, Token: "tok-then", Card: payment.CardInfo{Brand: "visa", Last4: "1111"}}
		dep := pending("1d", payment.OpTokenPreAuth, "deposit")
		theirs := mine.Add(time.Minute)
		n0 := s.Statements()
		held, err := s.ResolvePaymentThen(ctx, &rent, &card, booking.LeaseRenewal{ReservationID: r.ID, Held: mine, Until: theirs}, &dep)
		if !held || err != nil || dep.ID == 0 {
			t.Fatalf("with the lease held: held %v, %v, deposit id %d", held, err, dep.ID)
		}
		if n := s.Statements() - n0; mode == "request" && s.Dialect() == store.Postgres && n != 1 {
			t.Errorf("%d statements to PostgreSQL, want 1", n)
		}
		got, _ := s.Payment(ctx, rent.ID)
		gotDep, _ := s.Payment(ctx, dep.ID)
		if got.Status != payment.StatusApproved || got.CardID == 0 || got.CardID != card.ID || gotDep.Status != payment.StatusPending ||
			gotDep.CardID != card.ID || dep.CardID != card.ID || gotDep.Purpose != "deposit" {
			t.Fatalf("rent %+v, deposit %+v, card %d", got, gotDep, card.ID)
		}
		if l := lease(); !l.Equal(theirs) {
			t.Fatalf("lease %v, want it moved to %v", l, theirs)
		}

		// the lease lost: the rent's outcome stored, nothing of the deposit
		rent2 := approvedRent("2")
		rent2.CardID = card.ID
		dep2 := pending("2d", payment.OpTokenPreAuth, "deposit")
		held, err = s.ResolvePaymentThen(ctx, &rent2, nil, booking.LeaseRenewal{ReservationID: r.ID, Held: mine, Until: theirs.Add(time.Minute)}, &dep2)
		if held || err != nil || dep2.ID != 0 || recorded("2d") != 0 {
			t.Fatalf("with the lease lost: held %v, %v, deposit id %d, %d recorded", held, err, dep2.ID, recorded("2d"))
		}
		if got, _ := s.Payment(ctx, rent2.ID); got.Status != payment.StatusApproved {
			t.Fatalf("with the lease lost the rent is %s, want its outcome stored", got.Status)
		}
		if l := lease(); !l.Equal(theirs) {
			t.Fatalf("lease %v after a lost renewal, want %v", l, theirs)
		}

		// the rent resolved differently meanwhile: a conflict, nothing else
		rent3 := approvedRent("3")
		declined := rent3
		declined.Status, declined.ReasonCode = payment.StatusDeclined, payment.ReasonRejected
		mustNil(t, s.ResolvePayment(ctx, &declined))
		rent3.CardID = card.ID
		dep3 := pending("3d", payment.OpTokenPreAuth, "deposit")
		held, err = s.ResolvePaymentThen(ctx, &rent3, nil, booking.LeaseRenewal{ReservationID: r.ID, Held: theirs, Until: theirs.Add(time.Hour)}, &dep3)
		if held || !errs.Is(err, errs.KindConflict) || dep3.ID != 0 || recorded("3d") != 0 {
			t.Fatalf("over a different outcome: held %v, %v, deposit id %d, %d recorded", held, err, dep3.ID, recorded("3d"))
		}
		if l := lease(); !l.Equal(theirs) {
			t.Fatalf("lease %v after a refused outcome, want %v (not moved)", l, theirs)
		}
	})
}

// TestIssueStoresPaymentOutcomes: payment outcomes handed to an issue
// (invoice.IssueRequest.Payments, a deposit's outcome Book deferred) are
// stored in the issue's transaction as ResolvePayment stores them — in the
// chained statement on PostgreSQL in an API request whose cached
// configuration shows no webhook endpoint (four statements: BEGIN, number,
// chained statement, COMMIT) —: approved over pending and over failed; over
// a payment resolved differently (declined) the issue is refused
// (KindConflict) and nothing is issued, confirmed or stored.
func TestIssueStoresPaymentOutcomes(t *testing.T) {
	eachOutcomeMode(t, func(t *testing.T, s *store.Store, clk *clock, w *world, ctx context.Context, mode string) {
		// a booking with its deposit recorded pending, resolved first as before when not ""
		book := func(n int, before payment.Status) (booking.Reservation, payment.Record) {
			c := customer.Customer{Email: fmt.Sprintf("out%d@example.de", n), FirstName: "Eva", LastName: "Huber", Street: "Weg 1",
				PostalCode: "93047", City: "Regensburg"}
			lease := clk.Now().Add(time.Minute).Truncate(time.Microsecond)
			pickup := clk.Now().Add(time.Duration(48+72*n) * time.Hour)
			r := booking.Reservation{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
				Pickup: pickup, Return: pickup.Add(24 * time.Hour), APIClientID: 7, LeaseUntil: &lease}
			mustNil(t, s.CreateReservationFor(ctx, &c, &r))
			dep := payment.Record{Links: payment.Links{ReservationID: r.ID, CustomerID: c.ID, Purpose: "deposit"},
				Operation: payment.OpPreAuth, Status: payment.StatusPending, Amount: payment.EUR(30000),
				MerchantTransactionID: fmt.Sprintf("mw-out%d", n), OrderID: fmt.Sprintf("o-out%d", n), CreatedAt: clk.Now()}
			mustNil(t, s.InsertPayment(ctx, &dep))
			if before != "" {
				b := dep
				b.Status, b.ReasonCode = before, payment.ReasonRejected
				mustNil(t, s.ResolvePayment(ctx, &b))
			}
			now := clk.Now()
			dep.Status, dep.ResolvedAt, dep.GatewayTransactionID, dep.ApprovalCode = payment.StatusApproved, &now, fmt.Sprint("84", n), "OK"
			return r, dep
		}
		issue := func(r booking.Reservation, dep payment.Record) error {
			iss := advanceInvoice(r.CustomerID)
			iss.ReservationID = r.ID
			return s.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender, Loc: time.UTC,
				ConfirmReservation: r.ID, ConfirmLease: *r.LeaseUntil, Payments: []payment.Record{dep}})
		}
		state := func(r booking.Reservation, dep payment.Record) (booking.Status, payment.Record, int) {
			got, err := s.Reservation(ctx, r.ID)
			mustNil(t, err)
			p, err := s.Payment(ctx, dep.ID)
			mustNil(t, err)
			var invoices int
			mustNil(t, s.DB().QueryRow(`SELECT count(*) FROM invoices WHERE reservation_id = $1`, r.ID).Scan(&invoices))
			return got.Status, p, invoices
		}

		for n, before := range []payment.Status{"", payment.StatusFailed} {
			r, dep := book(n, before)
			n0 := s.Statements()
			mustNil(t, issue(r, dep))
			if n := s.Statements() - n0; mode == "request" && s.Dialect() == store.Postgres && n != 4 {
				t.Errorf("%d statements to PostgreSQL, want 4 (BEGIN, number, chained statement, COMMIT)", n)
			}
			st, p, invoices := state(r, dep)
			if st != booking.StatusConfirmed || invoices != 1 || p.Status != payment.StatusApproved || p.ResolvedAt == nil ||
				p.GatewayTransactionID != dep.GatewayTransactionID || p.ApprovalCode != "OK" {
				t.Fatalf("over %q: booking %s, %d invoices, deposit %+v", before, st, invoices, p)
			}
		}

		r, dep := book(2, payment.StatusDeclined)
		if err := issue(r, dep); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("over a declined deposit: %v, want a conflict", err)
		}
		if st, p, invoices := state(r, dep); st != booking.StatusPendingPayment || invoices != 0 || p.Status != payment.StatusDeclined {
			t.Fatalf("after the refused issue: booking %s, %d invoices, deposit %s", st, invoices, p.Status)
		}
	})
}

// eachOutcomeMode runs fn on each database in both ways a payment outcome
// is stored: "transaction" (a system actor's context) and "request" (an
// API request whose cached configuration shows no webhook endpoint: on
// PostgreSQL in one statement, or as a part of one).
func eachOutcomeMode(t *testing.T, fn func(t *testing.T, s *store.Store, clk *clock, w *world, ctx context.Context, mode string)) {
	for _, mode := range []string{"transaction", "request"} {
		t.Run(mode, func(t *testing.T) {
			eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
				w := newWorld(t, s)
				ctx := as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID, APIClientID: 7})
				if mode == "request" {
					ctx = cfgver.With(ctx)
					_, err := s.Tenant(ctx) // reads the version and caches the setup
					mustNil(t, err)
				}
				fn(t, s, clk, w, ctx, mode)
			})
		})
	}
}
