package api_test

import (
	"regexp"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/identity"
)

// TestTimesInStationZone: every time the API answers for a booking and its
// contract is RFC 3339 in the station's time zone, so the same invoice and
// the same payment read alike in the booking's and in the contract's view.
func TestTimesInStationZone(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		num := e.book(t, "zeit@example.de", day(1, 9), day(2, 17), "tz1")
		if h := e.do("POST", "/api/v1/bookings/"+num+"/handover", handoverBody(), "Authorization", "Bearer "+e.keys[identity.ScopeStaff]); h.status != 201 {
			t.Fatalf("handover: %d %s", h.status, h.raw)
		}
		b := e.do("GET", "/api/v1/bookings/"+num, nil)
		if b.status != 200 || b.body["contract"] == nil {
			t.Fatalf("booking: %d %s", b.status, b.raw)
		}
		ct := b.body["contract"].(map[string]any)
		_, off := time.Now().In(berlin).Zone()
		zone := time.Now().In(berlin).Format("-07:00")
		if off == 0 {
			t.Fatal("test needs a station zone other than UTC")
		}
		local := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$`)
		check := func(what string, v any) {
			t.Helper()
			s, _ := v.(string)
			if !local.MatchString(s) || len(s) < 6 || (s[len(s)-6:] != zone && s[len(s)-6:] != "+01:00" && s[len(s)-6:] != "+02:00") {
				t.Errorf("%s = %q, want RFC 3339 with the station's offset", what, v)
			}
		}
		byNumber := map[string]string{}
		for _, x := range b.body["invoices"].([]any) {
			inv := x.(map[string]any)
			check("booking invoice issued_at", inv["issued_at"])
			byNumber[inv["number"].(string)] = inv["issued_at"].(string)
		}
		for _, x := range b.body["payments"].([]any) {
			check("booking payment created_at", x.(map[string]any)["created_at"])
		}
		for _, k := range []string{"start", "planned_end"} {
			check("contract "+k, ct[k])
		}
		for _, x := range ct["protocols"].([]any) {
			check("protocol recorded_at", x.(map[string]any)["recorded_at"])
		}
		for _, x := range ct["drivers"].([]any) {
			check("driver licence_checked_at", x.(map[string]any)["licence_checked_at"])
		}
		for _, x := range ct["payments"].([]any) {
			check("contract payment created_at", x.(map[string]any)["created_at"])
		}
		seen := 0
		for _, x := range ct["invoices"].([]any) {
			inv := x.(map[string]any)
			check("contract invoice issued_at", inv["issued_at"])
			if want, ok := byNumber[inv["number"].(string)]; ok {
				seen++
				if inv["issued_at"] != want {
					t.Errorf("invoice %s: issued_at %s in the contract view, %s in the booking view", inv["number"], inv["issued_at"], want)
				}
			}
		}
		if seen == 0 {
			t.Fatalf("the advance invoice is not in the contract view: %s", b.raw)
		}
		c := e.do("GET", "/api/v1/bookings/"+num+"/contract", nil)
		if c.status != 200 || c.body["start"] != ct["start"] {
			t.Fatalf("contract view: %d %s", c.status, c.raw)
		}
	})
}
