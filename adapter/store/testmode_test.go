package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
)

// apiActor is a key of tenant ti's, in test mode or live.
func apiActor(w *world, ti int, test bool) context.Context {
	return as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[ti].ID, APIClientID: 7, Scope: identity.ScopeSecret, Test: test,
		Name: "api:test"})
}

// TestTestModeApart: what a test key does stays apart from live data: its
// customers (a test booking with a real customer's address changes nothing
// of that customer), the cars it holds (its own world: a live booking and a
// test booking may take the same car, two test bookings may not, and a
// block holds the car in both), the bookings each key sees, the payments it
// may record, the document numbers (TEST-… in series of their own) and the
// sales journal. Wiping deletes the test data, documents included, and
// nothing else; a live invoice still cannot be deleted.
func TestTestModeApart(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		live, test := apiActor(w, 0, false), apiActor(w, 0, true)
		staff := sys(w.tenants[0].ID)
		st := w.stations[0][0]
		p := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		book := func(ctx context.Context, first string, at time.Time) (booking.Reservation, error) {
			c := customer.Customer{Email: "Eva@Example.de", FirstName: first, LastName: "Huber", Street: "Weg 1", PostalCode: "94315", City: "Straubing"}
			r := booking.Reservation{StationID: st.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID, Pickup: at, Return: at.Add(24 * time.Hour)}
			err := s.CreateReservationFor(ctx, &c, &r)
			return r, err
		}
		lr, err := book(live, "Eva", p)
		mustNil(t, err)
		mustNil(t, s.SetReservationStatus(staff, lr.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
		tr, err := book(test, "Testa", p) // the same car, the same period: its own world
		mustNil(t, err)
		if !tr.Test || lr.Test || tr.VehicleID != lr.VehicleID || tr.CustomerID == lr.CustomerID {
			t.Fatalf("live %+v test %+v: want the same car, two customers, the test one marked", lr, tr)
		}
		if _, err := book(test, "Testa", p.Add(time.Hour)); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("a second test booking of the only car: %v", err)
		}
		c, err := s.Customer(staff, lr.CustomerID)
		mustNil(t, err)
		if c.FirstName != "Eva" || c.Test {
			t.Fatalf("the live customer after a test booking with her address: %+v", c)
		}
		if free, _ := s.Availability(live, st.ID, p, p.Add(time.Hour)); free[0].Free != 0 {
			t.Fatalf("live availability %+v", free)
		}
		later := p.Add(72 * time.Hour)
		block := fleet.Allocation{VehicleID: lr.VehicleID, Start: later, End: later.Add(48 * time.Hour), Kind: fleet.AllocBlock}
		mustNil(t, s.Allocate(staff, &block))
		if _, err := book(test, "Testa", later.Add(time.Hour)); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("a test booking over a block: %v", err)
		}
		if free, _ := s.Availability(test, st.ID, later, later.Add(time.Hour)); free[0].Free != 0 {
			t.Fatalf("test availability over a block %+v", free)
		}
		// each key sees its own mode's bookings; staff see both
		if _, err := s.ReservationByNumber(live, tr.Number); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("a live key reads a test booking: %v", err)
		}
		if _, err := s.ReservationByNumber(test, lr.Number); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("a test key reads a live booking: %v", err)
		}
		if got, err := s.ReservationByNumber(staff, tr.Number); err != nil || !got.Test {
			t.Fatalf("staff read the test booking: %+v %v", got, err)
		}
		// a payment in the other mode than its booking is not recorded
		pay := func(ctx context.Context, r booking.Reservation, testPay bool, id string) error {
			rec := payment.Record{Links: payment.Links{ReservationID: r.ID, CustomerID: r.CustomerID, Purpose: "rent", Test: testPay},
				Operation: payment.OpSale, Status: payment.StatusPending, Amount: payment.Amount{Cents: 4900, Currency: "EUR"},
				MerchantTransactionID: id, OrderID: r.Number, CreatedAt: clk.Now()}
			return s.InsertPayment(ctx, &rec)
		}
		if err := pay(staff, tr, false, "mwlive-of-test"); err == nil {
			t.Fatal("a live payment of a test booking was recorded")
		}
		if err := pay(staff, lr, true, "mwtest-of-live"); err == nil {
			t.Fatal("a test payment of a live booking was recorded")
		}
		mustNil(t, pay(staff, tr, true, "mwtest"))
		mustNil(t, pay(staff, lr, false, "mwlive"))
		// cards: a token of the test simulator equal to one of the tenant's
		// gateway is another card
		liveCard := payment.StoredCard{CustomerID: lr.CustomerID, Token: "tok-1", Card: payment.CardInfo{Brand: payment.BrandVisa, Last4: "1111", ExpMonth: 12, ExpYear: 2030}}
		testCard := liveCard
		testCard.CustomerID, testCard.Test = tr.CustomerID, true
		mustNil(t, s.SaveCard(staff, &liveCard))
		mustNil(t, s.SaveCard(staff, &testCard))
		if liveCard.ID == testCard.ID {
			t.Fatal("a test card with a live card's token was stored as the live card")
		}
		if got, err := s.StoredCard(staff, testCard.ID); err != nil || got.Token != "tok-1" || !got.Test || got.CustomerID != tr.CustomerID {
			t.Fatalf("the test card: %+v %v", got, err)
		}
		// documents: TEST-… in a series of their own, not in the journal
		issue := func(r booking.Reservation, testDoc bool) invoice.Issued {
			iss := advanceInvoice(r.CustomerID)
			iss.ReservationID, iss.StationID, iss.Test = r.ID, st.ID, testDoc
			mustNil(t, s.IssueInvoice(staff, invoice.IssueRequest{Issued: iss, Render: func(inv invoice.Invoice) ([]byte, error) {
				return []byte("%PDF-1.4 " + inv.Number), nil
			}}))
			return *iss
		}
		ti := issue(tr, true)
		li := issue(lr, false)
		if !strings.HasPrefix(ti.Invoice.Number, "TEST-RE-") || li.Invoice.Number != "RE-2026-000001" {
			t.Fatalf("numbers: test %s, live %s", ti.Invoice.Number, li.Invoice.Number)
		}
		entries, tot, err := s.Journal(staff, invoice.JournalQuery{From: p.AddDate(0, -1, 0), To: p.AddDate(0, 1, 0)})
		mustNil(t, err)
		if len(entries) != 1 || entries[0].Number != li.Invoice.Number || tot.Documents != 1 {
			t.Fatalf("journal: %+v %+v", entries, tot)
		}
		// reports: the day's pickups and the cars' use count live bookings only
		mustNil(t, s.SetReservationStatus(staff, tr.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
		mv, err := s.DailyMovements(staff, p.Add(-time.Hour), p.Add(time.Hour))
		mustNil(t, err)
		for _, m := range mv {
			if m.StationID == st.ID && m.PlannedPickups != 1 {
				t.Fatalf("planned pickups %+v: want the live booking only", m)
			}
		}
		// a test booking is never handed over, so utilisation (cars out on
		// contracts) never counts one
		now := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
		ho := &contract.Handover{ReservationID: tr.ID, LicenceChecked: true,
			Drivers: []contract.Driver{{Role: contract.RoleMain, FirstName: "Testa", LastName: "Huber", LicenceNumber: "B072RRE2I55",
				LicenceClass: "B", BirthDate: "1980-04-12", LicenceIssuedOn: "2010-05-01", LicenceCountry: "DE", CheckedBy: 1000, CheckedAt: &now}},
			Protocol: contract.Protocol{OdometerKM: 1000, FuelEighths: 8, Cleanliness: "clean", SignerName: "Testa Huber",
				SignaturePNG: []byte("\x89PNG\r\n\x1a\nfake")}}
		if _, err := s.StartContract(staff, ho); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("a test booking handed over: %v", err)
		}
		// wipe
		before, err := s.TestData(staff)
		mustNil(t, err)
		if before.Bookings != 1 || before.Invoices != 1 || before.Payments != 1 || before.Customers != 1 {
			t.Fatalf("test data before the wipe: %+v", before)
		}
		if _, err := s.WipeTestData(as(w.actor(0, 0))); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("a station user wiped: %v", err)
		}
		wiped, err := s.WipeTestData(as(w.actor(0, -1)))
		mustNil(t, err)
		if wiped != before {
			t.Fatalf("wiped %+v, had %+v", wiped, before)
		}
		if after, _ := s.TestData(staff); after != (booking.TestData{}) {
			t.Fatalf("after the wipe: %+v", after)
		}
		if _, err := s.ReservationByNumber(staff, tr.Number); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("the test booking after the wipe: %v", err)
		}
		if got, err := s.ReservationByNumber(staff, lr.Number); err != nil || got.Status != booking.StatusConfirmed {
			t.Fatalf("the live booking after the wipe: %+v %v", got, err)
		}
		if _, err := s.DB().Exec(`DELETE FROM invoices WHERE id = $1`, li.ID); err == nil {
			t.Fatal("a live invoice could be deleted")
		}
		if _, err := s.Document(staff, li.DocumentID); err != nil {
			t.Fatalf("the live invoice's PDF after the wipe: %v", err)
		}
		// the test series starts again
		tr2, err := book(test, "Testa", p.Add(10*24*time.Hour))
		mustNil(t, err)
		if ti2 := issue(tr2, true); ti2.Invoice.Number != ti.Invoice.Number {
			t.Fatalf("first test number after the wipe %s, want %s again", ti2.Invoice.Number, ti.Invoice.Number)
		}
	})
}
