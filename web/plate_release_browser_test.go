package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserAbandonedStartOnRedPlate: from the home screen a salesperson
// starts a test drive on red plate R-06 123, the customer leaves before the
// handover. The next salesperson's start form marks the plate as held by
// that start until its release; a start on it anyway is refused with a
// message naming the abandoned start (customer, car, since when); its link
// leads to the booking, where it is cancelled; the plate is free — its
// choice plain again — and the second start from the home screen goes on
// to its handover.
func TestBrowserAbandonedStartOnRedPlate(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	plate := fleet.DealerPlate{Number: "R-06 123", StationID: ce.reg.ID, ValidFrom: "2026-01-01"}
	must(t, ce.store.CreateDealerPlate(ce.sys(), &plate))
	polo := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: ce.res["reg"].CategoryID, Plate: "R-CT 21", VIN: "WVWZZZ1KZAW100021",
		Make: "VW", Model: "Polo", OdometerKM: 100, FuelEighths: 8}
	must(t, ce.store.CreateVehicle(ce.sys(), &polo))
	ret := ce.clk.Now().Add(45 * time.Minute).In(berlinLoc).Format("2006-01-02T15:04") // before the Golf's next booking

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	fail := testenv.Steps(t, tab, "abandoned-start")
	browserSignIn(t, ctx, ce.env, stationEmail)
	startForm := func(step, email, first string, vehicleID int64) {
		fail(step+": home", chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`a.brand`)),
			chromedp.WaitVisible(chromedp.ID("home-test-drive")),
			chromedp.Click(chromedp.ID("home-test-drive")),
			chromedp.WaitVisible(chromedp.ID("use-form")),
		))
		for i, act := range []chromedp.Action[chromedp.Void]{
			chromedp.SendKeys(chromedp.ID("f-email"), email),
			chromedp.SendKeys(chromedp.ID("f-first_name"), first),
			chromedp.SendKeys(chromedp.ID("f-last_name"), "Probe"),
			chromedp.SendKeys(chromedp.ID("f-street"), "Ring 3"),
			chromedp.SendKeys(chromedp.ID("f-postal_code"), "93049"),
			chromedp.SendKeys(chromedp.ID("f-city"), "Regensburg"),
			chromedp.SetValue(chromedp.ID("f-id_document"), "id_card"),
			chromedp.SendKeys(chromedp.ID("f-id_number"), "L01X00T47"),
			chromedp.SetValue(chromedp.ID("f-vehicle_id"), fmt.Sprint(vehicleID)),
			chromedp.SetValue(chromedp.ID("f-dealer_plate_id"), fmt.Sprint(plate.ID)),
			chromedp.SetValue(chromedp.ID("f-return"), ret),
			chromedp.Click(chromedp.ID("use-save")),
		} {
			fail(fmt.Sprintf("%s: step %d", step, i), chromedp.Do(ctx, act))
		}
	}
	// the first customer is started and leaves before the handover
	startForm("first start", "paul.probe@example.de", "Paul", ce.res["reg"].VehicleID)
	fail("first start: handover form", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("test-drive-agreement"))))
	note, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("handover-plate-release")))
	fail("read release note", err)
	if !strings.Contains(note, "R-06 123") || !strings.Contains(note, "10:45 Uhr") {
		t.Errorf("handover form: release note %q", note)
	}

	// the next salesperson opens the start form from the home screen: the
	// plate's choice says it is held, by which start and until when
	plateOption := func(step string) string {
		fail(step+": home", chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`a.brand`)),
			chromedp.WaitVisible(chromedp.ID("home-test-drive")),
			chromedp.Click(chromedp.ID("home-test-drive")),
			chromedp.WaitVisible(chromedp.ID("f-dealer_plate_id")),
		))
		opt, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('#f-dealer_plate_id option[value="%d"]')?.textContent ?? ""`, plate.ID)))
		fail(step+": read the plate's option", err)
		return strings.TrimSpace(opt)
	}
	started, _, err := ce.store.ListReservations(ce.sys(), booking.Filter{Status: booking.StatusConfirmed, Limit: 10})
	fail("list bookings", err)
	number := ""
	for _, r := range started {
		if r.Use.DealerPlateID == plate.ID {
			number = r.Number
		}
	}
	if opt := plateOption("marked plate"); opt != "Rotes Kennzeichen R-06 123 – belegt durch Probefahrt "+number+" bis 10:45 Uhr" {
		t.Errorf("the held plate's option: %q (start %q)", opt, number)
	}
	testenv.Screenshot(t, ctx, "plate-marked")

	// the salesperson wants the plate for another car anyway
	startForm("second start", "erika.probe@example.de", "Erika", polo.ID)
	fail("second start refused", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("plate-held"))))
	testenv.Screenshot(t, ctx, "plate-held")
	testenv.AxeClean(t, ctx, "start form with a held plate")
	msg, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("plate-held")))
	fail("read message", err)
	for _, want := range []string{"R-06 123", "Paul Probe", "VW Golf R-CT 11", "27.11.2026, 10:00 Uhr", "stornieren"} {
		if !strings.Contains(msg, want) {
			t.Errorf("plate message lacks %q: %q", want, msg)
		}
	}
	fail("to the held booking", chromedp.Do(ctx,
		chromedp.Click(chromedp.ID("plate-held-link")),
		chromedp.WaitVisible(chromedp.ID("cancel-form")),
		chromedp.WaitVisible(chromedp.ID("res-plate-release")),
	))
	testenv.Screenshot(t, ctx, "held-booking")
	fail("cancel it", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`#cancel-form input[name="confirm"]`)),
		chromedp.Click(chromedp.CSS(`#cancel-form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.ID("cancel-form")),
	))
	status, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("res-status")))
	fail("read status", err)
	if !strings.Contains(status, "Storniert") {
		t.Fatalf("held booking after cancelling: %q", status)
	}

	// the plate is free: its choice is plain again, and the second start
	// goes on to its handover
	if opt := plateOption("free plate"); opt != "Rotes Kennzeichen R-06 123" {
		t.Errorf("the freed plate's option: %q", opt)
	}
	startForm("second start again", "erika.probe@example.de", "Erika", polo.ID)
	fail("second start: handover form", chromedp.Do(ctx, chromedp.WaitVisible(chromedp.ID("test-drive-agreement"))))
	testenv.Screenshot(t, ctx, "second-start-handover")
	plateText, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("handover-plate")))
	fail("read plate", err)
	if !strings.Contains(plateText, "R-06 123") {
		t.Fatalf("second start without the plate: %q", plateText)
	}
}
