package payment

import (
	"context"
	"errors"
	"fmt"
	"time"

	"mietwerk.dev/mietwerk/errs"
)

// Guard is a condition of the caller's that the store checks, and applies,
// in the step that records a follow-up payment pending
// (Store.ResolvePaymentThen): a booking's lease moved by compare-and-set,
// say (booking.LeaseRenewal). The store knows the guards it can apply.
// When a guard does not hold, nothing of the follow-up is recorded or sent.
type Guard interface {
	// Lost is the error the follow-up payment's caller gets when the
	// guard did not hold.
	Lost() error
}

// Then is a payment made on the card of an approved one right after it (a
// booking's deposit after its rent), merchant-initiated: its pending
// record is written with the first payment's outcome, in one durable step
// of the store, before it is sent.
type Then struct {
	Links   Links
	OrderID string
	Amount  Amount
	// PreAuth makes it a pre-authorisation (as TokenPreAuth), else a
	// charge (as TokenSale).
	PreAuth bool
	Rental  *Rental
	// Guard, when not nil, must hold when the payment is recorded; when it
	// does not, the payment is neither recorded nor sent (Chain.Lost).
	Guard Guard
	// Defer, when set, leaves an approved outcome of the payment unstored
	// (its record Pending in the store): Chain.Deferred carries it, and
	// the caller must store it (see Deferred). Any other outcome is
	// stored as always.
	Defer bool
}

// Chain is what a payment followed by a Then did.
type Chain struct {
	// First is the first payment's record, as Sale or TokenSale return it.
	First Record
	// Card is the card First stored or used (nil when First was not
	// approved or has none).
	Card *StoredCard
	// Next is the Then payment's record (ID 0 when it was not recorded,
	// and so not sent); NextErr its error as TokenSale returns it, or why
	// it was not made.
	Next    Record
	NextErr error
	// Guarded reports that Then's guard held and was applied (a nil guard
	// too); Lost that it did not hold: NextErr is then Guard.Lost(), and
	// nothing of Next was recorded or sent.
	Guarded, Lost bool
	// Deferred, with Then.Defer, is Next's approved outcome, not stored
	// yet (Next is as it will be stored; NextErr nil): the caller stores
	// it with a write of its own or by Settle. nil otherwise.
	Deferred *Deferred
}

// Deferred is the approved outcome of a payment (Then.Defer) that the
// payment service left to its caller to store: the record is Pending in
// the store until then. The caller ends it one of two ways: it hands
// Record to a write of its own that stores the outcome in the same
// transaction, as ResolvePayment would (invoice.IssueRequest.Payments),
// and calls Stored once that committed; or it calls Settle, which stores
// it as the payment service stores every outcome. A caller settles it on
// every path its own write does not commit (a deferred Settle).
//
// Why leaving it to the caller is safe: an outcome is stored lazily
// anyway (ResolvePayment's commit does not wait for the disk), so a
// crash or power cut could always lose it, and the payment reconciler
// then asks the gateway about the record still Pending (a process that
// dies holding a Deferred leaves the same). What exactly-once needs is
// the Pending record durable before the gateway call, and that is
// unchanged.
type Deferred struct {
	rec  Record
	s    *Service
	done bool
}

// Record is the payment as its outcome is to be stored.
func (d *Deferred) Record() Record { return d.rec }

// Stored records that the caller's own write stored the outcome and
// committed: Settle does nothing after it.
func (d *Deferred) Stored() { d.done = true }

// Done reports whether the outcome was stored (Stored, or Settle that
// succeeded).
func (d *Deferred) Done() bool { return d == nil || d.done }

// Settle stores the outcome unless it is stored already (as the payment
// service stores every outcome: a context that survives the caller's
// cancellation, a failure logged, the record then left Pending for the
// reconciler). A nil Deferred is stored already.
func (d *Deferred) Settle(ctx context.Context) error {
	if d.Done() {
		return nil
	}
	if err := d.s.resolve(ctx, &d.rec); err != nil {
		return err
	}
	d.done = true
	return nil
}

