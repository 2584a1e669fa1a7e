package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/pdf"
	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/contract/contracttest"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/web"
)

// storeContractDeps wires the contract service over the test store as the
// web tests need it: real PDFs, plain stub messages, the test clock, no
// payment service (callers set Payments, Renderer or EInvoicer for more).
func storeContractDeps(s *store.Store, now func() time.Time) contract.Deps {
	return contract.Deps{Store: s, Bookings: s, Vehicles: s, Tariffs: s, Tenancy: s, Customers: s,
		Records: s, Invoices: s, Issued: s, Renderer: pdf.New(), Mailer: contracttest.Mailer{}, Now: now, Covers: s, Payers: s,
		Collective: s, Assignments: s}
}

// ctEnv is the admin UI with the contract pages and a confirmed booking at
// each station of the tenant (Regensburg: the station user's) and one at
// the other tenant's station.
type ctEnv struct {
	*env
	res     map[string]booking.Reservation // "reg", "muc", "foreign"
	foreign context.Context
	photos  *fleet.Decoder // the server's photo decoder (counts decodes)
	svc     *contract.Service
}

func newCtEnv(t *testing.T, d store.Dialect) *ctEnv {
	t.Helper()
	e := newEnv(t, d, nil)
	s := e.store
	svc := contract.NewService(storeContractDeps(s, e.clk.Now))
	dec := fleet.NewDecoder(0)
	e.serve(t, func(d *web.Deps) {
		d.PhotoDecoder, d.Contracts, d.ContractData, d.Attention, d.Plates = dec, svc, s, s, s
	})
	ce := &ctEnv{env: e, res: map[string]booking.Reservation{}, photos: dec, svc: svc}
	var foreignTenant int64
	{
		var err error
		st, err := s.TenantBySlug(identity.WithActor(context.Background(), identity.System()), "other")
		must(t, err)
		foreignTenant = st.ID
	}
	ce.foreign = identity.WithActor(context.Background(), identity.SystemFor(foreignTenant))
	seed := func(ctx context.Context, key string, stationID int64, n int) {
		cat := fleet.Category{Code: fmt.Sprintf("C%d", n), NameDE: "Kompakt", NameEN: "Compact", Transmission: "manual", Seats: 5, Doors: 5, Active: true}
		if _, err := s.CategoryByCode(ctx, cat.Code); err != nil {
			must(t, s.CreateCategory(ctx, &cat))
		}
		tf := pricing.Tariff{Code: fmt.Sprintf("T%d", n), Name: "Standard", Kind: "standard", PricePerDayCents: 4900, DayCounting: "24h",
			VATRateBP: 1900, ValidFrom: "2026-01-01", CategoryIDs: []int64{cat.ID}, Active: true}
		must(t, s.CreateTariff(ctx, &tf))
		v := fleet.Vehicle{StationID: stationID, CategoryID: cat.ID, Plate: fmt.Sprintf("R-CT %d", 10+n), VIN: fmt.Sprintf("WVWZZZ1KZAW1000%02d", n),
			Make: "VW", Model: "Golf", OdometerKM: 5000, FuelEighths: 8}
		must(t, s.CreateVehicle(ctx, &v))
		c := customer.Customer{Email: key + "@example.de", FirstName: "Eva", LastName: "Muster", Street: "Weg 1", PostalCode: "93047", City: "Regensburg", Country: "DE", Language: "de"}
		_, _, err := s.UpsertCustomer(ctx, &c)
		must(t, err)
		r := booking.Reservation{StationID: stationID, CustomerID: c.ID, CategoryID: cat.ID, VehicleID: v.ID, TariffID: tf.ID,
			Pickup: e.clk.Now().Add(time.Hour), Return: e.clk.Now().Add(49 * time.Hour), Status: booking.StatusConfirmed}
		must(t, s.CreateReservation(ctx, &r))
		ce.res[key] = r
	}
	seed(e.sys(), "reg", e.reg.ID, 1)
	seed(e.sys(), "muc", e.muc.ID, 2)
	seed(ce.foreign, "foreign", e.foreign.ID, 3)
	return ce
}

