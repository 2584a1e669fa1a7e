package invoice

import (
	"bytes"
	"context"
	"path"
	"slices"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

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
	// PayerID is the payer (payer.Payer) the document is addressed to
	// instead of the driver — an insurer, manufacturer programme, fleet
	// customer or cost centre paying its share of the rental; 0: the
	// customer's own document. A payer's documents are its receivables:
	// they stay out of the driver's ledger and settlement.
	PayerID    int64
	Invoice    Invoice
	Totals     Totals
	Language   string
	DocumentID int64
	SHA256     string // hex SHA-256 of the PDF
	IssuedAt   time.Time
	// EInvoice is the structured e-invoice (XRechnung) issued with it for a
	// business customer, else nil.
	EInvoice *EFile
	// PaymentUnknown (as read back) says the document was issued before
	// its payment was stored with it: Invoice.Payment is empty, and readers
	// derive it from the payments.
	PaymentUnknown bool
	// Test marks a test-mode document (a test booking's): numbered TEST-…
	// in series of its own, not in the sales journal or any report.
	Test bool
	// Collects, on a payer's collective invoice, are the rentals it bills
	// (each rental of a payer on one collective invoice only: issuing one
	// twice fails with KindConflict and issues nothing).
	Collects []Collected
}

// Collected is one rental billed on a collective invoice: its contract and
// the payer's gross share of it.
type Collected struct {
	ContractID int64
	GrossCents int64
}

