package store_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
)

func testCustomer(t *testing.T, s *store.Store, ctx context.Context, email string) customer.Customer {
	t.Helper()
	c := customer.Customer{Email: email, FirstName: "Jürgen", LastName: "Weiß", Street: "Domplatz 1", PostalCode: "93047", City: "Regensburg"}
	if _, _, err := s.UpsertCustomer(ctx, &c); err != nil {
		t.Fatal(err)
	}
	return c
}

func advanceInvoice(customerID int64) *invoice.Issued {
	from := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	return &invoice.Issued{CustomerID: customerID, Language: "de", Invoice: invoice.Invoice{
		Kind: invoice.KindAdvance, Currency: "EUR", ServicePeriod: invoice.Period{From: from, To: from.Add(48 * time.Hour)},
		Supplier:  invoice.Party{Name: "Autohaus König GmbH", Address: invoice.Address{Street: "Hauptstr. 1", PostalCode: "93047", City: "Regensburg", Country: "DE"}, VATID: "DE123456789"},
		Recipient: invoice.Party{Name: "Jürgen Weiß", Address: invoice.Address{Street: "Domplatz 1", PostalCode: "93047", City: "Regensburg", Country: "DE"}},
		Lines:     []invoice.Line{{Description: "Miete 1 Tag", QuantityMilli: 1000, Unit: "day", UnitGross: 4900, VATRateBP: 1900}},
	}}
}

func fakeRender(inv invoice.Invoice) ([]byte, error) {
	return []byte("%PDF-fake " + inv.Number), nil
}

// TestInvoiceNumbersGapFreeConcurrent issues invoices from many goroutines,
// some of which fail after taking a number (rolled back): the numbers stored
// are exactly 1..n with no gap and no duplicate.
func TestInvoiceNumbersGapFreeConcurrent(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "kunde@example.de")
		const n = 40
		var wg sync.WaitGroup
		var mu sync.Mutex
		okCount := 0
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				render := fakeRender
				if i%5 == 0 { // a failure after the number was taken must leave no gap
					render = func(invoice.Invoice) ([]byte, error) { return nil, fmt.Errorf("renderer broke") }
				}
				err := s.IssueInvoice(ctx, invoice.IssueRequest{Issued: advanceInvoice(c.ID), Render: render, Loc: time.UTC})
				if err == nil {
					mu.Lock()
					okCount++
					mu.Unlock()
				} else if i%5 != 0 {
					t.Errorf("issue: %v", err)
				}
			}()
		}
		wg.Wait()
		list, err := s.ListInvoices(ctx, invoice.Filter{CustomerID: c.ID})
		mustNil(t, err)
		if len(list) != okCount || okCount != n-n/5 {
			t.Fatalf("%d invoices listed, %d succeeded", len(list), okCount)
		}
		nums := make([]string, len(list))
		for i, x := range list {
			nums[i] = x.Number
		}
		sort.Strings(nums)
		for i, num := range nums {
			if want := fmt.Sprintf("RE-2026-%06d", i+1); num != want {
				t.Fatalf("number %d = %s, want %s (all: %v)", i, num, want, nums)
			}
		}
		// another tenant has its own series
		c2 := testCustomer(t, s, sys(w.tenants[1].ID), "kunde@example.de")
		iss := advanceInvoice(c2.ID)
		mustNil(t, s.IssueInvoice(sys(w.tenants[1].ID), invoice.IssueRequest{Issued: iss, Render: fakeRender}))
		if iss.Invoice.Number != "RE-2026-000001" {
			t.Fatalf("second tenant's first number = %s", iss.Invoice.Number)
		}
	})
}

