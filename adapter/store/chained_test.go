package store_test

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
)

// TestIssuedInvoiceRowsChained issues an invoice of several lines of
// different kinds and VAT rates and reads it back whole:
// the same on both databases, although PostgreSQL writes the invoice, its
// lines and its PDF in one chained statement (dialect.chainsWrites) and
// SQLite one by one. On PostgreSQL the issue sends six statements: the
// chained insert, BEGIN, COMMIT, the number and (without a configuration
// version in the context, so not from the cache) the tenant's number
// patterns and webhook endpoints.
func TestIssuedInvoiceRowsChained(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "ketten@example.de")
		iss := advanceInvoice(c.ID)
		iss.Invoice.Lines = []invoice.Line{
			{Description: "Miete 2 Tage", QuantityMilli: 2000, Unit: "day", UnitGross: 4900, VATRateBP: 1900, Kind: "rent"},
			{Description: "Mehr-km", QuantityMilli: 125500, Unit: "km", UnitGross: 29, VATRateBP: 1900},
			{Description: "Kindersitz", QuantityMilli: 1000, Unit: "piece", UnitGross: 1250, VATRateBP: 700, Kind: "extra"},
		}
		n0 := s.Statements()
		mustNil(t, s.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender, Loc: time.UTC}))
		if n := s.Statements() - n0; s.Dialect() == store.Postgres && n != 6 {
			t.Errorf("issuing sent %d statements to PostgreSQL, want 6 (the tenant's number patterns, BEGIN, number, "+
				"invoice with lines and PDF, webhook endpoints, COMMIT)", n)
		}
		got, err := s.IssuedInvoice(ctx, iss.ID)
		mustNil(t, err)
		if got.Invoice.Number != iss.Invoice.Number || got.Invoice.Number == "" {
			t.Fatalf("read back number %q, issued %q", got.Invoice.Number, iss.Invoice.Number)
		}
		want := iss.Invoice.Lines
		if len(got.Invoice.Lines) != 3 {
			t.Fatalf("%d lines read back, want 3", len(got.Invoice.Lines))
		}
		for i, l := range got.Invoice.Lines {
			w := want[i]
			if l.Description != w.Description || l.QuantityMilli != w.QuantityMilli || l.Unit != w.Unit || l.UnitGross != w.UnitGross ||
				l.VATRateBP != w.VATRateBP || l.Kind != w.Kind || l.TaxCategory != w.TaxCategory {
				t.Errorf("line %d read back %+v, issued %+v", i+1, l, w)
			}
		}
		var kinds []string
		rows, err := s.DB().Query(`SELECT kind, net_cents, vat_cents, gross_cents, tax_category, tenant_id FROM invoice_lines
			WHERE invoice_id = $1 ORDER BY position`, iss.ID)
		mustNil(t, err)
		for i := 0; rows.Next(); i++ {
			var k, cat string
			var net, vat, gross, tenant int64
			mustNil(t, rows.Scan(&k, &net, &vat, &gross, &cat, &tenant))
			kinds = append(kinds, k)
			g := invoice.LineGross(want[i])
			n, v := invoice.Split(g, want[i].VATRateBP)
			if net != n || vat != v || gross != g || cat != "S" || tenant != w.tenants[0].ID {
				t.Errorf("line %d stored net %d vat %d gross %d %s tenant %d, want %d %d %d S %d", i+1, net, vat, gross, cat, tenant,
					n, v, g, w.tenants[0].ID)
			}
		}
		mustNil(t, rows.Err())
		if !reflect.DeepEqual(kinds, []string{"rent", "other", "extra"}) { // "other" for a line without a kind
			t.Errorf("stored kinds %q", kinds)
		}
		if !reflect.DeepEqual(got.Totals, iss.Totals) {
			t.Errorf("totals read back %+v, issued %+v", got.Totals, iss.Totals)
		}
		var pdf []byte
		var sum, kind, name string
		var size int
		mustNil(t, s.DB().QueryRow(`SELECT data, sha256, kind, filename, size_bytes FROM documents
			WHERE id = $1 AND invoice_id = $2 AND content_type = 'application/pdf'`, iss.DocumentID, iss.ID).Scan(&pdf, &sum, &kind, &name, &size))
		if want, _ := fakeRender(iss.Invoice); string(pdf) != string(want) || sum != iss.SHA256 || kind != "invoice" ||
			name != iss.Invoice.Number+".pdf" || size != len(want) {
			t.Errorf("document holds %q (%s, %s, %s, %d bytes), want %q (%s)", pdf, sum, kind, name, size, want, iss.SHA256)
		}
	})
}

