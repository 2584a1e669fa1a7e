package store_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
)

// custFixture: customer c books at station 0 and station 1 of tenant 0;
// customer d only at station 1.
type custFixture struct {
	w      *world
	ctx    context.Context
	c, d   customer.Customer
	rc0    booking.Reservation // c at station 0
	rc1    booking.Reservation // c at station 1
	rd1    booking.Reservation
	pickup time.Time
}

func newCustFixture(t *testing.T, s *store.Store) *custFixture {
	t.Helper()
	w := newWorld(t, s)
	f := &custFixture{w: w, ctx: sys(w.tenants[0].ID), pickup: time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)}
	f.c = customer.Customer{Email: "anna@example.de", FirstName: "Anna", LastName: "Berger", Street: "Domplatz 1", PostalCode: "93047",
		City: "Regensburg", Phone: "+49 941 123456", BirthDate: "1980-05-01", LicenceNumber: "B072RRE2I55", LicenceClass: "B",
		LicenceIssuedOn: "2000-01-01", LicenceCountry: "DE"}
	_, _, err := s.UpsertCustomer(f.ctx, &f.c)
	mustNil(t, err)
	f.d = testCustomer(t, s, f.ctx, "dora@example.de")
	mk := func(c customer.Customer, si int, at time.Time) booking.Reservation {
		r := booking.Reservation{StationID: w.stations[0][si].ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
			Pickup: at, Return: at.Add(24 * time.Hour), Status: booking.StatusConfirmed}
		mustNil(t, s.CreateReservation(f.ctx, &r))
		return r
	}
	f.rc0 = mk(f.c, 0, f.pickup)
	f.rc1 = mk(f.c, 1, f.pickup)
	f.rd1 = mk(f.d, 1, f.pickup.Add(72*time.Hour))
	return f
}

func (f *custFixture) email(t *testing.T, s *store.Store, stationIdx int, r booking.Reservation, body string) {
	t.Helper()
	_, err := s.DB().Exec(`INSERT INTO emails (tenant_id, station_id, kind, to_addr, from_addr, subject, body_text, body_html, message_id,
		status, next_attempt_at, reservation_id, customer_id, created_at) VALUES ($1,$2,'reservation_confirmation','anna@example.de',
		'noreply@example.de','Ihre Reservierung',$3,'<p>x</p>','<m@x>','sent','2026-11-27T09:00:00.000000Z',$4,$5,'2026-11-27T09:00:00.000000Z')`,
		f.w.tenants[0].ID, f.w.stations[0][stationIdx].ID, body, r.ID, r.CustomerID)
	mustNil(t, err)
}

func (f *custFixture) payment(t *testing.T, s *store.Store, r booking.Reservation, txn string) {
	t.Helper()
	_, err := s.DB().Exec(`INSERT INTO payments (tenant_id, reservation_id, customer_id, operation, purpose, status, amount_cents,
		merchant_txn_id, order_id, card_brand, card_last4, created_at) VALUES ($1,$2,$3,'sale','rent','approved',4900,$4,$4,'visa','1111',
		'2026-11-27T09:00:00.000000Z')`, f.w.tenants[0].ID, r.ID, r.CustomerID, txn)
	mustNil(t, err)
}

