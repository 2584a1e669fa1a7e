package web_test

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserStartLogAndPrint: from the home screen a station user starts
// a test drive by clicking, goes back to the home screen, opens the test
// drive from today's pickups and reads its change log ("Probefahrt für …
// angelegt"), then prints it: the printout is headed "Probefahrt B26-…",
// shows no expected rental price and nowhere says "Reservierung".
// Screenshots of the page and the printout are kept in the artifacts.
func TestBrowserStartLogAndPrint(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	ret := ce.clk.Now().Add(45 * time.Minute).In(berlinLoc).Format("2006-01-02T15:04") // before the car's next booking
	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	fail := testenv.Steps(t, tab, "start-log-print")
	text := func(step, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		fail(step, err)
		return strings.Join(strings.Fields(s), " ")
	}
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail("start form", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(chromedp.ID("home-test-drive")),
		chromedp.Click(chromedp.ID("home-test-drive")),
		chromedp.WaitVisible(chromedp.ID("use-form")),
	))
	for i, act := range testDriveSteps(ce.res["reg"].VehicleID, ret) {
		fail(fmt.Sprintf("start step %d", i), chromedp.Do(ctx, act))
	}
	loc, err := chromedp.Run(ctx, chromedp.Location())
	fail("handover location", err)
	m := regexp.MustCompile(`/admin/reservations/(\d+)/handover$`).FindStringSubmatch(loc)
	if m == nil {
		t.Fatalf("after the start: %s, want its handover", loc)
	}
	// back home: today's pickups list the test drive; open it from there
	row := fmt.Sprintf(`#home-today-pickups tr[data-res="%s"]`, m[1])
	fail("open from home", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`a.brand`)),
		chromedp.WaitVisible(chromedp.CSS(row)),
		chromedp.Click(chromedp.CSS(row+` td.obj a`)),
		chromedp.WaitVisible(chromedp.ID("audit-list")),
	))
	head := text("heading", "h1")
	number := strings.TrimPrefix(head, "Probefahrt ")
	if number == head || !strings.HasPrefix(number, "B26-") {
		t.Fatalf("the start's page is headed %q, want Probefahrt B26-…", head)
	}
	if got := text("change log", "#audit-list"); !strings.HasPrefix(got, "Probefahrt für ") || !strings.Contains(got, " angelegt") || strings.Contains(got, "Reservierung") {
		t.Errorf("change log: %q, want Probefahrt für … angelegt", got)
	}
	testenv.Screenshot(t, ctx, "1-test-drive-page")
	fail("print", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("print-link")),
		chromedp.WaitVisible(chromedp.ID("print-now")),
	))
	if got := text("print heading", "h1"); got != "Probefahrt "+number {
		t.Errorf("printout headed %q, want %q", got, "Probefahrt "+number)
	}
	title, err := chromedp.Run(ctx, chromedp.Title())
	fail("print title", err)
	if !strings.HasPrefix(title, "Probefahrt drucken") {
		t.Errorf("printout's title %q, want Probefahrt drucken …", title)
	}
	if got := text("printout", "main"); strings.Contains(got, "Reservierung") || strings.Contains(got, "Voraussichtlicher Preis") ||
		!strings.Contains(got, "Paul Probe") {
		t.Errorf("printout of the test drive: %q", got)
	}
	testenv.Screenshot(t, ctx, "2-test-drive-print")
	fail("back", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("print-back")),
		chromedp.WaitVisible(chromedp.ID("audit-list")),
	))
}

// testDriveSteps fills the test-drive start form for Paul Probe (identity
// card checked) with car vehicleID returning at ret (as a date-time picker
// would set it), with more steps before saving, saves it and waits for the
// handover's agreement.
func testDriveSteps(vehicleID int64, ret string, more ...chromedp.Action[chromedp.Void]) []chromedp.Action[chromedp.Void] {
	steps := []chromedp.Action[chromedp.Void]{
		chromedp.SendKeys(chromedp.ID("f-email"), "paul.probe@example.de"),
		chromedp.SendKeys(chromedp.ID("f-first_name"), "Paul"),
		chromedp.SendKeys(chromedp.ID("f-last_name"), "Probe"),
		chromedp.SendKeys(chromedp.ID("f-street"), "Ring 3"),
		chromedp.SendKeys(chromedp.ID("f-postal_code"), "93049"),
		chromedp.SendKeys(chromedp.ID("f-city"), "Regensburg"),
		chromedp.SetValue(chromedp.ID("f-id_document"), "id_card"),
		chromedp.SendKeys(chromedp.ID("f-id_number"), "L01X00T47"),
		chromedp.SetValue(chromedp.ID("f-vehicle_id"), fmt.Sprint(vehicleID)),
		chromedp.SetValue(chromedp.ID("f-return"), ret),
	}
	return append(append(steps, more...), chromedp.Click(chromedp.ID("use-save")), chromedp.WaitVisible(chromedp.ID("test-drive-agreement")))
}
