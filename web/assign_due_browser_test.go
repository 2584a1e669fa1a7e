package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestBrowserAssignCarWithHUDue: a station user finds a reservation from
// the reservations list by its number, sees in the car list which car's
// HU runs out before the return (and when) before choosing it, chooses it
// anyway, is asked for a reason, gives one, and the booking is on that car.
// The reservation page is axe clean with the list and with the question.
func TestBrowserAssignCarWithHUDue(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	reg := ce.res["reg"]
	old, err := ce.store.Vehicle(ce.sys(), reg.VehicleID)
	must(t, err)
	hu := reg.Pickup.AddDate(0, -1, 0)
	v := fleet.Vehicle{StationID: old.StationID, CategoryID: old.CategoryID, Plate: "R-HU 7", VIN: "WVWZZZ1KZAW100077",
		Make: "VW", Model: "Golf", OdometerKM: 100, FuelEighths: 8, NextInspection: hu.Format("2006-01-02")}
	must(t, ce.store.CreateVehicle(ce.sys(), &v))

	tab := testenv.Browser(t)
	ctx, cancel := context.WithTimeout(tab, 2*time.Minute)
	defer cancel()
	fail := testenv.Steps(t, tab, "assign-due")
	browserSignIn(t, ctx, ce.env, stationEmail)
	fail("find the reservation", chromedp.Do(ctx,
		chromedp.Click(chromedp.CSS(`header a[href="/admin/reservations"]`)),
		chromedp.WaitVisible(chromedp.ID("f-q")),
		chromedp.SendKeys(chromedp.ID("f-q"), reg.Number),
		chromedp.Submit(chromedp.ID("f-q")),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#res-list a[href="/admin/reservations/%d"]`, reg.ID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#res-list a[href="/admin/reservations/%d"]`, reg.ID))),
		chromedp.WaitVisible(chromedp.ID("assign-form")),
	))
	opt, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('#f-vehicle option[value="%d"]')?.textContent ?? ""`, v.ID)))
	fail("read the car's option", err)
	if want := "R-HU 7 · VW Golf"; !strings.Contains(opt, want) || !strings.Contains(opt, "HU nur bis "+hu.Format("02.01.2006")) {
		t.Fatalf("the car is offered as %q, want %q with its HU date %s", opt, want, hu.Format("02.01.2006"))
	}
	testenv.AxeClean(t, ctx, "reservation with the car list")
	fail("choose the car", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-vehicle"), fmt.Sprint(v.ID)),
		chromedp.Click(chromedp.CSS(`#assign-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.ID("f-assign-due")),
	))
	if r, _ := ce.store.Reservation(ce.sys(), reg.ID); r.VehicleID != reg.VehicleID {
		t.Fatalf("the car was assigned before a reason was given: vehicle %d", r.VehicleID)
	}
	testenv.AxeClean(t, ctx, "reservation asking for the reason")
	fail("give the reason", chromedp.Do(ctx,
		chromedp.SetValue(chromedp.ID("f-vehicle"), fmt.Sprint(v.ID)),
		chromedp.SendKeys(chromedp.ID("f-assign-due"), "HU-Termin vor Abholung gebucht"),
		chromedp.Click(chromedp.CSS(`#assign-form button[type="submit"]`)),
		chromedp.WaitNotPresent(chromedp.ID("f-assign-due")),
	))
	if r, _ := ce.store.Reservation(ce.sys(), reg.ID); r.VehicleID != v.ID {
		t.Fatalf("the booking is on vehicle %d after the reason, want the HU car %d", r.VehicleID, v.ID)
	}
	car, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("res-vehicle")))
	fail("read the page", err)
	if car != "R-HU 7" {
		t.Errorf("the reservation page shows the car %q, want R-HU 7", car)
	}
}
