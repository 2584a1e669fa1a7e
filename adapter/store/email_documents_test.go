package store_test

import (
	"bytes"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
)

// TestInvoiceMailAttachmentReferencesDocument: an e-mail queued with an
// issued invoice keeps the PDF once — its attachment row points at the
// document instead of holding a second copy — and reading the message back
// gives the exact bytes; other attachments are stored as they are.
func TestInvoiceMailAttachmentReferencesDocument(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, _ *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "anhang@example.de")
		ics := []byte("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
		iss := advanceInvoice(c.ID)
		err := s.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender, Loc: time.UTC,
			Mails: func(in invoice.Issued, pdf []byte) ([]mail.Queued, error) {
				return []mail.Queued{{Links: mail.Links{CustomerID: c.ID}, Message: mail.Message{Kind: mail.KindAdvanceInvoice,
					Lang: "de", To: mail.Address{Email: c.Email}, From: mail.Address{Email: "info@autohaus.example"},
					Subject: "Rechnung " + in.Invoice.Number, Text: "Anbei.",
					Attachments: []mail.Attachment{
						{Filename: in.Invoice.Number + ".pdf", ContentType: "application/pdf", Data: pdf},
						{Filename: "termin.ics", ContentType: "text/calendar", Data: ics},
					}}}}, nil
			}})
		mustNil(t, err)
		var n, withDoc, nullData int
		mustNil(t, s.DB().QueryRow(`SELECT count(*), count(document_id), count(*) - count(data) FROM email_attachments`).
			Scan(&n, &withDoc, &nullData))
		if n != 2 || withDoc != 1 || nullData != 1 {
			t.Fatalf("attachments %d, with document %d, without own data %d; want 2, 1, 1", n, withDoc, nullData)
		}
		var docID, emailID int64
		mustNil(t, s.DB().QueryRow(`SELECT document_id, email_id FROM email_attachments WHERE document_id IS NOT NULL`).
			Scan(&docID, &emailID))
		if docID != iss.DocumentID {
			t.Fatalf("attachment refers to document %d, the invoice's is %d", docID, iss.DocumentID)
		}
		q, _, err := s.Email(ctx, emailID)
		mustNil(t, err)
		want, _ := fakeRender(iss.Invoice)
		a := q.Message.Attachments
		if len(a) != 2 || !bytes.Equal(a[0].Data, want) || a[0].DocumentID != iss.DocumentID || !bytes.Equal(a[1].Data, ics) {
			t.Fatalf("attachments read back: %+v", a)
		}
	})
}
