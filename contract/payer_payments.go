package contract

import (
	"context"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/locale"
)

// Kinds of entry against a payer's document: a bank transfer received, or
// the reversal of a transfer entered by mistake (its own row pointing at
// it; nothing is ever deleted).
const (
	PayerTransfer = "transfer"
	PayerReversal = "reversal"
)

// PayerPayment is money a payer transferred against one of its documents,
// or the reversal of such an entry. AmountCents is positive for both; a
// reversal takes its transfer's amount out of what is paid.
type PayerPayment struct {
	ID         int64
	InvoiceID  int64
	Kind       string // PayerTransfer or PayerReversal
	ReversesID int64  // a reversal: the transfer it cancels
	// AmountCents, Reference (the bank's reference or the payer's
	// remittance text) and ReceivedOn (YYYY-MM-DD, the day on the bank
	// statement; a reversal's: the day it was reversed).
	AmountCents   int64
	ReceivedOn    string
	Reference     string
	Reason        string // a reversal: why
	CreatedByName string
	CreatedAt     time.Time
	// ReversedByID is, on a transfer as read, its reversal (0: it stands).
	ReversedByID int64
}

// Signed is the entry's effect on what is paid.
func (p PayerPayment) Signed() int64 {
	if p.Kind == PayerReversal {
		return -p.AmountCents
	}
	return p.AmountCents
}

// The states of a payer's document as staff read them.
const (
	ReceivableOpen    = "open"
	ReceivablePartial = "partial"
	ReceivablePaid    = "paid"
	// ReceivableCancelled: credited in full, nothing paid (a re-split
	// cancelled it).
	ReceivableCancelled = "cancelled"
	ReceivableOverdue   = "overdue"
)

// Receivable is a payer's document (not a credit note) with what was paid
// and credited against it.
type Receivable struct {
	invoice.Summary
	PayerName      string
	ContractNumber string
	StationID      int64
	Paid           int64 // transfers less their reversals
	Credited       int64 // credit notes correcting it
	// DueOn is the day payment is due (YYYY-MM-DD, the station's
	// calendar): the issue day plus the payment term, as the PDF and the
	// XRechnung print it.
	DueOn string
}

// Open is what is still owed (never below 0).
func (r Receivable) Open() int64 { return max(r.Due-r.Paid-r.Credited, 0) }

// Status is the document's state on day today (YYYY-MM-DD).
func (r Receivable) Status(today string) string {
	switch {
	case r.Open() == 0 && r.Paid == 0 && r.Credited > 0:
		return ReceivableCancelled
	case r.Open() == 0:
		return ReceivablePaid
	case r.DueOn < today:
		return ReceivableOverdue
	case r.Paid > 0 || r.Credited > 0:
		return ReceivablePartial
	}
	return ReceivableOpen
}

// DaysOverdue is how many days after its due date the document is on
// today (0: not yet due).
func (r Receivable) DaysOverdue(today string) int {
	due, err1 := time.Parse("2006-01-02", r.DueOn)
	now, err2 := time.Parse("2006-01-02", today)
	if err1 != nil || err2 != nil || !now.After(due) {
		return 0
	}
	return int(now.Sub(due).Hours() / 24)
}

// ReceivableFilter selects payer documents (zero fields: all).
type ReceivableFilter struct {
	ContractID int64
	PayerID    int64
	InvoiceID  int64
	Number     string // the document's number
}

// ReceivableStore keeps the payments against payer documents. Every
// method is scoped by the actor in ctx like Store (a document of a station
// the user may not see is KindNotFound).
type ReceivableStore interface {
	// Receivables lists the payer documents matching f (not credit notes,
	// not test documents) with what was paid and credited, in issue order;
	// DueOn is left to the caller.
	Receivables(ctx context.Context, f ReceivableFilter) ([]Receivable, error)
	// PayerPayments lists the entries against the documents of a
	// contract, oldest first.
	PayerPayments(ctx context.Context, contractID int64) ([]PayerPayment, error)
	// AddPayerPayment stores p (a transfer, or a reversal naming
	// ReversesID) in one transaction that holds the document, audit-logged
	// on its contract. A transfer above what is open is refused
	// (KindConflict "payer_payment.exceeds"). Errors: KindNotFound
	// (document, entry to reverse), KindConflict "payer_payment.reversed".
	AddPayerPayment(ctx context.Context, p *PayerPayment) error
}

// receivables is the store as a ReceivableStore (nil: it is none).
func (s *Service) receivables() ReceivableStore {
	rs, _ := s.d.Store.(ReceivableStore)
	return rs
}

