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
	Invoice  invoice.Invoice
	// Paid says the amount due has already been charged (e.g. to the stored
	// card); renderers then print a paid note instead of payment terms.
	Paid bool
	// PaymentTermsDays is the payment term when not Paid (0: due immediately).
	PaymentTermsDays int
}
