package store_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
)

// TestCreateReservationFor: the customer upsert and the reservation are one
// transaction. The first booking creates both; a second one for the same
// period finds the station's only car taken and writes nothing — neither
// the new customer nor a changed address of a known one.
func TestCreateReservationFor(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		res := func() booking.Reservation {
			return booking.Reservation{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
				Pickup: clk.Now().Add(24 * time.Hour), Return: clk.Now().Add(48 * time.Hour)}
		}
		anna := customer.Customer{Email: "Anna@Example.de", FirstName: "Anna", LastName: "Berger", Street: "Domplatz 1",
			PostalCode: "93047", City: "Regensburg"}
		r := res()
		mustNil(t, s.CreateReservationFor(ctx, &anna, &r))
		if anna.ID == 0 || r.CustomerID != anna.ID || r.VehicleID != w.vehicles[0][0].ID || r.Number == "" {
			t.Fatalf("booked %+v for %+v", r, anna)
		}
		// her creation is audited (on PostgreSQL written with the reservation)
		trail, err := s.AuditTrail(ctx, "customer", anna.ID)
		mustNil(t, err)
		if len(trail) != 1 || trail[0].Action != "create" || !strings.Contains(trail[0].After, fmt.Sprintf(`"ID":%d,`, anna.ID)) ||
			!strings.Contains(trail[0].After, `"Berger"`) {
			t.Fatalf("customer's audit trail %+v", trail)
		}

		bert := customer.Customer{Email: "bert@example.de", FirstName: "Bert", LastName: "Huber", Street: "Weg 2",
			PostalCode: "93047", City: "Regensburg"}
		r2 := res()
		if err := s.CreateReservationFor(ctx, &bert, &r2); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("second booking of the only car: %v", err)
		}
		moved := anna
		moved.ID, moved.Street = 0, "Neue Str. 9"
		r3 := res()
		if err := s.CreateReservationFor(ctx, &moved, &r3); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("third booking of the only car: %v", err)
		}
		if n := count(t, s, `SELECT count(*) FROM customers WHERE email_lower = $1`, "bert@example.de"); n != 0 {
			t.Fatal("a customer was written for a booking that found no car")
		}
		if c, _ := s.Customer(ctx, anna.ID); c.Street != "Domplatz 1" {
			t.Fatalf("address changed by a booking that found no car: %q", c.Street)
		}
		if n := count(t, s, `SELECT count(*) FROM reservations`); n != 1 {
			t.Fatalf("%d reservations", n)
		}
	})
}

// TestBookingChangesCustomerOnlyWhenConfirmed: a booking for a known
// customer keeps what it was booked with as its snapshot and leaves the
// record alone; a failed booking drops its data, a confirmed one merges it
// into the record (audited with the booking number). Staff corrections of
// the name or address reach the snapshots of the customer's confirmed
// bookings that printed the old value; an erasure of a customer without
// invoices blanks the snapshots.
func TestBookingChangesCustomerOnlyWhenConfirmed(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		book := func(c customer.Customer, vehicle int) booking.Reservation {
			t.Helper()
			r := booking.Reservation{StationID: w.stations[0][vehicle].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
				Pickup: clk.Now().Add(24 * time.Hour), Return: clk.Now().Add(48 * time.Hour)}
			mustNil(t, s.CreateReservationFor(ctx, &c, &r))
			return r
		}
		anna := customer.Customer{Email: "anna@example.de", FirstName: "Anna", LastName: "Berger", Street: "Domplatz 1",
			PostalCode: "93047", City: "Regensburg", Phone: "+49 941 1111"}
		first := book(anna, 0)
		mustNil(t, s.SetReservationStatus(ctx, first.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
		stored, err := s.CustomerByEmail(ctx, "anna@example.de")
		mustNil(t, err)
		if first.Billing != stored.Billing() {
			t.Fatalf("new customer's booking snapshot %+v, record %+v", first.Billing, stored.Billing())
		}

		other := customer.Customer{Email: "ANNA@example.de", FirstName: "Mallory", LastName: "Fremd", Street: "Am Galgen 13",
			PostalCode: "12345", City: "Anderswo", Phone: "+49 30 666666", Company: "Fremd AG"}
		failed := book(other, 1)
		if failed.Billing.LastName != "Fremd" || failed.CustomerID != stored.ID {
			t.Fatalf("snapshot of the second booking %+v", failed.Billing)
		}
		if now, _ := s.Customer(ctx, stored.ID); now != stored {
			t.Fatalf("a pending booking changed the customer: %+v", now)
		}
		mustNil(t, s.SetReservationStatus(ctx, failed.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusFailed))
		if now, _ := s.Customer(ctx, stored.ID); now != stored {
			t.Fatalf("a failed booking changed the customer: %+v", now)
		}
		if n := count(t, s, `SELECT count(*) FROM reservations WHERE customer_update IS NOT NULL`); n != 0 {
			t.Fatalf("a failed booking keeps the data it brought (%d)", n)
		}

		paid := book(other, 1)
		clk.Advance(time.Minute)
		mustNil(t, s.SetReservationStatus(ctx, paid.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
		now, err := s.Customer(ctx, stored.ID)
		mustNil(t, err)
		if now.LastName != "Fremd" || now.Phone != "+49 30 666666" || now.Email != "anna@example.de" {
			t.Fatalf("a confirmed booking did not change the customer: %+v", now)
		}
		trail, err := s.AuditTrail(ctx, "customer", stored.ID)
		mustNil(t, err)
		last := trail[len(trail)-1]
		if last.Action != customer.ActionBookingUpdate || !strings.Contains(last.After, `"booking":"`+paid.Number+`"`) {
			t.Fatalf("last audit entry %+v", last)
		}
		if r, _ := s.Reservation(ctx, first.ID); r.Billing.LastName != "Berger" {
			t.Fatalf("the first booking's snapshot changed with the record: %+v", r.Billing)
		}

		// staff correct the street: the confirmed booking that printed the
		// old one follows, the other keeps its own
		admin := as(w.actor(0, -1))
		fix := now
		fix.Street = "Am Galgen 14"
		mustNil(t, s.UpdateCustomer(admin, &fix))
		if r, _ := s.Reservation(ctx, paid.ID); r.Billing.Street != "Am Galgen 14" || r.Billing.LastName != "Fremd" {
			t.Errorf("staff correction did not reach the booking that printed it: %+v", r.Billing)
		}
		if r, _ := s.Reservation(ctx, first.ID); r.Billing.Street != "Domplatz 1" {
			t.Errorf("staff correction reached a booking made with another address: %+v", r.Billing)
		}

		// an erasure without invoices blanks what the bookings were made with
		for _, id := range []int64{first.ID, paid.ID} {
			mustNil(t, s.SetReservationStatus(ctx, id, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled))
		}
		_, err = s.EraseCustomer(admin, stored.ID)
		mustNil(t, err)
		if n := count(t, s, `SELECT count(*) FROM reservations WHERE bill_last_name IN ('Berger', 'Fremd') OR bill_street <> ''`); n != 0 {
			t.Fatalf("%d bookings keep the erased customer's name or address", n)
		}
	})
}
