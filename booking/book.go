package booking

import (
	"context"
	"errors"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
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
	Customer     customer.Customer
	StationCode  string
	CategoryCode string
	Pickup       time.Time
	Return       time.Time
	WorkshopRef  string
	Notes        string
	Card         *payment.Card // either Card or Token
	Token        *CardToken
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
	// Secret is the booking secret, set only in Book's answer: the one
	// time it exists outside its creator (only its hash is stored).
	Secret string
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
// e-mail and take a free vehicle of the category in one transaction
// (KindConflict "nothing_free", and then the customer is not written
// either);
// charge one day's rent storing the card at the gateway, then the deposit
// (charged or pre-authorised per tenant) on the stored card; issue the
// advance invoice, confirm the reservation and queue the confirmation
// e-mail with the invoice PDF in one transaction.
//
// A declined or failed payment voids/refunds what was approved, marks the
// reservation failed (releasing the vehicle) and returns KindPaymentDecline
// with a customer-friendly message; every attempt stays recorded. When a
// gateway outcome stays unknown after the immediate inquiries, Book returns
// the booking still pending_payment (no error): FinishPending completes or
// fails it once the payment reconciler has found out the outcome.
func (s *Service) Book(ctx context.Context, req BookRequest) (Details, error) {
	a, _ := identity.ActorFrom(ctx)
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
		EstimatedTotalCents: q.RentCents, Currency: q.Currency}
	if err := s.d.Bookings.CreateReservationFor(ctx, &cust, &r); err != nil {
		return Details{}, err
	}
	bc := bookingCtx{tn: tn, st: station, cat: cat, cust: cust, r: r, tariff: &tariff}
	if err := s.pay(ctx, &bc, req); err != nil {
		return Details{}, err
	}
	if err := s.complete(ctx, &bc); err != nil {
		return Details{}, err
	}
	d, err := s.detailsOf(ctx, bc)
	d.Secret = secret
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
	// pageToken opens the customer's booking page (made when the booking
	// is confirmed, in the confirmation's link only)
	pageToken string
}

func (bc *bookingCtx) rental() *payment.Rental {
	return &payment.Rental{AgreementNumber: bc.r.Number, RenterName: bc.cust.Name(), PickupDate: bc.r.Pickup,
		ReturnDate: bc.r.Return, PickupLocation: bc.st.City, ReturnLocation: bc.st.City}
}

// pay charges the rent (storing the card) and the deposit. It returns nil
// when both are approved or one is still unknown (complete decides), and
// KindPaymentDecline after undoing everything when a payment failed.
func (s *Service) pay(ctx context.Context, bc *bookingCtx, req BookRequest) error {
	r := bc.r
	amt := payment.Amount{Cents: r.DayPriceCents, Currency: r.Currency}
	links := payment.Links{ReservationID: r.ID, CustomerID: r.CustomerID, Purpose: PurposeRent, Test: r.Test}
	var rent payment.Record
	var cardID int64
	var err error
	if req.Card != nil {
		var sc *payment.StoredCard
		rent, sc, err = s.d.Payments.Sale(ctx, links, r.Number, amt, *req.Card, true, bc.rental())
		if sc != nil {
			cardID = sc.ID
		}
	} else {
		c := payment.StoredCard{CustomerID: r.CustomerID, Test: r.Test, Token: req.Token.Token, Card: payment.CardInfo{Brand: req.Token.Brand,
			Last4: req.Token.Last4, ExpMonth: req.Token.ExpMonth, ExpYear: req.Token.ExpYear}}
		if err := s.d.Records.SaveCard(ctx, &c); err != nil {
			s.failReservation(ctx, r.ID)
			return err
		}
		cardID = c.ID
		rent, err = s.d.Payments.TokenSale(ctx, links, r.Number, amt, cardID, bc.rental())
	}
	if err != nil && rent.ID == 0 {
		s.failReservation(ctx, r.ID)
		return err
	}
	switch rent.Status {
	case payment.StatusApproved:
	case payment.StatusDeclined, payment.StatusFailed:
		s.failReservation(ctx, r.ID)
		return rent.DeclineError()
	default:
		return nil // unknown: complete/FinishPending decide
	}
	if r.DepositCents <= 0 {
		return nil
	}
	if cardID == 0 {
		cardID = rent.CardID
	}
	dl := payment.Links{ReservationID: r.ID, CustomerID: r.CustomerID, Purpose: PurposeDeposit, Test: r.Test}
	dAmt := payment.Amount{Cents: r.DepositCents, Currency: r.Currency}
	var dep payment.Record
	if bc.tn.DepositMode == "charge" {
		dep, err = s.d.Payments.TokenSale(ctx, dl, r.Number+"-D", dAmt, cardID, bc.rental())
	} else {
		dep, err = s.d.Payments.TokenPreAuth(ctx, dl, r.Number+"-D", dAmt, cardID, bc.rental())
	}
	if err != nil && dep.ID == 0 {
		s.undo(ctx, r.ID)
		return err
	}
	switch dep.Status {
	case payment.StatusDeclined, payment.StatusFailed:
		s.undo(ctx, r.ID)
		return dep.DeclineError()
	}
	return nil
}

