package booking

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/payment"
	"mietwerk.dev/mietwerk/pricing"
)

// ready checks the setup a booking's documents need (Ready) before money
// moves, and logs for staff what is missing.
func (s *Service) ready(ctx context.Context, bc bookingCtx) error {
	err := Ready(bc.tn, bc.st)
	if err != nil {
		s.d.Log.WarnContext(ctx, "booking refused: the tenant's setup is incomplete (settings)", "booking", bc.r.Number, "err", err)
	}
	return err
}

// byNumber reads the reservation with a booking number; a number that
// cannot be one (too long, or with a control character, which PostgreSQL
// could not even compare) is not found without asking. Errors:
// KindNotFound.
func (s *Service) byNumber(ctx context.Context, number string) (Reservation, error) {
	if len(number) > 40 || errs.BadText(number, false) {
		return Reservation{}, errs.NotFound("booking_not_found")
	}
	return s.d.Bookings.ReservationByNumber(ctx, number)
}

// Get returns a booking by its number. Errors: KindNotFound.
func (s *Service) Get(ctx context.Context, number string) (Details, error) {
	r, err := s.byNumber(ctx, number)
	if err != nil {
		return Details{}, err
	}
	bc, err := s.load(ctx, r)
	if err != nil {
		return Details{}, err
	}
	return s.detailsOf(ctx, bc)
}

// ErrBookingSecret is the answer for a booking secret that does not open
// the booking named (or for a booking that does not exist: the answer does
// not tell which).
var ErrBookingSecret = errs.New(errs.KindForbidden, "booking_secret_invalid")

// CheckSecret reports whether secret is the booking secret of the booking
// with number. Errors: ErrBookingSecret (KindForbidden), also for an
// unknown number or a booking without a secret.
func (s *Service) CheckSecret(ctx context.Context, number, secret string) error {
	r, err := s.byNumber(ctx, number)
	if errs.Is(err, errs.KindNotFound) {
		return ErrBookingSecret
	}
	if err != nil {
		return err
	}
	want := []byte(r.SecretHash)
	got := []byte(identity.HashToken(secret))
	if r.SecretHash == "" || subtle.ConstantTimeCompare(want, got) != 1 {
		return ErrBookingSecret
	}
	return nil
}

// ChangeRequest changes a booking before pickup; nil parts stay as they are.
type ChangeRequest struct {
	Pickup   *time.Time
	Return   *time.Time
	Customer *customer.Customer // non-empty fields replace the stored ones; the e-mail cannot change

	// Invalid are field errors the caller found reading the request (a value
	// of the wrong type, a malformed time): they are answered together with
	// the service's own, and then nothing is done.
	Invalid errs.Fields
}

// changeable loads a booking that may still be changed or cancelled.
func (s *Service) changeable(ctx context.Context, number string) (bookingCtx, error) {
	r, err := s.byNumber(ctx, number)
	if err != nil {
		return bookingCtx{}, err
	}
	switch {
	case r.Status == StatusPendingPayment:
		return bookingCtx{}, errs.Conflict("booking_pending")
	case r.Status != StatusConfirmed:
		return bookingCtx{}, errs.Conflict("booking_status", locale.Params{"status": locale.Key("booking.status." + string(r.Status))})
	case !r.Pickup.After(s.d.Now()):
		return bookingCtx{}, errs.Conflict("booking_started")
	}
	return s.load(ctx, r)
}

// paidRent sums what the rent payments of a booking moved: approved
// charges minus approved refunds (deposits apart). It returns the first
// rent charge too (for refunds) and the stored card.
func paidRent(recs []payment.Record) (net int64, charges []payment.Record, cardID int64) {
	byID := map[int64]payment.Record{}
	for _, p := range recs {
		byID[p.ID] = p
	}
	for _, p := range recs {
		if p.Status != payment.StatusApproved {
			continue
		}
		switch {
		case p.ParentID == 0 && p.Purpose == PurposeRent:
			net += p.Amount.Cents
			charges = append(charges, p)
			if cardID == 0 {
				cardID = p.CardID
			}
		case p.Operation == payment.OpRefund && byID[p.ParentID].Purpose == PurposeRent:
			net -= p.Amount.Cents
		case p.Operation == payment.OpVoid && byID[p.ParentID].Purpose == PurposeRent:
			net -= byID[p.ParentID].Amount.Cents
		}
	}
	return net, charges, cardID
}

