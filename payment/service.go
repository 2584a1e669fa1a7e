package payment

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/job"
)

// Config tunes the payment service.
type Config struct {
	// InquiryAttempts is how often an Unknown outcome is inquired right away
	// before the caller gets an Unknown record (default 3).
	InquiryAttempts int
	// InquiryDelay is the first pause between those inquiries, doubling (default 200 ms).
	InquiryDelay time.Duration
	// StalePending is how old a Pending record must be before the
	// reconciler treats its process as dead (default 2 min; keep it above
	// the gateway timeout).
	StalePending time.Duration
	// GiveUpAfter is how many inquiries the reconciler makes before it
	// leaves a record Unknown for staff (default 50).
	GiveUpAfter int
	// Jobs runs the reconciler's items (one payment each); nil: failures
	// are only logged, nothing is marked.
	Jobs *job.Runner
	// LateWindow is how long after a request was sent the gateway may still
	// apply it (a late delivery: the request reached it after our timeout).
	// An inquiry that finds nothing proves nothing before that: the record
	// stays Unknown and is inquired again; only a "not found" after the
	// window resolves it Failed. Default 15 min: the gateway refuses a
	// request whose Timestamp is more than 5 minutes off its clock
	// (telecash-ipg.md §2, §5), and 10 minutes more allow for our clock
	// being behind the gateway's and a gateway slow to process.
	LateWindow time.Duration
}

// DefaultLateWindow is Config.LateWindow's default.
const DefaultLateWindow = 15 * time.Minute

func (c *Config) defaults() {
	if c.InquiryAttempts == 0 {
		c.InquiryAttempts = 3
	}
	if c.InquiryDelay == 0 {
		c.InquiryDelay = 200 * time.Millisecond
	}
	if c.StalePending == 0 {
		c.StalePending = 2 * time.Minute
	}
	if c.GiveUpAfter == 0 {
		c.GiveUpAfter = 50
	}
	if c.LateWindow == 0 {
		c.LateWindow = DefaultLateWindow
	}
}

// Service moves money through a tenant's gateway and keeps a record of
// every attempt: written before the request goes out, resolved after, and
// an unknown outcome found out by inquiry, never by sending again.
type Service struct {
	store Store
	gws   Gateways
	cfg   Config
	now   func() time.Time
	newID func() string
	log   *slog.Logger
	sleep func(context.Context, time.Duration) error
}

// NewService returns a payment service. now and newID may be nil (time.Now;
// random ids "mw" + 32 hex digits).
func NewService(store Store, gws Gateways, cfg Config, now func() time.Time, newID func() string, log *slog.Logger) *Service {
	cfg.defaults()
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = RandomID
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{store: store, gws: gws, cfg: cfg, now: now, newID: newID, log: log, sleep: sleepCtx}
}

// RandomID returns a new merchant transaction id: "mw" and 32 hex digits.
func RandomID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return "mw" + hex.EncodeToString(b)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Sale charges a card now; with storeCard the card is also kept as a token
// for later merchant-initiated charges (StoredCard returned, else nil).
// The record says Approved, Declined, Failed or Unknown; an error means
// nothing was sent (invalid input: errs.KindInvalid) or nothing could be recorded.
func (s *Service) Sale(ctx context.Context, l Links, orderID string, amt Amount, card Card, storeCard bool, rental *Rental) (Record, *StoredCard, error) {
	return s.cardPayment(ctx, OpSale, l, orderID, amt, card, storeCard, rental)
}

// PreAuth reserves an amount on a card (a deposit), optionally storing the card.
func (s *Service) PreAuth(ctx context.Context, l Links, orderID string, amt Amount, card Card, storeCard bool, rental *Rental) (Record, *StoredCard, error) {
	return s.cardPayment(ctx, OpPreAuth, l, orderID, amt, card, storeCard, rental)
}

