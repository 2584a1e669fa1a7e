package invoice

import "time"

// Issued is an invoice or credit note as stored after issue: the document,
// what it belongs to, and the exact bytes of its PDF (hash kept with it).
type Issued struct {
	ID            int64
	TenantID      int64
	StationID     int64
	ReservationID int64
	ContractID    int64
	CustomerID    int64
	CorrectsID    int64 // for a credit note: the invoice it corrects
	Invoice       Invoice
	Totals        Totals
	Language      string
	DocumentID    int64
	SHA256        string // hex SHA-256 of the PDF
	IssuedAt      time.Time
}

// Series names a gap-free number series.
type Series string

// The number series: invoices (advance, final, standalone) and credit notes.
const (
	SeriesInvoice    Series = "invoice"
	SeriesCreditNote Series = "credit_note"
)

// SeriesOf returns the number series of a document kind.
func SeriesOf(k Kind) Series {
	if k == KindCreditNote {
		return SeriesCreditNote
	}
	return SeriesInvoice
}