// Change changes the period and/or the customer data of a confirmed booking
// before pickup: the new period is checked (opening hours, notice, length)
// and a vehicle taken for it atomically (KindConflict "nothing_free" when
// none is free; nothing changes then); the booking is re-quoted, and when
// one day's rent under the new quote differs from what was charged, the
// difference is charged to the stored card with a further advance invoice
// or refunded with a credit note. A declined charge puts the old period
// back and returns KindPaymentDecline. A booking on which no rent was
// charged by card (taken at the counter, paid on site) is re-priced only:
// there is no card to charge or refund, its money is settled at the counter.
// The customer is sent the change e-mail — unless the booking is a start,
// whose driver is told at the counter (Reservation.Mailed).
func (s *Service) Change(ctx context.Context, number string, ch ChangeRequest) (Details, error) {
	bc, err := s.changeable(ctx, number)
	if err != nil {
		return Details{}, err
	}
	now := s.d.Now()
	f := append(errs.Fields{}, ch.Invalid...)
	var cust customer.Customer
	if ch.Customer != nil {
		in := *ch.Customer
		if in.Email != "" && !strings.EqualFold(strings.TrimSpace(in.Email), bc.cust.Email) {
			f.Add("customer.email", "booking.email_fixed")
		}
		cust = bc.cust
		cust.Merge(in)
		cust.Normalize()
		if e, ok := errs.As(cust.Validate("customer.", now)); ok {
			f = append(f, e.Fields...)
		}
	}
	pickup, ret := bc.r.Pickup, bc.r.Return
	if ch.Pickup != nil {
		pickup = ch.Pickup.UTC()
	}
	if ch.Return != nil {
		ret = ch.Return.UTC()
	}
	periodChanged := !pickup.Equal(bc.r.Pickup) || !ret.Equal(bc.r.Return)
	var q pricing.Quote
	var tariff pricing.Tariff
	if periodChanged {
		for _, p := range CheckPeriod(bc.tn, bc.st, pickup, ret, now) {
			f.Add(p.Field, p.Key, p.Params)
		}
		tariffs, err := s.d.Tariffs.ListTariffs(ctx)
		if err != nil {
			return Details{}, err
		}
		var ok bool
		tariff, ok = pricing.Best(tariffs, bc.r.CategoryID, pickup.In(bc.st.Location()).Format("2006-01-02"), bc.r.WorkshopRef != "")
		if !ok {
			f.Add("pickup", "booking.no_tariff_new")
		}
		q = pricing.QuoteFor(tariff, pickup, ret, bc.st.Location(), bc.r.Currency)
	}
	if err := f.Err(); err != nil {
		return Details{}, err
	}
	if periodChanged { // the difference is charged or refunded with a document
		if err := s.ready(ctx, bc); err != nil {
			return Details{}, err
		}
	}
	if ch.Customer != nil {
		in := *ch.Customer
		in.Tidy()
		if bc.cust, err = s.d.Changes.ChangeBookingCustomer(ctx, bc.r.ID, in); err != nil {
			return Details{}, err
		}
	}
	if !periodChanged {
		return s.detailsOf(ctx, bc)
	}
	old := bc.r
	r, err := s.d.Changes.ChangeReservation(ctx, Change{ReservationID: bc.r.ID, Pickup: pickup, Return: ret,
		TariffID: tariff.ID, DayPriceCents: q.DayPriceCents, EstimatedTotalCents: q.RentCents})
	if err != nil {
		return Details{}, err
	}
	bc.r = r
	change := s.d.Mailer.Change
	if !bc.r.Mailed() { // a start: its driver is told at the counter (Mailed)
		change = nil
	}
	if err := s.settleDifference(ctx, &bc, q.ChargeNowCents, change); err != nil {
		if errs.Is(err, errs.KindPaymentDecline) {
			if _, rerr := s.d.Changes.ChangeReservation(context.WithoutCancel(ctx), Change{ReservationID: old.ID, Pickup: old.Pickup,
				Return: old.Return, TariffID: old.TariffID, DayPriceCents: old.DayPriceCents, EstimatedTotalCents: old.EstimatedTotalCents}); rerr != nil {
				s.d.Log.ErrorContext(ctx, "booking change: restoring the old period failed", "reservation_id", old.ID, "err", rerr)
			}
		}
		return Details{}, err
	}
	return s.detailsOf(ctx, bc)
}

