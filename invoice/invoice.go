package invoice

import "time"

// Kind says what an issued document is.
type Kind string

// The kinds of document.
const (
	// KindAdvance is an advance-payment invoice (Anzahlungsrechnung), e.g. the
	// first day's rent charged at booking.
	KindAdvance Kind = "advance"
	// KindFinal is a final invoice (Schlussrechnung) that deducts the advance
	// invoices of the same service with their VAT (§14(5) UStG).
	KindFinal Kind = "final"
	// KindStandalone is an ordinary invoice with no advance payments.
	KindStandalone Kind = "invoice"
	// KindCreditNote is a credit note (Gutschrift / Rechnungskorrektur) that
	// refers to the invoice it corrects. Its lines carry the credited amounts
	// as positive numbers; ledgers count them negatively.
	KindCreditNote Kind = "credit_note"
)

// Valid reports whether k is one of the defined kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindAdvance, KindFinal, KindStandalone, KindCreditNote:
		return true
	}
	return false
}

// Address is a postal address as printed on a document.
type Address struct {
	Street     string // street and house number
	Extra      string // optional second line (c/o, building)
	PostalCode string
	City       string
	Country    string // ISO 3166-1 alpha-2, e.g. "DE"
}

// IsZero reports whether no part of the address is set.
func (a Address) IsZero() bool { return a == Address{} }

// Party is a snapshot of supplier or recipient taken when the document is
// issued; later changes to the customer or tenant never change it.
type Party struct {
	Name      string
	Address   Address
	VATID     string // USt-IdNr, e.g. "DE123456789"
	TaxNumber string // Steuernummer
}

// Period is a service period; both ends are inclusive calendar days or
// instants, as the caller chooses, and To is never before From.
type Period struct {
	From time.Time
	To   time.Time
}

// Line is one position of a document: quantity times gross unit price at a
// VAT rate.
type Line struct {
	Description   string
	QuantityMilli int64  // quantity in thousandths: 1500 = 1.5
	Unit          string // e.g. "day", "km", "piece"; translated by renderers
	UnitGross     int64  // gross price per unit, cents
	VATRateBP     int    // VAT rate in basis points: 1900 = 19 %
}

// Reference names an issued document, e.g. the invoice a credit note corrects.
type Reference struct {
	Number    string
	IssueDate time.Time
}

// Advance is an advance invoice as deducted on a final invoice: its number,
// date and per-rate amounts, which must be the amounts it was issued with.
type Advance struct {
	Number    string
	IssueDate time.Time
	Rates     []RateTotal
}

// Invoice is an invoice or credit note as issued.
type Invoice struct {
	Kind          Kind
	Number        string
	IssueDate     time.Time
	ServicePeriod Period
	Currency      string // ISO 4217; only "EUR" is supported
	Supplier      Party
	Recipient     Party
	Lines         []Line
	// Advances lists the advance invoices a final invoice deducts.
	Advances []Advance
	// Corrects is the invoice a credit note corrects (required for credit notes).
	Corrects *Reference
	// Note is optional free text printed under the lines (e.g. payment note).
	Note string
}

// AsAdvance returns inv (an issued advance invoice) in the form a final
// invoice deducts it: its number, issue date and per-rate totals.
func AsAdvance(inv Invoice) Advance {
	return Advance{Number: inv.Number, IssueDate: inv.IssueDate, Rates: Compute(inv).Rates}
}
