package document

import (
	"time"

	"mietwerk.dev/mietwerk/invoice"
)

// InvoiceDoc is an invoice or credit note ready to render.
type InvoiceDoc struct {
	Lang     Lang
	Location *time.Location // dates are shown in it; nil means UTC
	Branding Branding
	// Invoice is the document; its Payment says how its amount was paid
	// or paid back, which renderers print as the payment note (and an
	// e-invoice as its payment means).
	Invoice invoice.Invoice
}