// settleDifference charges or refunds the difference between one day's
// rent under the new quote and the rent charged so far, and queues the
// message extra builds (the change e-mail; nil: none) with the invoice or credit note
// in its transaction, or on its own when nothing is owed either way. A
// booking without a card charge (taken at the counter, paid on site) is
// re-priced only: its money is settled at the counter.
func (s *Service) settleDifference(ctx context.Context, bc *bookingCtx, due int64, extra func(m MailContext) (mail.Message, error)) error {
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: bc.r.ID})
	if err != nil {
		return err
	}
	paid, charges, cardID := paidRent(recs)
	if len(charges) == 0 {
		return s.queue(ctx, bc, extra)
	}
	diff := due - paid
	switch {
	case diff == 0:
		return s.queue(ctx, bc, extra)
	case diff > 0:
		rec, err := s.d.Payments.TokenSale(ctx, payment.Links{ReservationID: bc.r.ID, CustomerID: bc.r.CustomerID, Purpose: PurposeRent, Test: bc.r.Test},
			fmt.Sprintf("%s-C%d", bc.r.Number, len(recs)+1), payment.Amount{Cents: diff, Currency: bc.r.Currency}, cardID, bc.rental())
		if err != nil && rec.ID == 0 {
			return err
		}
		if rec.Status != payment.StatusApproved && !rec.Status.Open() {
			return rec.DeclineError()
		}
		inv := s.invoiceFor(bc, invoice.KindAdvance, []invoice.Line{amountLine(bc, "invoice.line.change_advance", diff)}, nil)
		inv.Payment = cardPaid(rec)
		iss := &invoice.Issued{StationID: bc.r.StationID, ReservationID: bc.r.ID, CustomerID: bc.r.CustomerID, Language: bc.cust.Language,
			Invoice: inv}
		return s.d.Invoices.IssueInvoice(ctx, s.issue(ctx, bc, iss, func(m MailContext, inv invoice.Issued, pdf []byte) ([]invoiceMail, error) {
			msg, err := s.d.Mailer.Invoice(m, inv, pdf)
			if err != nil {
				return nil, err
			}
			if extra == nil {
				return []invoiceMail{{msg}}, nil
			}
			x, err := extra(m)
			return []invoiceMail{{msg}, {x}}, err
		}))
	default:
		return s.refundRent(ctx, bc, charges, -diff, "invoice.line.change_credit", "", extra)
	}
}

// refundRent refunds amount from the rent charges (newest first) and issues
// a credit note correcting the first advance invoice, queuing extra mails.
func (s *Service) refundRent(ctx context.Context, bc *bookingCtx, charges []payment.Record, amount int64, what locale.Key, note string,
	extra func(m MailContext) (mail.Message, error)) error {
	left := amount
	for i := len(charges) - 1; i >= 0 && left > 0; i-- {
		amt := min(left, charges[i].Amount.Cents)
		rec, err := s.d.Payments.Refund(ctx, charges[i].ID, payment.Amount{Cents: amt, Currency: charges[i].Amount.Currency})
		if err != nil && rec.ID == 0 {
			return err
		}
		if rec.Status != payment.StatusApproved && !rec.Status.Open() {
			return errs.Wrap(errs.KindUnavailable, "refund_unavailable",
				fmt.Errorf("refund of payment %d: %s %s", charges[i].ID, rec.Status, rec.ReasonCode))
		}
		left -= amt
	}
	return s.creditNote(ctx, bc, charges, amount, what, note, extra)
}

