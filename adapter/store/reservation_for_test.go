package store_test

import (
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
