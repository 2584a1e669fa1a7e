package web_test

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/mail"
	"mietwerk.dev/mietwerk/web"
)

// TestStartChangeMailsNobody: a test drive, an internal trip and a transfer
// moved to a later pickup on the planning board before their handover
// e-mail nobody — their driver is at the counter and was never sent a
// confirmation, so a rental's "Ihre Reservierung … wurde geändert" would
// tell of a reservation they never made; a rental moved the same way still
// gets its change e-mail, one. The page's period card and the notice
// after a change speak of re-pricing and the card for a rental only.
func TestStartChangeMailsNobody(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		ce.serve(t, func(d *web.Deps) { d.Flow = bookingFlow(t, ce.env) })
		c := ce.client(t)
		c.login(adminEmail, password)
		bookings := startEach(t, ce, c)
		bookings[booking.KindRental] = ce.res["reg"]
		for _, k := range booking.Kinds {
			r := bookings[k]
			// the period card and the notice after a change speak of money for a rental only
			path := fmt.Sprintf("/admin/reservations/%d", r.ID)
			hint, done := "Verfügbarkeit wird neu geprüft und neu berechnet; eine Differenz wird von der hinterlegten Karte abgebucht",
				"Der Zeitraum wurde geändert und neu berechnet."
			if k != booking.KindRental {
				hint, done = "Die Verfügbarkeit des Fahrzeugs wird neu geprüft; die Änderung wird nicht berechnet.", "Der Zeitraum wurde geändert.</p>"
			}
			wantContains(t, c.get(path), `id="period-hint">`+hint)
			wantContains(t, c.get(path+"?done=period"), `role="status">`+done)
			move := c.post("/admin/planning/move", url.Values{"csrf": {c.token(fmt.Sprintf("/admin/reservations/%d", r.ID))},
				"reservation": {fmt.Sprint(r.ID)}, "vehicle": {fmt.Sprint(r.VehicleID)},
				"pickup": {r.Pickup.Add(15 * time.Minute).Format(time.RFC3339)}, "station": {fmt.Sprint(r.StationID)}}, "HX-Request", "true")
			wantContains(t, move, "wurde verschoben.</p>")
			qs, _, err := ce.store.ListEmails(ce.sys(), mail.Filter{ReservationID: r.ID, Limit: 10})
			must(t, err)
			var subjects []string
			for _, q := range qs {
				subjects = append(subjects, q.Message.Subject)
			}
			if want := map[bool]int{true: 1, false: 0}[k == booking.KindRental]; len(qs) != want {
				t.Errorf("%s %s moved: e-mails %q, want %d", k, r.Number, subjects, want)
			}
		}
	})
}