// creditNote issues a credit note over amount correcting the booking's
// first advance invoice, with its e-mail and the extra one, in one
// transaction.
func (s *Service) creditNote(ctx context.Context, bc *bookingCtx, charges []payment.Record, amount int64, what locale.Key, note string,
	extra func(m MailContext) (mail.Message, error)) error {
	invs, err := s.d.Issued.ListInvoices(ctx, invoice.Filter{ReservationID: bc.r.ID})
	if err != nil {
		return err
	}
	var corrects *invoice.Reference
	var correctsID int64
	for _, x := range invs {
		if x.Kind == invoice.KindAdvance {
			corrects, correctsID = &invoice.Reference{Number: x.Number, IssueDate: x.IssuedAt}, x.ID
			break
		}
	}
	if corrects == nil {
		return errors.New("no advance invoice to correct")
	}
	inv := s.invoiceFor(bc, invoice.KindCreditNote, []invoice.Line{amountLine(bc, what, amount)}, corrects)
	if note != "" {
		inv.Note += "\n" + note
	}
	if len(charges) > 0 {
		inv.Payment = cardPaid(charges[len(charges)-1])
	} else {
		inv.Payment = invoice.Payment{Means: invoice.MeansCard}
	}
	iss := &invoice.Issued{StationID: bc.r.StationID, ReservationID: bc.r.ID, CustomerID: bc.r.CustomerID, CorrectsID: correctsID,
		Language: bc.cust.Language, Invoice: inv}
	return s.d.Invoices.IssueInvoice(ctx, s.issue(ctx, bc, iss, func(m MailContext, inv invoice.Issued, pdf []byte) ([]invoiceMail, error) {
		msg, err := s.d.Mailer.CreditNote(m, inv, pdf, corrects.Number)
		if err != nil {
			return nil, err
		}
		out := []invoiceMail{{msg}}
		if extra != nil {
			x, err := extra(m)
			if err != nil {
				return nil, err
			}
			out = append(out, invoiceMail{x})
		}
		return out, nil
	}))
}

// CancelFee returns the cancellation fee of a booking cancelled at now under
// the tenant's rules: free until CancelFreeHours before pickup, then
// CancelFeeCents, never more than the rent paid.
func CancelFee(freeHours int, feeCents int64, pickup, now time.Time, paid int64) int64 {
	if !now.After(pickup.Add(-time.Duration(freeHours) * time.Hour)) {
		return 0
	}
	return max(0, min(feeCents, paid))
}

// CancelQuote is what cancelling a booking now means in money: the rent
// paid, the tenant's fee (FreeUntil it is free), what is refunded and the
// deposit that is released (a hold voided, a charged deposit refunded).
type CancelQuote struct {
	PaidCents    int64
	FeeCents     int64 // the fee kept (0 when free or waived)
	TariffFee    int64 // the fee the tenant's rules ask now, before a waiver
	FreeUntil    time.Time
	RefundCents  int64
	DepositCents int64
	DepositHold  bool // the deposit is a hold on the card (released), not a charge (refunded)
	Waived       string
}

// Free reports whether cancelling costs nothing now.
func (q CancelQuote) Free() bool { return q.FeeCents == 0 }

// CancelOptions are a staff cancellation's choices: WaiveFee drops the
// tenant's fee, Reason says why (required then; audited with it).
type CancelOptions struct {
	WaiveFee bool
	Reason   string
}

// Cancellation is the outcome of Cancel.
type Cancellation struct {
	Details
	CancelQuote
}

// CancelPreview says what cancelling the booking now would do with its
// money (see CancelQuote), changing nothing. Errors: as Cancel's before
// anything is done.
func (s *Service) CancelPreview(ctx context.Context, number string) (CancelQuote, error) {
	bc, err := s.changeable(ctx, number)
	if err != nil {
		return CancelQuote{}, err
	}
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: bc.r.ID})
	if err != nil {
		return CancelQuote{}, err
	}
	return s.cancelQuote(bc, recs, CancelOptions{}), nil
}

func (s *Service) cancelQuote(bc bookingCtx, recs []payment.Record, o CancelOptions) CancelQuote {
	paid, _, _ := paidRent(recs)
	q := CancelQuote{PaidCents: paid, FreeUntil: bc.r.Pickup.Add(-time.Duration(bc.tn.CancelFreeHours) * time.Hour)}
	q.TariffFee = CancelFee(bc.tn.CancelFreeHours, bc.tn.CancelFeeCents, bc.r.Pickup, s.d.Now(), paid)
	q.FeeCents = q.TariffFee
	if o.WaiveFee && q.TariffFee > 0 {
		q.FeeCents, q.Waived = 0, o.Reason
	}
	q.RefundCents = paid - q.FeeCents
	q.DepositCents, q.DepositHold = depositOf(recs)
	return q
}

