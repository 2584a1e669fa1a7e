package booking

import (
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestCheckPeriod: every rule CheckPeriod knows, alone and together, by
// reason code and field. The station is open Mon–Fri 08:00–18:00 and
// Sat 09:00–13:00 (Europe/Berlin), closed on Sundays and on 2026-04-03; the
// tenant wants two hours' notice and at most 30 days.
func TestCheckPeriod(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(m time.Month, d, h, min int) time.Time { return time.Date(2026, m, d, h, min, 0, 0, berlin) }
	st := tenancy.Station{TimeZone: "Europe/Berlin", Exceptions: []tenancy.Exception{{Date: "2026-04-03", Closed: true}}}
	for d := time.Monday; d <= time.Friday; d++ {
		st.Hours[d] = []tenancy.Span{{Open: 8 * 60, Close: 18 * 60}}
	}
	st.Hours[time.Saturday] = []tenancy.Span{{Open: 9 * 60, Close: 13 * 60}}
	tn := tenancy.Tenant{MinNoticeMinutes: 120, MaxRentalDays: 30}
	now := at(3, 2, 9, 0) // Monday 2 March 2026, 09:00

	cases := []struct {
		name        string
		tn          tenancy.Tenant
		pickup, ret time.Time
		want        []string // "code@field", in order
	}{
		{"bookable", tn, at(3, 3, 10, 0), at(3, 5, 17, 0), nil},
		{"return at closing time", tn, at(3, 3, 10, 0), at(3, 5, 18, 0), nil},
		{"pickup at opening time", tn, at(3, 3, 8, 0), at(3, 3, 12, 0), nil},
		{"exactly the minimum notice", tn, at(3, 2, 11, 0), at(3, 2, 17, 0), nil},
		{"a minute short of the notice", tn, at(3, 2, 10, 59), at(3, 2, 17, 0), []string{"too_short_notice@pickup"}},
		{"no notice needed", tenancy.Tenant{MaxRentalDays: 30}, at(3, 2, 9, 0), at(3, 2, 17, 0), nil},
		{"pickup passed", tn, at(3, 2, 8, 30), at(3, 2, 17, 0), []string{"in_past@pickup"}},
		{"return before pickup", tn, at(3, 5, 10, 0), at(3, 4, 10, 0), []string{"return_before_pickup@return"}},
		{"return equal to pickup", tn, at(3, 5, 10, 0), at(3, 5, 10, 0), []string{"return_before_pickup@return"}},
		{"return before pickup hides every other problem", tn, at(3, 1, 3, 0), at(2, 1, 3, 0), []string{"return_before_pickup@return"}},
		{"exactly the longest rental", tn, at(4, 6, 10, 0), at(5, 6, 10, 0), nil},
		{"a minute longer than allowed", tn, at(4, 6, 10, 0), at(5, 6, 10, 1), []string{"too_long@return"}},
		// the length counts days of 24 hours: across the switch to summer
		// time (29 March) 30 days end an hour later on the clock
		{"30 days of 24 h across the switch to summer time", tn, at(3, 3, 10, 0), at(4, 2, 11, 0), nil},
		{"a minute more across the switch", tn, at(3, 3, 10, 0), at(4, 2, 11, 1), []string{"too_long@return"}},
		{"no length limit", tenancy.Tenant{MinNoticeMinutes: 120}, at(3, 3, 10, 0), at(6, 3, 10, 0), nil},
		{"pickup on a Sunday", tn, at(3, 8, 10, 0), at(3, 10, 10, 0), []string{"closed_on_pickup_day@pickup"}},
		{"return on a closed holiday", tn, at(4, 1, 10, 0), at(4, 3, 10, 0), []string{"closed_on_return_day@return"}},
		{"pickup before opening", tn, at(3, 3, 7, 30), at(3, 4, 10, 0), []string{"outside_opening_hours@pickup"}},
		{"return after Saturday closing", tn, at(3, 3, 10, 0), at(3, 7, 14, 0), []string{"outside_opening_hours@return"}},
		{"pickup at closing time is allowed like a return", tn, at(3, 3, 18, 0), at(3, 4, 10, 0), nil},
		{"both ends outside hours", tn, at(3, 3, 19, 0), at(3, 4, 6, 0),
			[]string{"outside_opening_hours@pickup", "outside_opening_hours@return"}},
		{"several problems at once", tn, at(3, 1, 10, 0), at(4, 4, 20, 0),
			[]string{"in_past@pickup", "too_long@return", "closed_on_pickup_day@pickup", "outside_opening_hours@return"}},
		// 07:00 UTC is 08:00 in Berlin (open), 17:30 UTC is 18:30 (closed)
		{"instants in UTC are read in the station's zone", tn,
			time.Date(2026, 3, 3, 7, 0, 0, 0, time.UTC), time.Date(2026, 3, 3, 17, 30, 0, 0, time.UTC),
			[]string{"outside_opening_hours@return"}},
	}
	for _, c := range cases {
		var got []string
		for _, p := range CheckPeriod(c.tn, st, c.pickup, c.ret, now) {
			got = append(got, p.Code+"@"+p.Field)
			if strings.TrimSpace(p.Text(locale.German)) == "" || strings.TrimSpace(p.Text(locale.English)) == "" {
				t.Errorf("%s: problem %s has no message", c.name, p.Code)
			}
		}
		if strings.Join(got, ",") != strings.Join(c.want, ",") {
			t.Errorf("%s: CheckPeriod = %v, want %v", c.name, got, c.want)
		}
	}
}
