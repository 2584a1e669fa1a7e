package store_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/search"
)

// searchFixture: in tenant 0, Anna Berger (phone +49 941 123456) has a
// contract on car 0 ("R-AB 11") at station 0, an advance invoice there and a
// reservation of car 1 ("R-AB 12") at station 1; tenant 1 has a customer of
// the same name, e-mail and phone with a reservation of its car "R-AB 21".
type searchFixture struct {
	w         *world
	anna      customer.Customer
	res0      booking.Reservation // station 0, car 0, handed over
	res1      booking.Reservation // station 1, car 1
	other     booking.Reservation // tenant 1
	contract  string              // number of the contract of res0
	invoiceNo string
}

func newSearchFixture(t *testing.T, s *store.Store, clk *clock) *searchFixture {
	t.Helper()
	f := &searchFixture{w: newWorld(t, s)}
	for ti := range 2 {
		ctx := sys(f.w.tenants[ti].ID)
		c := customer.Customer{Email: "anna.berger@example.de", FirstName: "Anna", LastName: "Berger", Phone: "+49 941 123456",
			Street: "Domplatz 1", PostalCode: "93047", City: "Regensburg"}
		_, _, err := s.UpsertCustomer(ctx, &c)
		mustNil(t, err)
		mk := func(si, week int) booking.Reservation {
			at := clk.Now().Add(time.Duration(1+week*7*24) * time.Hour)
			r := booking.Reservation{StationID: f.w.stations[ti][si].ID, CustomerID: c.ID, CategoryID: f.w.cats[ti].ID,
				VehicleID: f.w.vehicles[ti][si].ID, TariffID: f.w.tariffs[ti].ID, Pickup: at, Return: at.Add(48 * time.Hour),
				Status: booking.StatusConfirmed}
			mustNil(t, s.CreateReservation(ctx, &r))
			return r
		}
		if ti == 1 { // numbered after tenant 0's two: a number only tenant 1 has
			mk(0, 0)
			mk(1, 0)
			f.other = mk(0, 1)
			continue
		}
		f.anna = c
		f.res0, f.res1 = mk(0, 0), mk(1, 0)
		h := ctFixture{w: f.w, ctx: as(f.w.actor(0, -1)), res: f.res0}.handover()
		k, err := s.StartContract(as(f.w.actor(0, -1)), h)
		mustNil(t, err)
		f.contract = k.Number
		// a handover before the booked pickup moves the pickup to the handover
		f.res0, err = s.Reservation(ctx, f.res0.ID)
		mustNil(t, err)
		iss := advanceInvoice(c.ID)
		iss.StationID, iss.ReservationID = f.w.stations[0][0].ID, f.res0.ID
		mustNil(t, s.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender}))
		f.invoiceNo = iss.Invoice.Number
	}
	return f
}

// refs lists the hits of r as "kind:ref".
func refs(r search.Results) []string {
	var out []string
	for _, g := range []struct {
		kind string
		g    search.Group
	}{{"reservation", r.Reservations}, {"contract", r.Contracts}, {"invoice", r.Invoices}, {"vehicle", r.Vehicles},
		{"customer", r.Customers}} {
		for _, h := range g.g.Hits {
			out = append(out, g.kind+":"+h.Ref)
		}
	}
	slices.Sort(out)
	return out
}

