package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/internal/testenv"
	"mietwerk.dev/mietwerk/invoice"
)

var handoverPathRE = regexp.MustCompile(`/admin/reservations/(\d+)/handover$`)

// startUse posts the start form of a kind and returns the booking it made
// (the form leads to its handover form).
func startUse(t *testing.T, ce *ctEnv, c *client, form url.Values) booking.Reservation {
	t.Helper()
	form.Set("csrf", c.token("/admin/uses/new?kind="+form.Get("kind")))
	p := c.post("/admin/uses/new", form)
	m := handoverPathRE.FindStringSubmatch(p.url.Path)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("start %s: %d %s %s %v", form.Get("kind"), p.status, p.url, p.alert(), p.fieldErrors())
	}
	id, _ := strconv.ParseInt(m[1], 10, 64)
	r, err := ce.store.Reservation(ce.sys(), id)
	must(t, err)
	return r
}

// useForm is a start form for kind with the person and car of the test.
func useForm(kind string, vehicleID, stationID int64, ret time.Time) url.Values {
	return url.Values{"kind": {kind}, "email": {"probe@example.de"}, "first_name": {"Paul"}, "last_name": {"Probe"},
		"street": {"Ring 3"}, "postal_code": {"93049"}, "city": {"Regensburg"}, "station_id": {fmt.Sprint(stationID)},
		"vehicle_id": {fmt.Sprint(vehicleID)}, "return": {ret.In(berlinLoc).Format("2006-01-02T15:04")}}
}

var berlinLoc, _ = time.LoadLocation("Europe/Berlin")

// handOverUse hands the booking's car over with km and returns the contract.
func handOverUse(t *testing.T, ce *ctEnv, c *client, resID int64, km, first string) contract.Contract {
	t.Helper()
	path := fmt.Sprintf("/admin/reservations/%d/handover", resID)
	form := handoverForm(c.token(path), true, km)
	form.Set("drivers.0.first_name", first)
	if p := c.post(path, form); p.status != http.StatusOK || !strings.Contains(p.url.Path, "/admin/contracts/") {
		t.Fatalf("handover: %d %s %v", p.status, p.alert(), p.fieldErrors())
	}
	ct, err := ce.store.ContractByReservation(ce.sys(), resID)
	must(t, err)
	return ct
}

// returnUse records the return of a contract that bills nothing: one
// submit, no preview to confirm.
func returnUse(t *testing.T, c *client, ctID int64, km string, stationID int64) page {
	t.Helper()
	path := fmt.Sprintf("/admin/contracts/%d/return", ctID)
	p := c.get(path)
	if !strings.Contains(p.body, `id="return-kind"`) || strings.Contains(p.body, "counter.preview_button") {
		t.Fatalf("return form of a kind: no kind badge: %d %s", p.status, excerpt(p.body))
	}
	form := handoverForm(p.csrf(t), false, km)
	if stationID != 0 {
		form.Set("station_id", fmt.Sprint(stationID))
	}
	return c.post(path, form)
}