func (s *Service) failReservation(ctx context.Context, id int64) {
	wctx := context.WithoutCancel(ctx)
	if err := s.d.Bookings.SetReservationStatus(wctx, id, []Status{StatusPendingPayment}, StatusFailed); err != nil {
		s.d.Log.ErrorContext(ctx, "booking: mark failed", "reservation_id", id, "err", err)
	}
}

// undo voids or refunds every approved payment of a reservation and marks
// it failed. Payments whose outcome is still open are left to the
// reconciler; FinishPending undoes them once they resolve.
func (s *Service) undo(ctx context.Context, id int64) {
	wctx := context.WithoutCancel(ctx)
	recs, err := s.d.Records.ListPayments(wctx, payment.RecordFilter{ReservationID: id})
	if err != nil {
		s.d.Log.ErrorContext(ctx, "booking: list payments to undo", "reservation_id", id, "err", err)
	}
	s.reverse(wctx, recs)
	s.failReservation(ctx, id)
}

// reverse voids/refunds approved primary payments not already reversed.
func (s *Service) reverse(ctx context.Context, recs []payment.Record) {
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
			if err == nil && rec.Status != payment.StatusApproved && !rec.Status.Open() {
				rec, err = s.d.Payments.Refund(ctx, p.ID, payment.Amount{})
			}
		}
		if err != nil || rec.Status != payment.StatusApproved {
			s.d.Log.ErrorContext(ctx, "booking: reversing a payment did not succeed; the reconciler or staff must finish it",
				"payment_id", p.ID, "status", rec.Status, "err", err)
		}
	}
}

// complete looks at the reservation's payments: all approved → issue the
// advance invoice, confirm and queue the confirmation; one declined/failed
// → undo and fail; one still open → leave pending.
func (s *Service) complete(ctx context.Context, bc *bookingCtx) error {
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: bc.r.ID})
	if err != nil {
		return err
	}
	bc.recs = recs
	var rent, dep *payment.Record
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
	if rent == nil {
		return errors.New("booking without rent payment")
	}
	for _, p := range []*payment.Record{rent, dep} {
		if p == nil {
			continue
		}
		if p.Status == payment.StatusDeclined || p.Status == payment.StatusFailed {
			bc.recs = nil
			s.undo(ctx, bc.r.ID)
			bc.r.Status = StatusFailed
			return p.DeclineError()
		}
	}
	if rent.Status.Open() || (dep != nil && dep.Status.Open()) {
		return nil
	}
	if dep == nil && bc.r.DepositCents > 0 {
		// the process stopped between rent and deposit: take it now
		cardID := rent.CardID
		if cardID == 0 {
			s.undo(ctx, bc.r.ID)
			return errs.New(errs.KindPaymentDecline, "deposit_card_not_stored")
		}
		dl := payment.Links{ReservationID: bc.r.ID, CustomerID: bc.r.CustomerID, Purpose: PurposeDeposit, Test: bc.r.Test}
		amt := payment.Amount{Cents: bc.r.DepositCents, Currency: bc.r.Currency}
		bc.recs = nil
		if bc.tn.DepositMode == "charge" {
			_, err = s.d.Payments.TokenSale(ctx, dl, bc.r.Number+"-D", amt, cardID, bc.rental())
		} else {
			_, err = s.d.Payments.TokenPreAuth(ctx, dl, bc.r.Number+"-D", amt, cardID, bc.rental())
		}
		if err != nil {
			return err
		}
		return s.complete(ctx, bc)
	}
	return s.issueAdvance(ctx, bc, *rent, dep)
}

