package booking

import (
	"context"

	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/payment"
)

// MaxRefundAttempts is how many failed refunds of one booking RetryRefunds
// tolerates before it leaves the booking to staff (logged as an error).
const MaxRefundAttempts = 5

// refundOwed is what the documents of a booking promise back on the card —
// its credit notes refunded to the card, and a final invoice whose advances
// exceed it with the part it pays back to the card (Payment.Cents when a
// damage settlement took the rest) — minus the refunds of its card charges
// that were approved or are still open (an open refund may yet succeed, so
// it is never sent twice). A credit note paid out at the counter promises
// nothing on the card. Legacy documents (issued before their payment was
// stored) count as the card's, as everything was refunded there then; a
// legacy credit note over a final invoice's own refund repeats it and
// counts once. It also returns the card charges of the booking (deposit
// apart) with what is left to refund on each.
func refundOwed(recs []payment.Record, invs []invoice.Summary) (owed int64, charges []payment.Record, left map[int64]int64) {
	onCard := func(x invoice.Summary) bool { return x.PaymentUnknown || x.Payment.Means == invoice.MeansCard }
	finalBack := map[int64]int64{}
	for _, x := range invs {
		if x.Kind == invoice.KindFinal && x.Due < 0 {
			finalBack[x.ID] = -x.Due
			if onCard(x) && !x.PaymentUnknown {
				if x.Payment.Cents > 0 {
					owed += x.Payment.Cents
				} else {
					owed += -x.Due
				}
			}
		}
	}
	for _, x := range invs {
		if x.Kind == invoice.KindCreditNote && onCard(x) {
			g := max(x.Gross, -x.Gross)
			same := min(finalBack[x.CorrectsID], g)
			finalBack[x.CorrectsID] -= same
			if x.PaymentUnknown {
				same = 0 // a legacy credit note is what refunded the final's amount
			}
			owed += g - same
		}
	}
	byID := map[int64]payment.Record{}
	left = map[int64]int64{}
	for _, p := range recs {
		byID[p.ID] = p
		if p.ParentID == 0 && p.Purpose != PurposeDeposit && p.Status == payment.StatusApproved &&
			(p.Operation == payment.OpSale || p.Operation == payment.OpTokenSale) {
			charges = append(charges, p)
			left[p.ID] = p.Amount.Cents
		}
	}
	for _, p := range recs {
		parent, ok := byID[p.ParentID]
		if _, charge := left[parent.ID]; !ok || !charge || !(p.Status == payment.StatusApproved || p.Status.Open()) {
			continue
		}
		switch p.Operation {
		case payment.OpRefund:
			owed -= p.Amount.Cents
			left[parent.ID] -= p.Amount.Cents
		case payment.OpVoid:
			owed -= parent.Amount.Cents
			left[parent.ID] = 0
		}
	}
	return max(owed, 0), charges, left
}

// RetryRefunds sends again the rent refunds that ended failed or declined
// (e.g. the gateway never received a cancellation's refund): for each such
// booking it refunds what its credit notes promise and approved or open
// refunds do not yet cover, from the newest charge back. It needs the
// all-tenants system actor in ctx and returns how many refunds it sent.
// After MaxRefundAttempts failures a booking is only logged, for staff.
// Each booking is one job item (job.Runner.Item): one that fails or
// crashes is logged, marked for staff and left alone for a back-off, and
// the others go on.
func (s *Service) RetryRefunds(ctx context.Context, limit int) (int, error) {
	rs, err := s.d.Changes.ReservationsWithFailedRefunds(ctx, MaxRefundAttempts, limit)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, r := range rs {
		if ctx.Err() != nil {
			return sent, ctx.Err()
		}
		tctx := identity.WithActor(ctx, identity.SystemFor(r.TenantID))
		_ = s.jobs().Item(tctx, JobRetryRefunds, job.Subject{Kind: job.KindReservation, ID: r.ID, TenantID: r.TenantID}, func() error {
			n, err := s.sendOwedRefunds(tctx, r)
			sent += n
			return err
		})
	}
	return sent, nil
}

// sendOwedRefunds refunds what the booking's credit notes promise and its
// approved or open refunds do not cover yet, from the newest rent charge
// back, and returns how many refunds it sent. It stops at the first refund
// that ends failed or declined (logged for staff).
func (s *Service) sendOwedRefunds(ctx context.Context, r Reservation) (int, error) {
	recs, err := s.d.Records.ListPayments(ctx, payment.RecordFilter{ReservationID: r.ID})
	if err != nil {
		return 0, err
	}
	invs, err := s.d.Issued.ListInvoices(ctx, invoice.Filter{ReservationID: r.ID})
	if err != nil {
		return 0, err
	}
	sent := 0
	owed, charges, left := refundOwed(recs, invs)
	for i := len(charges) - 1; i >= 0 && owed > 0; i-- {
		amt := min(owed, left[charges[i].ID])
		if amt <= 0 {
			continue
		}
		rec, err := s.d.Payments.Refund(ctx, charges[i].ID, payment.Amount{Cents: amt, Currency: charges[i].Amount.Currency})
		if err != nil && rec.ID == 0 {
			return sent, err
		}
		sent++
		if rec.Status != payment.StatusApproved && !rec.Status.Open() {
			s.d.Log.ErrorContext(ctx, "booking: a refund failed; it is sent again later, staff must refund by hand after "+
				"the last attempt", "reservation_id", r.ID, "payment_id", rec.ID, "status", rec.Status)
			break
		}
		owed -= amt
	}
	return sent, nil
}