// EFile is a structured e-invoice file (e.g. XRechnung XML). For a business
// recipient it is the legally relevant original, kept unchanged like the
// PDF.
type EFile struct {
	Filename    string
	ContentType string
	Data        []byte
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

// WithEInvoice returns attachments with the e-invoice f added when they
// carry the invoice's PDF (a message about something else, sent with the
// same invoice, gets no e-invoice), named like the PDF attachment
// ("Rechnung-RE-2026-000001.pdf" → "Rechnung-RE-2026-000001.xml");
// unchanged when f is nil.
func WithEInvoice(attachments []mail.Attachment, f *EFile, pdf []byte) []mail.Attachment {
	if f == nil {
		return attachments
	}
	i := slices.IndexFunc(attachments, func(a mail.Attachment) bool { return bytes.Equal(a.Data, pdf) })
	if i < 0 {
		return attachments
	}
	name := strings.TrimSuffix(attachments[i].Filename, path.Ext(attachments[i].Filename)) + path.Ext(f.Filename)
	return append(attachments, mail.Attachment{Filename: name, ContentType: f.ContentType, Data: f.Data})
}

// IssueRequest is everything issuing needs. Render turns the numbered
// invoice into its PDF; EInvoice (optional) into its structured e-invoice
// (nil file: none, e.g. for a consumer); Mails (optional) builds the
// messages to queue with it. All run inside the issuing transaction, so
// number, documents and e-mails exist together or not at all. Mails gets
// the invoice numbered, totalled and rendered, with its e-invoice, but
// must not rely on its ID and DocumentID: a store may build the messages
// before it writes the invoice, to write them together (PostgreSQL).
type IssueRequest struct {
	Issued   *Issued // Invoice without Number and IssueDate; links set
	Render   func(inv Invoice) ([]byte, error)
	EInvoice func(inv Invoice) (*EFile, error)
	Mails    func(iss Issued, pdf []byte) ([]mail.Queued, error)
	// Loc is the time zone whose calendar year the number series follows.
	Loc *time.Location
	// ConfirmReservation, when set, moves that reservation from
	// pending_payment to confirmed (giving up its lease) in the same
	// transaction.
	ConfirmReservation int64
	// With are documents issued in the same transaction right after this
	// one (a final invoice's damage compensation claim): all exist
	// together or none does.
	With []IssueRequest
	// ConfirmPageTokenHash, with ConfirmReservation, is the hash of the
	// token of the customer's booking page, stored with the confirmation.
	ConfirmPageTokenHash string
	// ConfirmLease, with ConfirmReservation and when not zero, is the
	// lease the caller holds on the reservation: nothing is issued (a
	// KindConflict "booking_busy") unless the reservation still has it —
	// another process took the booking over.
	ConfirmLease time.Time
	// Answer, when set, is the answer to the idempotent request that
	// issues the document, stored with the request's key in the issue's
	// own transaction, as idempotency.Store.FinishIdempotent would store
	// it: the document and the answer a retry of its request replays exist
	// together or not at all, and the caller stores no answer of its own.
	Answer *Answer
	// Payments are payment outcomes the gateway gave that are not stored
	// yet (payment.Deferred), stored in the issue's own transaction as
	// payment.Store.ResolvePayment stores an outcome (over an open status,
	// approved over failed; the payment's webhook event with it): when
	// one cannot be stored (KindConflict "payment_resolved": resolved
	// differently meanwhile), nothing is issued. The caller stores them
	// itself when the issue fails (payment.Deferred.Settle).
	Payments []payment.Record
}

// Answer is the answer to an idempotent request that issues a document
// (IssueRequest.Answer).
type Answer struct {
	// Key is the request's Idempotency-Key, held (processing) by the API
	// client in the context. A key no longer processing (answered by a
	// process that took it over, or expired) keeps what it has, as with
	// FinishIdempotent; the document is issued all the same.
	Key string
	// Render returns the answer once the document is numbered, totalled
	// and rendered (with its e-invoice). Like Mails it must not rely on
	// the invoice's ID and DocumentID (PostgreSQL writes the answer with
	// the statement that inserts the invoice), and it may run more than
	// once (a transaction retried): it depends on its argument alone.
	Render func(Issued) (idempotency.Response, error)
}

// Store issues documents: it numbers them gap-free per tenant and series,
// stores them immutably with their PDF, and queues their e-mails, all in one
// transaction. Errors: errs.KindInvalid for an incomplete document.
type Store interface {
	IssueInvoice(ctx context.Context, req IssueRequest) error
}

// Summary is an issued document as listed.
type Summary struct {
	ID            int64
	Kind          Kind
	Number        string
	IssuedAt      time.Time
	ReservationID int64
	ContractID    int64
	CustomerID    int64
	CorrectsID    int64
	// PayerID is the payer it is addressed to (0: the customer); see
	// Issued.PayerID. Recipient is the name it is addressed to.
	PayerID    int64
	Recipient  string
	Net, VAT   int64
	Gross, Due int64
	DocumentID int64
	SHA256     string
	// Payment is how its amount was paid or paid back; PaymentUnknown for
	// documents issued before that was stored (Payment then empty).
	Payment        Payment
	PaymentUnknown bool
	// NotSubject: its lines are not subject to VAT (a damage settlement,
	// or a credit note on one).
	NotSubject bool
}

// Summary returns the summary of x, issued and stored, as a store reads
// it back.
func (x Issued) Summary() Summary {
	s := Summary{ID: x.ID, Kind: x.Invoice.Kind, Number: x.Invoice.Number, IssuedAt: x.IssuedAt, ReservationID: x.ReservationID,
		ContractID: x.ContractID, CustomerID: x.CustomerID, CorrectsID: x.CorrectsID, PayerID: x.PayerID,
		Recipient: x.Invoice.Recipient.Name, Net: x.Totals.Net, VAT: x.Totals.VAT, Gross: x.Totals.Gross, Due: x.Totals.Due,
		DocumentID: x.DocumentID, SHA256: x.SHA256, Payment: x.Invoice.Payment, PaymentUnknown: x.PaymentUnknown}
	for _, l := range x.Invoice.Lines {
		s.NotSubject = s.NotSubject || l.TaxCategory == CategoryNotSubject
	}
	return s
}

// Filter selects issued documents.
type Filter struct {
	ReservationID int64
	ContractID    int64
	CustomerID    int64
}

// Reader lists issued invoices and credit notes, scoped by the actor in ctx.
type Reader interface {
	ListInvoices(ctx context.Context, f Filter) ([]Summary, error)
}