func TestSearchScopedAndGrouped(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		f := newSearchFixture(t, s, clk)
		admin, st0, st1 := as(f.w.actor(0, -1)), as(f.w.actor(0, 0)), as(f.w.actor(0, 1))
		r0, r1, k := "reservation:"+f.res0.Number, "reservation:"+f.res1.Number, "contract:"+f.contract
		inv, anna := "invoice:"+f.invoiceNo, "customer:Anna Berger"
		cases := []struct {
			name string
			ctx  context.Context
			text string
			want []string
		}{
			// a plate finds the car, the reservation it is assigned to and the contract it is rented in
			{"plate as typed", admin, "R-AB 11", []string{k, r0, "vehicle:R-AB 11"}},
			{"plate without separators", admin, "rab11", []string{k, r0, "vehicle:R-AB 11"}},
			{"plate of the other station", admin, "r-ab 12", []string{r1, "vehicle:R-AB 12"}},
			{"VIN", admin, "kzaw000001", []string{k, "vehicle:R-AB 11"}},
			{"reservation number", admin, f.res1.Number, []string{r1}},
			{"contract number", admin, strings.ToLower(f.contract), []string{k}},
			{"invoice number", admin, f.invoiceNo, []string{inv}},
			{"customer name", admin, "anna berg", []string{anna, k, inv, r0, r1}},
			{"last name first", admin, "Berger Anna", []string{anna}},
			{"e-mail", admin, "ANNA.BERGER@", []string{anna, k, inv, r0, r1}},
			{"phone with other spacing", admin, "941 / 12 34", []string{anna}},
			// a station user sees its own station's objects only
			{"station 0 by name", st0, "Berger", []string{anna, k, inv, r0}},
			{"station 1 by name", st1, "Berger", []string{anna, r1}},
			{"station 1 not the other station's car", st1, "R-AB 11", nil},
			{"station 0 not the other station's reservation", st0, f.res1.Number, nil},
			// tenant 1's matching data is never found
			{"other tenant's plate", admin, "R-AB 21", nil},
			{"other tenant's number", admin, f.other.Number, nil},
			// typed wildcards and odd characters match themselves only, never everything
			{"percent", admin, "%", nil},
			{"underscore", admin, "_", nil},
			{"percent in a word", admin, "Ber%er", nil},
			{"backslash", admin, `\`, nil},
			{"only separators", admin, " - / ", nil},
			{"quotes", admin, `'Berger"`, nil},
			{"sql", admin, `'; DROP TABLE customers; --`, nil},
			{"emoji", admin, "🚗", nil},
			{"empty", admin, "   ", nil},
			{"long", admin, strings.Repeat("Ä", 5000), nil},
		}
		for _, c := range cases {
			got, err := s.Search(c.ctx, c.text)
			mustNil(t, err)
			if want := slices.Sorted(slices.Values(c.want)); !slices.Equal(refs(got), want) {
				t.Errorf("%s: Search(%q) = %v, want %v", c.name, c.text, refs(got), want)
			}
		}
		// the hit says what a person recognises it by
		got, err := s.Search(admin, "R-AB 11")
		mustNil(t, err)
		if h := got.Reservations.Hits[0]; h.ID != f.res0.ID || h.Name != "Anna Berger" || h.Plate != "R-AB 11" || h.Status != "active" ||
			!h.From.Equal(f.res0.Pickup) {
			t.Errorf("reservation hit %+v", h)
		}
		if _, err := s.Search(context.Background(), "x"); err == nil {
			t.Error("search without an actor answered")
		}
	})
}

// TestSearchLimitsGroups: a text matching many objects returns PerGroup of
// them and says there are more.
func TestSearchLimitsGroups(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		for i := range search.PerGroup + 2 {
			c := customer.Customer{Email: "kunde" + string(rune('a'+i)) + "@example.de", FirstName: "Kim", LastName: "Vielfach",
				Street: "Domplatz 1", PostalCode: "93047", City: "Regensburg"}
			_, _, err := s.UpsertCustomer(ctx, &c)
			mustNil(t, err)
		}
		got, err := s.Search(as(w.actor(0, -1)), "vielfach")
		mustNil(t, err)
		if len(got.Customers.Hits) != search.PerGroup || !got.Customers.More {
			t.Fatalf("%d customers, more %v", len(got.Customers.Hits), got.Customers.More)
		}
		got, err = s.Search(as(w.actor(0, -1)), "kundea@")
		mustNil(t, err)
		if len(got.Customers.Hits) != 1 || got.Customers.More {
			t.Fatalf("%d customers, more %v", len(got.Customers.Hits), got.Customers.More)
		}
	})
}

// BenchmarkSearch measures one global search (five grouped queries) in a
// tenant with 2,000 customers and reservations, as an admin and as a
// station user, for a plate, a name and a text that finds nothing.
func BenchmarkSearch(b *testing.B) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(d), func(b *testing.B) {
			s, clk := openDB(b, d)
			w := newWorld(b, s)
			ctx := sys(w.tenants[0].ID)
			for i := range 2000 {
				c := customer.Customer{Email: fmt.Sprintf("kunde%d@example.de", i), FirstName: "Kim", LastName: fmt.Sprintf("Muster%d", i),
					Phone: fmt.Sprintf("+49 941 %06d", i), Street: "Domplatz 1", PostalCode: "93047", City: "Regensburg"}
				if _, _, err := s.UpsertCustomer(ctx, &c); err != nil {
					b.Fatal(err)
				}
				at := clk.Now().Add(time.Duration(1+i*50) * time.Hour)
				r := booking.Reservation{StationID: w.stations[0][i%2].ID, CustomerID: c.ID, CategoryID: w.cats[0].ID,
					VehicleID: w.vehicles[0][i%2].ID, TariffID: w.tariffs[0].ID, Pickup: at, Return: at.Add(24 * time.Hour),
					Status: booking.StatusConfirmed}
				if err := s.CreateReservation(ctx, &r); err != nil {
					b.Fatal(err)
				}
			}
			for _, who := range []struct {
				name string
				si   int
			}{{"admin", -1}, {"station", 0}} {
				actx := as(w.actor(0, who.si))
				for _, q := range []string{"R-AB 11", "muster1234", "nichts-zu-finden"} {
					b.Run(who.name+"/"+q, func(b *testing.B) {
						for b.Loop() {
							if _, err := s.Search(actx, q); err != nil {
								b.Fatal(err)
							}
						}
					})
				}
			}
		})
	}
}