// depositOf is the deposit still held on a booking's card and whether it
// is a hold (pre-authorisation) rather than a charge.
func depositOf(recs []payment.Record) (int64, bool) {
	var held int64
	hold := false
	for _, d := range recs {
		if d.ParentID != 0 || d.Purpose != PurposeDeposit || d.Status != payment.StatusApproved {
			continue
		}
		held += payment.Left(recs, d)
		hold = hold || d.Operation == payment.OpPreAuth || d.Operation == payment.OpTokenPreAuth
	}
	return held, hold
}

// Cancel cancels a confirmed booking before pickup under the tenant's rules
// (free until a deadline, then a fee); see CancelWith.
func (s *Service) Cancel(ctx context.Context, number string) (Cancellation, error) {
	return s.CancelWith(ctx, number, CancelOptions{})
}

// CancelWith cancels a confirmed booking before pickup: the vehicle is
// released, the deposit released or refunded, a credit note over the rent
// minus the fee (naming the fee kept or waived and the refund) issued with
// the cancellation e-mail (naming the fee, the refund and the deposit
// released), and that amount refunded through the gateway. Staff may waive
// the fee with a reason (o.WaiveFee; KindInvalid "waive_reason" without
// one), kept with the booking and audit-logged. Every step is recorded —
// the fee with the status change, then the reversals, the credit note with
// its e-mails, the refunds, and the booking marked settled — so a
// cancellation a stopped process left half done is finished by the next
// Cancel of the booking (a retried request) or by FinishCancellations,
// never done twice. Errors: KindConflict (not confirmed, started,
// "booking_busy"), KindInvalid, KindNotFound.
func (s *Service) CancelWith(ctx context.Context, number string, o CancelOptions) (Cancellation, error) {
	o.Reason = strings.TrimSpace(o.Reason)
	if o.WaiveFee && o.Reason == "" {
		return Cancellation{}, errs.Invalid("error.fields_invalid", errs.Field("waive_reason", "booking.waive_reason_required"))
	}
	if len([]rune(o.Reason)) > 500 {
		return Cancellation{}, errs.Invalid("error.fields_invalid", errs.Field("waive_reason", "receipt.reason_too_long", locale.Params{"n": 500}))
	}
	r, err := s.byNumber(ctx, number)
	if err != nil {
		return Cancellation{}, err
	}
	if r.Status == StatusCancelled && r.SettledAt == nil {
		return s.resumeCancellation(ctx, r)
	}
	bc, err := s.changeable(ctx, number)
	if err != nil {
		return Cancellation{}, err
	}
	if err := s.d.Changes.ClaimReservation(ctx, bc.r.ID, s.d.Now().Add(s.d.Lease)); err != nil {
		return Cancellation{}, err
	}
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: bc.r.ID})
	if err != nil {
		s.releaseAs(ctx, &bc, StatusConfirmed)
		return Cancellation{}, err
	}
	q := s.cancelQuote(bc, recs, o)
	if q.RefundCents > 0 { // refunded with a credit note: the dealer's setup must allow issuing it
		if err := s.ready(ctx, bc); err != nil {
			s.releaseAs(ctx, &bc, StatusConfirmed)
			return Cancellation{}, err
		}
	}
	if err := s.d.Changes.CancelReservation(ctx, bc.r.ID, q.FeeCents, q.Waived); err != nil {
		s.releaseAs(ctx, &bc, StatusConfirmed)
		return Cancellation{}, err
	}
	bc.r.Status, bc.r.CancelFeeCents, bc.r.CancelFeeWaived = StatusCancelled, q.FeeCents, q.Waived
	cancelledAt := s.d.Now()
	bc.r.CancelledAt = &cancelledAt
	q, err = s.settleCancellation(ctx, &bc)
	if err != nil {
		return Cancellation{}, err
	}
	d, err := s.detailsOf(ctx, bc)
	return Cancellation{Details: d, CancelQuote: q}, err
}