// TestBookingNumbersFormat: PostgreSQL takes the booking number and
// inserts the reservation in one statement, formatting the number in SQL;
// it must read as SQLite's (Go's) do, past five digits too.
func TestBookingNumbersFormat(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "nummer@example.de")
		st := w.stations[0][0]
		p := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
		var got []string
		for i, seq := range []int64{0, 98, 99998, 99999, 100000, 1234566} {
			if seq > 0 {
				_, err := s.DB().Exec(`UPDATE counters SET value = $1 WHERE tenant_id = $2 AND series = 'booking'`, seq, w.tenants[0].ID)
				mustNil(t, err)
			}
			r := booking.Reservation{StationID: st.ID, CustomerID: c.ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
				Pickup: p.AddDate(0, 0, 3*i), Return: p.AddDate(0, 0, 3*i+1)}
			mustNil(t, s.CreateReservation(ctx, &r))
			var stored string
			mustNil(t, s.DB().QueryRow(`SELECT number FROM reservations WHERE id = $1`, r.ID).Scan(&stored))
			if stored != r.Number {
				t.Errorf("reservation %d: stored %q, returned %q", r.ID, stored, r.Number)
			}
			got = append(got, r.Number)
		}
		want := []string{"B26-00001", "B26-00099", "B26-99999", "B26-100000", "B26-100001", "B26-1234567"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("numbers %q, want %q", got, want)
		}
	})
}

// TestCustomerCreatedOnceConcurrent: PostgreSQL finds or creates a
// booking's customer in one statement; customers with one e-mail created
// at once by many requests are one customer, created (and audited) once,
// and every request gets it.
func TestCustomerCreatedOnceConcurrent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		const n = 8
		ids := make([]int64, n)
		created := make([]bool, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				c := customer.Customer{Email: "Gleich.Zeitig@Example.de", FirstName: "Gerda", LastName: "Gleich", Street: "Weg 1",
					PostalCode: "93047", City: "Regensburg"}
				var err error
				created[i], _, err = s.UpsertCustomer(ctx, &c)
				if err != nil {
					t.Error(err)
				}
				ids[i] = c.ID
			}()
		}
		wg.Wait()
		nCreated := 0
		for i := range n {
			if created[i] {
				nCreated++
			}
			if ids[i] == 0 || ids[i] != ids[0] {
				t.Fatalf("customer ids %v", ids)
			}
		}
		trail, err := s.AuditTrail(ctx, "customer", ids[0])
		mustNil(t, err)
		if nCreated != 1 || len(trail) != 1 || trail[0].Action != "create" {
			t.Fatalf("created by %d requests, audit trail %+v", nCreated, trail)
		}
	})
}

// leasedBooking creates a pending booking of c (given an address) at
// tenant 0's first station, leased for a minute by the system actor, and
// returns the customer, the booking and its lease.
func leasedBooking(t *testing.T, s *store.Store, clk *clock, w *world, c customer.Customer) (customer.Customer, booking.Reservation, time.Time) {
	t.Helper()
	lease := clk.Now().Add(time.Minute).Truncate(time.Microsecond)
	c.Street, c.PostalCode, c.City = "Weg 1", "93047", "Regensburg"
	r := booking.Reservation{StationID: w.stations[0][0].ID, CategoryID: w.cats[0].ID, TariffID: w.tariffs[0].ID,
		Pickup: clk.Now().Add(24 * time.Hour), Return: clk.Now().Add(48 * time.Hour), LeaseUntil: &lease}
	mustNil(t, s.CreateReservationFor(sys(w.tenants[0].ID), &c, &r))
	return c, r, lease
}

// TestConfirmationAudited: a booking confirmed with its advance invoice
// gets its status change in the audit trail (on PostgreSQL written with
// the status update), and a confirmation refused because another process
// holds the booking's lease writes neither the invoice nor the audit row.
func TestConfirmationAudited(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c, r, lease := leasedBooking(t, s, clk, w, customer.Customer{Email: "lea@example.de", FirstName: "Lea", LastName: "Lang"})
		confirm := func(held time.Time) error {
			return s.IssueInvoice(ctx, invoice.IssueRequest{Issued: advanceInvoice(c.ID), Render: fakeRender, Loc: time.UTC,
				ConfirmReservation: r.ID, ConfirmLease: held})
		}
		if err := confirm(lease.Add(time.Second)); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("confirmed without the lease: %v", err)
		}
		var invoices int
		mustNil(t, s.DB().QueryRow(`SELECT count(*) FROM invoices`).Scan(&invoices))
		trail, err := s.AuditTrail(ctx, "reservation", r.ID)
		mustNil(t, err)
		if invoices != 0 || len(trail) != 0 {
			t.Fatalf("refused confirmation left %d invoices and audit trail %+v", invoices, trail)
		}
		mustNil(t, confirm(lease))
		trail, err = s.AuditTrail(ctx, "reservation", r.ID)
		mustNil(t, err)
		if len(trail) != 1 || trail[0].Action != "status" || trail[0].Before != `{"status":"pending_payment"}` ||
			trail[0].After != `{"status":"confirmed"}` {
			t.Fatalf("audit trail %+v", trail)
		}
	})
}

