package contract

import (
	"context"
	"errors"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
)

// How a payment outside the card gateway came in.
const (
	MethodCash     = "cash"     // cash at the counter
	MethodTerminal = "terminal" // the EC/card terminal at the counter (not the gateway)
	MethodTransfer = "transfer" // a bank transfer
)

// ReceiptMethods lists the methods in form order.
var ReceiptMethods = []string{MethodCash, MethodTerminal, MethodTransfer}

// Receipt kinds: money received, money paid out (given back outside the
// card, e.g. for a credit note of a customer who paid cash), or the
// reversal of either entered by mistake (its own row pointing at it;
// nothing is ever deleted).
const (
	KindReceipt  = "receipt"
	KindPayout   = "payout"
	KindReversal = "reversal"
)

// Receipt is a payment staff received outside the card gateway (cash, the
// card terminal at the counter, a bank transfer) against a contract, or the
// reversal of one. Amounts are positive cents for both kinds; a reversal
// takes its receipt's amount out of what is paid.
type Receipt struct {
	ID         int64
	ContractID int64
	// StationID is the till: the station where the money was taken or
	// paid out — the contract's pickup or return station. On RecordReceipt
	// and RecordPayout 0 lets the service choose (the user's station among
	// the return and pickup station, else the return station); a reversal
	// takes that of the row it cancels.
	StationID  int64
	Kind       string // KindReceipt, KindPayout or KindReversal
	ReversesID int64  // a reversal: the receipt or payout it cancels
	// ReversesKind is, on a reversal as read, the kind of the row it
	// cancels (KindReceipt or KindPayout).
	ReversesKind string
	Method       string // MethodCash, MethodTerminal or MethodTransfer
	AmountCents  int64
	// Reference is the terminal slip number or the bank reference
	// (required for those methods), optional for cash.
	Reference string
	// ReceivedOn is the day the money came in (YYYY-MM-DD, the station's
	// calendar); for a reversal the day it was reversed.
	ReceivedOn    string
	Reason        string // a reversal: why
	CreatedBy     int64
	CreatedByName string
	CreatedAt     time.Time
	// ReversedByID is, on a receipt as read, the id of its reversal (0: it stands).
	ReversedByID int64
}

// Signed is the row's effect on what is paid: a receipt counts positive, a
// payout negative, a reversal the opposite of what it cancels.
func (r Receipt) Signed() int64 {
	switch {
	case r.Kind == KindPayout, r.Kind == KindReversal && r.ReversesKind != KindPayout:
		return -r.AmountCents
	}
	return r.AmountCents
}

// Reversed reports whether a receipt has been reversed.
func (r Receipt) Reversed() bool { return r.ReversedByID != 0 }

// NetReceipts is what receipts paid, less payouts, after their reversals.
func NetReceipts(rs []Receipt) int64 {
	var n int64
	for _, r := range rs {
		n += r.Signed()
	}
	return n
}

// ReceiptStore keeps the receipts of contracts. Every method is scoped by
// the actor in ctx like Store: a contract of another station (station
// users: neither its pickup nor its return station) or tenant is
// errs.KindNotFound.
type ReceiptStore interface {
	// Receipts lists the receipts and reversals of a contract, oldest
	// first, with who entered them. Errors: KindNotFound.
	Receipts(ctx context.Context, contractID int64) ([]Receipt, error)
	// AddReceipt stores r (a receipt, or a reversal naming ReversesID) in
	// one transaction that holds the contract: owed.Cents is what the
	// contract's card payments and documents leave open before any receipt
	// (billed − paid by card). A receipt that would take the net receipts
	// above it is refused (KindConflict "receipt_exceeds": another receipt
	// came in meanwhile), as is one while a card charge of the rental is
	// pending or unknown ("card_charge_running") or after a payment newer
	// than owed.LastPaymentID ("payments_changed"); one that brings them to owed moves a payment_open contract
	// to billed. A reversal that leaves money open on a billed contract moves
	// it back to payment_open. The receipt and every status change are
	// audit-logged on the contract, and msgs are queued in the same
	// transaction. It returns the contract's status after
	// the write. Errors: KindNotFound (contract, receipt to reverse),
	// KindConflict "contract_status" (not billed yet), "receipt_reversed"
	// (already reversed), "receipt_exceeds", "card_charge_running",
	// "payments_changed"; KindInvalid for values the schema refuses.
	AddReceipt(ctx context.Context, r *Receipt, owed Owed, msgs []mail.Queued) (Status, error)
}

