package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserVehicleHistory: after a handover and return, a station user
// signs in on the home screen, goes to the vehicles, opens the car, opens
// its history (the use with km out/in and the driver) and exports it.
func TestBrowserVehicleHistory(t *testing.T) {
	ce, c, ct, _ := handedOver(t, "sqlite")
	ce.clk.Advance(20 * time.Minute)
	returned(t, c, ct.ID, "5120")
	vid := ce.res["reg"].VehicleID

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
	fail("vehicles", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/admin/vehicles"]`)),
		chromedp.WaitVisible(chromedp.ID("vehicle-filter")),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`a[href="/admin/vehicles/%d"]`, vid))),
		chromedp.WaitVisible(chromedp.ID("vehicle-history")),
		chromedp.Click(chromedp.ID("vehicle-history")),
		chromedp.WaitVisible(chromedp.ID("use-list")),
	))
	testenv.Screenshot(t, ctx, "01-history")
	uses, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("use-list")))
	fail("read uses", err)
	for _, want := range []string{ct.Number, "Eva Muster", "5.000 km", "5.120 km", "120 km"} {
		if !strings.Contains(uses, want) {
			t.Fatalf("uses lack %q:\n%s", want, uses)
		}
	}
	// the export link downloads the CSV (fetched as the link points, with the session)
	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById("history-csv").href).then(r => r.text())`, chromedp.EvalAwaitPromise))
	fail("export", err)
	if !strings.Contains(csv, "Zeitpunkt;Ereignis;") || !strings.Contains(csv, ";Rücknahme;"+ct.Number+";Vermietung;Eva Muster;5.120;") {
		t.Fatalf("export:\n%s", csv)
	}
}
