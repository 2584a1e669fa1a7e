package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/identity"
)

// TestTestModeAdmin: the admin makes a test key in the API-key form; a
// booking made with it is marked test in the bookings list and on its
// page; the API-key page counts the test data; a station user may not wipe
// it; the admin, asked first, wipes it: the test booking is gone, the live
// ones stay.
func TestTestModeAdmin(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		c := e.client(t)
		c.mustLogin(adminEmail)
		p := c.get("/admin/api-keys")
		wantContains(t, p, `id="f-test"`, "Test-Schlüssel")
		p = c.post("/admin/api-keys", url.Values{"csrf": {p.csrf(t)}, "name": {"Website Entwicklung"}, "scope": {"secret"}, "test": {"1"}})
		wantStatus(t, p, http.StatusOK)
		m := regexpKey.FindStringSubmatch(p.body)
		if m == nil || !strings.HasPrefix(m[1], "mwk_test_secret_") {
			t.Fatalf("the new key: %v\n%s", m, excerpt(p.body))
		}
		key, err := e.id.AuthenticateAPIKey(e.sys(), m[1])
		must(t, err)
		if !key.Test {
			t.Fatalf("the key made with the box ticked is live: %+v", key)
		}
		wantContains(t, p, `<span class="badge" data-test="1">Test</span>`)

		// a booking with the test key
		ctx := identity.WithActor(context.Background(), key.Actor())
		cust := customer.Customer{Email: "anna@example.de", FirstName: "Testanna", LastName: "Berger", Street: "Domplatz 1",
			PostalCode: "93047", City: "Regensburg"}
		r := booking.Reservation{StationID: e.reg.ID, CategoryID: w.cat.ID, TariffID: w.tariff.ID, Pickup: w.pickup.AddDate(0, 0, 14),
			Return: w.pickup.AddDate(0, 0, 16)}
		must(t, e.store.CreateReservationFor(ctx, &cust, &r))
		must(t, e.store.SetReservationStatus(e.sys(), r.ID, []booking.Status{booking.StatusPendingPayment}, booking.StatusConfirmed))
		if !r.Test {
			t.Fatalf("a booking with a test key is live: %+v", r)
		}
		list := c.get("/admin/reservations?q=" + r.Number)
		wantContains(t, list, fmt.Sprintf(`<a href="/admin/reservations/%d">%s</a> <span class="badge" data-test="1">Test</span>`, r.ID, r.Number))
		detail := c.get(fmt.Sprintf("/admin/reservations/%d", r.ID))
		wantContains(t, detail, `id="test-badge"`, "Testbuchung (mit einem Test-Schlüssel gemacht)")
		if live := c.get(fmt.Sprintf("/admin/reservations/%d", w.resReg.ID)); strings.Contains(live.body, `id="test-badge"`) {
			t.Error("a live booking is marked test")
		}
		custs := c.get("/admin/customers?q=Testanna")
		wantContains(t, custs, fmt.Sprintf(`<a href="/admin/customers/%d">Testanna Berger</a> <span class="badge" data-test="1">Test</span>`, cust.ID))
		keys := c.get("/admin/api-keys")
		wantContains(t, keys, `id="test-data"`, "Testbuchungen: 1 · Testkunden: 1", `href="/admin/test-data/wipe"`)

		// station users may not wipe
		sc := e.client(t)
		sc.mustLogin(stationEmail)
		if p := sc.get("/admin/test-data/wipe"); p.status != http.StatusForbidden {
			t.Errorf("a station user's wipe page: %d", p.status)
		}
		if p := sc.post("/admin/test-data/wipe", url.Values{"csrf": {sc.token("/admin/")}}); p.status != http.StatusForbidden {
			t.Errorf("a station user's wipe: %d", p.status)
		}
		if _, err := e.store.Reservation(e.sys(), r.ID); err != nil {
			t.Fatalf("the test booking after the refused wipe: %v", err)
		}

		confirm := c.get("/admin/test-data/wipe")
		wantStatus(t, confirm, http.StatusOK)
		wantContains(t, confirm, "Testbuchungen: 1", `id="confirm-wipe"`)
		done := c.post("/admin/test-data/wipe", url.Values{"csrf": {confirm.csrf(t)}})
		wantStatus(t, done, http.StatusOK)
		if done.url.Path != "/admin/api-keys" {
			t.Fatalf("after the wipe at %s", done.url)
		}
		wantContains(t, done, "Die Testdaten sind gelöscht.")
		wantLacks(t, done, `href="/admin/test-data/wipe"`)
		if p := c.get(fmt.Sprintf("/admin/reservations/%d", r.ID)); p.status != http.StatusNotFound {
			t.Errorf("the wiped test booking: %d", p.status)
		}
		if p := c.get(fmt.Sprintf("/admin/reservations/%d", w.resReg.ID)); p.status != http.StatusOK {
			t.Errorf("a live booking after the wipe: %d", p.status)
		}
		if got, err := e.store.Customer(e.sys(), w.anna.ID); err != nil || got.FirstName != "Anna" {
			t.Errorf("the live customer with the test customer's address after the wipe: %+v %v", got, err)
		}
	})
}

var regexpKey = regexp.MustCompile(`<code id="new-key">([^<]+)</code>`)
