package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/document"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/payment"
)

// invoiceXMLSource is what the e-invoice download reads beyond
// BookingBackend (the SQL store implements it).
type invoiceXMLSource interface {
	IssuedInvoice(ctx context.Context, id int64) (invoice.Issued, error)
	EInvoiceFile(ctx context.Context, id int64) (invoice.EFile, bool, error)
	Customer(ctx context.Context, id int64) (customer.Customer, error)
}

// invoiceXML sends an issued invoice or credit note as XRechnung 3.0 (CII)
// XML: the e-invoice issued with it when there is one (business customers),
// else built from the invoice as stored (number, date, parties, lines,
// advances) with the tenant's current contact and bank data and the
// customer's e-mail. Invoices outside the user's stations or tenant answer
// 404; missing contact data answers 422 naming what to complete.
func (a *app) invoiceXML(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok {
		return errNotFound
	}
	ctx := r.Context()
	src := a.Bookings.(invoiceXMLSource)
	// the e-invoice issued with the invoice (business customers) is the
	// original: sent as it was stored
	if f, ok, err := src.EInvoiceFile(ctx, id); err != nil {
		return err
	} else if ok {
		sendXML(w, f.Filename, f.Data)
		return nil
	}
	iss, err := src.IssuedInvoice(ctx, id)
	if err != nil {
		return err
	}
	in, err := a.xmlInput(ctx, r, src, iss)
	if err != nil {
		return err
	}
	out, _, _, err := a.EInvoicer.EInvoice(ctx, in)
	if e, isErr := errs.As(err); isErr && e.Kind == errs.KindInvalid {
		key := "xml.err.invalid"
		if len(e.Fields) > 0 {
			if locale.Has(locale.Key("xml.err." + e.Fields[0].Field)) {
				key = "xml.err." + e.Fields[0].Field
			}
		}
		return pageError{http.StatusUnprocessableEntity, locale.Key(key)}
	}
	if err != nil {
		return err
	}
	sendXML(w, iss.Invoice.Number+".xml", out)
	return nil
}

// sendXML sends an e-invoice file for download.
func sendXML(w http.ResponseWriter, filename string, data []byte) {
	name := strings.NewReplacer(`"`, "", `\`, "", "/", "-", "\r", "", "\n", "").Replace(filename)
	w.Header().Set("Content-Type", "application/xml")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// xmlInput gathers what the e-invoice needs beyond the stored invoice.
func (a *app) xmlInput(ctx context.Context, r *http.Request, src invoiceXMLSource, iss invoice.Issued) (document.EInvoiceDoc, error) {
	rc := reqCtx(r)
	loc := berlin
	if iss.StationID != 0 {
		if st, err := a.Tenancy.Station(ctx, iss.StationID); err == nil {
			loc = st.Location()
		}
	}
	in := document.EInvoiceDoc{InvoiceDoc: document.InvoiceDoc{Lang: document.Lang(iss.Language).Or(), Location: loc,
		Branding: booking.Branding(rc.tenant), Invoice: iss.Invoice}}
	if iss.ReservationID != 0 {
		row, err := a.Bookings.ReservationRow(ctx, iss.ReservationID)
		if err != nil {
			return in, err
		}
		in.BookingNumber, in.BuyerEmail = row.Number, row.CustomerEmail
		if iss.PaymentUnknown {
			recs, err := a.Bookings.ListPayments(ctx, payment.RecordFilter{ReservationID: iss.ReservationID})
			if err != nil {
				return in, err
			}
			if in.Invoice.Payment, err = a.legacyPayment(ctx, iss, recs); err != nil {
				return in, err
			}
		}
	}
	if in.BuyerEmail == "" {
		c, err := src.Customer(ctx, iss.CustomerID)
		if err != nil && !errs.Is(err, errs.KindNotFound) {
			return in, err
		}
		in.BuyerEmail = c.Email
	}
	return in, nil
}

// legacyPayment derives how a document issued before its payment was
// stored with it (migration 0013) was paid: on the card when paidByCard
// says so; a final invoice settled by receipts at the counter with the
// method of the newest receipt; else open with the final invoice's term.
func (a *app) legacyPayment(ctx context.Context, iss invoice.Issued, recs []payment.Record) (invoice.Payment, error) {
	if paid, last4 := paidByCard(iss, recs); paid {
		return invoice.Payment{Means: invoice.MeansCard, CardLast4: last4}, nil
	}
	if iss.Invoice.Kind == invoice.KindFinal && iss.ContractID != 0 && a.Contracts != nil {
		l, _, _, err := a.Contracts.Ledger(ctx, iss.ContractID)
		if err != nil {
			return invoice.Payment{}, err
		}
		rs, err := a.Contracts.Receipts(ctx, iss.ContractID)
		if err != nil {
			return invoice.Payment{}, err
		}
		if l.Open() <= 0 && contract.NetReceipts(rs) > 0 {
			last := rs[len(rs)-1]
			for _, r := range rs {
				if r.Kind == contract.KindReceipt && !r.Reversed() {
					last = r
				}
			}
			return invoice.Payment{Means: last.Method, Reference: last.Reference}, nil
		}
	}
	return invoice.Payment{Means: invoice.MeansOpen, TermsDays: contract.PaymentTermsDays}, nil
}

// paidByCard says whether the invoice's amount was settled on the card when
// it was issued, and the last four digits of that card. Every document
// Mietwerk issues is issued after its card payment or refund, except a final
// invoice whose charge did not go through: it counts as paid only when an
// approved "final" charge of exactly its amount due exists.
func paidByCard(iss invoice.Issued, recs []payment.Record) (bool, string) {
	last4 := ""
	for _, r := range recs {
		if r.Card.Last4 != "" {
			last4 = r.Card.Last4
		}
	}
	if iss.Invoice.Kind != invoice.KindFinal || iss.Totals.Due <= 0 {
		return true, last4
	}
	for _, r := range recs {
		if r.Purpose == "final" && r.Status == payment.StatusApproved && r.Amount.Cents == iss.Totals.Due {
			return true, last4
		}
	}
	return false, last4
}
