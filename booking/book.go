package booking

import (
	"context"
	"errors"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payer"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// CardToken is a card an integrator tokenised at the gateway in the
// browser: the token with what may be shown about the card.
type CardToken struct {
	Token    string
	Brand    payment.Brand
	Last4    string
	ExpMonth int
	ExpYear  int
}

// BookRequest is one online booking.
type BookRequest struct {
	// IdempotencyKey is the request's Idempotency-Key (API requests): the
	// booking is bound to it, and a retry with it resumes that booking.
	IdempotencyKey string
	// KeyFirst: the key was used for the first time (no earlier request
	// with it began), so no booking can be bound to it yet and none is
	// looked for; one bound meanwhile is still found (the new booking's
	// insert refuses a bound key).
	KeyFirst     bool
	Customer     customer.Customer
	StationCode  string
	CategoryCode string
	Pickup       time.Time
	Return       time.Time
	WorkshopRef  string
	Notes        string
	Card         *payment.Card // either Card or Token
	Token        *CardToken
	// Cover, when set, is who pays the rental instead of (or with) the
	// driver, as the caller checked it (payer.Cover.Validate): it is
	// stored with the booking in the transaction that creates it, before
	// anything is charged, so the confirmation quotes its split (the
	// reservation page's, Estimator.ReservationSplit) and no process that
	// stops later can lose it.
	Cover *payer.Cover
	// Answer, when set with an IdempotencyKey, renders the request's
	// answer from the booking's Details (Secret included) when Book's own
	// pass confirms it: the answer is stored with the key in the
	// transaction that issues the advance invoice and confirms the booking
	// (invoice.IssueRequest.Answer), and Book returns it as
	// Details.Answered. It runs inside that transaction, possibly more
	// than once (a transaction retried): it must depend on d alone and
	// neither read nor write anything. Every other outcome (pending,
	// declined, resumed, an error) leaves the answer to the caller.
	Answer func(d Details) (idempotency.Response, error)
}

// Details is a booking with everything its answer shows.
type Details struct {
	Reservation Reservation
	Station     tenancy.Station
	Category    fleet.Category
	Customer    customer.Customer
	Quote       pricing.Quote
	VATRateBP   int
	Payments    []payment.Record
	Invoices    []invoice.Summary
	// Split is the booking's expected cost split with its payer, as its
	// reservation page and its confirmation show it (Estimator): the zero
	// CostSplit when the driver pays all (or without an Estimator).
	Split CostSplit
	// Secret is the booking secret, set only in Book's answer: the one
	// time it exists outside its creator (only its hash is stored).
	Secret string
	// Answered is the answer BookRequest.Answer rendered from these
	// Details, stored with the request's Idempotency-Key in the
	// transaction that confirmed the booking: the caller sends exactly it
	// and stores no answer of its own. nil: the caller answers (and
	// stores its answer) itself.
	Answered *idempotency.Response
}

// Pending reports whether the booking waits for a payment outcome.
func (d Details) Pending() bool { return d.Reservation.Status == StatusPendingPayment }

// Payment purposes of a booking.
const (
	PurposeRent    = "rent"
	PurposeDeposit = "deposit"
	PurposeRefund  = "refund"
	PurposeRelease = "deposit_release"
)

// Book runs an online booking in order: validate everything (Validate: one
// KindInvalid error with every invalid field, or KindUnavailable when the
// tenant's setup cannot issue the invoice) before anything is written or
// charged; find or create the customer by
// e-mail, take a free vehicle of the category and record the rent's
// payment pending in one transaction (KindConflict "nothing_free", and
// then neither customer nor payment is written; the rent is checked by
// the payment service before that);
// charge one day's rent storing the card at the gateway, then the deposit
// (charged or pre-authorised per tenant) on the stored card; issue the
// advance invoice, confirm the reservation and queue the confirmation
// e-mail with the invoice PDF in one transaction (which also stores the
// deposit's approved outcome and the idempotent answer).
//
// A declined or failed payment voids/refunds what was approved, marks the
// reservation failed (releasing the vehicle) and returns KindPaymentDecline
// with a customer-friendly message; every attempt stays recorded. When a
// gateway outcome stays unknown after the immediate inquiries, Book returns
// the booking still pending_payment (no error): FinishPending completes or
// fails it once the payment reconciler has found out the outcome. When the
// gateway cannot be reached at all (nothing was sent), Book returns
// KindUnavailable "gateway_unavailable" and the booking stays
// pending_payment for a retry with the same key.
//
// With an IdempotencyKey the booking is bound to the key in the
// transaction that creates it, and Book with a key already bound (a retry
// after the first request's process stopped) resumes that booking from its
// last recorded step instead of booking again (see Resume); only a booking
// that failed before any money could move is booked anew.
func (s *Service) Book(ctx context.Context, req BookRequest) (Details, error) {
	a, _ := identity.ActorFrom(ctx)
	stage := s.stageTimer()
	if req.IdempotencyKey != "" && !req.KeyFirst {
		if d, done, err := s.resumeByKey(ctx, req); done {
			return d, err
		}
	}
	req.Normalize()
	refs, err := s.refs(ctx, req)
	if err != nil {
		return Details{}, err
	}
	tariff, err := Validate(req, refs)
	if errs.Is(err, errs.KindUnavailable) {
		s.d.Log.WarnContext(ctx, "booking refused: the tenant's setup is incomplete (settings)", "err", err)
	}
	if err != nil {
		return Details{}, err
	}
	tn, station, cat := refs.Tenant, refs.Station, refs.Category
	q := pricing.QuoteFor(tariff, req.Pickup, req.Return, station.Location(), tn.Currency)

	cust := req.Customer
	secret := identity.NewBookingSecret()
	r := Reservation{StationID: station.ID, CategoryID: cat.ID, TariffID: tariff.ID,
		Pickup: req.Pickup.UTC(), Return: req.Return.UTC(), Status: StatusPendingPayment, Source: "api",
		APIClientID: a.APIClientID, SecretHash: identity.HashToken(secret), WorkshopRef: req.WorkshopRef, Notes: req.Notes,
		Language: cust.Language, DayPriceCents: q.DayPriceCents, DepositCents: q.DepositCents,
		EstimatedTotalCents: q.RentCents, Currency: q.Currency, IdempotencyKey: req.IdempotencyKey}
	lease := s.d.Now().Add(s.d.Lease).Truncate(time.Microsecond)
	r.LeaseUntil = &lease
	// the rent checked and its pending record built before anything is
	// written; it is recorded with the booking, durably, before it is sent
	rent, err := s.prepareRent(ctx, req, r)
	if err != nil {
		return Details{}, err
	}
	stage(StageValidate)
	if err := s.d.Bookings.CreateReservationPaying(ctx, &cust, &r, &rent.Record, rent.Card, req.Cover); err != nil {
		if e, ok := errs.As(err); ok && e.Code == "idempotency_key_bound" {
			// another process created the key's booking meanwhile
			if d, done, err := s.resumeByKey(ctx, req); done {
				return d, err
			}
		}
		return Details{}, err
	}
	bc := bookingCtx{tn: tn, st: station, cat: cat, cust: cust, r: r, tariff: &tariff, lease: lease, created: true,
		covered: req.Cover != nil, answer: req.Answer, secret: secret, rent: rent}
	defer s.release(ctx, &bc)
	// runs first: a deposit's outcome the issue did not store is stored
	// before the lease is given up
	defer s.settle(ctx, &bc)
	stage(StageCar)
	if err := s.pay(ctx, &bc, req); err != nil {
		return Details{}, err
	}
	stage(StagePayment)
	if err := s.complete(ctx, &bc, false); err != nil {
		return Details{}, err
	}
	stage(StageIssue)
	var d Details
	if bc.answered != nil {
		// the answer is stored with the booking and is what a retry
		// replays: Book's answer is it, with the details it was rendered
		// from (held, nothing read that could fail now)
		d, err = bc.details(), nil
		d.Answered = bc.answered
	} else {
		d, err = s.detailsOf(ctx, bc)
	}
	d.Secret = secret
	stage(StageAnswer)
	return d, err
}

// bookingCtx is the state of one booking while it is processed.
type bookingCtx struct {
	tn   tenancy.Tenant
	st   tenancy.Station
	cat  fleet.Category
	cust customer.Customer
	r    Reservation
	// known while booking, so the answer needs no second read
	tariff *pricing.Tariff  // the reservation's tariff
	recs   []payment.Record // its payments as complete last read them
	// created: the reservation was created by this call (Book), so the
	// invoice issueAdvance issues is its only one, kept in invs
	created bool
	invs    []invoice.Summary
	// covered: created (Book's own pass) with a cover (BookRequest.Cover).
	// A booking created without one has none to split by, and its
	// confirmation reads nothing for it; every other path asks the
	// Estimator (splitOf).
	covered bool
	// split is the confirmation's split once splitOf found it (nil: not
	// asked yet)
	split *CostSplit
	// pageToken opens the customer's booking page (made when the booking
	// is confirmed, in the confirmation's link only)
	pageToken string
	// lease is the lease_until this process holds on the reservation (zero:
	// none); renew moves it before each step that sends money or issues
	// a document, so that a process that lost it stops.
	lease time.Time
	// depositTried is set once this process sent the deposit, so that one
	// pass never sends it twice
	depositTried bool
	// card is the card the rent stored, as this process saved it (the
	// deposit is charged on it without reading it back)
	card *payment.StoredCard
	// fresh are the rent and then the deposit as Book's own pass sent
	// them, each only once its approved outcome was stored or deferred
	// (see freshPayments); nil on every other path
	fresh []payment.Record
	// deferred is the deposit's approved outcome Book's own pass left
	// unstored (payment.Then.Defer): the issue stores it in its own
	// transaction (issueAdvance), and settle stores it on every other
	// path; nil on every other path
	deferred *payment.Deferred
	// answer is BookRequest.Answer and secret the booking secret it
	// shows, in Book's own pass (nil, "" on every other path); answered is
	// the answer stored with the confirmation (see answerOf)
	answer   func(Details) (idempotency.Response, error)
	secret   string
	answered *idempotency.Response
	// rent is the rent Book prepared and recorded with the booking, to be
	// sent by pay (nil once sent, and on every other path: pay records a
	// new attempt itself)
	rent *payment.Prepared
}

// prepareRent checks the rent of the booking r is about to be (one day's
// price on req's card or token) and returns it prepared (see
// payment.Prepared): its order id, the booking number, and its links to
// the booking and the customer are filled in as the booking is created
// with it (Store.CreateReservationPaying); a token is saved as the
// customer's card there.
func (s *Service) prepareRent(ctx context.Context, req BookRequest, r Reservation) (*payment.Prepared, error) {
	amt := payment.Amount{Cents: r.DayPriceCents, Currency: r.Currency}
	links := payment.Links{Purpose: PurposeRent}
	if req.Card != nil {
		return s.d.Payments.PrepareSale(ctx, links, "", amt, *req.Card, nil)
	}
	c := payment.StoredCard{Token: req.Token.Token, Card: payment.CardInfo{Brand: req.Token.Brand, Last4: req.Token.Last4,
		ExpMonth: req.Token.ExpMonth, ExpYear: req.Token.ExpYear}}
	return s.d.Payments.PrepareTokenSale(ctx, links, "", amt, c, nil)
}

// freshPayments returns the booking's payments as Book's own pass recorded
// them, when they are all complete needs to issue: the rent approved and
// the deposit approved (or none due), the deposit's outcome perhaps still
// to be stored with the issue (bookingCtx.deferred). Then complete need
// not read them back: an approved outcome is final in the store
// (resolvePaymentTx never moves a payment off approved, so neither a late
// gateway answer, a webhook event nor the reconciler changes it; a
// deferred one is pending there until the issue stores it, and only the
// reconciler, after payment.Config.StalePending, could resolve it
// meanwhile — with the gateway's same answer, over which the issue's
// update still applies; else the issue is refused and complete reads the
// records back), and no other rent or
// deposit can be recorded for the booking while this process holds its
// lease (a process that takes the lease over starts from the stored
// records; this one's confirmation is then refused for the lease it lost).
// Any other state (a payment open, not sent, declined, or its outcome not
// stored) returns nil, and complete reads the records as on every resumed
// or finished booking.
func (bc *bookingCtx) freshPayments() []payment.Record {
	rent, dep := primaries(bc.fresh)
	if rent == nil || rent.Status != payment.StatusApproved {
		return nil
	}
	if dep == nil && bc.r.DepositCents > 0 || dep != nil && dep.Status != payment.StatusApproved {
		return nil
	}
	return bc.fresh
}

// renew extends the lease this process holds on the booking before a
// step; it returns ErrBookingBusy when another process has taken the
// booking over (this one was too slow), and the step must not run.
func (s *Service) renew(ctx context.Context, bc *bookingCtx) error {
	if bc.lease.IsZero() {
		return nil
	}
	until := s.d.Now().Add(s.d.Lease).Truncate(time.Microsecond)
	if err := s.d.Changes.RenewReservation(ctx, bc.r.ID, bc.lease, until); err != nil {
		return err
	}
	bc.lease = until
	return nil
}

// LeaseRenewal is the guard (payment.Guard) of a payment a process sends
// while it holds a booking's lease: the store moves the booking's
// lease_until from Held to Until in the same step that records the
// payment, and records nothing of the payment when the lease is no longer
// Held (another process took the booking over).
type LeaseRenewal struct {
	ReservationID int64
	Held, Until   time.Time
}

// errLeaseLost is the error of a step that found the booking's lease
// taken over by another process (as ChangeStore.RenewReservation's).
var errLeaseLost = errs.New(errs.KindConflict, "booking_busy")

// Lost is errLeaseLost: KindConflict "booking_busy".
func (LeaseRenewal) Lost() error { return errLeaseLost }

// renewal is the guard of a payment sent under the lease bc holds (nil
// when it holds none), and the lease it moves to.
func (s *Service) renewal(bc *bookingCtx) payment.Guard {
	if bc.lease.IsZero() {
		return nil
	}
	return LeaseRenewal{ReservationID: bc.r.ID, Held: bc.lease, Until: s.d.Now().Add(s.d.Lease).Truncate(time.Microsecond)}
}

// claim takes the lease of the booking for this process.
func (s *Service) claim(ctx context.Context, bc *bookingCtx) error {
	until := s.d.Now().Add(s.d.Lease).Truncate(time.Microsecond)
	if err := s.d.Changes.ClaimReservation(ctx, bc.r.ID, until); err != nil {
		return err
	}
	bc.lease = until
	return nil
}

func (bc *bookingCtx) rental() *payment.Rental {
	return &payment.Rental{AgreementNumber: bc.r.Number, RenterName: bc.cust.Name(), PickupDate: bc.r.Pickup,
		ReturnDate: bc.r.Return, PickupLocation: bc.st.City, ReturnLocation: bc.st.City}
}

// pay charges the rent (storing the card) and the deposit. It returns nil
// when both are approved or one is still unknown, or the deposit could not
// be sent (complete decides), and the payment's error after undoing
// everything when a payment was declined or failed — KindUnavailable
// "gateway_unavailable" when the rent could not be sent at all: nothing was
// charged, nothing stays booked, and a retry with the same key books again.
// The rent's outcome, the lease's renewal and the deposit's pending record
// are stored in one step (payment.Then with LeaseRenewal): when the lease
// was lost meanwhile, nothing of the deposit is recorded or sent and pay
// returns KindConflict "booking_busy". An approved deposit's outcome is
// not stored by itself (payment.Then.Defer): the issue stores it
// (issueAdvance), else settle. The rent Book recorded with the booking
// (bookingCtx.rent) is sent as recorded; on every other path (a resumed
// booking whose rent was never sent) pay records a new attempt.
func (s *Service) pay(ctx context.Context, bc *bookingCtx, req BookRequest) error {
	r := bc.r
	amt := payment.Amount{Cents: r.DayPriceCents, Currency: r.Currency}
	links := payment.Links{ReservationID: r.ID, CustomerID: r.CustomerID, Purpose: PurposeRent, Test: r.Test}
	var next *payment.Then
	if r.DepositCents > 0 {
		next = &payment.Then{Links: payment.Links{ReservationID: r.ID, CustomerID: r.CustomerID, Purpose: PurposeDeposit, Test: r.Test},
			OrderID: r.Number + "-D", Amount: payment.Amount{Cents: r.DepositCents, Currency: r.Currency},
			PreAuth: bc.tn.DepositMode != "charge", Rental: bc.rental(), Guard: s.renewal(bc), Defer: true}
	}
	var ch payment.Chain
	var err error
	if bc.rent != nil { // recorded with the booking
		ch, err = s.d.Payments.SendThen(ctx, bc.rent, bc.rental(), next)
		bc.rent = nil
	} else if req.Card != nil {
		ch, err = s.d.Payments.SaleThen(ctx, links, r.Number, amt, *req.Card, bc.rental(), next)
	} else {
		c := payment.StoredCard{CustomerID: r.CustomerID, Test: r.Test, Token: req.Token.Token, Card: payment.CardInfo{Brand: req.Token.Brand,
			Last4: req.Token.Last4, ExpMonth: req.Token.ExpMonth, ExpYear: req.Token.ExpYear}}
		if err := s.d.Records.SaveCard(ctx, &c); err != nil {
			s.fail(ctx, bc, false)
			return err
		}
		ch, err = s.d.Payments.TokenSaleThen(ctx, links, r.Number, amt, c.ID, bc.rental(), next)
	}
	rent := ch.First
	if ch.Card != nil {
		bc.card = ch.Card
	}
	if err != nil && rent.ID == 0 {
		s.fail(ctx, bc, false)
		return err
	}
	switch rent.Status {
	case payment.StatusApproved:
	case payment.StatusDeclined, payment.StatusFailed:
		s.fail(ctx, bc, false)
		return rent.DeclineError()
	default:
		return nil // unknown: complete/FinishPending decide
	}
	if err == nil { // the approved outcome is stored
		bc.fresh = []payment.Record{rent}
	}
	if next == nil {
		return nil
	}
	if ch.Guarded {
		if g, ok := next.Guard.(LeaseRenewal); ok {
			bc.lease = g.Until
		}
	}
	if ch.Lost {
		return ch.NextErr // another process took the booking over: it goes on
	}
	bc.depositTried = true
	bc.deferred = ch.Deferred
	bc.keepFresh(ch.Next, ch.NextErr)
	return s.depositDone(ctx, bc, ch.Next, ch.NextErr, false)
}

// settle stores the deposit's outcome Book's own pass deferred
// (bookingCtx.deferred) unless the issue stored it: a booking whose
// issue failed, was refused (the lease lost, the status changed) or did
// not come to pass keeps its deposit's outcome as if it had been stored
// right after the gateway's answer (a failure is logged and leaves the
// record pending for the reconciler, as then).
func (s *Service) settle(ctx context.Context, bc *bookingCtx) {
	_ = bc.deferred.Settle(ctx)
}

// takeDeposit charges or pre-authorises the deposit on the stored card
// cardID, under the booking's deposit order id (the same for every
// attempt). It returns as pay does; a deposit that could not be sent
// leaves the booking pending (FinishPending sends it again); a booking it
// fails is e-mailed to the customer with notify (see fail).
func (s *Service) takeDeposit(ctx context.Context, bc *bookingCtx, cardID int64, notify bool) error {
	r := bc.r
	if r.DepositCents <= 0 {
		return nil
	}
	if err := s.renew(ctx, bc); err != nil {
		return err
	}
	dl := payment.Links{ReservationID: r.ID, CustomerID: r.CustomerID, Purpose: PurposeDeposit, Test: r.Test}
	dAmt := payment.Amount{Cents: r.DepositCents, Currency: r.Currency}
	var dep payment.Record
	var err error
	switch {
	case bc.card != nil && bc.card.ID == cardID && bc.tn.DepositMode == "charge":
		dep, err = s.d.Payments.TokenSaleWith(ctx, dl, r.Number+"-D", dAmt, *bc.card, bc.rental())
	case bc.card != nil && bc.card.ID == cardID:
		dep, err = s.d.Payments.TokenPreAuthWith(ctx, dl, r.Number+"-D", dAmt, *bc.card, bc.rental())
	case bc.tn.DepositMode == "charge":
		dep, err = s.d.Payments.TokenSale(ctx, dl, r.Number+"-D", dAmt, cardID, bc.rental())
	default:
		dep, err = s.d.Payments.TokenPreAuth(ctx, dl, r.Number+"-D", dAmt, cardID, bc.rental())
	}
	bc.depositTried = true
	bc.keepFresh(dep, err)
	return s.depositDone(ctx, bc, dep, err, notify)
}

// keepFresh adds the deposit dep to the payments Book's pass recorded
// (bookingCtx.fresh) when its approved outcome was stored (err nil) and
// the rent's is there already.
func (bc *bookingCtx) keepFresh(dep payment.Record, err error) {
	if bc.fresh != nil && err == nil && dep.Status == payment.StatusApproved {
		bc.fresh = append(bc.fresh, dep)
	}
}

// depositDone acts on the deposit's record dep and error err as the
// payment service returned them: a deposit not sent leaves the booking
// pending (nil); one not recorded, declined or failed undoes the booking
// (see undo) and returns its error.
func (s *Service) depositDone(ctx context.Context, bc *bookingCtx, dep payment.Record, err error, notify bool) error {
	switch {
	case dep.ReasonCode == payment.ReasonNotSent:
		return nil // pending: sent again by the finisher (see complete)
	case err != nil && dep.ID == 0:
		s.undo(ctx, bc, notify)
		return err
	}
	switch dep.Status {
	case payment.StatusDeclined, payment.StatusFailed:
		s.undo(ctx, bc, notify)
		return dep.DeclineError()
	}
	return nil
}

// fail marks the booking failed (releasing the vehicle and the lease).
// With notify the customer gets the booking-failed e-mail in the same
// transaction: a booking that fails after its request was answered
// (pending, or the answer lost) is told to the customer this way.
func (s *Service) fail(ctx context.Context, bc *bookingCtx, notify bool) {
	wctx := context.WithoutCancel(ctx)
	t := Transition{ID: bc.r.ID, From: []Status{StatusPendingPayment}, To: StatusFailed, Release: true}
	if notify {
		recs, err := s.d.Records.ListPayments(wctx, payment.RecordFilter{ReservationID: bc.r.ID})
		if err != nil {
			s.d.Log.ErrorContext(ctx, "booking: payments not read for the failure notice", "reservation_id", bc.r.ID, "err", err)
		}
		m := bc.mailCtx()
		m.Reservation.Status = StatusFailed
		msg, err := s.d.Mailer.Failed(m, failureReason(recs).CustomerMessage(bc.cust.Language), moneyMoved(recs))
		if err != nil {
			s.d.Log.ErrorContext(ctx, "booking: failure notice not built", "reservation_id", bc.r.ID, "err", err)
		} else {
			t.Mails = []mail.Queued{{Links: mail.Links{StationID: bc.r.StationID, ReservationID: bc.r.ID, CustomerID: bc.r.CustomerID}, Message: msg}}
		}
	}
	if err := s.d.Changes.TransitionReservation(wctx, t); err != nil {
		s.d.Log.ErrorContext(ctx, "booking: mark failed", "reservation_id", bc.r.ID, "err", err)
		return
	}
	bc.r.Status = StatusFailed
}

// failureReason is why a booking failed: the reason of its declined or
// failed rent or deposit payment, else a generic one.
func failureReason(recs []payment.Record) payment.Reason {
	for _, p := range recs {
		if p.ParentID == 0 && (p.Purpose == PurposeRent || p.Purpose == PurposeDeposit) &&
			(p.Status == payment.StatusDeclined || p.Status == payment.StatusFailed) {
			return payment.Reason{Code: p.ReasonCode, Message: p.Message}
		}
	}
	return payment.Reason{Code: payment.ReasonRejected}
}

// moneyMoved reports whether any payment of the booking was approved (it
// is being given back when the booking failed).
func moneyMoved(recs []payment.Record) bool {
	for _, p := range recs {
		if p.ParentID == 0 && p.Status == payment.StatusApproved {
			return true
		}
	}
	return false
}

// undo voids or refunds every approved payment of a reservation and marks
// it failed (see fail). Payments whose outcome is still open are left to
// the reconciler; the stray-money sweep of FinishPending reverses them
// once they resolve approved.
func (s *Service) undo(ctx context.Context, bc *bookingCtx, notify bool) {
	wctx := context.WithoutCancel(ctx)
	recs, err := s.d.Records.ListPayments(wctx, payment.RecordFilter{ReservationID: bc.r.ID})
	if err != nil {
		s.d.Log.ErrorContext(ctx, "booking: list payments to undo", "reservation_id", bc.r.ID, "err", err)
	}
	s.reverse(wctx, recs)
	s.fail(ctx, bc, notify)
}

// reversal is one void or refund reverse sent: of parent, recorded as rec.
type reversal struct{ parent, rec payment.Record }

// reverse voids/refunds approved primary payments not already reversed (by
// an approved or still open void/refund) and returns what it sent.
func (s *Service) reverse(ctx context.Context, recs []payment.Record) []reversal {
	var out []reversal
	reversed := map[int64]bool{}
	for _, p := range recs {
		if p.ParentID != 0 && (p.Status == payment.StatusApproved || p.Status.Open()) &&
			(p.Operation == payment.OpVoid || p.Operation == payment.OpVoidPreAuth || p.Operation == payment.OpRefund) {
			reversed[p.ParentID] = true
		}
	}
	for _, p := range recs {
		if p.ParentID != 0 || p.Status != payment.StatusApproved || reversed[p.ID] {
			continue
		}
		var err error
		var rec payment.Record
		switch p.Operation {
		case payment.OpPreAuth, payment.OpTokenPreAuth:
			rec, err = s.d.Payments.VoidPreAuth(ctx, p.ID)
		default:
			rec, err = s.d.Payments.Void(ctx, p.ID)
			if err == nil && rec.Status != payment.StatusApproved && !rec.Status.Open() && rec.ReasonCode != payment.ReasonNotSent {
				rec, err = s.d.Payments.Refund(ctx, p.ID, payment.Amount{})
			}
		}
		if err != nil || rec.Status != payment.StatusApproved {
			s.d.Log.ErrorContext(ctx, "booking: reversing a payment did not succeed; the reconciler or staff must finish it",
				"payment_id", p.ID, "status", rec.Status, "err", err)
		}
		if rec.ID != 0 {
			out = append(out, reversal{p, rec})
		}
	}
	return out
}

// complete looks at the reservation's payments: all approved → issue the
// advance invoice, confirm and queue the confirmation; one declined/failed
// → undo and fail (with notify, e-mailing the customer); one still open →
// leave pending. A deposit not taken yet (the process stopped between rent
// and deposit) is taken now; one that could not be sent (the gateway out of
// reach) is sent again by the finisher (notify), at most MaxDepositNotSent
// times before the booking fails.
//
// In Book's own pass, with both payments approved as it recorded them
// (bookingCtx.freshPayments), the records are not read back, unless the
// issue was refused because the deposit's deferred outcome met another
// one stored meanwhile (KindConflict "payment_resolved"): then they are,
// and complete decides on what is stored.
func (s *Service) complete(ctx context.Context, bc *bookingCtx, notify bool) error {
	recs := bc.freshPayments()
	if recs == nil {
		s.settle(ctx, bc) // an outcome the issue would have stored is read back stored
		var err error
		if recs, err = s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: bc.r.ID}); err != nil {
			return err
		}
	}
	bc.recs = recs
	rent, dep := primaries(recs)
	if rent == nil {
		return errors.New("booking without rent payment")
	}
	if dep != nil && rent.Status == payment.StatusApproved && dep.Status == payment.StatusFailed &&
		dep.ReasonCode == payment.ReasonNotSent && notSentDeposits(recs) < MaxDepositNotSent {
		if !notify || bc.depositTried {
			return nil // pending: the finisher sends it again
		}
		bc.recs = nil
		if err := s.takeDeposit(ctx, bc, rent.CardID, notify); err != nil {
			return err
		}
		return s.complete(ctx, bc, notify)
	}
	for _, p := range []*payment.Record{rent, dep} {
		if p == nil {
			continue
		}
		if p.Status == payment.StatusDeclined || p.Status == payment.StatusFailed {
			bc.recs = nil
			s.undo(ctx, bc, notify)
			return p.DeclineError()
		}
	}
	if rent.Status.Open() || (dep != nil && dep.Status.Open()) {
		return nil
	}
	if dep == nil && bc.r.DepositCents > 0 {
		if rent.CardID == 0 {
			s.undo(ctx, bc, notify)
			return errs.New(errs.KindPaymentDecline, "deposit_card_not_stored")
		}
		bc.recs = nil
		if err := s.takeDeposit(ctx, bc, rent.CardID, notify); err != nil {
			return err
		}
		return s.complete(ctx, bc, notify)
	}
	err := s.issueAdvance(ctx, bc, *rent, dep)
	if e, ok := errs.As(err); ok && e.Code == "payment_resolved" && bc.deferred != nil {
		// the deferred deposit was resolved differently meanwhile (the
		// store keeps that outcome, so there is nothing to settle): as
		// when its outcome could not be stored, the records are read back
		bc.deferred, bc.fresh = nil, nil
		return s.complete(ctx, bc, notify)
	}
	return err
}

