package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/job"
)

// TestBrowserNeedsAttention: the pending-booking job crashed on a booking.
// In headless Chromium the administrator finds it on the dashboard under
// "Braucht Aufmerksamkeit", follows the link to the booking, sees the note
// there with the reference, asks for another attempt now, and removes the
// note; a station user sees the note on the booking's page without the
// buttons.
func TestBrowserNeedsAttention(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	reg := ce.res["reg"]
	r := &job.Runner{Store: ce.store, Log: slog.New(slog.DiscardHandler), Now: ce.clk.Now}
	_ = r.Item(context.Background(), "booking.finish_pending", job.Subject{Kind: job.KindReservation, ID: reg.ID, TenantID: ce.tenant.ID},
		func() error { panic("test: the booking's invoice crashes") })
	list, err := ce.store.JobAttention(ce.sys(), []job.Subject{{Kind: job.KindReservation, ID: reg.ID}})
	if err != nil || len(list) != 1 {
		t.Fatalf("attention %+v %v", list, err)
	}
	ref := list[0].Ref

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed")
			t.Fatalf("%s: %v", step, err)
		}
	}
	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		fail("read "+sel, err)
		return s
	}
	browserSignIn(t, ctx, ce.env, adminEmail)
	fail("dashboard", chromedp.Do(ctx, chromedp.Navigate(ce.srv.URL+"/admin/"), chromedp.WaitVisible(chromedp.ID("attention"))))
	if got := text("#attention"); !strings.Contains(got, "Braucht Aufmerksamkeit") || !strings.Contains(got, "Buchung "+reg.Number) ||
		!strings.Contains(got, "Die Buchung konnte nicht automatisch abgeschlossen werden") || !strings.Contains(got, ref) {
		t.Fatalf("dashboard note: %q", got)
	}
	testenv.Screenshot(t, ctx, "01-dashboard")

	fail("open the booking", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#attention a[href="/admin/reservations/%d"]`, reg.ID))),
		chromedp.WaitVisible(chromedp.ID("res-status")),
		chromedp.WaitVisible(chromedp.ID("attention")),
	))
	if got := text("#attention"); !strings.Contains(got, "Interner Fehler (Referenz "+ref+")") {
		t.Fatalf("booking page note: %q", got)
	}
	testenv.Screenshot(t, ctx, "02-booking")

	fail("try again now", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#attention form[action$="/retry"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice`)),
	))
	if got := text("p.notice"); got != "Die Aufgabe versucht es bei ihrem nächsten Lauf erneut." {
		t.Errorf("notice after retry: %q", got)
	}
	sys := ce.sys()
	if held, _ := ce.store.HeldJobItems(sys, "booking.finish_pending", job.KindReservation); held[reg.ID] {
		t.Error("the booking is still held back after \"Jetzt erneut versuchen\"")
	}
	fail("remove the note", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#attention form[action$="/dismiss"] button`)),
		chromedp.WaitNotPresent(chromedp.ID("attention")),
		chromedp.WaitVisible(chromedp.ID("res-status")),
	))
	testenv.Screenshot(t, ctx, "03-removed")
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#attention").length`))
	fail("count notes", err)
	loc, err := chromedp.Run(ctx, chromedp.Location())
	fail("location", err)
	if n != 0 || !strings.Contains(loc, fmt.Sprintf("/admin/reservations/%d?att=dismissed", reg.ID)) || text("p.notice") != "Der Hinweis wurde entfernt." {
		t.Fatalf("after removing: %d notes on %s", n, loc)
	}

	// a station user sees the note on the booking, without the buttons
	_ = r.Item(context.Background(), "booking.finish_pending", job.Subject{Kind: job.KindReservation, ID: reg.ID, TenantID: ce.tenant.ID},
		func() error { panic("test: again") })
	c := ce.client(t)
	c.mustLogin(stationEmail)
	p := c.get(fmt.Sprintf("/admin/reservations/%d", reg.ID))
	if !strings.Contains(p.body, "Braucht Aufmerksamkeit") || strings.Contains(p.body, "/retry") {
		t.Errorf("station user's booking page: note shown %v, buttons shown %v",
			strings.Contains(p.body, "Braucht Aufmerksamkeit"), strings.Contains(p.body, "/retry"))
	}
}
