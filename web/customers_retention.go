package web

import (
	"context"
	"net/http"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/payment"
)

// CardEraser deletes a customer's stored cards at the gateway (implemented
// by payment.CardEraser).
type CardEraser interface {
	DeleteCustomerCards(ctx context.Context, customerID int64) (payment.CardDeletion, error)
}

// CustomerRetention reads the erasure state of a customer (implemented by
// the store).
type CustomerRetention interface {
	RetentionStatus(ctx context.Context, id int64) (customer.RetentionStatus, error)
}

// cardDeletionTimeout bounds how long the erasure request waits for the
// gateway after its transaction committed; what is not done by then is
// retried by the retention job.
const cardDeletionTimeout = 15 * time.Second

// deleteCardsAfterErasure deletes the erased customer's stored cards at the
// gateway. The erasure is already committed: a failure is logged and left
// to the retention job, never shown as a failed erasure.
func (a *app) deleteCardsAfterErasure(r *http.Request, id int64) {
	if a.Cards == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), cardDeletionTimeout)
	defer cancel()
	d, err := a.Cards.DeleteCustomerCards(ctx, id)
	if err != nil {
		a.log.ErrorContext(r.Context(), "erasure: stored cards not deleted at the gateway; the retention job retries", "customer_id", id, "err", err)
		return
	}
	if d.Failed > 0 {
		a.log.WarnContext(r.Context(), "erasure: some stored cards not deleted at the gateway; the retention job retries",
			"customer_id", id, "deleted", d.Deleted, "failed", d.Failed)
	}
}

// retentionStatus returns the customer's erasure state for the page, or nil
// when it is not wired or the customer is not blocked.
func (a *app) retentionStatus(r *http.Request, id int64) *customer.RetentionStatus {
	if a.Retention == nil {
		return nil
	}
	st, err := a.Retention.RetentionStatus(r.Context(), id)
	if err != nil {
		a.log.WarnContext(r.Context(), "customer page: retention status", "customer_id", id, "err", err)
		return nil
	}
	if st.RestrictedAt == nil && st.CardsPending == 0 {
		return nil
	}
	return &st
}
