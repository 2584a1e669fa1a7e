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
// gets its change e-mail, one.
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
