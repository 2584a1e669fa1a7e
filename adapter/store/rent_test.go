package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/internal/cfgver"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/payment"
)

// rentFor is the pending rent record a booking prepares (as
// payment.Service.PrepareSale or PrepareTokenSale make it): i numbers its
// merchant transaction id.
func rentFor(f *takeFixture, i int, op payment.Operation) *payment.Record {
	return &payment.Record{TenantID: f.w.tenants[0].ID, Links: payment.Links{Purpose: "rent"}, Operation: op,
		Status: payment.StatusPending, Amount: payment.Amount{Cents: 4900, Currency: "EUR"}, MerchantTransactionID: fmt.Sprintf("mwrent%d", i),
		Card: payment.CardInfo{Brand: payment.BrandVisa, Last4: "1111"}, CreatedAt: f.p.Add(-48 * time.Hour)}
}

// bookPaying is takeFixture.book recording rent (and saving card first)
// with the booking.
func (f *takeFixture) bookPaying(ctx context.Context, i int, rent *payment.Record, card *payment.StoredCard) (booking.Reservation, error) {
	return f.bookCovered(ctx, i, rent, card, nil)
}

// bookCovered is bookPaying storing cover (when not nil) with the booking.
func (f *takeFixture) bookCovered(ctx context.Context, i int, rent *payment.Record, card *payment.StoredCard,
	cover *payer.Cover) (booking.Reservation, error) {
	c := customer.Customer{Email: fmt.Sprintf("kunde%d@example.de", i), FirstName: "Kai", LastName: fmt.Sprint("Kunde ", i),
		Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
	r := booking.Reservation{StationID: f.w.stations[0][0].ID, CategoryID: f.w.cats[0].ID, TariffID: f.w.tariffs[0].ID,
		Pickup: f.p, Return: f.p.Add(24 * time.Hour)}
	err := f.s.CreateReservationPaying(ctx, &c, &r, rent, card, cover)
	return r, err
}

// TestRentRecordedWithBooking: the rent's pending record is written in
// the booking's transaction, as InsertPayment writes it, with the
// booking's id, customer and number (its order id) — on PostgreSQL by the
// reservation's own statement, so the car stage stays at five statements;
// a token is saved as the customer's card there, the rent on it. A booking
// that finds no car records no payment and saves no card; a card deleted
// meanwhile, or a rent of the other mode (test or live), writes nothing.
func TestRentRecordedWithBooking(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newTakeFixture(t, s, 2)
		ctx := cfgver.With(f.ctx)
		_, err := s.Tenant(ctx) // the booking number's prefix from the cache, as in an API request
		mustNil(t, err)
		s.TallyStatements(true)
		defer s.TallyStatements(false)
		n0 := s.Statements()
		rent := rentFor(f, 1, payment.OpSale)
		r, err := f.bookPaying(ctx, 1, rent, nil)
		mustNil(t, err)
		if n := s.Statements() - n0; s.Dialect() == store.Postgres && n != 5 {
			t.Errorf("a booking with its rent sent %d statements, want 5: %v", n, s.StatementTally())
		}
		got, err := s.Payment(ctx, rent.ID)
		mustNil(t, err)
		want := payment.Record{ID: rent.ID, TenantID: f.w.tenants[0].ID, Links: payment.Links{ReservationID: r.ID, CustomerID: r.CustomerID,
			Purpose: "rent"}, Operation: payment.OpSale, Status: payment.StatusPending, Amount: rent.Amount, MerchantTransactionID: "mwrent1",
			OrderID: r.Number, Card: rent.Card, CreatedAt: rent.CreatedAt}
		if got.ID == 0 || fmt.Sprintf("%+v", got) != fmt.Sprintf("%+v", want) {
			t.Errorf("rent recorded\n%+v\nwant\n%+v", got, want)
		}
		if *rent != want {
			t.Errorf("rent as returned\n%+v\nwant\n%+v", *rent, want)
		}

		// a token: saved for the customer, the rent on it
		card := &payment.StoredCard{Token: "tok-rent-2", Card: payment.CardInfo{Brand: payment.BrandMastercard, Last4: "4444", ExpMonth: 12, ExpYear: 2030}}
		rent2 := rentFor(f, 2, payment.OpTokenSale)
		rent2.Card = card.Card
		n0 = s.Statements()
		r2, err := f.bookPaying(ctx, 2, rent2, card)
		mustNil(t, err)
		if n := s.Statements() - n0; s.Dialect() == store.Postgres && n != 5 {
			t.Errorf("a booking with its rent on a token sent %d statements, want 5: %v", n, s.StatementTally())
		}
		stored, err := s.StoredCard(ctx, card.ID)
		mustNil(t, err)
		if card.ID == 0 || rent2.CardID != card.ID || stored.CustomerID != r2.CustomerID || stored.Token != "tok-rent-2" || stored.Card != card.Card {
			t.Errorf("card %+v stored as %+v, rent on card %d", card, stored, rent2.CardID)
		}
		if got, _ := s.Payment(ctx, rent2.ID); got.CardID != card.ID || got.OrderID != r2.Number || got.Operation != payment.OpTokenSale {
			t.Errorf("token rent recorded as %+v", got)
		}

		// no car left: nothing recorded, no card saved
		payments, cards := count(t, s, `SELECT count(*) FROM payments`), count(t, s, `SELECT count(*) FROM payment_cards`)
		rent3 := rentFor(f, 3, payment.OpTokenSale)
		if _, err := f.bookPaying(ctx, 3, rent3, &payment.StoredCard{Token: "tok-rent-3"}); !nothingFree(err) {
			t.Fatalf("a third booking of two cars: %v", err)
		}
		if rent3.ID != 0 {
			t.Errorf("a booking without a car returned rent %d", rent3.ID)
		}
		if p, c := count(t, s, `SELECT count(*) FROM payments`), count(t, s, `SELECT count(*) FROM payment_cards`); p != payments || c != cards {
			t.Errorf("a booking without a car left %d payments and %d cards, want %d and %d", p, c, payments, cards)
		}
		customers, reservations := count(t, s, `SELECT count(*) FROM customers`), count(t, s, `SELECT count(*) FROM reservations`)

		// a deleted card, and a rent of the other mode: nothing written
		f.p = f.p.AddDate(0, 0, 3)
		_, err = s.DB().Exec(`UPDATE payment_cards SET deleted_at = created_at WHERE id = $1`, card.ID)
		mustNil(t, err)
		if _, err := f.bookPaying(ctx, 4, rentFor(f, 4, payment.OpTokenSale), &payment.StoredCard{Token: "tok-rent-2"}); !errs.Is(err, errs.KindNotFound) {
			t.Errorf("a booking on a deleted card: %v, want stored_card_not_found", err)
		}
		testRent := rentFor(f, 5, payment.OpSale)
		testRent.Test = true
		if _, err := f.bookPaying(ctx, 5, testRent, nil); err == nil {
			t.Errorf("a live booking recorded a test rent")
		}
		if c, r, p := count(t, s, `SELECT count(*) FROM customers`), count(t, s, `SELECT count(*) FROM reservations`),
			count(t, s, `SELECT count(*) FROM payments`); c != customers || r != reservations || p != payments {
			t.Errorf("refused bookings wrote customers %d→%d, reservations %d→%d, payments %d→%d", customers, c, reservations, r, payments, p)
		}
		f.checkAllocations()
	})
}

