package web_test

import (
	"context"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/job"
)

// crashingStarts is the store whose release of one start crashes: the job
// must go on with the others.
type crashingStarts struct {
	*store.Store
	bad int64
}

func (c crashingStarts) ReleaseStart(ctx context.Context, id int64) error {
	if id == c.bad {
		panic("a bad row")
	}
	return c.Store.ReleaseStart(ctx, id)
}

// TestAbandonedStartOnRedPlate: a test drive started on red plate R-06 123
// and never handed over holds the plate; a second start on it is refused
// with a message naming the holding start (customer, car, since when, when
// it is released) and a link to its booking page; a plate on the road
// names its contract. The background job leaves a fresh start alone,
// releases it at its planned return (cancelled, marked released, audited,
// the plate free), never touches a handed-over one, and goes on past a
// start whose release crashes (marked for staff). A released start cannot
// be handed over (a clear message, nothing stored), and the second start
// then goes through.
func TestAbandonedStartOnRedPlate(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.login(adminEmail, password)
		reg := ce.res["reg"]
		plates := map[string]fleet.DealerPlate{}
		for _, n := range []string{"R-06 123", "R-06 124", "R-06 125"} {
			p := fleet.DealerPlate{Number: n, StationID: ce.reg.ID, ValidFrom: "2026-01-01"}
			must(t, ce.store.CreateDealerPlate(ce.sys(), &p))
			plates[n] = p
		}
		car := func(n int) int64 {
			v := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: reg.CategoryID, Plate: fmt.Sprintf("R-CT %d", 20+n),
				VIN: fmt.Sprintf("WVWZZZ1KZAW1000%02d", 20+n), Make: "VW", Model: "Polo", OdometerKM: 100, FuelEighths: 8}
			must(t, ce.store.CreateVehicle(ce.sys(), &v))
			return v.ID
		}
		start := func(kind string, vehicleID, stationID int64, ret time.Duration, plate string) url.Values {
			f := useForm(kind, vehicleID, stationID, ce.clk.Now().Add(ret))
			f.Set("id_document", "passport")
			f.Set("id_number", "C01X00T47")
			f.Set("dealer_plate_id", fmt.Sprint(plates[plate].ID))
			return f
		}
		// A: started on R-06 123 at 10:00, the customer leaves; H: handed
		// over on R-06 124; X: started on R-06 125, its release crashes
		a := startUse(t, ce, c, start("test_drive", reg.VehicleID, reg.StationID, 45*time.Minute, "R-06 123"))
		h := startUse(t, ce, c, start("test_drive", car(1), reg.StationID, 30*time.Minute, "R-06 124"))
		hc := handOverUse(t, ce, c, h.ID, "100", "Hans")
		x := startUse(t, ce, c, start("test_drive", car(2), reg.StationID, 40*time.Minute, "R-06 125"))

		// the start form marks the held plates before anyone submits: by
		// the same rule and names as the refusal below; a free one is plain
		options := func() map[string]string {
			t.Helper()
			f := c.get("/admin/uses/new?kind=test_drive")
			wantStatus(t, f, http.StatusOK)
			sel := regexp.MustCompile(`(?s)<select id="f-dealer_plate_id".*?</select>`).FindString(f.body)
			out := map[string]string{}
			for n, p := range plates {
				m := regexp.MustCompile(fmt.Sprintf(`<option value="%d"[^>]*>([^<]*)</option>`, p.ID)).FindStringSubmatch(sel)
				if m == nil {
					t.Fatalf("no option for %s", n)
				}
				out[n] = html.UnescapeString(m[1])
			}
			return out
		}
		opts := options()
		for n, want := range map[string]string{
			"R-06 123": "Rotes Kennzeichen R-06 123 – belegt durch Probefahrt " + a.Number + " bis 10:45 Uhr",
			"R-06 124": "Rotes Kennzeichen R-06 124 – unterwegs: Probefahrt " + hc.Number + ", Rückgabe geplant 10:30 Uhr",
			"R-06 125": "Rotes Kennzeichen R-06 125 – belegt durch Probefahrt " + x.Number + " bis 10:40 Uhr",
		} {
			if opts[n] != want {
				t.Errorf("option of %s: %q, want %q", n, opts[n], want)
			}
		}

		second := start("test_drive", car(3), reg.StationID, time.Hour, "R-06 123")
		try := func() page {
			second.Set("csrf", c.token("/admin/uses/new?kind=test_drive"))
			return c.post("/admin/uses/new", second)
		}
		p := try()
		wantStatus(t, p, http.StatusUnprocessableEntity)
		msg := p.fieldErrors()["dealer_plate_id"]
		for _, want := range []string{"R-06 123", "Probefahrt " + a.Number, "Paul Probe", "VW Golf R-CT 11", "27.11.2026, 10:00 Uhr",
			"Station Regensburg", "stornieren", "27.11.2026, 10:45 Uhr"} {
			if !strings.Contains(msg, want) {
				t.Errorf("plate refused without naming %q: %q", want, msg)
			}
		}
		wantContains(t, p, fmt.Sprintf(`href="/admin/reservations/%d" id="plate-held-link"`, a.ID), "Buchung "+a.Number+" öffnen und stornieren")
		// a plate on the road names its contract
		second.Set("dealer_plate_id", fmt.Sprint(plates["R-06 124"].ID))
		p = try()
		if msg := p.fieldErrors()["dealer_plate_id"]; !strings.Contains(msg, "unterwegs") || !strings.Contains(msg, hc.Number) ||
			!strings.Contains(msg, "VW Polo R-CT 21") {
			t.Errorf("plate on the road: %q", msg)
		}
		wantContains(t, p, fmt.Sprintf(`href="/admin/contracts/%d" id="plate-held-link"`, hc.ID))
		second.Set("dealer_plate_id", fmt.Sprint(plates["R-06 123"].ID))
		// the booking page says when the start is released
		wantContains(t, c.get(fmt.Sprintf("/admin/reservations/%d", a.ID)), `id="res-plate-release"`, "27.11.2026, 10:45 Uhr")

		// a fresh start is left alone
		ce.clk.Advance(10 * time.Minute)
		n, err := ce.svc.ReleaseAbandonedStarts(ce.sys())
		must(t, err)
		if n != 0 {
			t.Fatalf("released %d fresh starts", n)
		}
		// at its planned return A is released; X crashes and is marked; H stays out
		ce.clk.Advance(40 * time.Minute)
		c.login(adminEmail, password) // the session ran idle meanwhile
		deps := storeContractDeps(ce.store, ce.clk.Now)
		deps.Starts = crashingStarts{Store: ce.store, bad: x.ID}
		deps.Jobs = &job.Runner{Store: ce.store, Now: ce.clk.Now}
		if n, err = contract.NewService(deps).ReleaseAbandonedStarts(ce.sys()); err != nil || n != 1 {
			t.Fatalf("release pass: %d released, %v", n, err)
		}
		ra, err := ce.store.Reservation(ce.sys(), a.ID)
		must(t, err)
		if ra.Status != booking.StatusCancelled || ra.ReleasedAt == nil || !ra.ReleasedAt.Equal(ce.clk.Now()) {
			t.Fatalf("released start: %s %v", ra.Status, ra.ReleasedAt)
		}
		if rh, _ := ce.store.Reservation(ce.sys(), h.ID); rh.Status != booking.StatusActive || rh.ReleasedAt != nil {
			t.Fatalf("a handed-over start was touched: %s %v", rh.Status, rh.ReleasedAt)
		}
		if rx, _ := ce.store.Reservation(ce.sys(), x.ID); rx.Status != booking.StatusConfirmed {
			t.Fatalf("the crashed start: %s", rx.Status)
		}
		att, err := ce.store.JobAttention(ce.sys(), []job.Subject{{Kind: job.KindReservation, ID: x.ID, TenantID: ce.tenant.ID}})
		must(t, err)
		if len(att) != 1 || att[0].Job != contract.JobReleaseStarts || !att[0].Panicked {
			t.Fatalf("the crash was not marked for staff: %+v", att)
		}
		trail, err := ce.store.AuditTrail(ce.sys(), "reservation", a.ID)
		must(t, err)
		audited := false
		for _, e := range trail {
			audited = audited || e.Action == "release_start" && strings.Contains(e.After, "R-06 123")
		}
		if !audited {
			t.Fatalf("release not audited: %+v", trail)
		}
		rp := c.get(fmt.Sprintf("/admin/reservations/%d", a.ID))
		wantContains(t, rp, "Automatisch freigegeben am 27.11.2026, 10:50 Uhr", "Automatisch freigegeben: nicht bis 27.11. 10:45 übergeben, rotes Kennzeichen R-06 123 wieder frei")

		// the released start cannot be handed over: its page says so and
		// shows the way forward, no form
		path := fmt.Sprintf("/admin/reservations/%d/handover", a.ID)
		hg := c.get(path)
		if al := hg.alert(); !strings.Contains(al, "automatisch freigegeben") || !strings.Contains(al, "neu starten") {
			t.Fatalf("handover page of a released start: %q", al)
		}
		wantContains(t, hg, fmt.Sprintf(`id="start-again" href="/admin/uses/new?kind=test_drive&amp;from=%d"`, a.ID), "Probefahrt neu starten", fmt.Sprintf(`href="/admin/reservations/%d"`, a.ID))
		wantLacks(t, hg, `id="handover-form"`, `id="handover-save"`, "Vertrag starten", `name="km"`)
		// a form sent anyway (a tab left open) is refused, and no form comes back
		hp := c.post(path, handoverForm(hg.csrf(t), true, "5000"))
		wantStatus(t, hp, http.StatusConflict)
		if al := hp.alert(); !strings.Contains(al, "automatisch freigegeben") || !strings.Contains(al, "neu starten") {
			t.Fatalf("handover of a released start: %q", al)
		}
		wantContains(t, hp, `id="start-again"`)
		wantLacks(t, hp, `id="handover-form"`, `id="handover-save"`)
		// starting anew: the form comes filled in with the driver, car and plate
		sa := c.get(fmt.Sprintf("/admin/uses/new?kind=test_drive&from=%d", a.ID))
		wantStatus(t, sa, http.StatusOK)
		wantContains(t, sa, `id="use-from"`, "Übernommen aus "+a.Number, "Ausweis bitte erneut prüfen",
			`value="probe@example.de"`, `value="Paul"`, `value="Probe"`, `value="Ring 3"`, `value="93049"`,
			fmt.Sprintf(`<option value="%d" selected>`, reg.VehicleID), fmt.Sprintf(`<option value="%d" selected>`, plates["R-06 123"].ID))
		wantLacks(t, sa, `value="C01X00T47"`) // the identity document is checked again
		// refused (the identity document not yet checked again), the form
		// comes back still saying where it was taken over from
		refused := c.post("/admin/uses/new", url.Values{"csrf": {sa.csrf(t)}, "kind": {"test_drive"}, "from": {a.Number}, "email": {"probe@example.de"}})
		wantStatus(t, refused, http.StatusUnprocessableEntity)
		wantContains(t, refused, `id="use-from"`, "Übernommen aus "+a.Number, `name="from" value="`+a.Number+`"`)
		if _, err := ce.store.ContractByReservation(ce.sys(), a.ID); err == nil {
			t.Fatal("a released start was handed over")
		}
		// the plate is free: its option is plain again, the crashed start's still marked
		if opts := options(); opts["R-06 123"] != "Rotes Kennzeichen R-06 123" || !strings.Contains(opts["R-06 125"], "belegt durch Probefahrt "+x.Number) {
			t.Errorf("options after the release: %q", opts)
		}
		// the plate is free: the second start goes through
		second.Set("return", ce.clk.Now().Add(time.Hour).In(berlinLoc).Format("2006-01-02T15:04"))
		b := startUse(t, ce, c, second)
		if b.Use.DealerPlateID != plates["R-06 123"].ID {
			t.Fatalf("second start: %+v", b.Use)
		}
	})
}
