package web_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestBrowserStationUser drives the admin UI in headless Chromium: a station
// user opens the stations page (signing in on the way), edits the opening
// hours, adds a holiday through htmx, saves, and switches to English.
func TestBrowserStationUser(t *testing.T) {
	e := newEnv(t, "sqlite", nil)
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 3*time.Minute)
	defer cancel()
	fail := func(step string, err error) {
		t.Helper()
		if err != nil {
			testenv.Screenshot(t, tab, "failed")
			t.Fatalf("%s: %v", step, err)
		}
	}

	// An unauthenticated visit goes to the login page and comes back after it.
	fail("open stations", chromedp.Do(ctx,
		chromedp.Navigate(e.srv.URL+"/admin/stations"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), stationEmail),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.CSS("table.list")),
	))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	fail("location", err)
	if want := e.srv.URL + "/admin/stations"; loc != want {
		t.Fatalf("after sign-in at %s, want %s", loc, want)
	}
	rows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("tr[data-station]").length`))
	fail("count rows", err)
	if rows != 1 {
		t.Fatalf("station user sees %d stations, want 1", rows)
	}
	testenv.Screenshot(t, ctx, "01-stations")

	hoursTue := chromedp.CSS(`input[name="hours.tue"]`)
	fail("open station", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/stations/%d"]`, e.reg.ID))),
		chromedp.WaitVisible(chromedp.ID("station-form")),
	))
	// SetValue(sel, "") is refused by chromedp v0.23.0 (the empty argument
	// comes back different), so the field is cleared by script.
	fail("clear hours", chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](`document.querySelector('input[name="hours.tue"]').value = ""`)))
	fail("edit hours", chromedp.Do(ctx,
		chromedp.SendKeys(hoursTue, "07:00-12:00, 13:00-17:30"),
		// htmx appends an exception row (checks htmx runs under the CSP).
		chromedp.Click(chromedp.ID("exc-add")),
		chromedp.WaitVisible(chromedp.CSS(`#exc-rows tr.exc-row input[type="date"]`)),
		chromedp.SetValue(chromedp.CSS(`#exc-rows tr.exc-row input[type="date"]`), "2026-12-24"),
		chromedp.Click(chromedp.CSS(`#exc-rows tr.exc-row input[type="checkbox"]`)),
		chromedp.SendKeys(chromedp.CSS(`#exc-rows tr.exc-row input[name$=".note"]`), "Heiligabend"),
	))
	testenv.Screenshot(t, ctx, "02-edit")
	fail("save", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("station-save")),
		chromedp.WaitVisible(chromedp.CSS("p.notice")),
	))
	testenv.Screenshot(t, ctx, "03-saved")
	got, err := chromedp.Run(ctx, chromedp.Value(hoursTue))
	fail("read hours", err)
	if got != "07:00-12:00, 13:00-17:30" {
		t.Fatalf("form shows tuesday %q after save", got)
	}
	st, err := e.store.Station(e.sys(), e.reg.ID)
	must(t, err)
	if h := tenancy.FormatSpans(st.Hours[time.Tuesday]); h != "07:00-12:00, 13:00-17:30" {
		t.Fatalf("saved tuesday %q", h)
	}
	if len(st.Exceptions) != 1 || st.Exceptions[0].Date != "2026-12-24" || !st.Exceptions[0].Closed || st.Exceptions[0].Note != "Heiligabend" {
		t.Fatalf("saved exceptions %+v", st.Exceptions)
	}

	// The switch posts and redirects back: wait for that navigation.
	fail("open the account menu", chromedp.Do(ctx, chromedp.Click(chromedp.ID("account-toggle")), chromedp.WaitVisible(chromedp.ID("lang-switch"))))
	_, err = chromedp.RunResponse(ctx, chromedp.Click(chromedp.ID("lang-switch")))
	fail("switch to English", err)
	fail("English page", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("station-form"))))
	lang, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.documentElement.lang`))
	fail("read lang", err)
	if lang != "en" {
		t.Fatalf("page language %q after switch", lang)
	}
	logout, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.ID("logout"), chromedp.NodeReady))
	fail("read logout", err)
	legend, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll("legend")].map(l => l.textContent).join("|")`))
	fail("read legends", err)
	testenv.Screenshot(t, ctx, "04-english")
	if logout != "Sign out" || legend != "Name|Address|Contact|Opening hours|Exceptions and holidays" {
		t.Fatalf("after switch: logout %q, legends %q", logout, legend)
	}
}