func TestSearchCustomersScoped(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newCustFixture(t, s)
		cases := []struct {
			name string
			ctx  context.Context
			text string
			want []string
		}{
			{"admin all", as(f.w.actor(0, -1)), "", []string{"anna@example.de", "dora@example.de"}},
			{"admin by name", as(f.w.actor(0, -1)), "berg", []string{"anna@example.de"}},
			{"admin by phone", as(f.w.actor(0, -1)), "941123", []string{"anna@example.de"}},
			{"admin by booking number", as(f.w.actor(0, -1)), strings.ToLower(f.rd1.Number), []string{"dora@example.de"}},
			{"station 0 sees its customers", as(f.w.actor(0, 0)), "", []string{"anna@example.de"}},
			{"station 0 not by other station's number", as(f.w.actor(0, 0)), f.rd1.Number, nil},
			{"station 1 sees both", as(f.w.actor(0, 1)), "", []string{"anna@example.de", "dora@example.de"}},
			{"other tenant", as(f.w.actor(1, -1)), "", nil},
			{"like chars are literal", as(f.w.actor(0, -1)), "%", nil},
		}
		for _, c := range cases {
			hits, total, err := s.SearchCustomers(c.ctx, customer.SearchQuery{Text: c.text})
			mustNil(t, err)
			var got []string
			for _, h := range hits {
				got = append(got, h.Email)
			}
			if strings.Join(got, ",") != strings.Join(c.want, ",") || total != len(c.want) {
				t.Errorf("%s: got %v (total %d), want %v", c.name, got, total, c.want)
			}
		}
		hits, _, _ := s.SearchCustomers(as(f.w.actor(0, 0)), customer.SearchQuery{Text: "anna"})
		if hits[0].Bookings != 1 {
			t.Errorf("station 0 counts %d bookings of anna, want 1", hits[0].Bookings)
		}
	})
}

func TestUpdateCustomer(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newCustFixture(t, s)
		staff := as(f.w.actor(0, 0))
		c := f.c
		c.City, c.Phone = "München", ""
		c.PostalCode = "80331"
		mustNil(t, s.UpdateCustomer(staff, &c))
		got, _ := s.Customer(f.ctx, f.c.ID)
		if got.City != "München" || got.Phone != "" {
			t.Fatalf("stored = %+v", got)
		}
		trail, _ := s.AuditTrail(f.ctx, "customer", f.c.ID)
		last := trail[len(trail)-1]
		if last.Action != "update" || !strings.Contains(last.Before, `"city":"Regensburg"`) || !strings.Contains(last.After, `"city":"München"`) ||
			strings.Contains(last.After, "Domplatz") {
			t.Fatalf("audit = %+v", last)
		}
		// invalid input: field errors, nothing changed
		bad := got
		bad.PostalCode, bad.Email = "123", "not-an-address"
		err := s.UpdateCustomer(staff, &bad)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.KindInvalid || !errs.Fields(e.Fields).Has("postal_code") || !errs.Fields(e.Fields).Has("email") {
			t.Fatalf("invalid update: %v", err)
		}
		dup := got
		dup.Email = "DORA@example.de"
		if err := s.UpdateCustomer(f.ctx, &dup); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("duplicate e-mail: %v", err)
		}
		if again, _ := s.Customer(f.ctx, f.c.ID); again.PostalCode != "80331" || again.Email != "anna@example.de" {
			t.Fatalf("changed by refused update: %+v", again)
		}
		// station 0 cannot see dora; another tenant sees nobody
		d := f.d
		d.City = "X"
		if err := s.UpdateCustomer(staff, &d); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other station's customer: %v", err)
		}
		if err := s.UpdateCustomer(as(f.w.actor(1, -1)), &c); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant: %v", err)
		}
	})
}

