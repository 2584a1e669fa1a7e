package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// browserSignIn opens the login page in German and signs in as email.
func browserSignIn(t *testing.T, ctx context.Context, e *env, email string) {
	t.Helper()
	// The shared browser may keep another test's language cookie (cookies
	// ignore the port): choose German first.
	if err := chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/admin/lang?l=de"),
		chromedp.Navigate(e.srv.URL+"/admin/login"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), email),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.CSS("header.topbar")),
	); err != nil {
		testenv.Screenshot(t, ctx, "signin-failed")
		t.Fatalf("sign in as %s: %v", email, err)
	}
}

// TestBrowserPlanningKeyboard moves a reservation on the planning board with
// the keyboard only, on both databases: Tab to the bar, Space picks it up,
// arrows move it (announced in the live region), Escape cancels (nothing
// saved); a refresh that arrives while it is picked up does not replace it
// and new refreshes are held back; axe finds nothing serious with a bar
// picked up; Arrow Down + Arrow Right + Enter saves it one vehicle down and
// one day later; a move onto a vehicle blocked meanwhile is refused,
// announced, and changes nothing; the focus stays on the bar across board
// swaps; in the hours view an arrow step is one hour.
func TestBrowserPlanningKeyboard(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		tab := testenv.Browser(t)
		ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
		defer cancel()
		fail := func(step string, err error) {
			t.Helper()
			if err != nil {
				testenv.Screenshot(t, tab, "keys-failed")
				t.Fatalf("%s: %v", step, err)
			}
		}
		poll := func(step, js string) {
			t.Helper()
			_, err := chromedp.Run(ctx, chromedp.Poll[bool](js, chromedp.WithPollingTimeout(20*time.Second)))
			if err != nil {
				live, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.getElementById("board-live").textContent + " | " + document.getElementById("board-msg").textContent`))
				fail(step, fmt.Errorf("%w (live region and message: %q)", err, live))
			}
		}
		press := func(step string, keys ...string) {
			t.Helper()
			for _, k := range keys {
				fail(step, chromedp.Do(ctx, chromedp.KeyEvent(k)))
			}
		}
		stored := func() (int64, time.Time) {
			t.Helper()
			r, err := e.store.Reservation(e.sys(), w.resReg.ID)
			must(t, err)
			return r.VehicleID, r.Pickup
		}
		barSel := fmt.Sprintf(`.bar[data-res="%d"]`, w.resReg.ID)
		bar := `document.querySelector('` + barSel + `')`
		focused := `document.activeElement === ` + bar
		liveHas := func(s string) string {
			return fmt.Sprintf(`document.getElementById("board-live").textContent.indexOf(%q) >= 0`, s)
		}
		inRow := func(vid int64) string {
			return fmt.Sprintf(`!!document.querySelector('.bt[data-vehicle="%d"] %s')`, vid, barSel)
		}

		browserSignIn(t, ctx, e, stationEmail)
		fail("open board", chromedp.Do(ctx,
			chromedp.Navigate(fmt.Sprintf("%s/admin/planning?station=%d&from=2026-12-06&days=14", e.srv.URL, e.reg.ID)),
			chromedp.WaitVisible(chromedp.ID("board")),
		))
		poll("bar placed", `(function(){var b=`+bar+`;return !!b && b.style.left !== ""})()`)
		help, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("plan-keys-help")))
		fail("read hint", err)
		if !strings.Contains(help, "Leertaste") || !strings.Contains(help, "Escape") {
			t.Fatalf("on-page keyboard hint %q", help)
		}

		// Tab from the last link above the board reaches the bar.
		fail("focus zoom link", chromedp.Do(ctx, chromedp.Focus(chromedp.ID("zoom-hours"))))
		for i := 0; i < 10; i++ {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](focused))
			fail("read focus", err)
			if ok {
				break
			}
			press("tab", kb.Tab)
		}
		poll("bar focused by Tab", focused)

		// Space picks it up; arrows move it; Escape cancels.
		press("pick up", " ")
		poll("picked announced", liveHas("aufgenommen")+` && `+bar+`.classList.contains("picked")`)
		press("move", kb.ArrowDown, kb.ArrowRight)
		poll("moved announced", liveHas("R-AB 102")+` && `+liveHas("08.12.2026")+` && `+bar+`.style.transform !== ""`+
			fmt.Sprintf(` && document.querySelector('.bt[data-vehicle="%d"]').classList.contains("drop")`, w.reg2.ID))
		testenv.Screenshot(t, ctx, "01-keys-picked")
		press("escape", kb.Escape)
		poll("cancelled", liveHas("abgebrochen")+` && `+bar+`.style.transform === "" && !`+bar+`.classList.contains("picked") && !document.querySelector(".bt.drop") && `+focused)
		if vid, at := stored(); vid != w.reg1.ID || !at.Equal(w.pickup) {
			t.Fatalf("Escape changed the booking: vehicle %d, pickup %s", vid, at)
		}

		// A refresh already on its way when the bar is picked up does not
		// replace it; a refresh due while it is picked up is not sent.
		type refresh struct{ FirstSent, Kept, Picked, SecondSent bool }
		got, err := chromedp.Run(ctx, chromedp.Evaluate[refresh](`(async function(){
			var b = `+bar+`, url = "/admin/planning/board?" + document.getElementById("board").getAttribute("data-q");
			b.__kept = true;
			var sent = 0, count = function(){ sent++ };
			document.addEventListener("htmx:beforeSend", count);
			var p = htmx.ajax("GET", url, {source: "#board", target: "#board", swap: "outerHTML"});
			var first = sent > 0;
			b.dispatchEvent(new KeyboardEvent("keydown", {key: " ", bubbles: true, cancelable: true}));
			await p;
			await new Promise(function(r){ setTimeout(r, 50) });
			sent = 0;
			await htmx.ajax("GET", url, {source: "#board", target: "#board", swap: "outerHTML"});
			document.removeEventListener("htmx:beforeSend", count);
			var now = `+bar+`;
			return {FirstSent: first, Kept: !!now && now.__kept === true, Picked: !!now && now.classList.contains("picked"), SecondSent: sent > 0};
		})()`, chromedp.EvalAwaitPromise))
		fail("refresh while picked", err)
		if got != (refresh{FirstSent: true, Kept: true, Picked: true, SecondSent: false}) {
			t.Fatalf("refresh while a bar is picked up: %+v", got)
		}

		// Down one vehicle, one day later, axe on the picked-up state, Enter saves.
		press("move", kb.ArrowDown, kb.ArrowRight)
		poll("moved announced", liveHas("R-AB 102")+` && `+liveHas("08.12.2026"))
		for _, v := range testenv.Axe(t, ctx) {
			if v.Serious() {
				testenv.Screenshot(t, ctx, "axe-picked")
				t.Errorf("axe with a bar picked up: %s", v)
			}
		}
		press("drop", kb.Enter)
		poll("saved and announced", `document.getElementById("board-msg").textContent.indexOf("verschoben") >= 0 && `+liveHas("verschoben"))
		poll("bar in new row, focused", inRow(w.reg2.ID)+` && `+focused)
		if vid, at := stored(); vid != w.reg2.ID || !at.Equal(w.pickup.Add(24*time.Hour)) {
			t.Fatalf("after keyboard move: vehicle %d pickup %s, want %d at %s", vid, at, w.reg2.ID, w.pickup.Add(24*time.Hour))
		}
		testenv.Screenshot(t, ctx, "02-keys-moved")

		// R-AB 101 gets blocked meanwhile: moving back up is refused.
		must(t, e.store.Allocate(e.sys(), &fleet.Allocation{VehicleID: w.reg1.ID, Start: w.pickup.Add(-24 * time.Hour),
			End: w.pickup.Add(96 * time.Hour), Kind: fleet.AllocBlock, Note: "Unfall"}))
		press("pick up again", " ")
		poll("picked again", liveHas("aufgenommen"))
		press("up", kb.ArrowUp)
		poll("up announced", liveHas("R-AB 101"))
		press("drop", kb.Enter)
		poll("refusal announced", liveHas("schon belegt"))
		poll("bar back, focused", inRow(w.reg2.ID)+` && `+bar+`.style.transform === "" && `+focused)
		if vid, at := stored(); vid != w.reg2.ID || !at.Equal(w.pickup.Add(24*time.Hour)) {
			t.Fatalf("refused keyboard move changed the booking: vehicle %d pickup %s", vid, at)
		}
		testenv.Screenshot(t, ctx, "03-keys-refused")

		// At the last vehicle there is nowhere further down.
		press("pick up", " ")
		poll("picked", liveHas("aufgenommen"))
		press("down", kb.ArrowDown)
		poll("edge announced", liveHas("Kein weiteres Fahrzeug"))
		press("escape", kb.Escape)
		poll("cancelled", liveHas("abgebrochen"))

		// An ordinary refresh keeps the keyboard focus on the bar.
		_, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`(async function(){ `+bar+`.__old = true;
			await htmx.ajax("GET", "/admin/planning/board?" + document.getElementById("board").getAttribute("data-q"), {source: "#board", target: "#board", swap: "outerHTML"});
			return true })()`, chromedp.EvalAwaitPromise))
		fail("refresh", err)
		poll("focus kept after refresh", focused+` && !`+bar+`.__old`)

		// In the hours view an arrow step is one hour, as a drag snaps.
		fail("open hours view", chromedp.Do(ctx,
			chromedp.Navigate(fmt.Sprintf("%s/admin/planning?station=%d&from=2026-12-08&days=2&zoom=hours", e.srv.URL, e.reg.ID)),
			chromedp.WaitVisible(chromedp.ID("board")),
		))
		poll("bar placed in hours view", `(function(){var b=`+bar+`;return !!b && b.style.left !== ""})()`)
		fail("focus bar", chromedp.Do(ctx, chromedp.Focus(chromedp.CSS(barSel))))
		press("pick up", " ")
		poll("picked", liveHas("aufgenommen"))
		press("one hour later", kb.ArrowRight)
		poll("hour announced", liveHas("08.12.2026, 10:00"))
		press("drop", kb.Enter)
		poll("saved", liveHas("verschoben"))
		if vid, at := stored(); vid != w.reg2.ID || !at.Equal(w.pickup.Add(25*time.Hour)) {
			t.Fatalf("after a keyboard hour step: vehicle %d pickup %s", vid, at)
		}
	})
}

// TestBrowserTabletNoSideScroll opens the admin pages as the administrator
// (the longest navigation) at tablet sizes — 768×1024 portrait, 1024×768 and
// 1280×800 landscape — in German and English: no page scrolls sideways. Below
// 1100 px and on the handover form the navigation sits behind the menu
// button (one-row bar; the opened menu stays inside the window, Escape
// closes it); on wider screens it wraps in the bar.
func TestBrowserTabletNoSideScroll(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	browserSignIn(t, ctx, ce.env, adminEmail)
	handover := fmt.Sprintf("/admin/reservations/%d/handover", ce.res["reg"].ID)
	pages := []string{
		handover, fmt.Sprintf("/admin/planning?station=%d", ce.reg.ID),
		"/admin/", "/admin/stations", "/admin/vehicles", "/admin/reservations", "/admin/contracts",
		"/admin/customers", "/admin/emails", "/admin/reports", "/admin/settings", "/admin/users", "/admin/invoices",
	}
	type dims struct {
		Scroll, Inner, Bar float64
		Toggle, Nav        bool // visible
	}
	const measure = `(function(){
		var vis = function(e){ return !!e && e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden" };
		return {Scroll: document.documentElement.scrollWidth, Inner: window.innerWidth,
			Bar: document.querySelector("header.topbar").getBoundingClientRect().height,
			Toggle: vis(document.getElementById("nav-toggle")), Nav: vis(document.getElementById("mainnav"))} })()`
	for _, size := range [][2]int64{{768, 1024}, {1024, 768}, {1280, 800}} {
		for _, lang := range []string{"de", "en"} {
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1]), chromedp.Navigate(ce.srv.URL+"/admin/lang?l="+lang)); err != nil {
				t.Fatal(err)
			}
			for _, p := range pages {
				if err := chromedp.Do(ctx, chromedp.Navigate(ce.srv.URL+p), chromedp.WaitVisible(chromedp.CSS("header.topbar"))); err != nil {
					t.Fatalf("open %s: %v", p, err)
				}
				d, err := chromedp.Run(ctx, chromedp.Evaluate[dims](measure))
				if err != nil {
					t.Fatal(err)
				}
				if p == handover || p == pages[1] {
					t.Logf("MEASURE %d×%d %s %s: scrollWidth %.0f, innerWidth %.0f, top bar %.0f px high", size[0], size[1], lang, p, d.Scroll, d.Inner, d.Bar)
				}
				if d.Scroll > d.Inner {
					testenv.Screenshot(t, ctx, fmt.Sprintf("sidescroll-%d-%s", size[0], lang))
					t.Errorf("%s at %d×%d (%s) scrolls sideways: scrollWidth %.0f > innerWidth %.0f", p, size[0], size[1], lang, d.Scroll, d.Inner)
				}
				collapsed := size[0] < 1100 || p == handover
				if d.Toggle != collapsed || d.Nav == collapsed {
					t.Errorf("%s at %d×%d: menu button visible %v, navigation visible %v; want the navigation collapsed: %v", p, size[0], size[1], d.Toggle, d.Nav, collapsed)
				}
				// at 1280 px the whole navigation (daily pages, the
				// "Verwaltung" menu, search, account) is one row
				if !collapsed && d.Bar > 64 {
					testenv.Screenshot(t, ctx, fmt.Sprintf("navrows-%d-%s", size[0], lang))
					t.Errorf("%s at %d×%d (%s): the top bar is %.0f px high: the navigation does not fit one row", p, size[0], size[1], lang, d.Bar)
				}
				if collapsed && d.Bar > 120 {
					t.Errorf("%s at %d×%d: the top bar with the collapsed navigation is %.0f px high", p, size[0], size[1], d.Bar)
				}
			}
		}
	}
	// The menu button opens the navigation inside the window; Escape closes it.
	for _, size := range [][2]int64{{768, 1024}, {1280, 800}} {
		type menu struct {
			Open                 bool
			Links                int
			Right, Inner, Bottom float64
			Height               float64
		}
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(size[0], size[1]), chromedp.Navigate(ce.srv.URL+handover),
			chromedp.WaitVisible(chromedp.ID("nav-toggle")), chromedp.Click(chromedp.ID("nav-toggle")),
			chromedp.WaitVisible(chromedp.CSS(`#mainnav a[href="/admin/planning"]`))); err != nil {
			testenv.Screenshot(t, ctx, "menu-failed")
			t.Fatalf("open the menu at %d: %v", size[0], err)
		}
		testenv.Screenshot(t, ctx, fmt.Sprintf("menu-open-%d", size[0]))
		const open = `(function(){ var n = document.getElementById("mainnav"), r = n.getBoundingClientRect();
			return {Open: n.matches(":popover-open"), Links: [...n.querySelectorAll("a")].filter(a => a.getClientRects().length > 0).length,
				Right: r.right, Inner: window.innerWidth, Bottom: r.bottom, Height: window.innerHeight} })()`
		m, err := chromedp.Run(ctx, chromedp.Evaluate[menu](open))
		if err != nil {
			t.Fatal(err)
		}
		if !m.Open || m.Links < 10 || m.Right > m.Inner || m.Bottom > m.Height {
			t.Fatalf("open menu at %d: %+v", size[0], m)
		}
		if err := chromedp.Do(ctx, chromedp.KeyEvent(kb.Escape)); err != nil {
			t.Fatal(err)
		}
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](`!document.getElementById("mainnav").matches(":popover-open")`,
			chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("Escape does not close the menu at %d: %v", size[0], err)
		}
	}
}
