package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// BookingFlow changes and cancels paid bookings with their money: re-checked
// availability, re-pricing, charges or refunds through the gateway, credit
// notes and e-mails (booking.Service). Without it, staff can only cancel
// bookings on which no money was taken.
type BookingFlow interface {
	Change(ctx context.Context, number string, ch booking.ChangeRequest) (booking.Details, error)
	Cancel(ctx context.Context, number string) (booking.Cancellation, error)
	// NotifyChange sends the customer the new period of a confirmed booking
	// that staff moved on the planning board, with the updated calendar file.
	NotifyChange(ctx context.Context, number string) error
}

// reservationCancelPaid cancels a booking on which money was taken through
// the booking flow: refund minus the tenant's fee, credit note, deposit
// released, cancellation e-mail.
func (a *app) reservationCancelPaid(w http.ResponseWriter, r *http.Request, row booking.Row) {
	c, err := a.Flow.Cancel(r.Context(), row.Number)
	if err != nil {
		a.reservationAgain(w, r, row.ID, flowErr(err), "")
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=cancel&refund=%d&fee=%d", row.ID, c.RefundCents, c.FeeCents), http.StatusSeeOther)
}

// reservationPeriod changes pickup and return of a booking before pickup:
// availability re-checked, re-priced, the difference charged or refunded.
func (a *app) reservationPeriod(w http.ResponseWriter, r *http.Request) {
	id, ok := pathID(r, "id")
	if !ok || a.Flow == nil {
		a.errorPage(w, r, http.StatusNotFound, "")
		return
	}
	row, err := a.Bookings.ReservationRow(r.Context(), id)
	if err != nil {
		a.fail(w, r, err)
		return
	}
	lang := reqCtx(r).lang
	loc := berlin
	var f errs.Fields
	parse := func(name string) *time.Time {
		t, err := time.ParseInLocation("2006-01-02T15:04", strings.TrimSpace(r.PostFormValue(name)), loc)
		if err != nil {
			f.Add(name, locale.Key(translate(lang, "bk.err_datetime")))
			return nil
		}
		return &t
	}
	pickup, ret := parse("pickup"), parse("return")
	if err := f.Err(); err != nil {
		a.reservationAgain(w, r, id, err, "")
		return
	}
	if _, err := a.Flow.Change(r.Context(), row.Number, booking.ChangeRequest{Pickup: pickup, Return: ret}); err != nil {
		a.reservationAgain(w, r, id, flowErr(err), "")
		return
	}
	http.Redirect(w, r, fmt.Sprintf("/admin/reservations/%d?done=period", id), http.StatusSeeOther)
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