func handoverForm(csrf string, checked bool, km string) url.Values {
	f := url.Values{"csrf": {csrf}, "km": {km}, "fuel_eighths": {"8"}, "cleanliness": {"clean"},
		"drivers.0.role": {"main"}, "drivers.0.first_name": {"Eva"}, "drivers.0.last_name": {"Muster"},
		"drivers.0.licence_number": {"B072RRE2I55"}, "drivers.0.licence_class": {"B"}, "drivers.0.birth_date": {"1980-04-12"}, "drivers.0.licence_issued_on": {"2010-05-01"},
		"drivers.0.licence_country": {"DE"}, "drivers.1.role": {"additional"}, "unsigned_reason": {"Kunde telefonisch zugestimmt"},
		// the test stations open on Mondays only: staff confirm the handover
		// outside opening hours (TestHandoverTimingAsks checks the question)
		"timing_confirmed": {"1"}}
	if checked {
		f.Set("licence_checked", "1")
	}
	return f
}

// TestContractPagesIsolationAndInput: a station user works with its own
// station's bookings and contracts; another station's or tenant's are 404
// and stay unchanged; invalid handover and return input comes back with
// field errors and changes nothing.
func TestContractPagesIsolationAndInput(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.login(stationEmail, password)
		reg, muc := ce.res["reg"], ce.res["muc"]

		p := c.get(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID))
		if p.status != http.StatusOK || !strings.Contains(p.body, `id="handover-form"`) || !strings.Contains(p.body, `id="sigpad"`) {
			t.Fatalf("own handover form: %d", p.status)
		}
		csrf := p.csrf(t)
		for _, id := range []int64{muc.ID, ce.res["foreign"].ID} {
			if p := c.get(fmt.Sprintf("/admin/reservations/%d/handover", id)); p.status != http.StatusNotFound {
				t.Errorf("other's handover form: %d", p.status)
			}
			if p := c.post(fmt.Sprintf("/admin/reservations/%d/handover", id), handoverForm(csrf, true, "5000")); p.status != http.StatusNotFound {
				t.Errorf("other's handover: %d", p.status)
			}
		}
		if r, _ := ce.store.Reservation(ce.sys(), muc.ID); r.Status != booking.StatusConfirmed {
			t.Fatalf("other station's booking changed to %s", r.Status)
		}

		// invalid: no licence check, no km → 422 with both errors, nothing stored
		p = c.post(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), handoverForm(csrf, false, ""))
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `data-field="licence_checked"`) || !strings.Contains(p.body, `data-field="km"`) {
			t.Fatalf("invalid handover: %d %s", p.status, ctExcerpt(p.body, "field-error"))
		}
		if !strings.Contains(p.body, "Führerschein des Hauptfahrers") {
			t.Fatalf("licence message not German: %s", ctExcerpt(p.body, "licence_checked"))
		}
		if _, err := ce.store.ContractByReservation(ce.sys(), reg.ID); err == nil {
			t.Fatal("an invalid handover stored a contract")
		}

		// valid handover
		p = c.post(fmt.Sprintf("/admin/reservations/%d/handover", reg.ID), handoverForm(csrf, true, "5010"))
		if p.status != http.StatusOK || !strings.Contains(p.url.Path, "/admin/contracts/") || !strings.Contains(p.body, "MV26-") {
			t.Fatalf("handover: %d %s", p.status, p.url)
		}
		ct, err := ce.store.ContractByReservation(ce.sys(), reg.ID)
		must(t, err)
		if len(ct.Drivers) != 1 || ct.Drivers[0].CheckedByName != "Stefan Station" {
			t.Fatalf("licence check not recorded with the user: %+v", ct.Drivers)
		}

		// a contract of the other station: admin starts it, the station user cannot see or change it
		admin := ce.client(t)
		admin.login(adminEmail, password)
		p = admin.post(fmt.Sprintf("/admin/reservations/%d/handover", muc.ID), handoverForm(admin.get("/admin/contracts").csrf(t), true, "5000"))
		if p.status != http.StatusOK {
			t.Fatalf("admin handover: %d", p.status)
		}
		other, err := ce.store.ContractByReservation(ce.sys(), muc.ID)
		must(t, err)
		for _, path := range []string{"", "/return"} {
			if p := c.get(fmt.Sprintf("/admin/contracts/%d%s", other.ID, path)); p.status != http.StatusNotFound {
				t.Errorf("station user GET other contract%s: %d", path, p.status)
			}
		}
		if p := c.post(fmt.Sprintf("/admin/contracts/%d/notes", other.ID), url.Values{"csrf": {csrf}, "notes": {"hijack"}}); p.status != http.StatusNotFound {
			t.Errorf("station user changes other notes: %d", p.status)
		}
		if p := c.post(fmt.Sprintf("/admin/contracts/%d/return", other.ID), url.Values{"csrf": {csrf}, "km": {"6000"}, "fuel_eighths": {"8"}, "cleanliness": {"clean"}}); p.status != http.StatusNotFound {
			t.Errorf("station user returns other contract: %d", p.status)
		}
		if got, _ := ce.store.Contract(ce.sys(), other.ID); got.Notes != "" || got.Status != contract.StatusOpen {
			t.Fatalf("other contract changed: %+v", got)
		}
		if p := c.get("/admin/contracts?day=all"); strings.Contains(p.body, other.Number) || !strings.Contains(p.body, ct.Number) {
			t.Fatalf("station list shows the wrong contracts")
		}

		// return below the handover km: 422 on km, still open
		p = c.post(fmt.Sprintf("/admin/contracts/%d/return", ct.ID), url.Values{"csrf": {csrf}, "km": {"4999"}, "fuel_eighths": {"8"}, "cleanliness": {"clean"}, "unsigned_reason": {"Kunde nicht da"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `data-field="km"`) {
			t.Fatalf("return below handover km: %d", p.status)
		}
		// one-way to another station is not allowed by the tenant (and invisible to the station user)
		p = c.post(fmt.Sprintf("/admin/contracts/%d/return", ct.ID), url.Values{"csrf": {csrf}, "km": {"5100"}, "fuel_eighths": {"8"}, "unsigned_reason": {"Kunde nicht da"},
			"cleanliness": {"clean"}, "station_id": {fmt.Sprint(ce.muc.ID)}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `data-field="station_id"`) {
			t.Fatalf("one-way return: %d", p.status)
		}
		if got, _ := ce.store.Contract(ce.sys(), ct.ID); got.Status != contract.StatusOpen {
			t.Fatalf("refused returns changed the contract to %s", got.Status)
		}

		// driver edit with a bad licence date: field error, unchanged; then a valid one, audited
		f := url.Values{"csrf": {csrf}, "drivers.0.role": {"main"}, "drivers.0.first_name": {"Eva"}, "drivers.0.last_name": {"Muster"},
			"drivers.0.licence_number": {"B072RRE2I55"}, "drivers.0.licence_class": {"B"}, "drivers.0.birth_date": {"1980-04-12"}, "drivers.0.licence_issued_on": {"2010-05-01"},
			"drivers.0.licence_country": {"DE"}, "drivers.1.role": {"additional"}, "drivers.1.first_name": {"Max"}, "drivers.1.last_name": {"Muster"},
			"drivers.1.licence_number": {"J010000SD51"}, "drivers.1.licence_class": {"B"}, "drivers.1.birth_date": {"1985-02-03"}, "drivers.1.licence_issued_on": {"2099-01-01"},
			"drivers.1.licence_country": {"AT"}, "drivers.1.check": {"1"}}
		p = c.post(fmt.Sprintf("/admin/contracts/%d/drivers", ct.ID), f)
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `data-field="drivers.1.licence_issued_on"`) {
			t.Fatalf("bad driver: %d", p.status)
		}
		f.Set("drivers.1.licence_issued_on", "2015-01-01")
		p = c.post(fmt.Sprintf("/admin/contracts/%d/drivers", ct.ID), f)
		if p.status != http.StatusOK || !strings.Contains(p.body, "Die Fahrer wurden gespeichert") || !strings.Contains(p.body, `data-action="drivers"`) {
			t.Fatalf("driver edit: %d", p.status)
		}
		if got, _ := ce.store.Contract(ce.sys(), ct.ID); len(got.Drivers) != 2 || got.Drivers[1].CheckedByName != "Stefan Station" {
			t.Fatalf("drivers %+v", got.Drivers)
		}

		// reports and CSV
		if p := c.get("/admin/reports"); p.status != http.StatusOK || !strings.Contains(p.body, `id="utilisation"`) {
			t.Fatalf("reports: %d", p.status)
		}
		p = c.get("/admin/reports/movements.csv")
		if p.status != http.StatusOK || !strings.HasPrefix(p.header.Get("Content-Type"), "text/csv") || !strings.Contains(p.body, "Regensburg;1;1") ||
			strings.Contains(p.body, "München") {
			t.Fatalf("movements CSV %d:\n%s", p.status, p.body)
		}
		if p := c.get("/admin/reports/nope.csv"); p.status != http.StatusNotFound {
			t.Fatalf("unknown report: %d", p.status)
		}
	})
}