// Owed is what a receipt is checked against, as the service read it.
type Owed struct {
	// Cents is what the contract's card payments and documents leave open
	// before any receipt (billed − paid by card).
	Cents int64
	// LastPaymentID is the newest gateway payment record of the rental the
	// service saw (0: none). A receipt is refused (KindConflict
	// "payments_changed") when the rental has a newer one by the time it
	// is stored, and (KindConflict "card_charge_running") while a card
	// payment of the rental is still pending or unknown: either would make
	// Cents stale and could take the same money twice.
	LastPaymentID int64
}

// owedOf is what the records and documents in m leave open before receipts.
func owedOf(c Contract, m money) Owed {
	o := Owed{Cents: LedgerOf(c, m.recs, m.docs).Open()}
	for _, r := range m.recs {
		o.LastPaymentID = max(o.LastPaymentID, r.ID)
	}
	return o
}

// chargeRunning reports whether a payment that takes money (sale, charge of
// a stored card, capture) is still waiting for its outcome.
func chargeRunning(recs []payment.Record) bool {
	for _, r := range recs {
		if (r.Status == payment.StatusPending || r.Status == payment.StatusUnknown) &&
			(r.Operation == payment.OpSale || r.Operation == payment.OpTokenSale || r.Operation == payment.OpCapture) {
			return true
		}
	}
	return false
}

// errChargeRunning refuses a receipt while a card payment is in flight.
var errChargeRunning = errs.Conflict("card_charge_running")

// receiptStore returns the receipt store (nil when the service has none).
func (s *Service) receiptStore() ReceiptStore { return s.d.Receipts }

// till is the station whose till a receipt or payout of contract c by a
// goes into: the user's own station among the contract's return and pickup
// station (return first: money usually changes hands when the car comes
// back), else the return station.
func till(a identity.Actor, c Contract) int64 {
	back := c.ReturnStationID
	if back == 0 {
		back = c.StationID
	}
	for _, id := range []int64{back, c.StationID} {
		if !a.AllStations() && a.CanStation(id) {
			return id
		}
	}
	return back
}

// receiptContract loads contract id with its money for a receipt, payout
// or reversal. Errors: KindNotFound; KindInternal without a receipt store.
func (s *Service) receiptContract(ctx context.Context, id int64) (Contract, money, error) {
	if s.receiptStore() == nil {
		return Contract{}, money{}, errors.New("contract: no receipt store")
	}
	c, err := s.d.Store.Contract(ctx, id)
	if err != nil {
		return Contract{}, money{}, err
	}
	m, err := s.money(ctx, c)
	return c, m, err
}

// receiptMail is the confirmation e-mail of receipt or payout r to the
// customer (none without an e-mail address); open is what the contract
// still owes after it.
func (s *Service) receiptMail(ctx context.Context, c Contract, r Receipt, open int64) ([]mail.Queued, error) {
	x, err := s.load(ctx, c)
	if err != nil || x.Customer.Email == "" {
		return nil, err
	}
	msg, err := s.d.Mailer.PaymentReceipt(x.MailContext, r, max(open, 0))
	if err != nil {
		return nil, err
	}
	return []mail.Queued{s.queued(x, msg)}, nil
}

// ledgerWith is the contract's ledger counting its receipts as paid.
func ledgerWith(c Contract, m money) billing.Ledger {
	l := LedgerOf(c, m.recs, m.docs)
	l.Charged += NetReceipts(m.rcs)
	return l
}

// receiptable says whether a contract in status st can take a receipt:
// once billing has issued the final invoice (billed, payment_open, closed).
func receiptable(st Status) bool {
	return st == StatusBilled || st == StatusPaymentOpen || st == StatusClosed
}

// Receipts lists the contract's receipts and reversals, oldest first.
// Errors: KindNotFound.
func (s *Service) Receipts(ctx context.Context, id int64) ([]Receipt, error) {
	if s.receiptStore() == nil {
		if _, err := s.d.Store.Contract(ctx, id); err != nil {
			return nil, err
		}
		return nil, nil
	}
	return s.receiptStore().Receipts(ctx, id)
}