// Prepared is a first payment checked and built before what it pays for
// is written (a booking's rent, recorded with the booking: see
// booking.Store.CreateReservationPaying): PrepareSale or PrepareTokenSale
// make it, the caller records Record durably, and SendThen sends it.
type Prepared struct {
	// Record is the payment's pending record, as InsertPayment would
	// store it. The caller stores it durably (setting its ID) before
	// SendThen, filling in what is known only then: the Links'
	// ReservationID and CustomerID, the OrderID when it was left empty,
	// and with Card the CardID of the card it saved.
	Record Record
	// Card, for a token payment, is the card it is made on, to be saved
	// by the caller for the record's customer before the record (its ID
	// becomes Record.CardID); nil for a card the customer entered, which
	// is never stored (only its brand and last 4 digits, in Record.Card).
	Card *StoredCard

	card Card // the card entered (held in memory until it is sent)
	gw   Gateway
}

// PrepareSale checks a sale of amt on the card entered, storing the card
// at the gateway (as SaleThen), and returns it prepared, its pending
// record not yet stored. orderID may be empty when the caller sets
// Record.OrderID as it records it (rental is then nil, and both are
// checked by SendThen). Errors: errs.KindInvalid (nothing to send), the
// actor's or the gateway's (none configured for the tenant).
func (s *Service) PrepareSale(ctx context.Context, l Links, orderID string, amt Amount, card Card, rental *Rental) (*Prepared, error) {
	p := CardPayment{Ref: Ref{MerchantTransactionID: s.newID(), OrderID: orderID}, Amount: amt, Card: card, StoreCard: true, Rental: rental}
	if err := p.validate(orderID != ""); err != nil {
		return nil, err
	}
	pr := &Prepared{Record: Record{Links: l, Operation: OpSale, Amount: amt, OrderID: orderID,
		MerchantTransactionID: p.MerchantTransactionID, Card: card.Info()}, card: card}
	var err error
	pr.gw, err = s.prepare(ctx, &pr.Record)
	return pr, err
}

// PrepareTokenSale is PrepareSale for a merchant-initiated sale on card:
// a stored card (ID not 0), or one a caller stores with the record
// (Prepared.Card; its mode, test or live, becomes the payment's).
func (s *Service) PrepareTokenSale(ctx context.Context, l Links, orderID string, amt Amount, card StoredCard, rental *Rental) (*Prepared, error) {
	p := TokenPayment{Ref: Ref{MerchantTransactionID: s.newID(), OrderID: orderID}, Amount: amt, Token: card.Token,
		SchemeTransactionID: card.SchemeTransactionID, Rental: rental}
	if err := p.validate(orderID != ""); err != nil {
		return nil, err
	}
	pr := &Prepared{Record: Record{Links: l, CardID: card.ID, Operation: OpTokenSale, Amount: amt, OrderID: orderID,
		MerchantTransactionID: p.MerchantTransactionID, Card: card.Card}, Card: &card}
	var err error
	pr.gw, err = s.prepare(ctx, &pr.Record)
	if card.ID == 0 {
		card.Test = pr.Record.Test
	}
	return pr, err
}

// SendThen sends the prepared payment p, whose pending record its caller
// has stored (Record.ID set; else nothing is sent), with rental, resolves
// and stores its outcome, and then makes next as SaleThen does. A request
// that turns out invalid only now (its order id or rental, unknown when it
// was prepared) is not sent: its record is resolved failed
// (ReasonInvalidRequest) and the error returned with it.
func (s *Service) SendThen(ctx context.Context, p *Prepared, rental *Rental, next *Then) (Chain, error) {
	rec := &p.Record
	if rec.ID == 0 || rec.Status != StatusPending || p.gw == nil {
		return Chain{}, errNotRecorded
	}
	ref := Ref{MerchantTransactionID: rec.MerchantTransactionID, OrderID: rec.OrderID}
	if p.Card != nil {
		card := *p.Card
		card.ID = rec.CardID
		return s.chainSent(ctx, p.gw, rec, &card, p.tokenCall(ctx, rental), next)
	}
	cp := CardPayment{Ref: ref, Amount: rec.Amount, Card: p.card, StoreCard: true, Rental: rental}
	ch, err := s.chainSent(ctx, p.gw, rec, nil, func(gw Gateway) (Result, error) {
		if err := cp.Validate(); err != nil {
			return Result{}, err
		}
		return gw.Sale(ctx, cp)
	}, next)
	if err != nil || ch.First.Status != StatusApproved || ch.First.CardID == 0 || ch.Card != nil {
		return ch, err
	}
	c, err := s.store.StoredCard(ctx, ch.First.CardID) // as Sale: read back when the outcome's step did not return it
	ch.Card = &c
	return ch, err
}