// MaxDepositNotSent is how often a deposit that could not be sent (the
// gateway out of reach) is sent again before its booking fails.
const MaxDepositNotSent = 5

// notSentDeposits counts the deposit attempts that could not be sent.
func notSentDeposits(recs []payment.Record) int {
	n := 0
	for _, p := range recs {
		if p.ParentID == 0 && p.Purpose == PurposeDeposit && p.Status == payment.StatusFailed && p.ReasonCode == payment.ReasonNotSent {
			n++
		}
	}
	return n
}

// primaries returns the newest rent and deposit payment (not a capture,
// void or refund) of a booking, or nil.
func primaries(recs []payment.Record) (rent, dep *payment.Record) {
	for i := range recs {
		p := &recs[i]
		if p.ParentID != 0 {
			continue
		}
		switch p.Purpose {
		case PurposeRent:
			rent = p
		case PurposeDeposit:
			dep = p
		}
	}
	return rent, dep
}

// issueAdvance issues the advance invoice for the charged rent, confirms
// the reservation and queues the confirmation, in one transaction, which
// also stores the deposit's outcome Book's own pass deferred
// (invoice.IssueRequest.Payments). The confirmation quotes the rent paid,
// the deposit and, when a payer covers a part, the split (splitOf: the
// reservation page's); an Estimator's error issues nothing (the booking
// stays pending: a retry or the finisher completes it).
func (s *Service) issueAdvance(ctx context.Context, bc *bookingCtx, rent payment.Record, dep *payment.Record) error {
	depCents := int64(0)
	if dep != nil {
		depCents = dep.Amount.Cents
	}
	paid := rent.Amount.Cents
	// the split the reservation page shows, found before the transaction
	// (the booking's cover was stored with it)
	sp, err := s.splitOf(ctx, bc)
	if err != nil {
		return err
	}
	q := ConfirmQuote{EstimateCents: bc.r.EstimatedTotalCents, DepositCents: depCents, Online: true, PaidCents: paid}.with(sp)
	inv := s.invoiceFor(bc, invoice.KindAdvance, []invoice.Line{rentLine(bc, paid)}, nil)
	inv.Payment = cardPaid(rent)
	iss := &invoice.Issued{StationID: bc.r.StationID, ReservationID: bc.r.ID, CustomerID: bc.r.CustomerID,
		Language: bc.cust.Language, Invoice: inv}
	req := s.issue(ctx, bc, iss, func(m MailContext, inv invoice.Issued, pdf []byte) ([]invoiceMail, error) {
		msg, err := s.d.Mailer.Confirmation(m, inv, pdf, q)
		return []invoiceMail{{msg}}, err
	})
	req.ConfirmReservation = bc.r.ID
	// issued only while this process still holds the booking's lease,
	// checked in the issue's own transaction (no renewal first)
	req.ConfirmLease = bc.lease
	bc.pageToken = identity.NewToken()
	req.ConfirmPageTokenHash = identity.HashToken(bc.pageToken)
	req.Answer = bc.answerOf()
	if !bc.deferred.Done() {
		req.Payments = []payment.Record{bc.deferred.Record()}
	}
	if err = s.d.Invoices.IssueInvoice(ctx, req); err != nil {
		bc.answered = nil // rolled back with the issue (the outcome too: settle stores it)
		return err
	}
	if bc.deferred != nil {
		bc.deferred.Stored()
	}
	bc.r.Status = StatusConfirmed
	if bc.created {
		bc.invs = []invoice.Summary{iss.Summary()}
	}
	return nil
}