// RecordReceipt records money received outside the card gateway against a
// billed contract with money open: the method (cash, terminal, transfer),
// an amount above zero and at most what is open per the contract's ledger,
// the reference (required for terminal and transfer) and the day the money
// came in (not in the future, not before the contract started; station
// calendar). Every invalid field is reported at once (KindInvalid). When
// the open amount reaches 0 a payment_open contract becomes billed, as
// RetryPayment does. The receipt is audit-logged on the contract.
// Errors: KindNotFound, KindConflict "nothing_open" when nothing is open
// (or the contract is not billed yet), KindConflict "receipt_exceeds" when
// another receipt took the open amount meanwhile, "card_charge_running"
// while a card charge of the rental waits for its outcome,
// "payments_changed" when one was made since the open amount was read.
func (s *Service) RecordReceipt(ctx context.Context, id int64, r Receipt) (Receipt, error) {
	c, m, err := s.receiptContract(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	owed := owedOf(c, m)
	open := owed.Cents - NetReceipts(m.rcs)
	if !receiptable(c.Status) {
		return Receipt{}, errs.Conflict("not_billed_yet")
	}
	if chargeRunning(m.recs) {
		return Receipt{}, errChargeRunning
	}
	if open <= 0 {
		return Receipt{}, errs.Conflict("nothing_open")
	}
	loc, err := s.stationLoc(ctx, c)
	if err != nil {
		return Receipt{}, err
	}
	a, _ := identity.ActorFrom(ctx)
	if err := s.checkReceipt(a, &r, c, loc, open, "contract.at_most_open"); err != nil {
		return Receipt{}, err
	}

	r.ID, r.ContractID, r.Kind, r.ReversesID, r.Reason, r.ReversedByID = 0, c.ID, KindReceipt, 0, "", 0
	r.CreatedBy, r.CreatedByName = a.UserID, a.Name
	msgs, err := s.receiptMail(ctx, c, r, open-r.AmountCents)
	if err != nil {
		return Receipt{}, err
	}
	if _, err := s.receiptStore().AddReceipt(ctx, &r, owed, msgs); err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// checkReceipt normalizes r's method, reference and day and reports every
// invalid field at once (KindInvalid): the method, an amount above 0 and at
// most limit (limitCode names it, with the parameter max), the reference (required for terminal and
// transfer), the day (not in the future, not before the contract started;
// station calendar).
func (s *Service) checkReceipt(a identity.Actor, r *Receipt, c Contract, loc *time.Location, limit int64, limitCode locale.Key) error {
	r.Method = strings.ToLower(strings.TrimSpace(r.Method))
	r.Reference = strings.TrimSpace(r.Reference)
	r.ReceivedOn = strings.TrimSpace(r.ReceivedOn)
	var f errs.Fields
	switch r.Method {
	case MethodCash, MethodTerminal, MethodTransfer:
	default:
		f.Add("method", "receipt.method_choose")
	}
	switch {
	case r.AmountCents <= 0:
		f.Add("amount", "field.amount_positive", locale.Params{"min": locale.Money(0)})
	case r.AmountCents > limit:
		f.Add("amount", limitCode, locale.Params{"max": locale.Money(limit)})
	}
	switch {
	case len(r.Reference) > 200:
		f.Add("reference", "receipt.reference_too_long", locale.Params{"n": 200})
	case r.Reference == "" && r.Method == MethodTerminal:
		f.Add("reference", "receipt.slip_required")
	case r.Reference == "" && r.Method == MethodTransfer:
		f.Add("reference", "receipt.bank_reference_required")
	}
	switch {
	case r.StationID == 0:
		r.StationID = till(a, c)
	case r.StationID != c.StationID && r.StationID != c.ReturnStationID || !a.CanStation(r.StationID):
		f.Add("station", "receipt.till_choose")
	}
	today := s.d.Now().In(loc).Format("2006-01-02")
	if day, err := time.ParseInLocation("2006-01-02", r.ReceivedOn, loc); err != nil {
		f.Add("received_on", "receipt.received_on_format")
	} else if r.ReceivedOn > today {
		f.Add("received_on", "receipt.received_on_future")
	} else if start := c.Start.In(loc); day.Before(time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, loc)) {
		f.Add("received_on", "receipt.received_on_before_start", locale.Params{"start": locale.Date(start)})
	}
	return f.Err()
}

// RecordPayout records money given back to the customer outside the card —
// cash at the counter, a refund at the card terminal, a bank transfer —
// on a billed contract that has been paid more than it owes (after a
// credit note, say). The amount must be above 0 and at most what was paid
// too much; method, reference and day as for RecordReceipt; reason is an
// optional note (e.g. the credit note's number). It is audit-logged.
// Errors: KindInvalid (every field at once), KindNotFound, KindConflict
// "nothing_to_pay_out" when nothing is paid too much (or the contract is
// not billed yet), "card_charge_running", "payments_changed",
// "payout_exceeds" (another payout came in meanwhile).
func (s *Service) RecordPayout(ctx context.Context, id int64, r Receipt) (Receipt, error) {
	c, m, err := s.receiptContract(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	over := -ledgerWith(c, m).Open()
	if !receiptable(c.Status) || over <= 0 {
		return Receipt{}, errs.Conflict("nothing_to_pay_out")
	}
	if chargeRunning(m.recs) {
		return Receipt{}, errChargeRunning
	}
	loc, err := s.stationLoc(ctx, c)
	if err != nil {
		return Receipt{}, err
	}
	a, _ := identity.ActorFrom(ctx)
	if err := s.checkReceipt(a, &r, c, loc, over, "contract.at_most_overpaid"); err != nil {
		return Receipt{}, err
	}
	r.Reason = strings.TrimSpace(r.Reason)
	if len(r.Reason) > 500 {
		return Receipt{}, errs.Invalid("error.fields_invalid", errs.Field("reason", "receipt.reason_too_long", locale.Params{"n": 500}))
	}

	r.ID, r.ContractID, r.Kind, r.ReversesID, r.ReversedByID = 0, c.ID, KindPayout, 0, 0
	r.CreatedBy, r.CreatedByName = a.UserID, a.Name
	msgs, err := s.receiptMail(ctx, c, r, 0)
	if err != nil {
		return Receipt{}, err
	}
	if _, err := s.receiptStore().AddReceipt(ctx, &r, owedOf(c, m), msgs); err != nil {
		return Receipt{}, err
	}
	return r, nil
}

// ReverseReceipt cancels receipt or payout receiptID of the contract
// (entered by mistake) with a reversal row: a receipt's amount is open
// again, and a billed contract with money open again becomes payment_open;
// a payout's amount counts as paid again. Nothing is deleted;
// the reversal is audit-logged. reason is required (KindInvalid "reason").
// Errors: KindNotFound (contract, or no such receipt on it), KindConflict
// "receipt_reversed" when it was reversed already.
func (s *Service) ReverseReceipt(ctx context.Context, id, receiptID int64, reason string) (Receipt, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Receipt{}, errs.Invalid("error.fields_invalid", errs.Field("reason", "receipt.reverse_reason_required"))
	}
	if len(reason) > 500 {
		return Receipt{}, errs.Invalid("error.fields_invalid", errs.Field("reason", "receipt.reason_too_long", locale.Params{"n": 500}))
	}
	c, m, err := s.receiptContract(ctx, id)
	if err != nil {
		return Receipt{}, err
	}
	var orig *Receipt
	for i := range m.rcs {
		if m.rcs[i].ID == receiptID && m.rcs[i].Kind != KindReversal {
			orig = &m.rcs[i]
		}
	}
	if orig == nil {
		return Receipt{}, errs.NotFound("receipt_not_found")
	}
	if orig.Reversed() {
		return Receipt{}, errs.Conflict("receipt_reversed")
	}
	loc, err := s.stationLoc(ctx, c)
	if err != nil {
		return Receipt{}, err
	}
	a, _ := identity.ActorFrom(ctx)
	rev := Receipt{ContractID: c.ID, StationID: orig.StationID, Kind: KindReversal, ReversesID: orig.ID, ReversesKind: orig.Kind, Method: orig.Method, AmountCents: orig.AmountCents,
		Reference: orig.Reference, ReceivedOn: s.d.Now().In(loc).Format("2006-01-02"), Reason: reason,
		CreatedBy: a.UserID, CreatedByName: a.Name}
	if _, err := s.receiptStore().AddReceipt(ctx, &rev, owedOf(c, m), nil); err != nil {
		return Receipt{}, err
	}
	return rev, nil
}

// stationLoc is the time zone of the contract's pickup station (read as the
// tenant's system: a station user of the return station may not see it).
func (s *Service) stationLoc(ctx context.Context, c Contract) (*time.Location, error) {
	st, err := s.d.Tenancy.Station(identity.WithActor(ctx, identity.SystemFor(c.TenantID)), c.StationID)
	if err != nil {
		return nil, err
	}
	return st.Location(), nil
}