// Receivables lists the payer documents matching f with their due days
// (the station's calendar). Errors: KindNotFound without a store for them.
func (s *Service) Receivables(ctx context.Context, f ReceivableFilter) ([]Receivable, error) {
	rs := s.receivables()
	if rs == nil {
		return nil, errs.NotFound("invoice_not_found")
	}
	out, err := rs.Receivables(ctx, f)
	if err != nil {
		return nil, err
	}
	locs := map[int64]*time.Location{}
	for i := range out {
		loc, ok := locs[out[i].StationID]
		if !ok {
			loc = time.UTC
			if st, err := s.stationLoc(ctx, Contract{TenantID: tenantOf(ctx), StationID: out[i].StationID}); err == nil {
				loc = st // the station's calendar, whoever reads
			}
			locs[out[i].StationID] = loc
		}
		out[i].DueOn = out[i].IssuedAt.In(loc).AddDate(0, 0, out[i].Payment.TermsDays).Format("2006-01-02")
	}
	return out, nil
}

// tenantOf is the tenant of the actor in ctx (0: none).
func tenantOf(ctx context.Context) int64 {
	a, _ := identity.ActorFrom(ctx)
	return a.TenantID
}

// Today is the current day (YYYY-MM-DD) in loc by the service's clock.
func (s *Service) Today(loc *time.Location) string { return s.d.Now().In(loc).Format("2006-01-02") }

// PayerPayments lists the transfers and reversals against the payer
// documents of contract id, oldest first.
func (s *Service) PayerPayments(ctx context.Context, id int64) ([]PayerPayment, error) {
	rs := s.receivables()
	if rs == nil {
		return nil, nil
	}
	return rs.PayerPayments(ctx, id)
}

// maxReference bounds a bank reference.
const maxReference = 140

// RecordPayerTransfer records a transfer the payer made against its
// document p.InvoiceID (partial payments too): AmountCents > 0, at most
// what is open; ReceivedOn a day (YYYY-MM-DD) not in the future; Reference
// the bank reference (required). Errors: KindInvalid naming the field,
// KindNotFound, KindConflict "payer_payment.exceeds".
func (s *Service) RecordPayerTransfer(ctx context.Context, p *PayerPayment) error {
	if err := s.CheckPayerTransfer(ctx, p); err != nil {
		return err
	}
	return s.receivables().AddPayerPayment(ctx, p)
}

// CheckPayerTransfer normalizes and checks transfer p as
// RecordPayerTransfer does, storing nothing (a caller with field errors of
// its own answers them all at once).
func (s *Service) CheckPayerTransfer(ctx context.Context, p *PayerPayment) error {
	rs := s.receivables()
	if rs == nil {
		return errs.NotFound("invoice_not_found")
	}
	p.Kind, p.ReversesID, p.Reason = PayerTransfer, 0, ""
	p.Reference = strings.TrimSpace(p.Reference)
	docs, err := s.Receivables(ctx, ReceivableFilter{InvoiceID: p.InvoiceID})
	if err != nil {
		return err
	}
	if len(docs) != 1 {
		return errs.NotFound("invoice_not_found")
	}
	var f errs.Fields
	if p.AmountCents <= 0 {
		f.Add("amount", "field.amount_positive", locale.Params{"min": locale.Money(0)})
	} else if open := docs[0].Open(); p.AmountCents > open {
		f.Add("amount", "payer_payment.exceeds", locale.Params{"open": locale.Money(open)})
	}
	day, err := time.Parse("2006-01-02", p.ReceivedOn)
	switch {
	case err != nil:
		f.Add("received_on", "payer_payment.date")
	case p.ReceivedOn > s.d.Now().Add(24*time.Hour).Format("2006-01-02"):
		f.Add("received_on", "payer_payment.future")
	case day.Before(docs[0].IssuedAt.AddDate(0, 0, -1)):
		f.Add("received_on", "payer_payment.before_issue")
	}
	switch {
	case p.Reference == "":
		f.Add("reference", "payer_payment.reference_required")
	case len([]rune(p.Reference)) > maxReference || errs.BadText(p.Reference, false):
		f.Add("reference", "payer_payment.reference_invalid", locale.Params{"max": maxReference})
	}
	return f.Err()
}

// ReversePayerTransfer reverses transfer id, entered by mistake, with the
// reason (required); the document is open again by its amount. Errors:
// KindInvalid, KindNotFound, KindConflict "payer_payment.reversed".
func (s *Service) ReversePayerTransfer(ctx context.Context, invoiceID, id int64, reason string) (PayerPayment, error) {
	rs := s.receivables()
	if rs == nil {
		return PayerPayment{}, errs.NotFound("invoice_not_found")
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len([]rune(reason)) > 500 || errs.BadText(reason, false) {
		return PayerPayment{}, errs.Invalid("error.fields_invalid", errs.Field("reason", "payer_payment.reason_required"))
	}
	p := PayerPayment{InvoiceID: invoiceID, Kind: PayerReversal, ReversesID: id, Reason: reason,
		ReceivedOn: s.d.Now().Format("2006-01-02")}
	return p, rs.AddPayerPayment(ctx, &p)
}

// Settled is what transfers and credit notes took off the document.
func (r Receivable) Settled() int64 { return r.Paid + r.Credited }