// TestRefusedConfirmationWritesNothing: a confirmation refused — the
// booking's lease lost, the reservation out of the actor's reach, or its
// status no longer pending_payment — gives the error a status read before
// the update gave, and writes nothing: no invoice, document, e-mail or
// audit row, no invoice number taken, the reservation unchanged. The
// confirmation that then succeeds takes the first number and writes all of
// it, the PDF attached as the stored document; on PostgreSQL the invoice,
// line, PDF, confirmation, audit row, e-mail and attachments in one chained
// statement.
func TestRefusedConfirmationWritesNothing(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c, r, lease := leasedBooking(t, s, clk, w, customer.Customer{Email: "rita@example.de", FirstName: "Rita", LastName: "Roth"})
		ics := []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
		var queued []mail.Queued
		confirm := func(ctx context.Context, held time.Time) (*invoice.Issued, error) {
			iss := advanceInvoice(c.ID)
			iss.ReservationID, iss.StationID = r.ID, r.StationID
			err := s.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender, Loc: time.UTC,
				ConfirmReservation: r.ID, ConfirmLease: held, ConfirmPageTokenHash: "page-hash-rita",
				Mails: func(in invoice.Issued, pdf []byte) ([]mail.Queued, error) {
					queued = []mail.Queued{{Links: mail.Links{ReservationID: r.ID, CustomerID: c.ID}, Message: mail.Message{
						Kind: mail.KindReservationConfirmation, Lang: "de", To: mail.Address{Email: c.Email},
						From: mail.Address{Email: "info@autohaus.example"}, Subject: "Bestätigung " + in.Invoice.Number, Text: "Anbei.",
						Attachments: []mail.Attachment{
							{Filename: in.Invoice.Number + ".pdf", ContentType: "application/pdf", Data: pdf},
							{Filename: "termin.ics", ContentType: "text/calendar", Data: ics},
						}}}}
					return queued, nil
				}})
			return iss, err
		}
		written := func() (n [5]int) {
			t.Helper()
			mustNil(t, s.DB().QueryRow(`SELECT (SELECT count(*) FROM invoices), (SELECT count(*) FROM documents),
				(SELECT count(*) FROM emails), (SELECT count(*) FROM email_attachments),
				(SELECT COALESCE(sum(value), 0) FROM counters WHERE series <> 'booking')`).Scan(&n[0], &n[1], &n[2], &n[3], &n[4]))
			return n
		}
		unchanged := func(what string, err error, want *errs.Error) {
			t.Helper()
			e, ok := errs.As(err)
			if !ok || e.Kind != want.Kind || e.Code != want.Code || !reflect.DeepEqual(e.Params, want.Params) {
				t.Fatalf("%s: %v, want %v %v", what, err, want, want.Params)
			}
			if n := written(); n != [5]int{} {
				t.Fatalf("%s: wrote invoices, documents, e-mails, attachments, numbers %v", what, n)
			}
			trail, err := s.AuditTrail(ctx, "reservation", r.ID)
			mustNil(t, err)
			var status string
			var hashed, leased bool
			mustNil(t, s.DB().QueryRow(`SELECT status, page_token_hash IS NOT NULL, lease_until IS NOT NULL FROM reservations
				WHERE id = $1`, r.ID).Scan(&status, &hashed, &leased))
			if len(trail) != 0 || hashed || !leased {
				t.Fatalf("%s: audit trail %+v, page token stored %v, lease kept %v", what, trail, hashed, leased)
			}
		}
		_, err := confirm(ctx, lease.Add(time.Second))
		unchanged("lease lost", err, store.ErrBookingBusy)
		_, err = confirm(as(w.actor(0, 1)), lease)
		unchanged("another station's user", err, errs.NotFound("booking_not_found"))
		_, err = s.DB().Exec(`UPDATE reservations SET status = 'cancelled' WHERE id = $1`, r.ID)
		mustNil(t, err)
		_, err = confirm(ctx, lease)
		unchanged("cancelled meanwhile", err, errs.Conflict("booking_status_change",
			locale.Params{"status": locale.Key("booking.status.cancelled"), "to": locale.Key("booking.status.confirmed")}))
		_, err = s.DB().Exec(`UPDATE reservations SET status = 'pending_payment' WHERE id = $1`, r.ID)
		mustNil(t, err)

		n0 := s.Statements()
		iss, err := confirm(ctx, lease)
		mustNil(t, err)
		if n := s.Statements() - n0; s.Dialect() == store.Postgres && n != 7 {
			t.Errorf("confirming sent %d statements to PostgreSQL, want 7 (the tenant's number patterns, BEGIN, number, "+
				"the chained statement, webhook endpoints for booking.confirmed and invoice.issued, COMMIT)", n)
		}
		if n := written(); n != [5]int{1, 1, 1, 2, 1} {
			t.Fatalf("confirmed: invoices, documents, e-mails, attachments, numbers %v, want [1 1 1 2 1]", n)
		}
		var status string
		var leased bool
		var hash string
		mustNil(t, s.DB().QueryRow(`SELECT status, lease_until IS NOT NULL, page_token_hash FROM reservations WHERE id = $1`, r.ID).
			Scan(&status, &leased, &hash))
		trail, err := s.AuditTrail(ctx, "reservation", r.ID)
		mustNil(t, err)
		if status != "confirmed" || leased || hash != "page-hash-rita" || len(trail) != 1 || trail[0].Before != `{"status":"pending_payment"}` ||
			trail[0].After != `{"status":"confirmed"}` || trail[0].StationID != r.StationID {
			t.Fatalf("confirmed: status %s, lease kept %v, page hash %q, audit trail %+v", status, leased, hash, trail)
		}
		if len(queued) != 1 || queued[0].ID == 0 || queued[0].Message.Attachments[0].DocumentID != iss.DocumentID || iss.DocumentID == 0 {
			t.Fatalf("queued %+v, invoice's document %d", queued, iss.DocumentID)
		}
		q, _, err := s.Email(ctx, queued[0].ID)
		mustNil(t, err)
		pdf, _ := fakeRender(iss.Invoice)
		if a := q.Message.Attachments; len(a) != 2 || !bytes.Equal(a[0].Data, pdf) || a[0].DocumentID != iss.DocumentID ||
			!bytes.Equal(a[1].Data, ics) || a[1].DocumentID != 0 {
			t.Fatalf("attachments read back: %+v", a)
		}
	})
}

