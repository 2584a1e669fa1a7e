package document

import (
	"context"
	"log/slog"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
)

// EInvoiceDoc is an issued invoice or credit note with what a structured
// e-invoice (EN 16931, e.g. XRechnung) needs beyond its printed form.
// InvoiceDoc is exactly what the PDF was rendered from.
type EInvoiceDoc struct {
	InvoiceDoc
	BuyerEmail     string // the customer's e-mail (the buyer's electronic address)
	OrderReference string // the customer's own order reference, when known
	BookingNumber  string
	ContractNumber string
}

// EInvoicer renders structured e-invoices. Like a Renderer it is
// deterministic. Errors: errs.KindInvalid when the invoice or the tenant's
// or customer's data lack what an e-invoice requires (the message names it).
type EInvoicer interface {
	// EInvoice returns the e-invoice file of d, its file name extension
	// (e.g. ".xml") and content type.
	EInvoice(ctx context.Context, d EInvoiceDoc) (data []byte, ext, contentType string, err error)
}

// IsBusiness reports whether a customer with this company name and VAT id
// is a business, whose invoices are sent as e-invoices (§14 UStG, from
// 2025/2027/2028 by turnover): a company name or a VAT id.
func IsBusiness(company, vatID string) bool { return company != "" || vatID != "" }

// EInvoiceHook returns an invoice.IssueRequest.EInvoice hook that renders
// with e the e-invoice doc describes for the numbered invoice. When the
// tenant's or customer's data lack what an e-invoice needs (KindInvalid),
// the invoice is issued without one and a warning is logged: staff
// download it from the invoice once the data is complete. Other errors
// fail the issue.
func EInvoiceHook(ctx context.Context, e EInvoicer, log *slog.Logger, doc func(inv invoice.Invoice) EInvoiceDoc) func(invoice.Invoice) (*invoice.EFile, error) {
	return func(inv invoice.Invoice) (*invoice.EFile, error) {
		data, ext, ct, err := e.EInvoice(ctx, doc(inv))
		if errs.Is(err, errs.KindInvalid) {
			log.WarnContext(ctx, "e-invoice not issued: data missing", "invoice", inv.Number, "err", err)
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &invoice.EFile{Filename: inv.Number + ext, ContentType: ct, Data: data}, nil
	}
}