// tokenCall is the gateway call of prepared token sale p with rental.
func (p *Prepared) tokenCall(ctx context.Context, rental *Rental) func(Gateway) (Result, error) {
	rec, card := &p.Record, *p.Card
	tp := TokenPayment{Ref: Ref{MerchantTransactionID: rec.MerchantTransactionID, OrderID: rec.OrderID}, Amount: rec.Amount,
		Token: card.Token, SchemeTransactionID: card.SchemeTransactionID, Rental: rental}
	return func(gw Gateway) (Result, error) {
		if err := tp.Validate(); err != nil {
			return Result{}, err
		}
		return gw.TokenSale(ctx, tp)
	}
}

// PrepareTokenSaleOn is PrepareTokenSale on the customer's stored card
// cardID. Errors: KindNotFound (no such card), those of PrepareTokenSale.
func (s *Service) PrepareTokenSaleOn(ctx context.Context, l Links, orderID string, amt Amount, cardID int64, rental *Rental) (*Prepared, error) {
	card, err := s.store.StoredCard(ctx, cardID)
	if err != nil {
		return nil, err
	}
	return s.PrepareTokenSale(ctx, l, orderID, amt, card, rental)
}

// SendDeferred sends the prepared token sale p (PrepareTokenSale), whose
// pending record its caller has stored (Record.ID set; else nothing is
// sent), with rental, and leaves an approved outcome unstored, as
// Then.Defer does: the Deferred returned carries it, and the caller
// stores it with a write of its own (invoice.IssueRequest.Payments: the
// document and "approved" commit together) or settles it. Any other
// outcome is stored as always (Deferred nil). The record and error are as
// TokenSale returns them.
func (s *Service) SendDeferred(ctx context.Context, p *Prepared, rental *Rental) (Record, *Deferred, error) {
	rec := &p.Record
	if rec.ID == 0 || rec.Status != StatusPending || p.gw == nil || p.Card == nil {
		return Record{}, nil, errNotRecorded
	}
	var d *Deferred
	out, err := s.send(ctx, p.gw, rec, p.tokenCall(ctx, rental), func(ctx context.Context, rec *Record) error {
		if rec.Status != StatusApproved || rec.newCard() != nil {
			return s.resolve(ctx, rec)
		}
		d = &Deferred{rec: *rec, s: s}
		return nil
	})
	return out, d, err
}

// errNotRecorded: SendThen of a prepared payment whose record was not
// stored (nothing is sent).
var errNotRecorded = errors.New("payment: prepared payment not recorded before sending")

// SaleThen is Sale storing the card, followed, when the sale is approved
// and next is not nil, by next on the card it stored: the sale's outcome
// (with the card), next's guard and next's pending record are stored in
// one step, then next is sent and resolved. The error is the sale's, as
// Sale's; a sale whose outcome could not be stored has next not made
// (NextErr the same error).
func (s *Service) SaleThen(ctx context.Context, l Links, orderID string, amt Amount, card Card, rental *Rental, next *Then) (Chain, error) {
	p, err := s.PrepareSale(ctx, l, orderID, amt, card, rental)
	if err != nil {
		return Chain{}, err
	}
	return s.recordAndSend(ctx, p, rental, next)
}

// TokenSaleThen is TokenSale on the stored card cardID followed by next
// on the same card, as SaleThen.
func (s *Service) TokenSaleThen(ctx context.Context, l Links, orderID string, amt Amount, cardID int64, rental *Rental, next *Then) (Chain, error) {
	card, err := s.store.StoredCard(ctx, cardID)
	if err != nil {
		return Chain{}, err
	}
	p, err := s.PrepareTokenSale(ctx, l, orderID, amt, card, rental)
	if err != nil {
		return Chain{}, err
	}
	return s.recordAndSend(ctx, p, rental, next)
}

// recordAndSend stores the prepared p's pending record (durable, before
// anything is sent) and sends it with SendThen.
func (s *Service) recordAndSend(ctx context.Context, p *Prepared, rental *Rental, next *Then) (Chain, error) {
	if err := s.store.InsertPayment(ctx, &p.Record); err != nil {
		return Chain{}, fmt.Errorf("record payment before sending: %w", err)
	}
	return s.SendThen(ctx, p, rental, next)
}

