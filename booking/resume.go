package booking

import (
	"context"
	"fmt"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/idempotency"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/payment"
)

// resumeByKey looks for the booking bound to req's Idempotency-Key. done
// is false when there is none (or only one that failed before any money
// could move: the key may book again); else the booking was resumed and d,
// err are the answer.
func (s *Service) resumeByKey(ctx context.Context, req BookRequest) (d Details, done bool, err error) {
	r, err := s.d.Changes.ReservationByIdempotencyKey(ctx, req.IdempotencyKey, s.d.Now().Add(-idempotency.TTL))
	if errs.Is(err, errs.KindNotFound) {
		return Details{}, false, nil
	}
	if err != nil {
		return Details{}, true, err
	}
	if r.Status == StatusFailed {
		recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: r.ID})
		if err != nil {
			return Details{}, true, err
		}
		if !moneyTried(recs) {
			return Details{}, false, nil
		}
	}
	d, err = s.Resume(ctx, r, &req)
	if err == nil {
		// the first answer, with the booking's secret, was lost: a new secret
		// for the answer of the retry
		secret := identity.NewBookingSecret()
		if err := s.d.Changes.SetBookingSecret(ctx, r.ID, identity.HashToken(secret)); err != nil {
			return d, true, err
		}
		d.Secret = secret
	}
	return d, true, err
}

// moneyTried reports whether any payment of the booking may have reached
// the gateway (every attempt except those that provably never left or the
// gateway provably never took: not sent, refused as invalid, not found
// after the late window).
func moneyTried(recs []payment.Record) bool {
	for _, p := range recs {
		if !(p.Status == payment.StatusFailed && (p.ReasonCode == payment.ReasonNotSent || p.ReasonCode == payment.ReasonInvalidRequest ||
			p.ReasonCode == payment.ReasonNotFound)) {
			return true
		}
	}
	return false
}

// Resume continues booking r from its last recorded step and returns the
// booking's real outcome: a booking already made (confirmed, or since
// handed over, completed or cancelled) is answered as it stands; a failed
// one with the decline that failed it (KindPaymentDecline); a pending one is
// taken over under its lease (KindConflict "booking_busy" while another
// process holds it): payments that were never sent are sent now (with
// req's card, under the same order ids: the gateway would refuse a
// duplicate), payments whose outcome is open are inquired about at once,
// and the booking is completed or failed as its payments say — or answered
// still pending.
func (s *Service) Resume(ctx context.Context, r Reservation, req *BookRequest) (Details, error) {
	bc, err := s.load(ctx, r)
	if err != nil {
		return Details{}, err
	}
	switch r.Status {
	case StatusPendingPayment:
	case StatusFailed:
		recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: r.ID})
		if err != nil {
			return Details{}, err
		}
		return Details{}, failureReason(recs).DeclineError()
	default:
		return s.detailsOf(ctx, bc)
	}
	if err := s.claim(ctx, &bc); err != nil {
		return Details{}, err
	}
	defer s.release(ctx, &bc)
	if err := s.proceed(ctx, &bc, req); err != nil {
		return Details{}, err
	}
	return s.detailsOf(ctx, bc)
}

// proceed runs the remaining steps of a pending booking held under its
// lease.
func (s *Service) proceed(ctx context.Context, bc *bookingCtx, req *BookRequest) error {
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: bc.r.ID})
	if err != nil {
		return err
	}
	rent, dep := primaries(recs)
	notSent := func(p *payment.Record) bool {
		return p.Status == payment.StatusFailed && p.ReasonCode == payment.ReasonNotSent
	}
	switch {
	case rent == nil || notSent(rent):
		if req == nil || (req.Card == nil && req.Token == nil) {
			break // no card to pay with: complete fails the booking
		}
		if err := s.pay(ctx, bc, *req); err != nil {
			return err
		}
		return s.complete(ctx, bc, false)
	case rent.Status == payment.StatusApproved && dep != nil && notSent(dep):
		if err := s.takeDeposit(ctx, bc, rent.CardID, true); err != nil {
			return err
		}
		return s.complete(ctx, bc, true)
	}
	for _, p := range []*payment.Record{rent, dep} {
		if p != nil && p.Status.Open() {
			// the process that sent it is gone (its lease expired): ask now
			if _, err := s.d.Payments.Recheck(ctx, p.ID); err != nil {
				s.d.Log.WarnContext(ctx, "booking: payment not rechecked", "payment_id", p.ID, "err", err)
			}
		}
	}
	if rent == nil {
		s.fail(ctx, bc, true)
		return errs.New(errs.KindPaymentDecline, "booking_not_completed")
	}
	// an earlier answer of this booking may have been 202 (or lost): the
	// customer is e-mailed when it fails now, as by the finisher
	return s.complete(ctx, bc, true)
}

// MaxReversalAttempts is how many failed voids/refunds of one stray
// payment ReverseStrayMoney tolerates before it leaves it to staff.
const MaxReversalAttempts = 5

// ReverseStrayMoney gives back money that reached a failed booking after it
// failed (a late delivery the gateway applied, a payment resolved approved
// only by a later inquiry, a reversal that failed): every approved payment
// of a failed booking that no approved or open void/refund reverses is
// voided or refunded, recorded as payment records and in the booking's
// audit log ("late_payment_reversed"), and reported to staff in the log at
// error level. It needs the all-tenants system actor and returns how many
// bookings it acted on.
func (s *Service) ReverseStrayMoney(ctx context.Context, limit int) (int, error) {
	rs, err := s.d.Changes.ReservationsWithStrayMoney(ctx, MaxReversalAttempts, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		tctx := identity.WithActor(ctx, identity.SystemFor(r.TenantID))
		_ = s.jobs().Item(tctx, JobReturnStrayMoney, job.Subject{Kind: job.KindReservation, ID: r.ID, TenantID: r.TenantID}, func() error {
			acted, err := s.reverseStray(ctx, tctx, r)
			if acted {
				n++
			}
			return err
		})
	}
	return n, nil
}

// reverseStray voids or refunds the stray money of one failed booking
// under its lease and audits it; it reports whether it acted.
func (s *Service) reverseStray(ctx, tctx context.Context, r Reservation) (bool, error) {
	if err := s.d.Changes.ClaimReservation(tctx, r.ID, s.d.Now().Add(s.d.Lease)); err != nil {
		return false, nil // a process works on it
	}
	recs, err := s.d.Records.ListPayments(tctx, payment.RecordFilter{ReservationID: r.ID})
	if err != nil {
		return false, err
	}
	done := s.reverse(tctx, recs)
	var ids []string
	for _, p := range done {
		ids = append(ids, fmt.Sprintf("%d: %s %s → %s", p.parent.ID, p.parent.Operation, p.parent.Amount, p.rec.Status))
	}
	s.d.Log.ErrorContext(ctx, "booking: money reached a failed booking after it failed; reversed — staff: check the booking's payments",
		"reservation_id", r.ID, "booking", r.Number, "tenant_id", r.TenantID, "reversals", ids)
	t := Transition{ID: r.ID, From: []Status{StatusFailed}, To: StatusFailed, Release: true,
		AuditAction: "late_payment_reversed", AuditDetail: map[string]any{"reversals": ids}}
	if err := s.d.Changes.TransitionReservation(tctx, t); err != nil {
		s.d.Log.ErrorContext(ctx, "booking: stray money reversal not audited", "reservation_id", r.ID, "err", err)
	}
	return true, nil
}
