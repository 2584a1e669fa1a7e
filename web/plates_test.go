package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/internal/testenv"
)

// TestRedPlateTripLog: admins keep red dealer plates (bad input gets field
// errors, station users may not add one); a test drive on a red plate goes
// from the start form through handover and return into the plate's trip
// log of the month — page and PDF (read back with pdftotext) list the
// row: date, car with VIN, driver with address, start and end, km and
// purpose; while the plate is out no other car can take it, after the
// return it is free again; the fines search by the red plate's number
// finds the driver at an instant of the trip and nobody after it.
func TestRedPlateTripLog(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		st := ce.client(t)
		st.login(stationEmail, password)
		if p := st.post("/admin/dealer-plates", url.Values{"csrf": {st.token("/admin/dealer-plates")}, "number": {"R-06 999"},
			"station_id": {fmt.Sprint(ce.reg.ID)}, "valid_from": {"2026-01-01"}}); p.status == http.StatusOK && !strings.Contains(p.body, `id="plate-form"`) {
			t.Fatalf("a station user added a plate: %d", p.status)
		}
		c := ce.client(t)
		c.login(adminEmail, password)
		form := url.Values{"csrf": {c.token("/admin/dealer-plates")}, "number": {"R-AB 12"}, "station_id": {fmt.Sprint(ce.reg.ID)},
			"valid_from": {"2026-13-01"}, "valid_to": {""}}
		p := c.post("/admin/dealer-plates", form)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if fe := p.fieldErrors(); fe["number"] == "" || fe["valid_from"] == "" {
			t.Fatalf("bad plate: %v", fe)
		}
		form.Set("number", "r-06 123")
		form.Set("valid_from", "2026-01-01")
		form.Set("valid_to", "2027-12-31")
		p = c.post("/admin/dealer-plates", form)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "R-06 123", "31.12.2027")
		plates, err := ce.store.ListDealerPlates(ce.sys())
		must(t, err)
		if len(plates) != 1 {
			t.Fatalf("%d plates (the station user's must not be stored)", len(plates))
		}
		plate := plates[0]
		if p := c.post("/admin/dealer-plates", form); p.fieldErrors()["number"] == "" {
			t.Fatalf("the same plate twice: %d", p.status)
		}

		reg, muc := ce.res["reg"], ce.res["muc"]
		tf := useForm("test_drive", reg.VehicleID, reg.StationID, ce.clk.Now().Add(45*time.Minute))
		tf.Set("id_document", "passport")
		tf.Set("id_number", "C01X00T47")
		tf.Set("dealer_plate_id", fmt.Sprint(plate.ID))
		td := startUse(t, ce, c, tf)
		if td.Use.DealerPlateID != plate.ID {
			t.Fatalf("test drive without its plate: %+v", td.Use)
		}
		hp := c.get(fmt.Sprintf("/admin/reservations/%d/handover", td.ID))
		wantContains(t, hp, `id="handover-plate"`, "R-06 123")
		tdc := handOverUse(t, ce, c, td.ID, "5000", "Paul")
		out := ce.clk.Now()

		// the plate is out: no other car can take it
		other := useForm("transfer", muc.VehicleID, muc.StationID, ce.clk.Now().Add(30*time.Minute))
		other.Set("destination_id", fmt.Sprint(ce.reg.ID))
		other.Set("dealer_plate_id", fmt.Sprint(plate.ID))
		other.Set("csrf", c.token("/admin/uses/new?kind=transfer"))
		if p := c.post("/admin/uses/new", other); p.fieldErrors()["dealer_plate_id"] == "" {
			t.Fatalf("a second car on the plate: %d %v", p.status, p.fieldErrors())
		}

		at := func(tm time.Time) string { return tm.In(berlinLoc).Format("2006-01-02T15:04") }
		ce.clk.Advance(10 * time.Minute)
		fs := c.get("/admin/fines?" + url.Values{"plate": {"r06123"}, "at": {at(ce.clk.Now())}}.Encode())
		wantStatus(t, fs, http.StatusOK)
		if n := strings.Count(fs.body, `class="fines-contract"`); n != 1 {
			t.Fatalf("fines search by red plate: %d contracts", n)
		}
		wantContains(t, fs, tdc.Number, "Paul Muster", "WVWZZZ1KZAW100001", "Rotes Kennzeichen R-06 123")

		ce.clk.Advance(20 * time.Minute)
		if p := returnUse(t, c, tdc.ID, "5042", 0); p.status != http.StatusOK {
			t.Fatalf("return: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		wantContains(t, c.get(fmt.Sprintf("/admin/contracts/%d", tdc.ID)), `id="ct-trip-log"`, `id="ct-plate"`)
		fs = c.get("/admin/fines?" + url.Values{"plate": {"R-06 123"}, "at": {at(ce.clk.Now())}}.Encode())
		wantContains(t, fs, `id="fines-nobody"`)

		month := out.In(berlinLoc).Format("2006-01")
		lp := c.get(fmt.Sprintf("/admin/dealer-plates/%d/log?month=%s", plate.ID, month))
		wantStatus(t, lp, http.StatusOK)
		wantContains(t, lp, tdc.Number, "WVWZZZ1KZAW100001", "Paul Muster", "Ring 3, 93049 Regensburg", "5.000", "5.042", "Probefahrt",
			out.In(berlinLoc).Format("15:04"))
		next := c.get(fmt.Sprintf("/admin/dealer-plates/%d/log?month=%s", plate.ID, out.In(berlinLoc).AddDate(0, 1, 0).Format("2006-01")))
		wantContains(t, next, `id="no-trips"`)
		wantLacks(t, next, tdc.Number)

		pdf := c.get(fmt.Sprintf("/admin/dealer-plates/%d/log.pdf?month=%s", plate.ID, month))
		wantStatus(t, pdf, http.StatusOK)
		text := strings.Join(strings.Fields(testenv.PDFText(t, []byte(pdf.body))), " ")
		for _, want := range []string{"Fahrtenbuch rotes Kennzeichen R-06 123", "Halter Autohaus König GmbH", "Datum", "Fahrer", "Zweck",
			"Monat " + monthDE[out.In(berlinLoc).Month()-1] + " " + out.In(berlinLoc).Format("2006"),
			out.In(berlinLoc).Format("02.01.2006"), "VW Golf", "WVWZZZ1KZAW100001", "Paul Muster", "Ring 3", "93049 Regensburg", "5.000", "5.042",
			"Probefahrt", out.In(berlinLoc).Format("15:04")} {
			if !strings.Contains(text, want) {
				t.Errorf("trip log PDF lacks %q:\n%s", want, text)
			}
		}

		// returned: the plate is free for the next trip
		other.Set("return", ce.clk.Now().Add(20*time.Minute).In(berlinLoc).Format("2006-01-02T15:04"))
		other.Set("csrf", c.token("/admin/uses/new?kind=transfer"))
		other.Set("purpose", "Ausstellung")
		tr := startUse(t, ce, c, other)
		trc := handOverUse(t, ce, c, tr.ID, "5000", "Tom")
		ce.clk.Advance(15 * time.Minute)
		if p := returnUse(t, c, trc.ID, "5110", ce.reg.ID); p.status != http.StatusOK {
			t.Fatalf("transfer on the plate: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		lp = c.get(fmt.Sprintf("/admin/dealer-plates/%d/log?month=%s", plate.ID, month))
		if strings.Count(lp.body, `data-contract="`) != 2 {
			t.Fatalf("trip log after the transfer: want 2 trips")
		}
		wantContains(t, lp, trc.Number, "WVWZZZ1KZAW100002", "Tom Muster", "Überführung "+ce.muc.Name+" → "+ce.reg.Name+": Ausstellung", "5.110")
	})
}

var monthDE = []string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober", "November", "Dezember"}