// issueAdvance issues the advance invoice for the charged rent, confirms
// the reservation and queues the confirmation, in one transaction.
func (s *Service) issueAdvance(ctx context.Context, bc *bookingCtx, rent payment.Record, dep *payment.Record) error {
	depCents := int64(0)
	if dep != nil {
		depCents = dep.Amount.Cents
	}
	paid := rent.Amount.Cents
	inv := s.invoiceFor(bc, invoice.KindAdvance, []invoice.Line{rentLine(bc, paid)}, nil)
	inv.Payment = cardPaid(rent)
	iss := &invoice.Issued{StationID: bc.r.StationID, ReservationID: bc.r.ID, CustomerID: bc.r.CustomerID,
		Language: bc.cust.Language, Invoice: inv}
	req := s.issue(ctx, bc, iss, func(m MailContext, inv invoice.Issued, pdf []byte) ([]invoiceMail, error) {
		msg, err := s.d.Mailer.Confirmation(m, inv, pdf, paid, depCents)
		return []invoiceMail{{msg}}, err
	})
	req.ConfirmReservation = bc.r.ID
	bc.pageToken = identity.NewToken()
	req.ConfirmPageTokenHash = identity.HashToken(bc.pageToken)
	err := s.d.Invoices.IssueInvoice(ctx, req)
	if err != nil {
		return err
	}
	bc.r.Status = StatusConfirmed
	return nil
}

// FinishPending completes or fails bookings left pending_payment for at
// least olderThan (an unknown gateway outcome the reconciler has since
// resolved, or a process that stopped mid-booking). It needs the
// all-tenants system actor in ctx and returns how many bookings it settled.
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
	return n, nil
}

// finishOne completes or fails one pending booking and reports whether it
// is settled.
func (s *Service) finishOne(ctx context.Context, r Reservation) (bool, error) {
	bc, err := s.load(ctx, r)
	if err != nil {
		return false, err
	}
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: r.ID})
	if err != nil {
		return false, err
	}
	if len(recs) == 0 {
		s.failReservation(ctx, r.ID) // stopped before any payment was sent
		return true, nil
	}
	err = s.complete(ctx, &bc)
	if err != nil && !errs.Is(err, errs.KindPaymentDecline) {
		return false, err
	}
	if bc.r.Status != StatusPendingPayment {
		s.d.Log.InfoContext(ctx, "pending booking settled", "reservation_id", r.ID, "status", bc.r.Status)
		return true, nil
	}
	return false, nil
}

// RunInterval is how often Run settles pending bookings and retries failed
// refunds.
const RunInterval = 15 * time.Second

// Run settles bookings left pending (FinishPending, once they are 30 s
// old) and retries failed refunds (RetryRefunds), at once and then every
// RunInterval until ctx ends. ctx carries the all-tenants system actor. A
// failing or crashing booking is marked for staff and the job goes on.
func (s *Service) Run(ctx context.Context) {
	job.Every(ctx, s.d.Log, "booking", 0, RunInterval, func(ctx context.Context) error {
		_, err1 := s.FinishPending(ctx, 30*time.Second, 100)
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