func TestInvoicesImmutable(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "k@example.de")
		iss := advanceInvoice(c.ID)
		mustNil(t, s.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender}))
		if iss.Totals.Gross != 4900 || iss.Totals.Net != 4118 || iss.Totals.VAT != 782 {
			t.Fatalf("totals = %+v", iss.Totals)
		}
		doc, err := s.Document(ctx, iss.DocumentID)
		mustNil(t, err)
		sum := sha256.Sum256(doc.Data)
		if hex.EncodeToString(sum[:]) != iss.SHA256 || string(doc.Data) != "%PDF-fake "+iss.Invoice.Number {
			t.Fatalf("document bytes/hash changed")
		}
		db := s.DB()
		for _, q := range []string{
			`UPDATE invoices SET gross_cents = 1 WHERE id = $1`,
			`DELETE FROM invoices WHERE id = $1`,
			`UPDATE invoice_lines SET gross_cents = 1 WHERE invoice_id = $1`,
			`DELETE FROM invoice_lines WHERE invoice_id = $1`,
			`UPDATE documents SET data = NULL WHERE invoice_id = $1`,
			`DELETE FROM documents WHERE invoice_id = $1`,
		} {
			if _, err := db.Exec(q, iss.ID); err == nil {
				t.Errorf("%s succeeded on an issued invoice", q)
			}
		}
		// other tenants cannot read the document
		if _, err := s.Document(sys(w.tenants[1].ID), iss.DocumentID); !errs.Is(err, errs.KindNotFound) {
			t.Fatalf("cross-tenant document: %v", err)
		}
		// credit notes have their own series and must reference the invoice
		cn := advanceInvoice(c.ID)
		cn.Invoice.Kind = invoice.KindCreditNote
		cn.CorrectsID = iss.ID
		cn.Invoice.Corrects = &invoice.Reference{Number: iss.Invoice.Number, IssueDate: iss.Invoice.IssueDate}
		mustNil(t, s.IssueInvoice(ctx, invoice.IssueRequest{Issued: cn, Render: fakeRender}))
		if cn.Invoice.Number != "GS-2026-000001" {
			t.Fatalf("credit note number = %s", cn.Invoice.Number)
		}
	})
}

func TestCustomerUpsert(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := as(w.actor(0, -1))
		c := customer.Customer{Email: "Max.Muster@Example.de", FirstName: "Max", LastName: "Muster", Street: "Weg 1", PostalCode: "93047", City: "Regensburg"}
		created, _, err := s.UpsertCustomer(ctx, &c)
		mustNil(t, err)
		if !created {
			t.Fatal("first upsert did not create")
		}
		again := customer.Customer{Email: "max.muster@example.DE", FirstName: "Max", LastName: "Muster", Street: "Neuer Weg 2", PostalCode: "93047", City: "Regensburg", Phone: "+49 941 1234"}
		created, changes, err := s.UpsertCustomer(ctx, &again)
		mustNil(t, err)
		if created || again.ID != c.ID || len(changes) != 2 || again.Email != "Max.Muster@Example.de" {
			t.Fatalf("upsert: created=%v id=%d changes=%v email=%s", created, again.ID, changes, again.Email)
		}
		trail, err := s.AuditTrail(ctx, "customer", c.ID)
		mustNil(t, err)
		if len(trail) != 2 || trail[1].Action != "update" || trail[1].ActorKind != "user" {
			t.Fatalf("audit trail = %+v", trail)
		}
		bad := customer.Customer{Email: "nope", BirthDate: "2020-01-01"}
		if _, _, err := s.UpsertCustomer(ctx, &bad); !errs.Is(err, errs.KindInvalid) {
			t.Fatalf("invalid: %v", err)
		}
		// same e-mail in another tenant is another customer
		other := c
		other.ID = 0
		created, _, err = s.UpsertCustomer(sys(w.tenants[1].ID), &other)
		mustNil(t, err)
		if !created || other.ID == c.ID {
			t.Fatal("customer leaked across tenants")
		}
	})
}