// chainSent sends the recorded rec with call (through gw) and stores its
// outcome; when it is approved and next is not nil, next's pending record
// is stored with that outcome (Store.ResolvePaymentThen) on the card rec
// used (used) or stored, and next is then sent and resolved.
func (s *Service) chainSent(ctx context.Context, gw Gateway, rec *Record, used *StoredCard, call func(Gateway) (Result, error), next *Then) (Chain, error) {
	var ch Chain
	var nrec *Record
	var ngw Gateway
	var ncall func(Gateway) (Result, error)
	first, err := s.send(ctx, gw, rec, call, func(ctx context.Context, rec *Record) error {
		if next == nil || rec.Status != StatusApproved {
			return s.resolve(ctx, rec)
		}
		card, newCard := used, rec.newCard()
		if newCard != nil {
			card = newCard
		}
		if card == nil {
			ch.NextErr = errNoCardForNext
			return s.resolve(ctx, rec)
		}
		p := TokenPayment{Ref: Ref{MerchantTransactionID: s.newID(), OrderID: next.OrderID}, Amount: next.Amount,
			Token: card.Token, SchemeTransactionID: card.SchemeTransactionID, Rental: next.Rental}
		op := OpTokenSale
		if next.PreAuth {
			op = OpTokenPreAuth
		}
		n := Record{Links: next.Links, CardID: card.ID, Operation: op, Amount: next.Amount, OrderID: next.OrderID,
			MerchantTransactionID: p.MerchantTransactionID, Card: card.Card}
		var err error
		if err = p.Validate(); err == nil {
			ngw, err = s.prepare(ctx, &n)
		}
		if err != nil {
			ch.NextErr = err
			return s.resolve(ctx, rec)
		}
		if ch.Guarded, err = s.resolveThen(ctx, rec, newCard, next.Guard, &n); err != nil {
			// next not recorded, not sent; rec's outcome perhaps not
			// stored either (the reconciler asks the gateway)
			ch.NextErr = fmt.Errorf("record payment before sending: %w", err)
			return err
		}
		if ch.Lost = !ch.Guarded; ch.Lost {
			ch.NextErr = next.Guard.Lost()
		} else {
			nrec = &n
			ncall = func(gw Gateway) (Result, error) {
				if op == OpTokenPreAuth {
					return gw.TokenPreAuth(ctx, p)
				}
				return gw.TokenSale(ctx, p)
			}
		}
		return nil
	})
	ch.First = first
	if first.Status == StatusApproved {
		switch {
		case rec.stored != nil && rec.stored.ID == rec.CardID:
			c := *rec.stored
			ch.Card = &c
		case used != nil:
			ch.Card = used
		}
	}
	if nrec != nil {
		store := s.resolve
		if next.Defer {
			store = func(ctx context.Context, rec *Record) error {
				if rec.Status != StatusApproved || rec.newCard() != nil {
					return s.resolve(ctx, rec)
				}
				ch.Deferred = &Deferred{rec: *rec, s: s}
				return nil
			}
		}
		ch.Next, ch.NextErr = s.send(ctx, ngw, nrec, ncall, store)
	}
	return ch, err
}

// errNoCardForNext: an approved first payment left no card to make the
// next one on (as TokenSale of a card that is not stored).
var errNoCardForNext = errs.NotFound("stored_card_not_found")

// resolveThen stores rec's outcome (with the card c it created, when not
// nil) and, when guard g holds, next's pending record (see
// Store.ResolvePaymentThen). It reports whether g held; a failure is logged.
func (s *Service) resolveThen(ctx context.Context, rec *Record, c *StoredCard, g Guard, next *Record) (bool, error) {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	held, err := s.store.ResolvePaymentThen(wctx, rec, c, g, next)
	if c != nil && c.ID != 0 && c.ID == rec.CardID {
		rec.stored = c
	}
	if err != nil {
		s.log.ErrorContext(ctx, "payment outcome or next payment not stored; the reconciler will inquire", "payment_id", rec.ID,
			"merchant_txn_id", rec.MerchantTransactionID, "err", err)
	}
	return held, err
}