func (s *Service) cardPayment(ctx context.Context, op Operation, l Links, orderID string, amt Amount, card Card, storeCard bool, rental *Rental) (Record, *StoredCard, error) {
	p := CardPayment{Ref: Ref{MerchantTransactionID: s.newID(), OrderID: orderID}, Amount: amt, Card: card, StoreCard: storeCard, Rental: rental}
	if err := p.Validate(); err != nil {
		return Record{}, nil, err
	}
	rec := Record{Links: l, Operation: op, Amount: amt, OrderID: orderID, MerchantTransactionID: p.MerchantTransactionID, Card: card.Info()}
	rec, err := s.execute(ctx, &rec, func(gw Gateway) (Result, error) {
		if op == OpPreAuth {
			return gw.PreAuth(ctx, p)
		}
		return gw.Sale(ctx, p)
	})
	if err != nil || rec.Status != StatusApproved || !storeCard || rec.CardID == 0 {
		return rec, nil, err
	}
	if rec.stored != nil && rec.stored.ID == rec.CardID {
		c := *rec.stored
		return rec, &c, nil
	}
	c, err := s.store.StoredCard(ctx, rec.CardID)
	return rec, &c, err
}

// TokenSale charges a stored card, merchant-initiated.
func (s *Service) TokenSale(ctx context.Context, l Links, orderID string, amt Amount, cardID int64, rental *Rental) (Record, error) {
	return s.tokenPayment(ctx, OpTokenSale, l, orderID, amt, cardID, rental)
}

// TokenPreAuth reserves an amount on a stored card, merchant-initiated.
func (s *Service) TokenPreAuth(ctx context.Context, l Links, orderID string, amt Amount, cardID int64, rental *Rental) (Record, error) {
	return s.tokenPayment(ctx, OpTokenPreAuth, l, orderID, amt, cardID, rental)
}

// TokenSaleWith is TokenSale with the stored card at hand (as Sale
// returned it): nothing to read back first.
func (s *Service) TokenSaleWith(ctx context.Context, l Links, orderID string, amt Amount, card StoredCard, rental *Rental) (Record, error) {
	return s.tokenPaymentWith(ctx, OpTokenSale, l, orderID, amt, card, rental)
}

// TokenPreAuthWith is TokenPreAuth with the stored card at hand.
func (s *Service) TokenPreAuthWith(ctx context.Context, l Links, orderID string, amt Amount, card StoredCard, rental *Rental) (Record, error) {
	return s.tokenPaymentWith(ctx, OpTokenPreAuth, l, orderID, amt, card, rental)
}

func (s *Service) tokenPayment(ctx context.Context, op Operation, l Links, orderID string, amt Amount, cardID int64, rental *Rental) (Record, error) {
	card, err := s.store.StoredCard(ctx, cardID)
	if err != nil {
		return Record{}, err
	}
	return s.tokenPaymentWith(ctx, op, l, orderID, amt, card, rental)
}

func (s *Service) tokenPaymentWith(ctx context.Context, op Operation, l Links, orderID string, amt Amount, card StoredCard, rental *Rental) (Record, error) {
	p := TokenPayment{Ref: Ref{MerchantTransactionID: s.newID(), OrderID: orderID}, Amount: amt, Token: card.Token,
		SchemeTransactionID: card.SchemeTransactionID, Rental: rental}
	if err := p.Validate(); err != nil {
		return Record{}, err
	}
	rec := Record{Links: l, CardID: card.ID, Operation: op, Amount: amt, OrderID: orderID, MerchantTransactionID: p.MerchantTransactionID, Card: card.Card}
	return s.execute(ctx, &rec, func(gw Gateway) (Result, error) {
		if op == OpTokenPreAuth {
			return gw.TokenPreAuth(ctx, p)
		}
		return gw.TokenSale(ctx, p)
	})
}

// Capture takes amt of the approved pre-authorisation parentID (all of it when amt is zero).
func (s *Service) Capture(ctx context.Context, parentID int64, amt Amount) (Record, error) {
	return s.secondary(ctx, OpCapture, parentID, amt)
}

// Refund returns amt of the approved sale or capture parentID.
func (s *Service) Refund(ctx context.Context, parentID int64, amt Amount) (Record, error) {
	return s.secondary(ctx, OpRefund, parentID, amt)
}

// Void cancels the approved transaction parentID before settlement.
func (s *Service) Void(ctx context.Context, parentID int64) (Record, error) {
	return s.secondary(ctx, OpVoid, parentID, Amount{})
}

// VoidPreAuth releases the pre-authorisation parentID.
func (s *Service) VoidPreAuth(ctx context.Context, parentID int64) (Record, error) {
	return s.secondary(ctx, OpVoidPreAuth, parentID, Amount{})
}

