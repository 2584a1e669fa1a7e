package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserFinesSearch: from the home screen a station user goes to the
// vehicles, opens "Wer fuhr?", types the plate and the time of the offence
// and sees the contract with the driver and the licence check.
func TestBrowserFinesSearch(t *testing.T) {
	ce, _, ct, _ := handedOver(t, "sqlite")
	when := ce.clk.Now().Add(10 * time.Minute).In(ce.reg.Location()).Format("2006-01-02T15:04")

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
	fail("sign in", chromedp.Do(ctx,
		chromedp.Navigate(ce.srv.URL+"/admin/"),
		chromedp.WaitVisible(chromedp.ID("f-email")),
		chromedp.SendKeys(chromedp.ID("f-email"), stationEmail),
		chromedp.SendKeys(chromedp.ID("f-password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/admin/vehicles"]`)),
	))
	fail("search", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/vehicles"]`)),
		chromedp.WaitVisible(chromedp.ID("fines-link")),
		chromedp.Click(chromedp.ID("fines-link")),
		chromedp.WaitVisible(chromedp.ID("fines-form")),
		chromedp.SendKeys(chromedp.ID("f-plate"), "r-ct 11"),
		// the date-time picker's typing order depends on the browser's
		// locale: its value is set as a picker would
		chromedp.SetValue(chromedp.ID("f-at"), when),
		chromedp.Click(chromedp.ID("fines-search")),
		chromedp.WaitVisible(chromedp.ID("fines-result")),
	))
	testenv.Screenshot(t, ctx, "01-found")
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("fines-result")))
	fail("read", err)
	for _, want := range []string{ct.Number, "Eva Muster", "B072RRE2I55", "Stefan Station", "Weg 1", "93047 Regensburg"} {
		if !strings.Contains(text, want) {
			t.Fatalf("result lacks %q:\n%s", want, text)
		}
	}
}
