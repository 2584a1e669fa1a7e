package web

import (
	"context"
	"fmt"
	"mietwerk.dev/mietwerk/locale"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
)

// BookingFlow changes and cancels paid bookings with their money: re-checked
// availability, re-pricing, charges or refunds through the gateway, credit
// notes and e-mails (booking.Service). Without it, staff can only cancel
// bookings on which no money was taken.
type BookingFlow interface {
	Change(ctx context.Context, number string, ch booking.ChangeRequest) (booking.Details, error)
	// CancelPreview says what cancelling now does with the money.
	CancelPreview(ctx context.Context, number string) (booking.CancelQuote, error)
	// CancelWith cancels, staff may waive the fee with a reason.
	CancelWith(ctx context.Context, number string, o booking.CancelOptions) (booking.Cancellation, error)
	// NotifyChange sends the customer the new period of a confirmed booking
	// that staff moved on the planning board, with the updated calendar file.
	NotifyChange(ctx context.Context, number string) error
	// ConfirmCounterBooking sends the customer the confirmation of a
	// booking staff took (estimated rent and deposit due at pickup).
	ConfirmCounterBooking(ctx context.Context, number string) error
	// NotifyCover sends the customer of a confirmed booking the updated
	// confirmation after its cover changed; sent says it was queued (a
	// booking not confirmed gets none).
	NotifyCover(ctx context.Context, number string) (sent bool, err error)
}

// reservationCancelPaid cancels a booking on which money was taken through
// the booking flow: refund minus the tenant's fee (unless waived with a
// reason), credit note, deposit released, cancellation e-mail; the page
// then says what was refunded, kept and released.
func (a *app) reservationCancelPaid(w http.ResponseWriter, r *http.Request, row booking.Row) {
	o := booking.CancelOptions{WaiveFee: r.PostFormValue("waive_fee") == "1", Reason: r.PostFormValue("waive_reason")}
	c, err := a.Flow.CancelWith(r.Context(), row.Number, o)
	if err != nil {
		a.reservationAgain(w, r, row.ID, flowErr(err), "")
		return
	}
	waived := 0
	if c.Waived != "" {
		waived = 1
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=cancel&refund=%d&fee=%d&waived=%d&deposit=%d", row.ID, c.RefundCents,
		c.FeeCents, waived, c.DepositCents), http.StatusSeeOther)
}

// cancelNotice is the message after a paid cancellation: refunded, fee
// kept or waived, deposit released, from the redirect's query.
func cancelNotice(lang string, q url.Values) string {
	n := func(k string) int64 { v, _ := strconv.ParseInt(q.Get(k), 10, 64); return v }
	msg := translate(lang, "bk.done.cancel_money", locale.Money(n("refund")), locale.Money(n("fee")))
	if q.Get("waived") == "1" {
		msg = translate(lang, "bk.done.cancel_waived", locale.Money(n("refund")))
	}
	if d := n("deposit"); d > 0 {
		msg += " " + translate(lang, "bk.done.cancel_deposit", locale.Money(d))
	}
	return msg
}

// reservationPeriod changes pickup and return of a booking before pickup:
// availability re-checked, re-priced, the difference charged or refunded.
func (a *app) reservationPeriod(w http.ResponseWriter, r *http.Request) error {
	id, ok := pathID(r, "id")
	if !ok || a.Flow == nil {
		return errNotFound
	}
	row, err := a.Bookings.ReservationRow(r.Context(), id)
	if err != nil {
		return err
	}
	loc := berlin
	var f errs.Fields
	parse := func(name string) *time.Time {
		t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(r.PostFormValue(name)), loc)
		if err != nil {
			f.Add(name, "bk.err_datetime")
			return nil
		}
		return &t
	}
	pickup, ret := parse("pickup"), parse("return")
	if err := f.Err(); err != nil {
		a.reservationAgain(w, r, id, err, "")
		return nil
	}
	if _, err := a.Flow.Change(r.Context(), row.Number, booking.ChangeRequest{Pickup: pickup, Return: ret}); err != nil {
		a.reservationAgain(w, r, id, flowErr(err), "")
		return nil
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=period", id), http.StatusSeeOther)
	return nil
}

// flowErr keeps a declined payment on the page as a conflict message
// instead of an error page.
func flowErr(err error) error {
	if e, ok := errs.As(err); ok && (e.Kind == errs.KindPaymentDecline || e.Kind == errs.KindUnavailable) {
		c := *e
		c.Kind = errs.KindConflict
		return &c
	}
	return err
}

// PeriodValue renders an instant for a datetime-local input (Europe/Berlin).
func (v *view) PeriodValue(t time.Time) string { return t.In(berlin).Format("2006-01-02T15:04") }
