package web_test

import (
	"fmt"
	"net/http"
	"net/url"
	"testing"
)

// TestControlCharactersRefused: a NUL or another control character in a
// search or any other query parameter, or in a posted form, gets the 400
// page (never a 500: PostgreSQL cannot even compare a NUL) and changes
// nothing; a line break or tab in a single-line field of the customer form
// gets its field error, while the reservation notes may have several lines.
func TestControlCharactersRefused(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		w := seedBookings(t, e)
		c := e.client(t)
		c.mustLogin(adminEmail)
		for _, path := range []string{"/admin/reservations?q=%00", "/admin/customers?q=Anna%00", "/admin/invoices?q=%1B",
			"/admin/reservations?day=2026-12-07%00", "/admin/vehicles?q=R%00", "/admin/customers?q%00=x"} {
			p := c.get(path)
			wantStatus(t, p, http.StatusBadRequest)
			wantContains(t, p, "unzulässiges Steuerzeichen")
		}
		path := fmt.Sprintf("/admin/customers/%d", w.anna.ID)
		form := func(last string) url.Values {
			return url.Values{"csrf": {c.token(path)}, "email": {"anna@example.de"}, "first_name": {"Anna"}, "last_name": {last},
				"street": {"Domplatz 1"}, "postal_code": {"93047"}, "city": {"Regensburg"}, "country": {"DE"}, "phone": {"+49 941 555123"},
				"language": {"de"}, "birth_date": {"1985-03-04"}, "licence_number": {"B072RRE2I55"}}
		}
		wantStatus(t, c.post(path, form("Ber\x00ger")), http.StatusBadRequest)
		p := c.post(path, form("Berger\nMallory"))
		wantStatus(t, p, http.StatusUnprocessableEntity)
		if m := p.fieldErrors()["last_name"]; m != "Bitte in einer Zeile eingeben, ohne Zeilenumbrüche, Tabulatoren oder Steuerzeichen." {
			t.Fatalf("last name message %q", m)
		}
		f := form("Berger")
		f.Set("licence_number", "B072\tRRE2I55")
		if m := c.post(path, f).fieldErrors()["licence_number"]; m == "" {
			t.Fatal("no message for a tab in the licence number")
		}
		if got, _ := e.store.Customer(e.sys(), w.anna.ID); got.LastName != "Berger" || got.LicenceNumber != "B072RRE2I55" {
			t.Fatalf("a refused form changed the customer: %+v", got)
		}
		// notes: several lines are fine, a NUL is not
		res := fmt.Sprintf("/admin/reservations/%d", w.resReg.ID)
		tok := c.token(res)
		wantStatus(t, c.post(res+"/notes", url.Values{"csrf": {tok}, "notes": {"Kindersitz\nab 9 Uhr"}}), http.StatusOK)
		wantStatus(t, c.post(res+"/notes", url.Values{"csrf": {tok}, "notes": {"Kinder\x00sitz"}}), http.StatusBadRequest)
		if r, _ := e.store.Reservation(e.sys(), w.resReg.ID); r.Notes != "Kindersitz\nab 9 Uhr" {
			t.Fatalf("notes %q", r.Notes)
		}
	})
}
