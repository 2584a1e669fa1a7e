package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payment"
)

// TestAdminChangesAndCancelsPaidBooking: staff change the period of a paid
// online booking and then cancel it on the reservation page; the change is
// re-checked and saved, and the cancellation refunds the rent through the
// gateway with a credit note and releases the deposit — as the API does.
func TestAdminChangesAndCancelsPaidBooking(t *testing.T) {
	j := newJourney(t, 1)
	r := j.book("paul@example.de", "4111111111111111")
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed-"+step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	fail("sign in", j.signIn(ctx))
	newReturn := r.Return.Add(24 * time.Hour).In(berlinLoc()).Format("2006-01-02T15:04")
	fail("change period", chromedp.Do(ctx,
		chromedp.Navigate(fmt.Sprintf("%s/admin/reservations/%d", j.srv.URL, r.ID)),
		chromedp.WaitVisible(chromedp.ID("period-form")),
		chromedp.SetValue(chromedp.ID("f-return"), newReturn),
		chromedp.Click(chromedp.ID("period-save")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	))
	got, err := j.st.Reservation(j.sys(), r.ID)
	jm(t, err)
	if got.Return.In(berlinLoc()).Format("2006-01-02T15:04") != newReturn || got.Status != booking.StatusConfirmed {
		t.Fatalf("after the period change: return %v status %s", got.Return, got.Status)
	}
	testenv.Screenshot(t, ctx, "period-changed")

	fail("cancel", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#cancel-form input[name="confirm"]`)),
		chromedp.Submit(chromedp.CSS(`#cancel-form button`)),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	))
	testenv.Screenshot(t, ctx, "cancelled")
	got, err = j.st.Reservation(j.sys(), r.ID)
	jm(t, err)
	if got.Status != booking.StatusCancelled {
		t.Fatalf("status after cancel: %s", got.Status)
	}
	invs, err := j.st.ListInvoices(j.sys(), invoice.Filter{ReservationID: r.ID})
	jm(t, err)
	credit := false
	for _, x := range invs {
		credit = credit || x.Kind == invoice.KindCreditNote
	}
	if !credit {
		t.Fatalf("no credit note among %+v", invs)
	}
	recs, err := j.st.ListPayments(j.sys(), payment.RecordFilter{ReservationID: r.ID})
	jm(t, err)
	var charged, refunded int64
	for _, p := range recs {
		if p.Status != payment.StatusApproved {
			continue
		}
		switch p.Operation {
		case payment.OpSale, payment.OpTokenSale, payment.OpCapture:
			charged += p.Amount.Cents
		case payment.OpRefund:
			refunded += p.Amount.Cents
		}
	}
	if charged == 0 || refunded != charged {
		t.Fatalf("charged %d, refunded %d: a free cancellation refunds everything (%+v)", charged, refunded, recs)
	}
	// the simulator moved the same money back
	for order, b := range j.svc.sim.Server().Sim.Ledger() {
		if b.Net() != 0 {
			t.Errorf("order %s at the gateway: net %d after the cancellation", order, b.Net())
		}
	}
}
