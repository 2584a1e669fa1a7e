package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserWorkshopRefAfterBooking: a counter rental has no workshop
// order. From the home screen staff open its reservation by clicking
// (Reservierungen → Alle Tage → the booking), enter the workshop order,
// see it saved and in the history, go to the contract and find it there
// in the summary and in its form; axe finds nothing serious on either
// page.
func TestBrowserWorkshopRefAfterBooking(t *testing.T) {
	ce, _, ct, _ := handedOver(t, store.SQLite)
	reg := ce.res["reg"]
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 90*time.Second)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed-workshop-ref-"+step)
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		fail("read "+sel, err)
		return s
	}
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail("open the reservation", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/reservations"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href^="/admin/reservations?day=all"]`)),
		chromedp.Click(chromedp.CSS(`a[href^="/admin/reservations?day=all"]`)),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`a[href="/admin/reservations/%d"]`, reg.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/reservations/%d"]`, reg.ID))),
		chromedp.WaitVisible(chromedp.ID("workshop-form")),
	))
	testenv.AxeClean(t, ctx, "reservation with the workshop order form")
	fail("set the workshop order", chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("f-workshop_ref"), "WA-24117"),
		chromedp.Click(chromedp.ID("workshop-save")),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	))
	if got := text("p.notice"); got != "Der Werkstattauftrag wurde gespeichert." {
		t.Errorf("notice: %q", got)
	}
	if got := text("#audit-list"); !strings.Contains(got, "Werkstattauftrag WA-24117 eingetragen") {
		t.Errorf("history: %q", got)
	}
	testenv.Screenshot(t, ctx, "workshop-ref-reservation")
	fail("open the contract", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("res-contract")),
		chromedp.WaitVisible(chromedp.ID("workshop-form")),
	))
	if got := text("p.summary"); !strings.Contains(got, "Werkstattauftrag: WA-24117") {
		t.Errorf("contract summary: %q", got)
	}
	val, err := chromedp.Run(ctx, chromedp.Value(chromedp.ID("f-workshop_ref")))
	fail("read the form", err)
	if val != "WA-24117" {
		t.Errorf("contract's form holds %q", val)
	}
	if got := text("#audit-list"); !strings.Contains(got, "Werkstattauftrag WA-24117 eingetragen") {
		t.Errorf("contract history: %q", got)
	}
	testenv.AxeClean(t, ctx, "contract with the workshop order")
	testenv.Screenshot(t, ctx, "workshop-ref-contract")
	if c, err := ce.store.Contract(ce.sys(), ct.ID); err != nil || c.ReservationID != reg.ID {
		t.Fatalf("contract %+v %v", c, err)
	}
}