// answerOf returns the answer of Book's own pass to store with its advance
// invoice (invoice.IssueRequest.Answer): the booking as that invoice
// confirms it, from what bc holds (details), rendered by
// BookRequest.Answer; each rendering is kept in bc.answered (issueAdvance
// keeps it only when the issue committed). nil — the caller stores its
// answer itself — without BookRequest.Answer or an Idempotency-Key, and
// when the details would need a read (bc without its tariff or payments).
func (bc *bookingCtx) answerOf() *invoice.Answer {
	if bc.answer == nil || !bc.created || bc.r.IdempotencyKey == "" || bc.recs == nil ||
		bc.tariff == nil || bc.tariff.ID != bc.r.TariffID {
		return nil
	}
	return &invoice.Answer{Key: bc.r.IdempotencyKey, Render: func(iss invoice.Issued) (idempotency.Response, error) {
		c := *bc
		c.r.Status = StatusConfirmed
		c.invs = []invoice.Summary{iss.Summary()}
		d := c.details()
		d.Secret = bc.secret
		res, err := bc.answer(d)
		if err != nil {
			return res, err
		}
		bc.answered = &res
		return res, nil
	}}
}

// FinishPending completes or fails bookings left pending_payment for at
// least olderThan and not leased by a process working on them (an unknown
// gateway outcome the reconciler has since resolved, or a process that
// stopped mid-booking); a booking it fails gets the failure e-mail. It then
// reverses money that reached failed bookings late (ReverseStrayMoney) and
// finishes cancellations a stopped process left half done
// (FinishCancellations). It needs the all-tenants system actor in ctx and
// returns how many bookings it settled.
// Each booking is one job item (job.Runner.Item): one that fails or
// crashes is logged, marked for staff and left alone for a back-off, and
// the others go on.
func (s *Service) FinishPending(ctx context.Context, olderThan time.Duration, limit int) (int, error) {
	rs, err := s.d.Changes.PendingReservations(ctx, s.d.Now().Add(-olderThan), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		tctx := identity.WithActor(ctx, identity.SystemFor(r.TenantID))
		_ = s.jobs().Item(tctx, JobFinishPending, job.Subject{Kind: job.KindReservation, ID: r.ID, TenantID: r.TenantID}, func() error {
			settled, err := s.finishOne(tctx, r)
			if settled {
				n++
			}
			return err
		})
	}
	if _, err := s.ReverseStrayMoney(ctx, limit); err != nil {
		s.d.Log.ErrorContext(ctx, "booking: reverse stray money", "err", err)
	}
	if _, err := s.FinishCancellations(ctx, olderThan, limit); err != nil {
		s.d.Log.ErrorContext(ctx, "booking: finish cancellations", "err", err)
	}
	return n, nil
}