func (s *Service) secondary(ctx context.Context, op Operation, parentID int64, amt Amount) (Record, error) {
	parent, err := s.store.Payment(ctx, parentID)
	if err != nil {
		return Record{}, err
	}
	if parent.Status != StatusApproved {
		return Record{}, errs.Conflict("payment_not_approved")
	}
	if amt.Currency == "" && (op == OpCapture || op == OpRefund) {
		if amt.Cents == 0 {
			amt = parent.Amount
		} else {
			amt.Currency = parent.Amount.Currency
		}
	}
	ref := Ref{MerchantTransactionID: s.newID(), OrderID: parent.OrderID}
	txID := parent.GatewayTransactionID
	var call func(gw Gateway) (Result, error)
	switch op {
	case OpCapture:
		c := Capture{Ref: ref, TransactionID: txID, Amount: amt}
		if err := c.Validate(); err != nil {
			return Record{}, err
		}
		call = func(gw Gateway) (Result, error) { return gw.Capture(ctx, c) }
	case OpRefund:
		r := Refund{Ref: ref, TransactionID: txID, Amount: amt}
		if err := r.Validate(); err != nil {
			return Record{}, err
		}
		call = func(gw Gateway) (Result, error) { return gw.Refund(ctx, r) }
	default:
		v := Void{Ref: ref, TransactionID: txID}
		if err := v.Validate(); err != nil {
			return Record{}, err
		}
		call = func(gw Gateway) (Result, error) {
			if op == OpVoidPreAuth {
				return gw.VoidPreAuth(ctx, v)
			}
			return gw.Void(ctx, v)
		}
		amt = Amount{Currency: parent.Amount.Currency}
	}
	rec := Record{Links: parent.Links, CardID: parent.CardID, ParentID: parent.ID, Operation: op, Amount: amt,
		OrderID: parent.OrderID, MerchantTransactionID: ref.MerchantTransactionID, Card: parent.Card}
	return s.execute(ctx, &rec, call)
}

// execute records the attempt, sends it, resolves an unknown outcome by
// inquiry, and stores the outcome.
func (s *Service) execute(ctx context.Context, rec *Record, call func(Gateway) (Result, error)) (Record, error) {
	gw, err := s.prepare(ctx, rec)
	if err != nil {
		return Record{}, err
	}
	if err := s.store.InsertPayment(ctx, rec); err != nil {
		return Record{}, fmt.Errorf("record payment before sending: %w", err)
	}
	return s.send(ctx, gw, rec, call, s.resolve)
}

// prepare makes rec a Pending record of the actor's tenant (a test
// payment for a test key) and returns the gateway it goes through.
func (s *Service) prepare(ctx context.Context, rec *Record) (Gateway, error) {
	a, ok := identity.ActorFrom(ctx)
	if !ok || a.TenantID == 0 {
		return nil, errs.Unauthorized("unauthorized.not_signed_in")
	}
	if a.Kind == identity.ActorAPI && a.Test {
		rec.Test = true // whatever the caller linked: a test key never pays for real
	}
	gw, err := GatewayFor(ctx, s.gws, a.TenantID, rec.Test)
	if err != nil {
		return nil, err
	}
	rec.TenantID = a.TenantID
	rec.Status = StatusPending
	rec.CreatedAt = s.now().UTC()
	return gw, nil
}

// send sends the recorded attempt rec, resolves an unknown outcome by
// inquiry, and stores the outcome with store (resolve, or resolve with
// the next payment's pending record: see chain).
func (s *Service) send(ctx context.Context, gw Gateway, rec *Record, call func(Gateway) (Result, error),
	store func(context.Context, *Record) error) (Record, error) {
	res, err := call(gw)
	if err != nil {
		// Nothing was sent: the gateway adapter refused the request, or it
		// never left this machine.
		rec.Status, rec.ReasonCode, rec.Message = StatusFailed, ReasonInvalidRequest, "request not sent"
		if res.Reason.Code == ReasonNotSent {
			rec.ReasonCode = ReasonNotSent
		}
		if e, ok := errs.As(err); ok {
			rec.Message += ": " + e.Message
		}
		now := s.now().UTC()
		rec.ResolvedAt = &now
		s.resolve(ctx, rec)
		return *rec, err
	}
	if res.Outcome == Unknown {
		res = s.inquireNow(ctx, gw, rec, res)
	}
	s.apply(rec, res, s.now().UTC(), s.cfg.InquiryDelay)
	if err := store(ctx, rec); err != nil {
		return *rec, err
	}
	return *rec, nil
}