// resumeCancellation finishes the cancellation of r under its lease.
func (s *Service) resumeCancellation(ctx context.Context, r Reservation) (Cancellation, error) {
	if err := s.d.Changes.ClaimReservation(ctx, r.ID, s.d.Now().Add(s.d.Lease)); err != nil {
		return Cancellation{}, err
	}
	bc, err := s.load(ctx, r)
	if err != nil {
		return Cancellation{}, err
	}
	q, err := s.settleCancellation(ctx, &bc)
	if err != nil {
		return Cancellation{}, err
	}
	d, err := s.detailsOf(ctx, bc)
	return Cancellation{Details: d, CancelQuote: q}, err
}

// settleCancellation runs the steps of a cancelled booking that are not
// recorded as done yet, holding its lease, and marks it settled (giving up
// the lease). It returns the cancellation's quote as stored: the fee kept
// (or waived) when it was cancelled and the amount refunded. A refund goes
// with its credit note's e-mail; without one the customer gets the
// cancellation e-mail only where Reservation.CancelMailed (a rental, not a
// start nobody handed over).
func (s *Service) settleCancellation(ctx context.Context, bc *bookingCtx) (CancelQuote, error) {
	fail := func(err error) (CancelQuote, error) {
		s.releaseAs(ctx, bc, StatusCancelled)
		return CancelQuote{}, err
	}
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: bc.r.ID})
	if err != nil {
		return fail(err)
	}
	paid, charges, _ := paidRent(recs)
	at := s.d.Now()
	if bc.r.CancelledAt != nil {
		at = *bc.r.CancelledAt
	}
	q := CancelQuote{PaidCents: paid, FeeCents: bc.r.CancelFeeCents, Waived: bc.r.CancelFeeWaived,
		FreeUntil: bc.r.Pickup.Add(-time.Duration(bc.tn.CancelFreeHours) * time.Hour),
		TariffFee: CancelFee(bc.tn.CancelFreeHours, bc.tn.CancelFeeCents, bc.r.Pickup, at, paid)}
	if q.Waived == "" {
		q.TariffFee = q.FeeCents
	}
	q.DepositCents, q.DepositHold = depositOf(recs)
	var deposits []payment.Record
	for _, p := range recs {
		if p.Purpose == PurposeDeposit {
			deposits = append(deposits, p)
		}
	}
	s.reverse(ctx, deposits)
	invs, err := s.d.Issued.ListInvoices(ctx, invoice.Filter{ReservationID: bc.r.ID})
	if err != nil {
		return fail(err)
	}
	// the cancellation's credit note, when a run before this one issued it
	noted := false
	for _, x := range invs {
		if x.Kind == invoice.KindCreditNote && bc.r.CancelledAt != nil && !x.IssuedAt.Before(*bc.r.CancelledAt) {
			q.RefundCents, noted = max(x.Gross, -x.Gross), true
		}
	}
	if !noted { // no cancellation refund was sent before its credit note
		q.RefundCents = max(paid-q.FeeCents, 0)
	}
	cancelMail := func(m MailContext) (mail.Message, error) { return s.d.Mailer.Cancellation(m, q) }
	var mails []mail.Queued
	switch {
	case q.RefundCents > 0 && !noted:
		l := locale.Lang(bc.cust.Language).Or()
		note := l.T("cancel.credit_fee", locale.Params{"paid": locale.Money(q.PaidCents), "fee": locale.Money(q.FeeCents),
			"refund": locale.Money(q.RefundCents)})
		if q.Waived != "" {
			note = l.T("cancel.credit_waived", locale.Params{"paid": locale.Money(q.PaidCents), "fee": locale.Money(q.TariffFee),
				"refund": locale.Money(q.RefundCents)})
		}
		if err := s.creditNote(ctx, bc, charges, q.RefundCents, "invoice.line.cancel_credit", note, cancelMail); err != nil {
			return fail(err)
		}
	case q.RefundCents == 0 && bc.r.CancelMailed(): // a start cancelled before its handover: nobody to tell
		msg, err := cancelMail(bc.mailCtx())
		if err != nil {
			return fail(err)
		}
		msg.Subject = testSubject(bc.r, msg.Subject)
		mails = []mail.Queued{{Links: mail.Links{StationID: bc.r.StationID, ReservationID: bc.r.ID, CustomerID: bc.r.CustomerID}, Message: msg}}
	}
	if q.RefundCents > 0 {
		if _, err := s.sendOwedRefunds(ctx, bc.r); err != nil {
			return fail(err)
		}
	}
	if err := s.d.Changes.TransitionReservation(context.WithoutCancel(ctx), Transition{ID: bc.r.ID, From: []Status{StatusCancelled},
		To: StatusCancelled, Settle: true, Release: true, Mails: mails}); err != nil {
		return CancelQuote{}, err
	}
	return q, nil
}