// TestForeseenInvoiceNumbers: on SQLite an invoice's PDF is rendered outside
// the write lock for the number its transaction is foreseen to take, and
// used only when the transaction takes exactly that number. Whatever the
// foresight — issues in a row, concurrent ones, issues failing after their
// number was taken, numbers taken by a writer that did not announce itself
// — every stored PDF is the rendering of its own invoice (number and issue
// time as stored), and issue times rise with the numbers.
func TestForeseenInvoiceNumbers(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "kunde@example.de")
		render := func(inv invoice.Invoice) ([]byte, error) {
			return []byte("%PDF " + inv.Number + " " + inv.IssueDate.UTC().Format(time.RFC3339Nano)), nil
		}
		// the e-mail and the e-invoice quote what they are built from
		quote := func(iss invoice.Issued) string {
			return iss.Invoice.Number + " " + iss.IssuedAt.UTC().Format(time.RFC3339Nano) + " " + iss.SHA256
		}
		issue := func(fail bool) error {
			req := invoice.IssueRequest{Issued: advanceInvoice(c.ID), Render: render, Loc: time.UTC,
				EInvoice: func(inv invoice.Invoice) (*invoice.EFile, error) {
					return &invoice.EFile{Filename: inv.Number + ".xml", ContentType: "application/xml", Data: []byte(inv.Number)}, nil
				},
				Mails: func(iss invoice.Issued, pdf []byte) ([]mail.Queued, error) {
					if fail { // after the number was taken and the PDF rendered
						return nil, fmt.Errorf("mail broke")
					}
					return []mail.Queued{{Message: mail.Message{Kind: mail.KindAdvanceInvoice, Lang: "de", To: mail.Address{Email: "kunde@example.de"},
						From: mail.Address{Email: "info@autohaus.de"}, Subject: quote(iss), Text: string(iss.EInvoice.Data),
						Attachments: []mail.Attachment{{Filename: "r.pdf", ContentType: "application/pdf", Data: pdf}}}}}, nil
				}}
			return s.IssueInvoice(ctx, req)
		}
		// in a row: from the second on each number is foreseen
		f0, n0 := s.ForeseenForTest()
		for range 5 {
			mustNil(t, issue(false))
		}
		if f, n := s.ForeseenForTest(); s.Dialect() == store.SQLite && (f-f0 != 4 || n-n0 != 5) {
			t.Errorf("in a row: %d of %d numbers foreseen, want 4 of 5", f-f0, n-n0)
		}
		// concurrent: numbers foreseen in the queue's order
		var wg sync.WaitGroup
		f0, n0 = s.ForeseenForTest()
		for range 30 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				mustNil(t, issue(false))
			}()
		}
		wg.Wait()
		f, n := s.ForeseenForTest()
		t.Logf("concurrent: %d of %d numbers foreseen", f-f0, n-n0)
		if s.Dialect() == store.SQLite && (n-n0 != 30 || f-f0 < 15) {
			t.Errorf("concurrent: %d of %d numbers foreseen: the PDFs were not rendered outside the lock", f-f0, n-n0)
		}
		// concurrent, with failures and a writer taking numbers unannounced
		want := 5 + 30
		for i := range 40 {
			if i%9 != 4 && i%7 != 3 {
				want++
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				switch {
				case i%9 == 4:
					mustNil(t, s.WriteForTest(ctx, false, func(tx *sql.Tx) error {
						_, err := tx.Exec(`UPDATE counters SET value = value + 1 WHERE tenant_id = $1 AND series = 'invoice'`, w.tenants[0].ID)
						return err
					}))
				case i%7 == 3:
					if err := issue(true); err == nil {
						t.Error("an issue whose e-mail failed was stored")
					}
				default:
					mustNil(t, issue(false))
				}
			}()
		}
		wg.Wait()
		list, err := s.ListInvoices(ctx, invoice.Filter{CustomerID: c.ID})
		mustNil(t, err)
		if len(list) != want {
			t.Fatalf("%d invoices, want %d", len(list), want)
		}
		sort.Slice(list, func(i, j int) bool { return list[i].Number < list[j].Number })
		for i, x := range list {
			doc, err := s.Document(ctx, x.DocumentID)
			mustNil(t, err)
			if want := "%PDF " + x.Number + " " + x.IssuedAt.UTC().Format(time.RFC3339Nano); string(doc.Data) != want {
				t.Errorf("invoice %s stores the PDF %q, want %q", x.Number, doc.Data, want)
			}
			var subject, text string
			mustNil(t, s.DB().QueryRow(`SELECT e.subject, e.body_text FROM emails e JOIN email_attachments a ON a.email_id = e.id
				WHERE a.document_id = $1`, x.DocumentID).Scan(&subject, &text))
			if want := x.Number + " " + x.IssuedAt.UTC().Format(time.RFC3339Nano) + " " + x.SHA256; subject != want || text != x.Number {
				t.Errorf("invoice %s's e-mail quotes %q / %q, want %q / %q", x.Number, subject, text, want, x.Number)
			}
			if i > 0 && x.IssuedAt.Before(list[i-1].IssuedAt) {
				t.Errorf("invoice %s issued at %s, before %s issued at %s", x.Number, x.IssuedAt, list[i-1].Number, list[i-1].IssuedAt)
			}
		}
	})
}