func TestCustomerFileCompleteAndScoped(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newCustFixture(t, s)
		f.email(t, s, 0, f.rc0, "Hallo Anna, Station 0")
		f.email(t, s, 1, f.rc1, "Hallo Anna, Station 1")
		f.payment(t, s, f.rc0, "txn-0")
		f.payment(t, s, f.rc1, "txn-1")
		iss := advanceInvoice(f.c.ID)
		iss.ReservationID, iss.StationID = f.rc0.ID, f.w.stations[0][0].ID
		mustNil(t, s.IssueInvoice(f.ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender}))
		mustNil(t, s.SetReservationNotes(f.ctx, f.rc1.ID, "Kindersitz"))

		all, err := s.CustomerFile(as(f.w.actor(0, -1)), f.c.ID)
		mustNil(t, err)
		if all.Customer.Phone != "+49 941 123456" || all.Customer.LicenceNumber != "B072RRE2I55" || len(all.Reservations) != 2 ||
			len(all.Payments) != 2 || len(all.Invoices) != 1 || len(all.Emails) != 2 || len(all.Audit) < 2 {
			t.Fatalf("admin file: %+v", all)
		}
		js, _ := json.Marshal(all)
		for _, want := range []string{`"card_last4":"1111"`, `"birth_date":"1980-05-01"`, `"notes":"Kindersitz"`, `"Hallo Anna, Station 1"`} {
			if !strings.Contains(string(js), want) {
				t.Errorf("export lacks %s", want)
			}
		}
		st0, err := s.CustomerFile(as(f.w.actor(0, 0)), f.c.ID)
		mustNil(t, err)
		js, _ = json.Marshal(st0)
		if len(st0.Reservations) != 1 || st0.Reservations[0].ID != f.rc0.ID || len(st0.Payments) != 1 || len(st0.Emails) != 1 ||
			strings.Contains(string(js), "Station 1") || strings.Contains(string(js), "Kindersitz") || strings.Contains(string(js), f.rc1.Number) {
			t.Fatalf("station 0 file leaks station 1: %s", js)
		}
		for _, ctx := range []context.Context{as(f.w.actor(1, -1))} {
			if _, err := s.CustomerFile(ctx, f.c.ID); !errs.Is(err, errs.KindNotFound) {
				t.Fatalf("other tenant: %v", err)
			}
		}
		if _, err := s.CustomerFile(as(f.w.actor(0, 0)), f.d.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("customer of another station: %v", err)
		}
	})
}

func TestEraseCustomer(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newCustFixture(t, s)
		admin := as(f.w.actor(0, -1))
		f.email(t, s, 0, f.rc0, "Hallo Anna")
		f.payment(t, s, f.rc0, "txn-e")
		iss := advanceInvoice(f.c.ID)
		iss.ReservationID, iss.StationID = f.rc0.ID, f.w.stations[0][0].ID
		mustNil(t, s.IssueInvoice(f.ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender}))

		if _, err := s.EraseCustomer(as(f.w.actor(0, 0)), f.c.ID); !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("station user erases: %v", err)
		}
		if _, err := s.EraseCustomer(as(f.w.actor(1, -1)), f.c.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant erases: %v", err)
		}
		if _, err := s.EraseCustomer(admin, f.c.ID); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("erase with open bookings: %v", err)
		}
		for _, r := range []booking.Reservation{f.rc0, f.rc1} {
			mustNil(t, s.SetReservationStatus(f.ctx, r.ID, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled))
		}
		er, err := s.EraseCustomer(admin, f.c.ID)
		mustNil(t, err)
		if er.EraseAfter != "2036-12-31" || !strings.Contains(strings.Join(er.Kept, ","), "invoices") {
			t.Fatalf("erasure = %+v", er)
		}
		file, err := s.CustomerFile(admin, f.c.ID)
		mustNil(t, err)
		fc := file.Customer
		if fc.Phone != "" || fc.BirthDate != "" || fc.LicenceNumber != "" || fc.LicenceIssuedOn != "" || fc.RestrictedAt == nil ||
			fc.EraseAfter != "2036-12-31" || fc.LastName != "Berger" || fc.Street != "Domplatz 1" {
			t.Fatalf("customer after erasure = %+v", fc)
		}
		if file.Emails[0].BodyText != "" || len(file.Invoices) != 1 || file.Payments[0].CardLast4 != "1111" {
			t.Fatalf("file after erasure = %+v", file)
		}
		for _, a := range file.Audit {
			if a.Entity == "customer" && (strings.Contains(a.Before+a.After, "941") || strings.Contains(a.Before+a.After, "B072RRE2I55")) {
				t.Fatalf("audit keeps erased data: %+v", a)
			}
		}
		// blocked: no new booking through upsert, no edit, no second erasure
		again := customer.Customer{Email: "Anna@example.de", FirstName: "Anna", LastName: "Berger", Street: "Domplatz 1", PostalCode: "93047", City: "Regensburg"}
		if _, _, err := s.UpsertCustomer(f.ctx, &again); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("upsert of a blocked customer: %v", err)
		}
		c, _ := s.Customer(f.ctx, f.c.ID)
		if err := s.UpdateCustomer(admin, &c); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("edit of a blocked customer: %v", err)
		}
		if _, err := s.EraseCustomer(admin, f.c.ID); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("second erasure: %v", err)
		}
		// without invoices nothing needs keeping: anonymised, erase_after today
		mustNil(t, s.SetReservationStatus(f.ctx, f.rd1.ID, []booking.Status{booking.StatusConfirmed}, booking.StatusCancelled))
		er, err = s.EraseCustomer(admin, f.d.ID)
		mustNil(t, err)
		d, _ := s.Customer(f.ctx, f.d.ID)
		if er.EraseAfter != "2026-11-27" || d.Email == "dora@example.de" || d.Street != "" || d.LastName == "Weiß" {
			t.Fatalf("erasure without invoices = %+v, %+v", er, d)
		}
	})
}

