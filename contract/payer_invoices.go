package contract

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
)

// PayerSend is one time a payer's document was queued by e-mail to its
// payer: at issue, or later by staff.
type PayerSend struct {
	InvoiceID int64
	To        string // the address it went to
	At        time.Time
	ByName    string // who sent it ("" or the system: at issue)
}

// PayerBook keeps what happens to payer documents after issue. Every
// method is scoped by the actor in ctx like Store.
type PayerBook interface {
	// PayerSends lists the e-mails of the payer documents of a contract,
	// oldest first. Errors: KindNotFound.
	PayerSends(ctx context.Context, contractID int64) ([]PayerSend, error)
	// SendPayerInvoice queues q (the payer's document invoiceID of the
	// contract, to its payer) and records the send, audit-logged on the
	// contract, in one transaction. Errors: KindNotFound.
	SendPayerInvoice(ctx context.Context, contractID, invoiceID int64, q mail.Queued) error
	// Document returns a stored document. Errors: KindNotFound.
	Document(ctx context.Context, id int64) (document.Stored, error)
	// EInvoiceFile returns the e-invoice issued with an invoice (ok false:
	// none).
	EInvoiceFile(ctx context.Context, id int64) (invoice.EFile, bool, error)
}

// payerBook is the store as a PayerBook (nil: it is none).
func (s *Service) payerBook() PayerBook {
	pb, _ := s.d.Store.(PayerBook)
	return pb
}

// payerMail builds, inside the issuing transaction, the message sending
// payer p its document: the PDF and, when issued with one, the XRechnung.
// It is linked to the contract, not to the driver's customer record.
func (s *Service) payerMail(x cctx, p payer.Payer, claim string) func(invoice.Issued, []byte) ([]mail.Queued, error) {
	return func(is invoice.Issued, pdf []byte) ([]mail.Queued, error) {
		msg, err := s.d.Mailer.PayerInvoice(x.MailContext, p, claim, is, pdf)
		if err != nil {
			return nil, err
		}
		msg.Attachments = invoice.WithEInvoice(msg.Attachments, is.EInvoice, pdf)
		q := s.queued(x, msg)
		q.CustomerID = 0
		return []mail.Queued{q}, nil
	}
}

// PayerInvoiceRow is a payer's document as the contract page lists it:
// where it was e-mailed, or why not.
type PayerInvoiceRow struct {
	invoice.Summary
	Payer payer.Payer
	// Sends are the e-mails of the document, oldest first; none: it was
	// not sent (NoEmail: the payer has no e-mail address).
	Sends   []PayerSend
	NoEmail bool
	// Receivable is what was paid and is open (nil: a credit note);
	// Payments the transfers and reversals against it, oldest first.
	Receivable *Receivable
	Payments   []PayerPayment
}

// Cancelled reports whether credit notes cancel the document in full (a
// cover changed after billing): it no longer bills anything.
func (r PayerInvoiceRow) Cancelled() bool {
	return r.Receivable != nil && r.Receivable.Credited >= r.Gross
}

// Sent reports whether the document went out by e-mail at least once.
func (r PayerInvoiceRow) Sent() bool { return len(r.Sends) > 0 }

// LastSend is the newest e-mail of the document (zero: none).
func (r PayerInvoiceRow) LastSend() PayerSend {
	if len(r.Sends) == 0 {
		return PayerSend{}
	}
	return r.Sends[len(r.Sends)-1]
}

// PayerInvoiceRows returns the documents issued to the payers of contract
// id with their e-mails, in issue order. Errors: KindNotFound.
func (s *Service) PayerInvoiceRows(ctx context.Context, id int64) ([]PayerInvoiceRow, error) {
	docs, err := s.PayerInvoices(ctx, id)
	if err != nil || len(docs) == 0 {
		return nil, err
	}
	var sends []PayerSend
	if pb := s.payerBook(); pb != nil {
		if sends, err = pb.PayerSends(ctx, id); err != nil {
			return nil, err
		}
	}
	var recs []Receivable
	var pays []PayerPayment
	if s.receivables() != nil {
		if recs, err = s.Receivables(ctx, ReceivableFilter{ContractID: id}); err != nil {
			return nil, err
		}
		if pays, err = s.PayerPayments(ctx, id); err != nil {
			return nil, err
		}
	}
	payers := map[int64]payer.Payer{}
	var out []PayerInvoiceRow
	for _, d := range docs {
		p, ok := payers[d.PayerID]
		if !ok && s.d.Payers != nil {
			if p, err = s.d.Payers.Payer(ctx, d.PayerID); err != nil {
				return nil, err
			}
			payers[d.PayerID] = p
		}
		r := PayerInvoiceRow{Summary: d, Payer: p, NoEmail: p.Email == ""}
		for i := range recs {
			if recs[i].ID == d.ID {
				r.Receivable = &recs[i]
			}
		}
		for _, pp := range pays {
			if pp.InvoiceID == d.ID {
				r.Payments = append(r.Payments, pp)
			}
		}
		for _, sd := range sends {
			if sd.InvoiceID == d.ID {
				r.Sends = append(r.Sends, sd)
			}
		}
		out = append(out, r)
	}
	return out, nil
}

// SendPayerInvoice e-mails the payer's document invoiceID of contract
// contractID to the payer's current e-mail address (again, or for the
// first time after the address was entered): the stored PDF and
// XRechnung exactly as issued, in German. Errors: KindNotFound (contract,
// or no payer document of it), KindInvalid "payer.no_email" when the
// payer has no e-mail address (nothing is queued).
func (s *Service) SendPayerInvoice(ctx context.Context, contractID, invoiceID int64) error {
	pb := s.payerBook()
	if pb == nil || s.d.Payers == nil {
		return errs.NotFound("invoice_not_found")
	}
	c, err := s.d.Store.Contract(ctx, contractID)
	if err != nil {
		return err
	}
	iss, err := s.d.Store.IssuedInvoice(ctx, invoiceID)
	if err != nil {
		return err
	}
	if iss.ContractID != c.ID || iss.PayerID == 0 {
		return errs.NotFound("invoice_not_found")
	}
	p, err := s.d.Payers.Payer(ctx, iss.PayerID)
	if err != nil {
		return err
	}
	if p.Email == "" {
		return errs.Invalid("payer.no_email")
	}
	docs, err := s.PayerInvoices(ctx, contractID)
	if err != nil {
		return err
	}
	var docID int64
	for _, d := range docs {
		if d.ID == iss.ID {
			docID = d.DocumentID
		}
	}
	doc, err := pb.Document(ctx, docID)
	if err != nil {
		return err
	}
	if ef, ok, err := pb.EInvoiceFile(ctx, iss.ID); err != nil {
		return err
	} else if ok {
		iss.EInvoice = &ef
	}
	x, err := s.load(ctx, c)
	if err != nil {
		return err
	}
	x = asPayer(x)
	var claim string
	if cv, _, err := s.cover(ctx, x); err == nil {
		claim = cv.ClaimNumber
	}
	qs, err := s.payerMail(x, p, claim)(iss, doc.Data)
	if err != nil {
		return err
	}
	for i, a := range qs[0].Message.Attachments {
		if a.ContentType == "application/pdf" && !a.Inline {
			qs[0].Message.Attachments[i].DocumentID = doc.ID // the stored bytes, kept once
		}
	}
	return pb.SendPayerInvoice(ctx, c.ID, iss.ID, qs[0])
}
