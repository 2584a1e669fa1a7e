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
	// TaxCategory is CategoryStandard ("", taxed at VATRateBP) or
	// CategoryNotSubject (outside the scope of VAT, rate 0).
	TaxCategory TaxCategory
	// Kind says what the line bills (billing.KindRent, …; "" when not
	// known), stored with it for pages and reports that read the
	// document back.
	Kind string
}

// TaxCategory is the VAT category of a line (EN 16931 BT-151, UNTDID 5305).
type TaxCategory string

// The VAT categories Mietwerk issues.
const (
	// CategoryStandard: taxed at the line's rate (code "S").
	CategoryStandard TaxCategory = ""
	// CategoryNotSubject: not subject to VAT (code "O"), e.g. genuine
	// damage compensation, which is no consideration for a supply
	// (Abschn. 1.3 Abs. 1 UStAE). Its rate is 0 and a document with such
	// a line has no other category (EN 16931 BR-O-11).
	CategoryNotSubject TaxCategory = "O"
)

// NotSubject reports whether every line of inv is not subject to VAT (a
// damage compensation claim rather than an invoice for a supply).
func (inv Invoice) NotSubject() bool {
	for _, l := range inv.Lines {
		if l.TaxCategory != CategoryNotSubject {
			return false
		}
	}
	return len(inv.Lines) > 0
}

// How a document's amount was paid or paid back: the one fact its printed
// payment note and its e-invoice's payment means (EN 16931 BG-16) both
// come from.
const (
	// MeansOpen: not paid yet; payable by bank transfer within TermsDays.
	MeansOpen = ""
	// MeansCard: charged to (for a refund: credited to) the card at the
	// gateway, CardLast4 naming it.
	MeansCard = "card"
	// MeansCash: paid or paid out in cash at the counter.
	MeansCash = "cash"
	// MeansTerminal: paid or paid back at the card terminal of the
	// counter (Reference: the slip number).
	MeansTerminal = "terminal"
	// MeansTransfer: paid or paid back by bank transfer (Reference: the
	// bank reference).
	MeansTransfer = "transfer"
	// MeansOffset: a credit set off against what the customer still owes
	// (nothing changes hands).
	MeansOffset = "offset"
)

// Payment is how a document's amount was settled when it was issued: for
// an amount due (a final invoice's positive due, any invoice's gross) how
// it was paid; for money going back (a credit note, a final invoice whose
// advances exceed it) how it is paid back.
type Payment struct {
	Means     string `json:"means,omitempty"`      // MeansOpen, MeansCard, …
	CardLast4 string `json:"card_last4,omitempty"` // MeansCard: the card's last four digits, never more
	Reference string `json:"reference,omitempty"`  // MeansTerminal/MeansTransfer: slip or bank reference
	// TermsDays is the payment term of an open amount (0: at once).
	TermsDays int `json:"terms_days,omitempty"`
	// Cents is the part of the amount that moves by Means when the rest
	// is set off against another document of the rental (a final invoice
	// paying back less than it owes because a damage settlement takes the
	// rest); 0: all of it.
	Cents int64 `json:"cents,omitempty"`
}

// Open reports whether the amount is still to be paid (or paid back).
func (p Payment) Open() bool { return p.Means == MeansOpen }

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
	// Note is optional free text printed under the lines (e.g. the rental
	// contract it belongs to).
	Note string
	// Payment is how the document's amount was paid or paid back.
	Payment Payment
}

// AsAdvance returns inv (an issued advance invoice) in the form a final
// invoice deducts it: its number, issue date and per-rate totals.
func AsAdvance(inv Invoice) Advance {
	return Advance{Number: inv.Number, IssueDate: inv.IssueDate, Rates: Compute(inv).Rates}
}