// queue queues the message build makes for the booking on its own (nothing
// for a nil build).
func (s *Service) queue(ctx context.Context, bc *bookingCtx, build func(m MailContext) (mail.Message, error)) error {
	if build == nil {
		return nil
	}
	msg, err := build(bc.mailCtx())
	if err != nil {
		return err
	}
	msg.Subject = testSubject(bc.r, msg.Subject)
	return s.d.Outbox.QueueEmail(ctx, &mail.Queued{Links: mail.Links{StationID: bc.r.StationID, ReservationID: bc.r.ID,
		CustomerID: bc.r.CustomerID}, Message: msg})
}

// NotifyChange queues the change e-mail of a confirmed booking whose period
// staff changed outside Change (a move on the planning board): the new
// period with the calendar file that updates the customer's entries. A
// booking not yet confirmed gets nothing: its confirmation will carry the
// new period; nor does a start (Reservation.Mailed). Errors: KindNotFound.
func (s *Service) NotifyChange(ctx context.Context, number string) error {
	_, err := s.notifyConfirmed(ctx, number, func(*bookingCtx) (func(MailContext) (mail.Message, error), error) {
		return s.d.Mailer.Change, nil
	})
	return err
}

// notifyConfirmed queues the message that build returns for the booking
// number, when it is confirmed and a rental (else nothing: a start is not
// e-mailed before its handover, Reservation.Mailed), and reports whether
// it did.
// Errors: KindNotFound and build's.
func (s *Service) notifyConfirmed(ctx context.Context, number string,
	build func(bc *bookingCtx) (func(MailContext) (mail.Message, error), error)) (bool, error) {
	r, err := s.d.Bookings.ReservationByNumber(ctx, number)
	if err != nil {
		return false, err
	}
	if r.Status != StatusConfirmed || !r.Mailed() {
		return false, nil
	}
	bc, err := s.load(ctx, r)
	if err != nil {
		return false, err
	}
	msg, err := build(&bc)
	if err != nil {
		return false, err
	}
	return true, s.queue(ctx, &bc, msg)
}

// ConfirmCounterBooking queues the confirmation of a booking staff made at
// the counter or on the phone (no payment taken): the period, station and
// category, the expected rent (confirmQuote: split with its payer when one
// covers a part) and its tariff's deposit, both due at pickup, with the
// calendar file. A booking that is not confirmed gets nothing. Errors:
// KindNotFound, the Estimator's.
func (s *Service) ConfirmCounterBooking(ctx context.Context, number string) error {
	_, err := s.notifyConfirmed(ctx, number, func(bc *bookingCtx) (func(MailContext) (mail.Message, error), error) {
		q, err := s.confirmQuote(ctx, bc)
		if err != nil {
			return nil, err
		}
		return func(m MailContext) (mail.Message, error) { return s.d.Mailer.CounterConfirmation(m, q) }, nil
	})
	return err
}

// NotifyCover queues the updated confirmation of booking number after its
// cover (who pays) changed: the expected rent split as it is now, the same
// figures its reservation page shows. Only a confirmed booking — its
// confirmation went out and the car is not handed over yet — gets one;
// sent reports whether it was queued. Call it once per stored change (not
// after a save that changed nothing). Errors: KindNotFound, the
// Estimator's.
func (s *Service) NotifyCover(ctx context.Context, number string) (sent bool, err error) {
	return s.notifyConfirmed(ctx, number, func(bc *bookingCtx) (func(MailContext) (mail.Message, error), error) {
		q, err := s.confirmQuote(ctx, bc)
		if err != nil {
			return nil, err
		}
		return func(m MailContext) (mail.Message, error) { return s.d.Mailer.CoverUpdate(m, q) }, nil
	})
}

