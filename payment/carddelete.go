package payment

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/job"
)

// PurposeCardDeletion is the purpose recorded with a token deletion.
const PurposeCardDeletion = "card_deletion"

// cardClaim is how long a process may take for one card's deletion before
// another process may try it again.
const cardClaim = 5 * time.Minute

// CardDeletionStore is what CardEraser needs from storage, scoped by the
// actor in ctx (one tenant, or all tenants for identity.System()).
type CardDeletionStore interface {
	InsertPayment(ctx context.Context, r *Record) error
	ResolvePayment(ctx context.Context, r *Record) error
	// ClaimCardDeletions returns up to limit cards deleted here but not yet
	// at the gateway (of customerID, or of every customer when it is 0),
	// skipping cards another process claimed within the last lease, and
	// claims them until now+lease (counting an attempt).
	ClaimCardDeletions(ctx context.Context, customerID int64, now time.Time, lease time.Duration, limit int) ([]StoredCard, error)
	// FinishCardDeletion records the outcome for card id: done (the gateway
	// holds no token any more) at the given time, or the error for staff
	// (the claim is released, so the next run tries again).
	FinishCardDeletion(ctx context.Context, id int64, done bool, at time.Time, errMsg string) error
}

// CardEraser deletes stored cards at the gateway (DataStorage token
// deletion, DELETE /payment-tokens/{id}) once they were deleted here.
// Each attempt is recorded as a payment record (operation delete_token,
// amount 0) before it is sent. A deletion is idempotent: when the gateway
// answers that it does not know the token, the token is gone.
type CardEraser struct {
	store CardDeletionStore
	gws   Gateways
	now   func() time.Time
	newID func() string
	log   *slog.Logger
	jobs  *job.Runner
}

// JobDeleteCards names the deletion of stored cards at the gateway as a
// background job (job.Runner, and the attention records staff see).
const JobDeleteCards = "payment.delete_cards"

// WithJobs makes e run each card as a job item of r (a card that crashes
// the deletion is marked for staff) and returns e.
func (e *CardEraser) WithJobs(r *job.Runner) *CardEraser {
	e.jobs = r
	return e
}

// NewCardEraser returns a CardEraser; now, newID and log may be nil.
func NewCardEraser(st CardDeletionStore, gws Gateways, now func() time.Time, newID func() string, log *slog.Logger) *CardEraser {
	if now == nil {
		now = time.Now
	}
	if newID == nil {
		newID = RandomID
	}
	if log == nil {
		log = slog.Default()
	}
	return &CardEraser{store: st, gws: gws, now: now, newID: newID, log: log}
}

// CardDeletion counts the outcome of deleting cards at the gateway.
type CardDeletion struct {
	Deleted int // the gateway no longer holds the token
	Failed  int // not deleted (gateway unreachable or refused); tried again later
}

// DeleteCustomerCards deletes at the gateway every card of the customer
// that was deleted here and is still held there. Called right after an
// erasure request (its transaction does not wait for the gateway); what
// fails is retried by the retention job. Errors only when nothing could be
// tried (storage, no tenant: KindUnauthorized).
func (e *CardEraser) DeleteCustomerCards(ctx context.Context, customerID int64) (CardDeletion, error) {
	if customerID <= 0 {
		return CardDeletion{}, errs.Invalid("payment.no_customer")
	}
	return e.deleteClaimed(ctx, customerID, 100)
}

// DeleteOutstandingCards deletes up to limit outstanding cards of every
// tenant the actor in ctx may act for (identity.System(): all). It
// implements customer.CardDeleter for the retention job.
func (e *CardEraser) DeleteOutstandingCards(ctx context.Context, limit int) (deleted, failed int, err error) {
	d, err := e.deleteClaimed(ctx, 0, limit)
	return d.Deleted, d.Failed, err
}

func (e *CardEraser) deleteClaimed(ctx context.Context, customerID int64, limit int) (CardDeletion, error) {
	if _, ok := identity.ActorFrom(ctx); !ok {
		return CardDeletion{}, errs.Unauthorized("unauthorized.not_signed_in")
	}
	cards, err := e.store.ClaimCardDeletions(ctx, customerID, e.now().UTC(), cardClaim, limit)
	if err != nil {
		return CardDeletion{}, err
	}
	var out CardDeletion
	for _, c := range cards {
		if ctx.Err() != nil {
			return out, ctx.Err()
		}
		// one card is one job item: a crash is logged, the card marked for
		// staff and counted as failed (its claim runs out, so a later run
		// tries it again), and the others go on
		deleted := false
		_ = e.runner().Item(ctx, JobDeleteCards, job.Subject{Kind: job.KindCard, ID: c.ID, TenantID: c.TenantID}, func() error {
			deleted = e.deleteOne(ctx, c)
			return nil
		})
		if deleted {
			out.Deleted++
		} else {
			out.Failed++
		}
	}
	return out, nil
}