func TestReservationRowsByDay(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		f := newCustFixture(t, s)
		day := f.pickup.Truncate(24 * time.Hour)
		// rc0 and rc1 are picked up on the day and returned the next; rd1 later
		rows, total, err := s.ReservationRows(as(f.w.actor(0, -1)), booking.ListQuery{Day: day.Add(24 * time.Hour), DayEnd: day.Add(48 * time.Hour)})
		mustNil(t, err)
		if total != 2 || rows[0].DayKind != booking.DayReturn {
			t.Fatalf("returns day: %d %+v", total, rows)
		}
		mustNil(t, s.SetReservationNotes(f.ctx, f.rd1.ID, "x"))
		// a pickup and a return on the same day: pickups first
		rd := booking.Reservation{StationID: f.w.stations[0][1].ID, CustomerID: f.d.ID, CategoryID: f.w.cats[0].ID, TariffID: f.w.tariffs[0].ID,
			Pickup: day.Add(24*time.Hour + 17*time.Hour), Return: day.Add(48*time.Hour + time.Hour), Status: booking.StatusFailed}
		mustNil(t, s.CreateReservation(f.ctx, &rd))
		rows, total, err = s.ReservationRows(as(f.w.actor(0, 1)), booking.ListQuery{Day: day.Add(24 * time.Hour), DayEnd: day.Add(48 * time.Hour)})
		mustNil(t, err)
		if total != 2 || rows[0].ID != rd.ID || rows[0].DayKind != booking.DayPickup || rows[1].ID != f.rc1.ID || rows[1].DayKind != booking.DayReturn ||
			rows[1].CustomerName != "Anna Berger" || rows[1].VehiclePlate == "" || rows[1].TariffName != "Standard" {
			t.Fatalf("station 1 day: %+v", rows)
		}
		rows, _, _ = s.ReservationRows(as(f.w.actor(0, 1)), booking.ListQuery{Search: "dora"})
		if len(rows) != 2 {
			t.Fatalf("search dora: %+v", rows)
		}
		if _, err := s.ReservationRow(as(f.w.actor(0, 0)), f.rd1.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other station's row: %v", err)
		}
		if err := s.SetReservationNotes(as(f.w.actor(0, 0)), f.rd1.ID, "y"); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other station's notes: %v", err)
		}
		if err := s.SetReservationNotes(f.ctx, f.rd1.ID, strings.Repeat("x", 2001)); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("long notes: %v", err)
		}
		if r, _ := s.Reservation(f.ctx, f.rd1.ID); r.Notes != "x" {
			t.Fatalf("notes = %q", r.Notes)
		}
	})
}
