package document

import "context"

// EInvoiceDoc is an issued invoice or credit note with what a structured
// e-invoice (EN 16931, e.g. XRechnung) needs beyond its printed form.
// InvoiceDoc is exactly what the PDF was rendered from.
type EInvoiceDoc struct {
	InvoiceDoc
	BuyerEmail     string // the customer's e-mail (the buyer's electronic address)
	OrderReference string // the customer's own order reference, when known
	BookingNumber  string
	ContractNumber string
	CardLast4      string // the card charged or refunded, when paid by card
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
