package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestSearchPageScopedAndRobust: the header's search finds a station's own
// contract by plate and never another station's or tenant's; any text a
// person can type renders a page (no 500, no "everything" list).
func TestSearchPageScopedAndRobust(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.login(stationEmail, password)
		if p := c.get("/admin/"); !strings.Contains(p.body, `id="global-search"`) || !strings.Contains(p.body, `action="/admin/search"`) {
			t.Fatal("no search box in the header")
		}
		reg := ce.res["reg"]
		p := c.post(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), handoverForm(c.get("/admin/contracts").csrf(t), true, "5010"))
		if p.status != http.StatusOK {
			t.Fatalf("handover: %d", p.status)
		}
		ct, err := ce.store.ContractByReservation(ce.sys(), reg.ID)
		must(t, err)

		p = c.get("/admin/search?q=" + url.QueryEscape("r-ct 11"))
		if p.status != http.StatusOK || !strings.Contains(p.body, fmt.Sprintf(`href="/admin/contracts/%d"`, ct.ID)) ||
			!strings.Contains(p.body, fmt.Sprintf(`href="/admin/reservations/%d"`, reg.ID)) || !strings.Contains(p.body, "Mietverträge") {
			t.Fatalf("own plate: %d %s", p.status, ctExcerpt(p.body, "search-"))
		}
		// Munich's car, the other tenant's car: not found for the Regensburg user
		for _, q := range []string{"R-CT 12", "R-CT 13", ce.res["muc"].Number} {
			if p := c.get("/admin/search?q=" + url.QueryEscape(q)); p.status != http.StatusOK || !strings.Contains(p.body, `id="search-none"`) {
				t.Errorf("%q: %d %s", q, p.status, ctExcerpt(p.body, "<h1"))
			}
		}
		for _, q := range []string{"%", "_", `\`, "'", `"><script>alert(1)</script>`, "🚗💥", strings.Repeat("x", 3000)} {
			p := c.get("/admin/search?q=" + url.QueryEscape(q))
			if p.status != http.StatusOK || !strings.Contains(p.body, `id="search-none"`) || strings.Contains(p.body, "<script>alert") {
				t.Errorf("%q: %d %s", q, p.status, ctExcerpt(p.body, "<h1"))
			}
		}
		if p := c.get("/admin/search?q=%C2%A0+%09"); p.status != http.StatusOK || strings.Contains(p.body, `id="search-results"`) {
			t.Errorf("empty search: %d", p.status)
		}
	})
}

// TestBrowserSearchPlateToContract is the counter's journey: signed in, the
// "/" key puts the cursor into the header's search box, a plate and Enter
// list the hits grouped, and a click on the contract opens it.
func TestBrowserSearchPlateToContract(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	c := ce.client(t)
	c.login(stationEmail, password)
	reg := ce.res["reg"]
	if p := c.post(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), handoverForm(c.get("/admin/contracts").csrf(t), true, "5010")); p.status != http.StatusOK {
		t.Fatalf("handover: %d", p.status)
	}
	ct, err := ce.store.ContractByReservation(ce.sys(), reg.ID)
	must(t, err)

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	step := testenv.StepFailer(t, ctx)
	browserSignIn(t, ctx, ce.env, stationEmail)
	step("wait for the box", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("global-search"))))
	// "/" as a real key press: one keyDown carrying the text (chromedp's
	// KeyEvent sends the character as a separate event that a page cannot
	// cancel, which no keyboard does)
	slash := input.DispatchKeyEventParams{Type: input.DispatchKeyEventTypeKeyDown, Key: "/", Code: "Slash", Text: "/",
		UnmodifiedText: "/", WindowsVirtualKeyCode: 191, NativeVirtualKeyCode: 191}
	_, err = chromedp.Call(ctx, input.DispatchKeyEvent, slash)
	step("slash", err)
	slash.Type, slash.Text, slash.UnmodifiedText = input.DispatchKeyEventTypeKeyUp, "", ""
	_, err = chromedp.Call(ctx, input.DispatchKeyEvent, slash)
	step("slash up", err)
	focused, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement ? document.activeElement.id : ""`))
	step("focus", err)
	if focused != "global-search" {
		t.Fatalf("after /, the focus is on %q", focused)
	}
	if typed, _ := chromedp.Run(ctx, chromedp.Value(chromedp.ID("global-search"))); typed != "" {
		t.Fatalf("the / went into the box: %q", typed)
	}
	step("type a plate and press Enter", chromedp.Do(ctx,
		chromedp.KeyEvent("r-ct 11"),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.ID("search-contracts"))))
	testenv.Screenshot(t, ctx, "search-results")
	groups, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#search-results h2")].map(h => h.textContent)`))
	step("groups", err)
	if strings.Join(groups, ",") != "Reservierungen,Mietverträge,Fahrzeuge" {
		t.Errorf("groups %v", groups)
	}
	var serious []string
	for _, v := range testenv.Axe(t, ctx) {
		if v.Serious() {
			serious = append(serious, v.String())
		}
	}
	if len(serious) > 0 {
		t.Errorf("serious accessibility violations:\n%s", strings.Join(serious, "\n"))
	}
	// arrow down from the box reaches the first hit
	step("arrow keys", chromedp.Do(ctx, chromedp.Focus(chromedp.ID("global-search")), chromedp.KeyEvent(kb.ArrowDown)))
	focused, err = chromedp.Run(ctx, chromedp.Evaluate[string](`document.activeElement.getAttribute("href") || ""`))
	step("focused hit", err)
	if focused != fmt.Sprintf("/admin/reservations/%d", reg.ID) {
		t.Errorf("arrow down focused %q", focused)
	}
	step("click the contract", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#search-contracts a`)),
		chromedp.WaitVisible(chromedp.ID("audit"))))
	testenv.Screenshot(t, ctx, "contract")
	h1, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("h1")))
	step("heading", err)
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	step("path", err)
	if path != fmt.Sprintf("/admin/contracts/%d", ct.ID) || !strings.Contains(h1, ct.Number) {
		t.Fatalf("arrived at %s, heading %q", path, h1)
	}
}
