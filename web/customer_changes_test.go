package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
)

// TestCustomerPageShowsChangesByBookings: staff see on the customer page
// which booking changed the customer's data ("Daten geändert durch Buchung
// B…", linked, with each field before and after) apart from changes by
// staff; a booking that did not succeed changed nothing and is not listed.
func TestCustomerPageShowsChangesByBookings(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		ctx := e.sys()
		book := func(last string, to booking.Status) booking.Reservation {
			t.Helper()
			c := customer.Customer{Email: "Anna@Example.de", FirstName: "Anna", LastName: last, Street: "Domplatz 1",
				PostalCode: "93047", City: "Regensburg"}
			r := booking.Reservation{StationID: e.reg.ID, CategoryID: w.cat.ID, TariffID: w.tariff.ID, Pickup: w.pickup.AddDate(0, 1, 0),
				Return: w.pickup.AddDate(0, 1, 2)}
			must(t, e.store.CreateReservationFor(ctx, &c, &r))
			must(t, e.store.SetReservationStatus(ctx, r.ID, []booking.Status{booking.StatusPendingPayment}, to))
			return r
		}
		failed := book("Fremd", booking.StatusFailed)
		married := book("Berger-Huber", booking.StatusConfirmed)

		c := e.client(t)
		c.mustLogin(adminEmail)
		path := fmt.Sprintf("/admin/customers/%d", w.anna.ID)
		p := c.get(path)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, `<section aria-labelledby="h-chg">`, fmt.Sprintf(`<a href="/admin/reservations/%d">Daten geändert durch Buchung %s</a>`,
			married.ID, married.Number), "Nachname: Berger → Berger-Huber", `id="cust-edit-hint"`)
		wantLacks(t, p, "Fremd", "Daten geändert durch Buchung "+failed.Number)

		// a change by staff is listed as theirs, newest first
		form := url.Values{"csrf": {p.csrf(t)}, "email": {"anna@example.de"}, "first_name": {"Anna"}, "last_name": {"Berger-Huber"},
			"street": {"Domplatz 2"}, "postal_code": {"93047"}, "city": {"Regensburg"}, "country": {"DE"}, "phone": {"+49 941 555123"},
			"language": {"de"}, "birth_date": {"1985-03-04"}, "licence_number": {"B072RRE2I55"}}
		p = c.post(path, form)
		wantStatus(t, p, http.StatusOK)
		wantContains(t, p, "Geändert von Karin König: Straße: Domplatz 1 → Domplatz 2")
		staff, booked := strings.Index(p.body, "Geändert von Karin König"), strings.Index(p.body, "Daten geändert durch Buchung")
		if staff < 0 || booked < 0 || staff > booked {
			t.Fatalf("changes not newest first:\n%s", excerpt(p.body))
		}
		// the confirmed booking printed Domplatz 1: the correction reaches it
		if r, _ := e.store.Reservation(ctx, married.ID); r.Billing.Street != "Domplatz 2" || r.Billing.LastName != "Berger-Huber" {
			t.Fatalf("booking snapshot after the staff correction: %+v", r.Billing)
		}
		// the booking's page says what its documents print
		wantContains(t, c.get(fmt.Sprintf("/admin/reservations/%d", married.ID)),
			`<dd id="res-billing">Anna Berger-Huber · Domplatz 2, 93047 Regensburg</dd>`)
		c.get("/admin/lang?l=en")
		wantContains(t, c.get(path), "Data changed by booking "+married.Number)
	})
}