// resolve stores rec's outcome with a context that survives the caller's
// cancellation: an answer the gateway gave must not be lost. A token the
// gateway created with an approved payment is stored as the customer's
// card in the same transaction, so an approved first payment never exists
// without its card (the card could otherwise never be charged again nor
// deleted at the gateway on erasure).
func (s *Service) resolve(ctx context.Context, rec *Record) error {
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	var err error
	if c := rec.newCard(); c != nil {
		if err = s.store.ResolvePaymentWithCard(wctx, rec, c); err == nil {
			rec.stored = c
		}
	} else {
		err = s.store.ResolvePayment(wctx, rec)
	}
	if err != nil {
		s.log.ErrorContext(ctx, "payment outcome not stored; the reconciler will inquire", "payment_id", rec.ID,
			"merchant_txn_id", rec.MerchantTransactionID, "err", err)
		return err
	}
	return nil
}

// newCard is the card to store with an approved record whose gateway
// answer carried a token not yet kept, else nil.
func (r *Record) newCard() *StoredCard {
	if r.Status != StatusApproved || r.token == "" || r.CardID != 0 || r.CustomerID == 0 {
		return nil
	}
	return &StoredCard{TenantID: r.TenantID, CustomerID: r.CustomerID, Token: r.token, Card: r.Card, SchemeTransactionID: r.SchemeTransactionID,
		Test: r.Test}
}

// inquireNow asks the gateway a few times what became of an attempt with an
// unknown outcome. It returns the found result, or the Unknown one when the
// gateway could not tell or does not know the request (yet: see
// Config.LateWindow).
func (s *Service) inquireNow(ctx context.Context, gw Gateway, rec *Record, unknown Result) Result {
	delay := s.cfg.InquiryDelay
	for i := 0; i < s.cfg.InquiryAttempts; i++ {
		if err := s.sleep(ctx, delay); err != nil {
			break
		}
		delay *= 2
		rec.Inquiries++
		r, done := s.inquire(ctx, gw, rec)
		if done {
			return r
		}
		if r.Reason.Code == ReasonNotFoundYet {
			unknown.Reason = r.Reason
		}
	}
	return unknown
}

// inquire asks once. done is false when the gateway could not tell, or
// does not know the request while it may still arrive late; a "not found"
// after Config.LateWindow is the proof that nothing was done.
func (s *Service) inquire(ctx context.Context, gw Gateway, rec *Record) (Result, bool) {
	r, err := gw.InquireTransaction(ctx, rec.MerchantTransactionID)
	switch {
	case err == nil && r.Outcome != Unknown:
		return r, true
	case errs.Is(err, errs.KindNotFound) && !s.now().Before(rec.CreatedAt.Add(s.cfg.LateWindow)):
		return Result{Operation: rec.Operation, Outcome: Failed, MerchantTransactionID: rec.MerchantTransactionID,
			Reason: Reason{Code: ReasonNotFound, Message: "the gateway has no such transaction " + s.cfg.LateWindow.String() +
				" after sending; a request that late is refused by the gateway (Timestamp window): nothing was charged"}}, true
	case errs.Is(err, errs.KindNotFound):
		return Result{Operation: rec.Operation, Outcome: Unknown, Reason: Reason{Code: ReasonNotFoundYet,
			Message: "not (yet) at the gateway; it may still arrive late, so it is asked again"}}, false
	}
	return Result{Operation: rec.Operation, Outcome: Unknown, Reason: Reason{Code: ReasonTimeout, Message: "the gateway could not be asked"}}, false
}

// apply copies a gateway result into a record. An Unknown record gets its
// next inquiry: backoff from retry, but at the latest just after the late
// window, when a "not found" becomes final.
func (s *Service) apply(rec *Record, res Result, now time.Time, retry time.Duration) {
	switch res.Outcome {
	case Approved:
		rec.Status = StatusApproved
	case Declined:
		rec.Status = StatusDeclined
	case Failed:
		rec.Status = StatusFailed
	default:
		rec.Status = StatusUnknown
		next := now.Add(retryDelay(rec.Inquiries, retry))
		if end := rec.CreatedAt.Add(s.cfg.LateWindow + time.Second); now.Before(end) && next.After(end) {
			next = end
		}
		rec.NextInquiryAt = &next
	}
	if rec.Status != StatusUnknown {
		rec.ResolvedAt, rec.NextInquiryAt = &now, nil
	}
	if res.TransactionID != "" {
		rec.GatewayTransactionID = res.TransactionID
	}
	if res.ApprovalCode != "" {
		rec.ApprovalCode = res.ApprovalCode
	}
	if res.SchemeTransactionID != "" {
		rec.SchemeTransactionID = res.SchemeTransactionID
	}
	if res.Card.Last4 != "" {
		rec.Card = res.Card
	}
	if res.Token != "" {
		rec.token = res.Token
	}
	rec.ReasonCode, rec.Message = res.Reason.Code, res.Reason.Message
}

