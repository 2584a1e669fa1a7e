package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserPlanningDrag signs in as REG's station user, drags a
// reservation bar on the planning board onto another vehicle (saved), then
// onto a vehicle that is blocked in that period (refused: the message shows
// and the bar snaps back).
func TestBrowserPlanningDrag(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	w := seedBookings(t, e)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "planning-failed")
			t.Fatalf("%s: %v", step, err)
		}
	}
	// The shared browser may keep another test's language cookie (cookies
	// ignore the port): choose German first.
	// From the home screen by clicks: Planung shows the station's next two
	// weeks (the booking is on 07.12.).
	fail("sign in", chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/admin/lang?l=de"),
		chromedp.Navigate(e.srv.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), stationEmail),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("home-today-pickups")),
		chromedp.Click(chromedp.CSS(`#mainnav a[href="/admin/planning"]`)),
		chromedp.WaitVisible(chromedp.ID("board")),
	))
	poll := func(step string, a chromedp.Action[bool]) {
		t.Helper()
		_, err := chromedp.Run(ctx, a)
		fail(step, err)
	}
	barSel := fmt.Sprintf(`.bar[data-res="%d"]`, w.resReg.ID)
	poll("bar placed", chromedp.Poll[bool](`(function(){var b=document.querySelector('`+barSel+`');return !!b && b.style.left !== ""})()`))
	testenv.Screenshot(t, ctx, "01-board")

	type pt struct{ X, Y float64 }
	center := func(js string) pt {
		t.Helper()
		// the tablet-sized window may not show the whole board: bring it up
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){document.getElementById("board").scrollIntoView(true);return true})()`))
		fail("scroll", err)
		p, err := chromedp.Run(ctx, chromedp.Evaluate[pt](`(function(){var r=`+js+`.getBoundingClientRect();return {X:r.left+Math.min(20,r.width/2),Y:r.top+r.height/2}})()`))
		fail("locate", err)
		return p
	}
	dragTo := func(from, to pt) {
		t.Helper()
		acts := []chromedp.Action[chromedp.Void]{chromedp.MouseEvent(chromedp.MousePressed, from.X, from.Y, chromedp.ButtonLeft, chromedp.ClickCount(1))}
		for i := 1; i <= 8; i++ {
			f := float64(i) / 8
			acts = append(acts, chromedp.MouseEvent(chromedp.MouseMoved, from.X+(to.X-from.X)*f, from.Y+(to.Y-from.Y)*f, chromedp.ButtonLeft))
		}
		acts = append(acts, chromedp.MouseEvent(chromedp.MouseReleased, to.X, to.Y, chromedp.ButtonLeft, chromedp.ClickCount(1)))
		fail("drag", chromedp.Do(ctx, acts...))
	}
	trackOf := func(vid int64) string { return fmt.Sprintf(`document.querySelector('.bt[data-vehicle="%d"]')`, vid) }

	// 1. drag onto R-AB 102 (same day): saved
	from := center(`document.querySelector('` + barSel + `')`)
	to := pt{from.X, center(trackOf(w.reg2.ID)).Y}
	dragTo(from, to)
	poll("moved message", chromedp.Poll[bool](`document.getElementById("board-msg").textContent.indexOf("verschoben") >= 0`))
	poll("bar in new row", chromedp.Poll[bool](fmt.Sprintf(`!!document.querySelector('.bt[data-vehicle="%d"] %s')`, w.reg2.ID, barSel)))
	if r, _ := e.store.Reservation(e.sys(), w.resReg.ID); r.VehicleID != w.reg2.ID || !r.Pickup.Equal(w.pickup) {
		t.Fatalf("after drag: %+v", r)
	}
	testenv.Screenshot(t, ctx, "02-moved")

	// 2. R-AB 101 gets blocked meanwhile (another user); dragging back is refused
	must(t, e.store.Allocate(e.sys(), &fleet.Allocation{VehicleID: w.reg1.ID, Start: w.pickup.Add(-24 * time.Hour), End: w.pickup.Add(72 * time.Hour), Kind: fleet.AllocBlock, Note: "Unfall"}))
	from = center(`document.querySelector('` + barSel + `')`)
	to = pt{from.X, center(trackOf(w.reg1.ID)).Y}
	dragTo(from, to)
	poll("conflict message", chromedp.Poll[bool](`document.getElementById("board-msg").textContent.indexOf("schon belegt") >= 0`))
	poll("bar snapped back", chromedp.Poll[bool](fmt.Sprintf(`!!document.querySelector('.bt[data-vehicle="%d"] %s') && document.querySelector('%s').style.transform === ""`, w.reg2.ID, barSel, barSel)))
	if r, _ := e.store.Reservation(e.sys(), w.resReg.ID); r.VehicleID != w.reg2.ID {
		t.Fatalf("refused drag changed the booking: %+v", r)
	}
	testenv.Screenshot(t, ctx, "03-refused")
}