// finishOne settles one pending booking under its lease; it reports
// whether the booking left pending_payment.
func (s *Service) finishOne(ctx context.Context, r Reservation) (bool, error) {
	bc, err := s.load(ctx, r)
	if err != nil {
		return false, err
	}
	if err := s.claim(ctx, &bc); err != nil {
		return false, nil // a process works on it (or it is gone)
	}
	defer s.release(ctx, &bc)
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: r.ID})
	if err != nil {
		return false, err
	}
	if rent, _ := primaries(recs); rent == nil {
		s.fail(ctx, &bc, true) // stopped before any payment was sent
	} else if err := s.complete(ctx, &bc, true); err != nil && !errs.Is(err, errs.KindPaymentDecline) {
		return false, err
	}
	if bc.r.Status == StatusPendingPayment {
		return false, nil
	}
	s.d.Log.InfoContext(ctx, "pending booking settled", "reservation_id", r.ID, "status", bc.r.Status)
	return true, nil
}

// release gives up the booking's lease when this process still holds it
// and the booking is still pending (a confirmation or failure releases it
// with its own transaction).
func (s *Service) release(ctx context.Context, bc *bookingCtx) {
	if bc.r.Status != StatusPendingPayment || bc.lease.IsZero() {
		return
	}
	err := s.d.Changes.RenewReservation(context.WithoutCancel(ctx), bc.r.ID, bc.lease, time.Time{})
	if err != nil && !errs.Is(err, errs.KindConflict) {
		s.d.Log.ErrorContext(ctx, "booking: release lease", "reservation_id", bc.r.ID, "err", err)
	}
	bc.lease = time.Time{}
}

// Run settles bookings left pending and not leased (FinishPending, once
// they are two intervals old, which also returns money that reached failed
// bookings late and finishes cancellations a stopped process left half
// done) and retries failed refunds (RetryRefunds), at once and then every
// interval until ctx ends. ctx carries the all-tenants system actor. A
// failing or crashing booking is marked for staff and the job goes on.
func (s *Service) Run(ctx context.Context, interval time.Duration) {
	job.Every(ctx, s.d.Log, "booking", 0, interval, func(ctx context.Context) error {
		_, err1 := s.FinishPending(ctx, 2*interval, 100)
		_, err2 := s.RetryRefunds(ctx, 100)
		return errors.Join(err1, err2)
	})
}

// jobs is the runner of the service's job items.
func (s *Service) jobs() *job.Runner {
	if s.d.Jobs != nil {
		return s.d.Jobs
	}
	return &job.Runner{Log: s.d.Log, Now: s.d.Now}
}