// TestConfirmationSettlesCustomerUpdate: a returning customer's booking
// that brought changed data is confirmed with its advance invoice; the
// record takes the data (audited with the booking number) and the
// reservation drops it. On PostgreSQL the confirmation's update drops it
// while returning it, and the customer's update carries its audit row:
// two statements more than a confirmation without such data (the
// customer read to merge, and its update).
func TestConfirmationSettlesCustomerUpdate(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		first, gone, _ := leasedBooking(t, s, clk, w, customer.Customer{Email: "tom@example.de", FirstName: "Tom", LastName: "Alt"})
		mustNil(t, s.SetReservationStatus(ctx, gone.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusFailed))
		c, r, lease := leasedBooking(t, s, clk, w, customer.Customer{Email: "tom@example.de", FirstName: "Tom", LastName: "Neu",
			Phone: "+49 941 2222"})
		if c.ID != first.ID {
			t.Fatalf("second booking's customer %d, first %d", c.ID, first.ID)
		}
		iss := advanceInvoice(c.ID)
		iss.ReservationID, iss.StationID = r.ID, r.StationID
		n0 := s.Statements()
		mustNil(t, s.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender, Loc: time.UTC,
			ConfirmReservation: r.ID, ConfirmLease: lease}))
		if n := s.Statements() - n0; s.Dialect() == store.Postgres && n != 9 {
			t.Errorf("confirming sent %d statements to PostgreSQL, want 9 (the tenant's number patterns, BEGIN, number, "+
				"the chained statement, the customer read, its update with its audit row, webhook endpoints for booking.confirmed "+
				"and invoice.issued, COMMIT)", n)
		}
		now, err := s.Customer(ctx, c.ID)
		mustNil(t, err)
		if now.LastName != "Neu" || now.Phone != "+49 941 2222" {
			t.Fatalf("confirmed booking did not change the customer: %+v", now)
		}
		if n := count(t, s, `SELECT count(*) FROM reservations WHERE customer_update IS NOT NULL AND id = $1`, r.ID); n != 0 {
			t.Fatalf("the confirmed booking keeps the data it brought")
		}
		trail, err := s.AuditTrail(ctx, "customer", c.ID)
		mustNil(t, err)
		if last := trail[len(trail)-1]; last.Action != customer.ActionBookingUpdate || !strings.Contains(last.After, `"booking":"`+r.Number+`"`) ||
			!strings.Contains(last.After, "Neu") {
			t.Fatalf("customer's audit trail %+v", trail)
		}
	})
}
