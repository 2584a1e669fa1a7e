package store_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
)

func fakeEInvoice(inv invoice.Invoice) (*invoice.EFile, error) {
	return &invoice.EFile{Filename: inv.Number + ".xml", ContentType: "application/xml",
		Data: []byte("<Invoice>" + inv.Number + "</Invoice>")}, nil
}

// TestEInvoiceIssuedWithInvoice: an e-invoice issued with an invoice is
// kept with it, read back exactly, never changed, scoped like the invoice;
// an invoice without one reads as none; a failing e-invoice renderer rolls
// the whole issue back.
func TestEInvoiceIssuedWithInvoice(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "b2b@example.de")
		withE := advanceInvoice(c.ID)
		withE.StationID = w.stations[0][0].ID
		mustNil(t, s.IssueInvoice(ctx, invoice.IssueRequest{Issued: withE, Render: fakeRender, EInvoice: fakeEInvoice, Loc: time.UTC}))
		plain := advanceInvoice(c.ID)
		plain.StationID = w.stations[0][0].ID
		mustNil(t, s.IssueInvoice(ctx, invoice.IssueRequest{Issued: plain, Render: fakeRender, Loc: time.UTC}))

		f, ok, err := s.EInvoiceFile(ctx, withE.ID)
		mustNil(t, err)
		want, _ := fakeEInvoice(withE.Invoice)
		if !ok || f.Filename != withE.Invoice.Number+".xml" || !bytes.Equal(f.Data, want.Data) || withE.EInvoice == nil {
			t.Fatalf("e-invoice read back: %v %+v", ok, f)
		}
		if _, ok, err := s.EInvoiceFile(ctx, plain.ID); ok || err != nil {
			t.Fatalf("invoice without e-invoice: %v %v", ok, err)
		}
		if _, _, err := s.EInvoiceFile(as(w.actor(0, 1)), withE.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other station's user: %v", err)
		}
		if _, _, err := s.EInvoiceFile(as(w.actor(1, -1)), withE.ID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("other tenant's admin: %v", err)
		}
		if _, err := s.DB().Exec(`UPDATE einvoices SET filename = 'x.xml'`); err == nil {
			t.Fatal("an e-invoice could be changed")
		}

		failing := advanceInvoice(c.ID)
		err = s.IssueInvoice(ctx, invoice.IssueRequest{Issued: failing, Render: fakeRender, Loc: time.UTC,
			EInvoice: func(invoice.Invoice) (*invoice.EFile, error) { return nil, errors.New("renderer broke") }})
		if err == nil {
			t.Fatal("a failing e-invoice renderer did not fail the issue")
		}
		if n := count(t, s, `SELECT count(*) FROM invoices WHERE customer_id = $1`, c.ID); n != 2 {
			t.Fatalf("%d invoices after the failed issue, want 2", n)
		}
	})
}