// confirmQuote is what the confirmation of booking bc quotes: the split
// of the Estimator (the reservation page's) when a payer covers a part,
// else the estimate stored with the booking; the deposit of its tariff,
// or, for a booking paid online, the rent paid and the deposit held.
func (s *Service) confirmQuote(ctx context.Context, bc *bookingCtx) (ConfirmQuote, error) {
	q := ConfirmQuote{EstimateCents: bc.r.EstimatedTotalCents}
	if bc.r.Source == "api" && s.d.Records != nil {
		recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: bc.r.ID})
		if err != nil {
			return q, err
		}
		q.Online = true
		q.PaidCents, _, _ = paidRent(recs)
		q.DepositCents, _ = depositOf(recs)
	} else if bc.r.TariffID != 0 {
		t, err := s.d.Tariffs.Tariff(ctx, bc.r.TariffID)
		if err != nil {
			return q, err
		}
		q.DepositCents = t.DepositCents
	}
	sp, err := s.splitOf(ctx, bc)
	return q.with(sp), err
}

// with is q quoting split sp when a payer covers a part of it (the
// expected rent then is the split's whole), else q as it is.
func (q ConfirmQuote) with(sp CostSplit) ConfirmQuote {
	if sp.Covered() {
		q.Split, q.EstimateCents = sp, sp.TotalCents
	}
	return q
}

// splitOf is the split of booking bc's expected cost its confirmations
// quote: the Estimator's (the reservation page's) — the zero CostSplit
// without an Estimator, and, reading nothing, for a booking Book's own
// pass created without a cover. It is asked once per bc. Errors: the
// Estimator's.
func (s *Service) splitOf(ctx context.Context, bc *bookingCtx) (CostSplit, error) {
	if bc.split != nil {
		return *bc.split, nil
	}
	var sp CostSplit
	if s.d.Estimates != nil && (!bc.created || bc.covered) {
		var err error
		if sp, err = s.d.Estimates.ReservationSplit(ctx, bc.r.ID); err != nil {
			return CostSplit{}, err
		}
	}
	bc.split = &sp
	return sp, nil
}

// releaseAs gives up the lease of the booking in status st.
func (s *Service) releaseAs(ctx context.Context, bc *bookingCtx, st Status) {
	t := Transition{ID: bc.r.ID, From: []Status{st}, To: st, Release: true}
	if err := s.d.Changes.TransitionReservation(context.WithoutCancel(ctx), t); err != nil && !errs.Is(err, errs.KindConflict) {
		s.d.Log.ErrorContext(ctx, "booking: release lease", "reservation_id", bc.r.ID, "err", err)
	}
}

// FinishCancellations finishes cancellations a stopped process left half
// done (cancelled, not settled, unchanged for olderThan) — and those staff
// made by hand of bookings nobody paid for, e-mailing the customer of a
// rental but nobody for a start (see settleCancellation). It needs the
// all-tenants system actor and returns how many it settled; each booking is
// one job item (a failing one is marked for staff and the others go on).
func (s *Service) FinishCancellations(ctx context.Context, olderThan time.Duration, limit int) (int, error) {
	rs, err := s.d.Changes.UnsettledCancellations(ctx, s.d.Now().Add(-olderThan), limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		tctx := identity.WithActor(ctx, identity.SystemFor(r.TenantID))
		_ = s.jobs().Item(tctx, JobFinishCancellations, job.Subject{Kind: job.KindReservation, ID: r.ID, TenantID: r.TenantID}, func() error {
			if _, err := s.resumeCancellation(tctx, r); err != nil {
				if errs.Is(err, errs.KindConflict) {
					return nil // another process holds it
				}
				return err
			}
			s.d.Log.InfoContext(ctx, "cancellation finished", "reservation_id", r.ID)
			n++
			return nil
		})
	}
	return n, nil
}