// TestKindsOneCarOneDay: one car on one day is rented, taken on a test
// drive and transferred to another station. The test drive and the
// transfer are started from their forms and go through the handover and
// return forms; they bill nothing and close at the return; the transfer
// moves the car to its destination; a rental cannot be booked onto the
// car while it is on the test drive; km never go backwards across kinds;
// the planning board and the vehicle history show the kinds; and the
// fines search gives exactly one contract (or nobody) at each instant,
// the handover and return instants included.
func TestKindsOneCarOneDay(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce, c, rental, _ := handedOver(t, d)
		c.login(adminEmail, password) // the transfer arrives at another station
		reg := ce.res["reg"]
		t0 := ce.clk.Now()
		ce.clk.Advance(20 * time.Minute)
		returned(t, c, rental.ID, "5120")
		t1 := ce.clk.Now()
		ce.clk.Advance(10 * time.Minute)

		// a test drive: identity document recorded, the agreement with the
		// tenant's deductible shown at the handover
		bad := useForm("test_drive", reg.VehicleID, reg.StationID, ce.clk.Now().Add(time.Hour))
		bad.Set("csrf", c.token("/admin/uses/new?kind=test_drive"))
		p := c.post("/admin/uses/new", bad)
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if fe := p.fieldErrors(); fe["id_document"] == "" || fe["id_number"] == "" {
			t.Fatalf("test drive without identity: %v", fe)
		}
		form := useForm("test_drive", reg.VehicleID, reg.StationID, ce.clk.Now().Add(time.Hour))
		form.Set("id_document", "id_card")
		form.Set("id_number", "l01x00t47")
		td := startUse(t, ce, c, form)
		if td.Use.Kind != booking.KindTestDrive || td.Use.IDNumber != "L01X00T47" || td.Use.IDCheckedAt == nil || td.Use.IDCheckedBy == 0 {
			t.Fatalf("test drive booking: %+v", td.Use)
		}
		hp := c.get(fmt.Sprintf("/admin/reservations/%d/handover", td.ID))
		wantContains(t, hp, `id="test-drive-agreement"`, "1.000,00 €", `id="handover-kind"`)

		// km below the car's last reading (the rental's return) are refused
		path := fmt.Sprintf("/admin/reservations/%d/handover", td.ID)
		if p := c.post(path, handoverForm(c.token(path), true, "5119")); p.fieldErrors()["km"] == "" {
			t.Fatalf("test drive handed over below the last km: %d %v", p.status, p.fieldErrors())
		}
		tdc := handOverUse(t, ce, c, td.ID, "5120", "Paul")
		t2 := ce.clk.Now()
		if tdc.Kind != booking.KindTestDrive {
			t.Fatalf("contract kind %q", tdc.Kind)
		}
		// the handover protocol carries the signed agreement with the deductible
		docs, err := ce.store.ContractDocuments(ce.sys(), tdc.ID)
		must(t, err)
		if len(docs) == 0 {
			t.Fatal("test drive without handover protocol")
		}
		pg := c.get(fmt.Sprintf("/admin/contracts/%d/documents/%d", tdc.ID, docs[0].ID))
		if text := strings.Join(strings.Fields(testenv.PDFText(t, []byte(pg.body))), " "); !strings.Contains(text, "Vereinbarung zur Probefahrt") ||
			!strings.Contains(text, "Selbstbeteiligung von 1.000,00 €") {
			t.Fatalf("handover protocol without the agreement:\n%s", text)
		}
		ct := c.get(fmt.Sprintf("/admin/contracts/%d", tdc.ID))
		wantContains(t, ct, `id="ct-kind"`, "Personalausweis Nr. L01X00T47, geprüft von")

		// a rental on the car during the test drive is refused
		clash := booking.Reservation{StationID: reg.StationID, CustomerID: reg.CustomerID, CategoryID: reg.CategoryID, VehicleID: reg.VehicleID,
			TariffID: reg.TariffID, Pickup: ce.clk.Now().Add(10 * time.Minute), Return: ce.clk.Now().Add(3 * time.Hour), Status: booking.StatusConfirmed}
		if err := ce.store.CreateReservation(ce.sys(), &clash); !errs.Is(err, errs.KindConflict) {
			t.Fatalf("rental onto a car on a test drive: %v", err)
		}
		wf := url.Values{"csrf": {c.token("/admin/contracts/new")}, "email": {"walk@example.de"}, "first_name": {"Wal"}, "last_name": {"Kin"},
			"street": {"Weg 2"}, "postal_code": {"93047"}, "city": {"Regensburg"}, "station_id": {fmt.Sprint(reg.StationID)},
			"vehicle_id": {fmt.Sprint(reg.VehicleID)}, "tariff_id": {fmt.Sprint(reg.TariffID)},
			"return": {ce.clk.Now().Add(5 * time.Hour).In(berlinLoc).Format("2006-01-02T15:04")}}
		if p := c.post("/admin/contracts/new", wf); p.status == http.StatusOK && handoverPathRE.MatchString(p.url.Path) {
			t.Fatalf("walk-in rental onto a car on a test drive was booked")
		}

		// the planning board shows the test drive in its own colour
		b := c.get(fmt.Sprintf("/admin/planning/board?station=%d&from=%s&days=3", reg.StationID, ce.clk.Now().In(berlinLoc).Format("2006-01-02")))
		wantContains(t, b, `data-use="test_drive"`, "Probefahrt")
		// the home screen's returns and the contract list name the kind
		wantContains(t, c.get(fmt.Sprintf("/admin/?station=%d", reg.StationID)), `class="badge kind-test_drive"`)
		wantContains(t, c.get("/admin/contracts?day=all"), `class="badge kind-test_drive"`)

		ce.clk.Advance(30 * time.Minute)
		if p := returnUse(t, c, tdc.ID, "5100", 0); p.fieldErrors()["km"] == "" {
			t.Fatalf("return below the handover km: %d %v", p.status, p.fieldErrors())
		}
		if p := returnUse(t, c, tdc.ID, "5150", 0); p.status != http.StatusOK || !strings.Contains(p.url.Path, fmt.Sprintf("/admin/contracts/%d", tdc.ID)) {
			t.Fatalf("test drive return: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		t3 := ce.clk.Now()
		got, err := ce.store.Contract(ce.sys(), tdc.ID)
		must(t, err)
		if got.Status != contract.StatusClosed || got.BilledAt == nil {
			t.Fatalf("test drive after return: %s", got.Status)
		}
		if r, _ := ce.store.Reservation(ce.sys(), td.ID); r.Status != booking.StatusCompleted {
			t.Fatalf("test drive's booking after return: %s", r.Status)
		}
		if docs, err := ce.store.ListInvoices(ce.sys(), invoice.Filter{ReservationID: td.ID}); err != nil || len(docs) != 0 {
			t.Fatalf("test drive billed: %v %v", docs, err)
		}
		ce.clk.Advance(10 * time.Minute)

		// a transfer to Munich: the car's station becomes Munich at arrival
		tf := useForm("transfer", reg.VehicleID, reg.StationID, ce.clk.Now().Add(2*time.Hour))
		tf.Set("first_name", "Tom")
		tf.Set("email", "fahrer@autohaus-koenig.de")
		tf.Set("csrf", c.token("/admin/uses/new?kind=transfer"))
		if p := c.post("/admin/uses/new", tf); p.fieldErrors()["return_station_id"] == "" {
			t.Fatalf("transfer without destination: %d %v", p.status, p.fieldErrors())
		}
		tf.Set("destination_id", fmt.Sprint(ce.muc.ID))
		tr := startUse(t, ce, c, tf)
		if tr.ReturnStationID != ce.muc.ID || tr.Use.Kind != booking.KindTransfer {
			t.Fatalf("transfer booking: to %d, kind %s", tr.ReturnStationID, tr.Use.Kind)
		}
		trc := handOverUse(t, ce, c, tr.ID, "5150", "Tom")
		t4 := ce.clk.Now()
		ce.clk.Advance(25 * time.Minute)
		if p := returnUse(t, c, trc.ID, "5230", ce.muc.ID); p.status != http.StatusOK {
			t.Fatalf("transfer arrival: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
		t5 := ce.clk.Now()
		v, err := ce.store.Vehicle(ce.sys(), reg.VehicleID)
		must(t, err)
		if v.StationID != ce.muc.ID || v.OdometerKM != 5230 {
			t.Fatalf("car after the transfer: station %d km %d, want %d 5230", v.StationID, v.OdometerKM, ce.muc.ID)
		}
		if got, _ := ce.store.Contract(ce.sys(), trc.ID); got.Status != contract.StatusClosed {
			t.Fatalf("transfer after arrival: %s", got.Status)
		}

		// the vehicle history lists the three uses with their kinds, km never back
		h := c.get(fmt.Sprintf("/admin/vehicles/%d/history", reg.VehicleID))
		wantContains(t, h, `data-kind="rental"`, `data-kind="test_drive"`, `data-kind="transfer"`)
		wantLacks(t, h, `id="km-back"`)

		at := func(tm time.Time) string { return tm.In(berlinLoc).Format("2006-01-02T15:04") }
		for _, tc := range []struct {
			name string
			at   time.Time
			want string // contract number, "" = nobody
			who  string // the driver named
		}{
			{"before the rental", t0.Add(-time.Minute), "", ""},
			{"at the rental's handover", t0, rental.Number, "Eva Muster"},
			{"at the rental's return", t1, "", ""},
			{"at the test drive's handover", t2, tdc.Number, "Paul Muster"},
			{"during the test drive", t2.Add(15 * time.Minute), tdc.Number, "Paul Muster"},
			{"at the test drive's return", t3, "", ""},
			{"at the transfer's handover", t4, trc.Number, "Tom Muster"},
			{"a minute before arrival", t5.Add(-time.Minute), trc.Number, "Tom Muster"},
			{"at arrival", t5, "", ""},
		} {
			p := c.get("/admin/fines?" + url.Values{"plate": {"R-CT 11"}, "at": {at(tc.at)}}.Encode())
			wantStatus(t, p, http.StatusOK)
			n := strings.Count(p.body, `class="fines-contract"`)
			switch {
			case tc.want == "" && (n != 0 || !strings.Contains(p.body, `id="fines-nobody"`)):
				t.Errorf("%s: %d contracts, want nobody", tc.name, n)
			case tc.want != "" && (n != 1 || !strings.Contains(p.body, tc.want) || !strings.Contains(p.body, tc.who)):
				t.Errorf("%s: %d contracts, want only %s driven by %s", tc.name, n, tc.want, tc.who)
			}
		}
	})
}

// TestInternalUseStart: internal use needs a purpose and a cost centre
// (field errors, nothing booked without them); with them it is booked for
// the car with both recorded and leads to the handover; it may not run
// into the car's next booking; a kind that is not one is 404.
func TestInternalUseStart(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	c := ce.client(t)
	c.login(stationEmail, password)
	reg := ce.res["reg"] // booked from in an hour
	wantStatus(t, c.get("/admin/uses/new?kind=rental"), http.StatusNotFound)
	wantStatus(t, c.get("/admin/uses/new?kind=nonsense"), http.StatusNotFound)

	form := useForm("internal", reg.VehicleID, reg.StationID, ce.clk.Now().Add(30*time.Minute))
	form.Set("csrf", c.token("/admin/uses/new?kind=internal"))
	p := c.post("/admin/uses/new", form)
	wantStatus(t, p, http.StatusUnprocessableEntity)
	if fe := p.fieldErrors(); fe["purpose"] == "" || fe["cost_centre"] == "" {
		t.Fatalf("internal use without purpose and cost centre: %v", fe)
	}
	if _, n, err := ce.store.ListReservations(ce.sys(), booking.Filter{Limit: 50}); err != nil || n != 2 {
		t.Fatalf("bookings after refused starts: %d %v", n, err)
	}
	// into the car's booking: refused
	form.Set("purpose", "Kundendienst-Fahrt zum Lackierer")
	form.Set("cost_centre", "4711")
	form.Set("return", ce.clk.Now().Add(2*time.Hour).In(berlinLoc).Format("2006-01-02T15:04"))
	if p := c.post("/admin/uses/new", form); handoverPathRE.MatchString(p.url.Path) {
		t.Fatal("internal use booked into the car's next rental")
	}
	form.Set("return", ce.clk.Now().Add(30*time.Minute).In(berlinLoc).Format("2006-01-02T15:04"))
	r := startUse(t, ce, c, form)
	if r.Use.Kind != booking.KindInternal || r.Use.Purpose != "Kundendienst-Fahrt zum Lackierer" || r.Use.CostCentre != "4711" ||
		r.EstimatedTotalCents != 0 || r.ReturnStationID != reg.StationID {
		t.Fatalf("internal use booking: %+v", r)
	}
}

// TestTransferDestinations: a station user's transfer can go to any
// station of the tenant (not only the user's, which the start station
// already is); choosing another start station offers its cars and the
// other stations as destinations. Both databases.
func TestTransferDestinations(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.mustLogin(stationEmail) // Regensburg only
		p := c.get("/admin/uses/new?kind=transfer")
		wantStatus(t, p, http.StatusOK)
		sel := func(body, id string) string {
			t.Helper()
			i := strings.Index(body, `id="`+id+`"`)
			if i < 0 {
				t.Fatalf("no %s", id)
			}
			return body[i : i+strings.Index(body[i:], "</select>")]
		}
		dest := sel(p.body, "f-destination_id")
		if !strings.Contains(dest, fmt.Sprintf(`value="%d"`, ce.muc.ID)) || strings.Contains(dest, fmt.Sprintf(`value="%d"`, ce.reg.ID)) {
			t.Errorf("station user's destinations: %s", dest)
		}
		a := ce.client(t)
		a.mustLogin(adminEmail)
		p = a.get(fmt.Sprintf("/admin/uses/new?kind=transfer&station_id=%d", ce.muc.ID))
		wantStatus(t, p, http.StatusOK)
		dest = sel(p.body, "f-destination_id")
		if strings.Contains(dest, fmt.Sprintf(`value="%d"`, ce.muc.ID)) || !strings.Contains(dest, fmt.Sprintf(`value="%d"`, ce.reg.ID)) {
			t.Errorf("from Munich, destinations: %s", dest)
		}
		muc := ce.res["muc"]
		reg := ce.res["reg"]
		cars := sel(p.body, "f-vehicle_id")
		if !strings.Contains(cars, fmt.Sprintf(`value="%d"`, muc.VehicleID)) || strings.Contains(cars, fmt.Sprintf(`value="%d"`, reg.VehicleID)) {
			t.Errorf("from Munich, cars: %s", cars)
		}
		// the station user sends a free Regensburg car to Munich
		car := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: reg.CategoryID, Plate: "R-TF 1", VIN: "WVWZZZ1KZAW100077", Make: "VW",
			Model: "Polo", OdometerKM: 100, FuelEighths: 8}
		must(t, ce.store.CreateVehicle(ce.sys(), &car))
		form := useForm("transfer", car.ID, ce.reg.ID, ce.clk.Now().Add(3*time.Hour))
		form.Set("destination_id", fmt.Sprint(ce.muc.ID))
		form.Set("csrf", c.token("/admin/uses/new?kind=transfer"))
		if p := c.post("/admin/uses/new", form); p.status != http.StatusOK || !strings.Contains(p.url.Path, "/handover") {
			t.Fatalf("station user's transfer: %d %s %v", p.status, p.alert(), p.fieldErrors())
		}
	})
}