func (e *CardEraser) runner() *job.Runner {
	if e.jobs != nil {
		return e.jobs
	}
	return &job.Runner{Log: e.log, Now: e.now}
}

// deleteOne sends one deletion and records it; true when the token is gone.
func (e *CardEraser) deleteOne(ctx context.Context, c StoredCard) bool {
	tctx := ctx
	if a, _ := identity.ActorFrom(ctx); a.AllTenants() {
		tctx = identity.WithActor(ctx, identity.SystemFor(c.TenantID))
	}
	logAttrs := []any{"tenant_id", c.TenantID, "customer_id", c.CustomerID, "card_id", c.ID} // never the token
	rec := Record{TenantID: c.TenantID, Links: Links{CustomerID: c.CustomerID, Purpose: PurposeCardDeletion, Test: c.Test}, CardID: c.ID,
		Operation: OpDeleteToken, Amount: Amount{Currency: "EUR"}, OrderID: fmt.Sprintf("card-%d-delete", c.ID),
		MerchantTransactionID: e.newID(), Card: c.Card, Status: StatusPending, CreatedAt: e.now().UTC()}
	finish := func(done bool, msg string) bool {
		wctx, cancel := context.WithTimeout(context.WithoutCancel(tctx), 10*time.Second)
		defer cancel()
		if err := e.store.FinishCardDeletion(wctx, c.ID, done, e.now().UTC(), msg); err != nil {
			e.log.ErrorContext(ctx, "card deletion: outcome not stored; tried again later", append(logAttrs, "err", err)...)
			return false
		}
		return done
	}
	gw, err := GatewayFor(tctx, e.gws, c.TenantID, c.Test)
	if err != nil {
		e.log.ErrorContext(ctx, "card deletion: no gateway", append(logAttrs, "err", err)...)
		return finish(false, "no gateway configured")
	}
	if err := e.store.InsertPayment(tctx, &rec); err != nil {
		e.log.ErrorContext(ctx, "card deletion: attempt not recorded, not sent", append(logAttrs, "err", err)...)
		return finish(false, "attempt not recorded")
	}
	res, err := gw.DeleteToken(tctx, c.Token)
	now := e.now().UTC()
	rec.ResolvedAt = &now
	done := false
	switch {
	case err != nil: // not sent: the gateway could not be reached, or the stored token is malformed
		rec.Status, rec.ReasonCode, rec.Message = StatusFailed, ReasonInvalidRequest, "request not sent"
		if res.Reason.Code == ReasonNotSent {
			rec.ReasonCode = ReasonNotSent
		}
		if x, ok := errs.As(err); ok {
			rec.Message += ": " + x.Message
		}
	case res.Outcome == Approved:
		rec.Status, done = StatusApproved, true
	case res.Outcome == Failed && res.Reason.Code == ReasonNotFound:
		// The gateway does not know the token (deleted earlier, e.g. by a
		// run whose answer was lost): it is gone.
		rec.Status, done = StatusFailed, true
		rec.ReasonCode, rec.Message = res.Reason.Code, "token unknown at the gateway: already deleted"
	default:
		// Declined, refused or unknown (timeout): record it failed; the
		// deletion is idempotent and is simply sent again on the next run.
		rec.Status, rec.ReasonCode, rec.Message = StatusFailed, res.Reason.Code, res.Reason.Message
		if res.Outcome == Unknown {
			rec.Message = "outcome unknown (" + res.Reason.Message + "); the deletion is sent again later"
		}
	}
	if res.TransactionID != "" {
		rec.GatewayTransactionID = res.TransactionID
	}
	if err := e.store.ResolvePayment(context.WithoutCancel(tctx), &rec); err != nil {
		e.log.ErrorContext(ctx, "card deletion: outcome not recorded", append(logAttrs, "err", err)...)
	}
	msg := ""
	if !done {
		msg = string(rec.ReasonCode) + ": " + rec.Message
		e.log.WarnContext(ctx, "card deletion at the gateway failed; retried by the retention job",
			append(logAttrs, "reason", rec.ReasonCode, "message", rec.Message)...)
	} else {
		e.log.InfoContext(ctx, "card deleted at the gateway", logAttrs...)
	}
	return finish(done, msg)
}
