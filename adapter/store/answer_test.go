package store_test

import (
	"errors"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
)

// TestIssueStoresAnswer: an issue with an answer (IssueRequest.Answer)
// stores it for its Idempotency-Key in the issue's transaction, rendered
// from the numbered invoice, and a request with the key replays it; a
// confirmation refused (the lease lost), an answer that cannot be
// rendered and an actor that holds no keys (not an API client) store
// nothing and issue nothing; a key already answered keeps its answer (as
// with FinishIdempotent) while the document is issued. On PostgreSQL the
// answer goes with the chained statement: the issue sends as many
// statements as without it.
func TestIssueStoresAnswer(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		api := as(identity.Actor{Kind: identity.ActorAPI, TenantID: w.tenants[0].ID, APIClientID: 7})
		c, r, lease := leasedBooking(t, s, clk, w, customer.Customer{Email: "anna@example.de", FirstName: "Anna", LastName: "Antwort"})
		answer := func(key string) *invoice.Answer {
			return &invoice.Answer{Key: key, Render: func(iss invoice.Issued) (idempotency.Response, error) {
				return idempotency.Response{StatusCode: 201, ContentType: "application/json",
					Body: []byte(`{"invoice_number":"` + iss.Invoice.Number + `"}` + "\n")}, nil
			}}
		}
		issue := func(ans *invoice.Answer, held time.Time, as ...identity.Actor) (*invoice.Issued, error) {
			ctx := api
			if len(as) > 0 {
				ctx = identity.WithActor(ctx, as[0])
			}
			iss := advanceInvoice(c.ID)
			iss.ReservationID, iss.StationID = r.ID, r.StationID
			return iss, s.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender, Loc: time.UTC,
				ConfirmReservation: r.ID, ConfirmLease: held, Answer: ans})
		}
		begin := func(key string) *idempotency.Response {
			t.Helper()
			replay, _, err := s.BeginIdempotent(api, key, "POST", "/api/v1/bookings", "hash-"+key, time.Minute)
			mustNil(t, err)
			return replay
		}
		nothingIssued := func(what string, err error) {
			t.Helper()
			var n int
			mustNil(t, s.DB().QueryRow(`SELECT count(*) FROM invoices`).Scan(&n))
			var st string
			mustNil(t, s.DB().QueryRow(`SELECT state FROM idempotency_keys WHERE key = 'k1'`).Scan(&st))
			if err == nil || n != 0 || st != "processing" {
				t.Fatalf("%s: %v, %d invoices, key %s; want an error, nothing issued, the key processing", what, err, n, st)
			}
		}
		begin("k1")
		_, err := issue(answer("k1"), lease.Add(time.Second))
		nothingIssued("lease lost", err)
		_, err = issue(&invoice.Answer{Key: "k1", Render: func(invoice.Issued) (idempotency.Response, error) {
			return idempotency.Response{}, errors.New("test: answer not rendered")
		}}, lease)
		nothingIssued("answer not rendered", err)
		_, err = issue(answer("k1"), lease, identity.SystemFor(w.tenants[0].ID))
		if !errs.Is(err, errs.KindForbidden) {
			t.Fatalf("a system actor's answer: %v, want forbidden", err)
		}
		nothingIssued("system actor", err)

		iss, err := issue(answer("k1"), lease)
		mustNil(t, err)
		replay := begin("k1")
		if replay == nil || replay.StatusCode != 201 || replay.ContentType != "application/json" ||
			string(replay.Body) != `{"invoice_number":"`+iss.Invoice.Number+`"}`+"\n" {
			t.Fatalf("replay after the issue: %+v, want the answer with invoice %s", replay, iss.Invoice.Number)
		}

		// a key already answered keeps its answer; the issue (here without
		// a confirmation) goes through, with as many statements
		begin("k2")
		kept := idempotency.Response{StatusCode: 201, ContentType: "application/json", Body: []byte("{\"first\":true}\n")}
		mustNil(t, s.FinishIdempotent(api, "k2", kept))
		n0 := s.Statements()
		iss2 := advanceInvoice(c.ID)
		mustNil(t, s.IssueInvoice(api, invoice.IssueRequest{Issued: iss2, Render: fakeRender, Loc: time.UTC, Answer: answer("k2")}))
		n2 := s.Statements() - n0
		if replay := begin("k2"); replay == nil || string(replay.Body) != string(kept.Body) || iss2.ID == 0 {
			t.Fatalf("an answered key: replay %+v, invoice %d; want the first answer kept, the invoice issued", replay, iss2.ID)
		}
		n0 = s.Statements()
		mustNil(t, s.IssueInvoice(api, invoice.IssueRequest{Issued: advanceInvoice(c.ID), Render: fakeRender, Loc: time.UTC}))
		if without := s.Statements() - n0; s.Dialect() == store.Postgres && n2 != without {
			t.Errorf("an issue with its answer sent %d statements to PostgreSQL, without %d: want as many", n2, without)
		}
	})
}
