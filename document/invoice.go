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
	// Annex, on a payer's collective invoice, lists the rentals it bills,
	// printed after the invoice as their single details; nil otherwise.
	Annex []AnnexRental
}

// AnnexRental is one rental on a collective invoice's annex.
type AnnexRental struct {
	Contract    string // contract number
	Driver      string
	Vehicle     string // plate, make and model
	WorkshopRef string
	From, To    time.Time // handover and return
	DrivenKM    int64
	Days        int   // rental days billed to the payer
	Gross       int64 // the payer's share, gross cents
}