// retryDelay is the reconciler's backoff: 1 s doubling per inquiry, at most 10 min.
func retryDelay(inquiries int, base time.Duration) time.Duration {
	if base <= 0 {
		base = time.Second
	}
	d := base
	for i := 0; i < inquiries && d < 10*time.Minute; i++ {
		d *= 2
	}
	return min(d, 10*time.Minute)
}

// Reconcile resolves up to limit open records that are due, across all
// tenants (the ctx needs the all-tenants system actor). It returns how many
// it resolved. Each record is one job item (job.Runner.Item): one that
// fails or crashes is logged, marked for staff and left alone for a
// back-off, and the others go on; one the gateway could not tell about is
// asked again on a later pass.
func (s *Service) Reconcile(ctx context.Context, limit int) (int, error) {
	now := s.now().UTC()
	due, err := s.store.DuePayments(ctx, now, now.Add(-s.cfg.StalePending), limit)
	if err != nil {
		return 0, err
	}
	runner := s.cfg.Jobs
	if runner == nil {
		runner = &job.Runner{Log: s.log, Now: s.now}
	}
	n := 0
	for i := range due {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		rec := due[i]
		tctx := identity.WithActor(ctx, identity.SystemFor(rec.TenantID))
		_ = runner.Item(tctx, JobReconcile, job.Subject{Kind: job.KindPayment, ID: rec.ID, TenantID: rec.TenantID}, func() error {
			if err := s.settle(tctx, &rec); err != nil {
				return err
			}
			if !rec.Status.Open() {
				n++
				s.log.InfoContext(ctx, "payment resolved by inquiry", "payment_id", rec.ID, "status", rec.Status)
			}
			return nil
		})
	}
	return n, nil
}

// Recheck asks the gateway once, now, what became of the open record id
// (whose sender is known to be gone: e.g. its booking was taken over after
// the process working on it stopped) and stores the answer. It returns the
// record as it then stands; a record already resolved is returned as is.
func (s *Service) Recheck(ctx context.Context, id int64) (Record, error) {
	rec, err := s.store.Payment(ctx, id)
	if err != nil || !rec.Status.Open() {
		return rec, err
	}
	if err := s.settle(ctx, &rec); err != nil {
		return s.store.Payment(ctx, id)
	}
	return rec, nil
}

// settle inquires once about the open record rec and stores the outcome
// (still Unknown with its next inquiry when the gateway could not tell).
func (s *Service) settle(ctx context.Context, rec *Record) error {
	gw, err := GatewayFor(ctx, s.gws, rec.TenantID, rec.Test)
	if err != nil {
		s.log.ErrorContext(ctx, "reconcile: no gateway", "tenant_id", rec.TenantID, "err", err)
		return err
	}
	rec.Inquiries++
	res, done := s.inquire(ctx, gw, rec)
	if !done && rec.Inquiries >= s.cfg.GiveUpAfter {
		s.log.WarnContext(ctx, "payment outcome still unknown; staff must check it at the gateway", "payment_id", rec.ID, "inquiries", rec.Inquiries)
	}
	s.apply(rec, res, s.now().UTC(), time.Second)
	return s.resolve(ctx, rec)
}

// RunReconciler calls Reconcile at once and then every interval until ctx
// ends (ctx carries the all-tenants system actor); a failing or crashing
// record is marked for staff and the reconciler goes on.
func (s *Service) RunReconciler(ctx context.Context, interval time.Duration) {
	job.Every(ctx, s.log, "payment reconciler", 0, interval, func(ctx context.Context) error {
		_, err := s.Reconcile(ctx, 100)
		return err
	})
}

// JobReconcile names the payment reconciler (job.Runner, and the attention
// records staff see).
const JobReconcile = "payment.reconcile"