func eachDBDialect(t *testing.T, fn func(t *testing.T, d store.Dialect)) {
	for _, d := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(string(d), func(t *testing.T) { fn(t, d) })
	}
}

func ctExcerpt(body, near string) string {
	i := strings.Index(body, near)
	if i < 0 {
		return "(not found)"
	}
	return body[max(0, i-200):min(len(body), i+300)]
}

// TestWalkInGoesToHandover: a walk-in at the counter creates the customer
// and a confirmed walk-in booking for the chosen car and leads to its
// handover form; a missing return comes back with a field error.
func TestWalkInGoesToHandover(t *testing.T) {
	ce := newCtEnv(t, store.SQLite)
	c := ce.client(t)
	c.login(stationEmail, password)
	p := c.get("/admin/contracts/new")
	if p.status != http.StatusOK || !strings.Contains(p.body, `id="walkin-form"`) {
		t.Fatalf("walk-in form: %d", p.status)
	}
	reg := ce.res["reg"]
	tariffID := tariffOf(t, ce, reg.CategoryID)
	// a second car at Regensburg for the walk-in
	v := fleet.Vehicle{StationID: ce.reg.ID, CategoryID: reg.CategoryID, Plate: "R-WI 1", VIN: "WVWZZZ1KZAW200001", Make: "Skoda", Model: "Fabia", OdometerKM: 100, FuelEighths: 8}
	must(t, ce.store.CreateVehicle(ce.sys(), &v))
	form := url.Values{"csrf": {p.csrf(t)}, "email": {"walk@example.de"}, "first_name": {"Walter"}, "last_name": {"Kunde"},
		"street": {"Weg 2"}, "postal_code": {"93047"}, "city": {"Regensburg"}, "station_id": {fmt.Sprint(ce.reg.ID)},
		"vehicle_id": {fmt.Sprint(v.ID)}, "tariff_id": {fmt.Sprint(tariffID)}, "return": {""}}
	p = c.post("/admin/contracts/new", form)
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `e-return`) {
		t.Fatalf("walk-in without return: %d", p.status)
	}
	form.Set("return", ce.clk.Now().Add(50*time.Hour).In(time.UTC).Format("2006-01-02T15:04"))
	form.Set("workshop_ref", " WA-2026-4711 ")
	p = c.post("/admin/contracts/new", form)
	if p.status != http.StatusOK || !strings.HasSuffix(p.url.Path, "/handover") || !strings.Contains(p.body, "R-WI 1") {
		t.Fatalf("walk-in: %d %s", p.status, p.url)
	}
	rs, _, err := ce.store.ListReservations(ce.sys(), booking.Filter{CustomerID: 0, Limit: 100})
	must(t, err)
	found := false
	for _, r := range rs {
		found = found || (r.Source == "walk_in" && r.VehicleID == v.ID && r.Status == booking.StatusConfirmed && r.WorkshopRef == "WA-2026-4711")
	}
	if !found {
		t.Fatal("no confirmed walk-in booking")
	}
}