// TestCoverStoredWithBooking (both databases): an online booking that
// names its payer stores the cover in its own transaction — with the
// payer's terms as of then, audited on the reservation — so that nothing
// after it (the confirmation's split) can miss it; a payer that is no
// longer active when the booking is written refuses the whole booking
// (payer_id), and nothing is written: no customer, reservation, payment,
// cover or audit entry.
func TestCoverStoredWithBooking(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newTakeFixture(t, s, 2)
		ctx := cfgver.With(f.ctx)
		ins := insurer("HUK-COBURG")
		ins.CapDays = 3
		mustNil(t, s.CreatePayer(ctx, &ins))
		cover := &payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID, ClaimNumber: " KS-2026-4711 "}
		r, err := f.bookCovered(ctx, 1, rentFor(f, 1, payment.OpSale), nil, cover)
		mustNil(t, err)
		got, err := s.Cover(ctx, r.ID)
		mustNil(t, err)
		if cover.ReservationID != r.ID || got.Mode != payer.ModePayer || got.PayerID != ins.ID || got.ClaimNumber != "KS-2026-4711" ||
			got.Terms == nil || got.Terms.CapDays != 3 {
			t.Fatalf("cover stored with the booking: %+v (terms %+v)", got, got.Terms)
		}
		trail, err := s.AuditTrail(ctx, "reservation", r.ID)
		mustNil(t, err)
		var audited bool
		for _, e := range trail {
			audited = audited || e.Action == "cover"
		}
		if !audited {
			t.Errorf("the booking's cover is not audited: %+v", trail)
		}

		_, err = s.DB().Exec(`UPDATE payers SET active = $1 WHERE id = $2`, false, ins.ID)
		mustNil(t, err)
		counts := func() [5]int {
			return [5]int{count(t, s, `SELECT count(*) FROM customers`), count(t, s, `SELECT count(*) FROM reservations`),
				count(t, s, `SELECT count(*) FROM payments`), count(t, s, `SELECT count(*) FROM reservation_covers`),
				count(t, s, `SELECT count(*) FROM audit_log`)}
		}
		before := counts()
		rent := rentFor(f, 2, payment.OpSale)
		_, err = f.bookCovered(ctx, 2, rent, nil, &payer.Cover{Mode: payer.ModePayer, PayerID: ins.ID})
		if e, ok := errs.As(err); !ok || e.Kind != errs.KindInvalid || len(e.Fields) == 0 || e.Fields[0].Field != "payer_id" {
			t.Fatalf("a booking naming an inactive payer: %v, want payer_id invalid", err)
		}
		if after := counts(); after != before || rent.ID != 0 {
			t.Errorf("a refused covered booking wrote (customers, reservations, payments, covers, audit) %v → %v, rent %d", before, after, rent.ID)
		}
		f.checkAllocations()
	})
}
