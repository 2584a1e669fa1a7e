package web_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
)

// TestHandoverKMMessages (both databases): the handover's km field says
// what is wrong with it — missing, not a number, out of range (as a
// doubled entry typed into a pre-filled field is) — and nothing starts.
func TestHandoverKMMessages(t *testing.T) {
	eachDBDialect(t, func(t *testing.T, d store.Dialect) {
		ce := newCtEnv(t, d)
		c := ce.client(t)
		c.mustLogin(stationEmail)
		path := fmt.Sprintf("/admin/reservations/%d/handover", ce.res["reg"].ID)
		for _, tc := range []struct{ km, want string }{
			{"", "Bitte den Kilometerstand eingeben."},
			{"12 000 km", "als ganze Zahl"},
			{"1200012000", "zwischen 0 und 2.000.000 km"},
			{"-5", "zwischen 0 und 2.000.000 km"},
		} {
			p := c.post(path, handoverForm(c.token(path), true, tc.km))
			if got := p.fieldErrors()["km"]; p.status != http.StatusUnprocessableEntity || !strings.Contains(got, tc.want) {
				t.Errorf("km %q: %d %q, want %q", tc.km, p.status, got, tc.want)
			}
		}
		if r, err := ce.store.Reservation(ce.sys(), ce.res["reg"].ID); err != nil || r.Status != booking.StatusConfirmed {
			t.Fatalf("the reservation changed: %v %v", r.Status, err)
		}
	})
}
