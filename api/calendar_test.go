package api_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/identity"
)

// TestAvailabilityCalendar: the month's days in the station's zone, on both
// databases: a closed exception with its note, a day on which both cars
// are taken (nothing_free) and the day after it on which they come back at
// 10:00 (free, not all day), a car not offered after its HU runs out,
// reasons in German and English, and every invalid parameter at once.
func TestAvailabilityCalendar(t *testing.T) {
	eachDB(t, func(t *testing.T, e *env) {
		full := day(12, 7)
		e.book(t, "a@example.de", full, full.AddDate(0, 0, 1).Add(3*time.Hour), "cal1") // to 10:00 the next day
		e.book(t, "b@example.de", full, full.AddDate(0, 0, 1).Add(3*time.Hour), "cal2")
		get := func(month, accept string) map[string]map[string]any {
			t.Helper()
			r := e.do("GET", "/api/v1/availability/calendar?station=SR&category=CDMR&month="+month, nil, "Accept-Language", accept)
			if r.status != 200 || r.body["month"] != month || r.body["time_zone"] != "Europe/Berlin" {
				t.Fatalf("calendar %s: %d %s", month, r.status, r.raw)
			}
			days := map[string]map[string]any{}
			for _, x := range r.body["days"].([]any) {
				d := x.(map[string]any)
				days[d["date"].(string)] = d
			}
			first, _ := time.Parse("2006-01", month)
			if n := first.AddDate(0, 1, -1).Day(); len(days) != n {
				t.Fatalf("%d days in %s, want %d", len(days), month, n)
			}
			return days
		}
		reason := func(d map[string]any) string {
			var s []string
			for _, x := range d["reasons"].([]any) {
				s = append(s, x.(map[string]any)["code"].(string)+": "+x.(map[string]any)["message"].(string))
			}
			return strings.Join(s, "; ")
		}
		sun := sunday()
		de := get(sun.Format("2006-01"), "de")
		en := get(sun.Format("2006-01"), "en")
		s := de[sun.Format("2006-01-02")]
		if s["available"] != false || s["note"] != "Feiertag" || len(s["opening_hours"].([]any)) != 0 ||
			reason(s) != "closed: Die Station ist an diesem Tag geschlossen." ||
			reason(en[sun.Format("2006-01-02")]) != "closed: The station is closed on that day." || s["weekday"] != "sun" {
			t.Errorf("closed Sunday: %v / %v", s, en[sun.Format("2006-01-02")])
		}
		days := get(full.Format("2006-01"), "de")
		taken := days[full.Format("2006-01-02")]
		if taken["available"] != false || taken["free"].(float64) != 0 ||
			reason(taken) != "nothing_free: An diesem Tag kann kein Fahrzeug abgeholt werden: alle sind vergeben." {
			t.Errorf("both cars taken: %v", taken)
		}
		if h := taken["opening_hours"].([]any); len(h) != 1 || fmt.Sprint(h[0]) != "map[close:19:00 open:07:00]" {
			t.Errorf("opening hours %v", h)
		}
		// the next day the cars come back at 10:00: free, but not all day (unless the exception closes it)
		if next := full.AddDate(0, 0, 1); next.Format("2006-01-02") != sun.Format("2006-01-02") {
			nd := get(next.Format("2006-01"), "de")[next.Format("2006-01-02")]
			if nd["available"] != true || nd["free"].(float64) != 2 || nd["free_all_day"].(float64) != 0 {
				t.Errorf("back at 10:00: %v", nd)
			}
		}
		// a car whose HU runs out is not offered from the day after (as a booking would not take it)
		later := func() map[string]float64 {
			out := map[string]float64{}
			for d, x := range get(full.Format("2006-01"), "de") {
				if d > full.AddDate(0, 0, 1).Format("2006-01-02") {
					out[d] = x["free"].(float64)
				}
			}
			return out
		}
		before := later()
		hu := full.AddDate(0, 0, 3).Format("2006-01-02")
		ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
		v, err := e.st.Vehicle(ctx, e.vehicles[0].ID)
		must(t, err)
		v.NextInspection = hu
		must(t, e.st.UpdateVehicle(ctx, &v))
		for d, n := range later() {
			want := before[d]
			if d > hu && want > 0 {
				want--
			}
			if n != want {
				t.Errorf("%s (HU of one car runs out %s): %v free, want %v", d, hu, n, want)
			}
		}
		// without a category: every active category's cars count; the category is null
		r := e.do("GET", "/api/v1/availability/calendar?station=SR&month="+full.Format("2006-01"), nil)
		if r.status != 200 || r.body["category"] != nil {
			t.Fatalf("without category: %d %s", r.status, r.raw)
		}
		// every invalid parameter at once, in the reader's language
		for accept, want := range map[string][]string{
			"de": {"station", "category", "month", "Einen Monat im Format JJJJ-MM angeben, z. B. 2027-01."},
			"en": {"station", "category", "month", "Enter a month as YYYY-MM, e.g. 2027-01."},
		} {
			r := e.do("GET", "/api/v1/availability/calendar?station=XX&category=ZZZ&month=2027-13", nil, "Accept-Language", accept)
			if r.status != 422 || len(r.body["errors"].([]any)) != 3 {
				t.Fatalf("%s: %d %s", accept, r.status, r.raw)
			}
			for i, f := range r.body["errors"].([]any) {
				if f.(map[string]any)["field"] != want[i] {
					t.Errorf("%s: error %d is %v, want %s", accept, i, f, want[i])
				}
			}
			if m := r.body["errors"].([]any)[2].(map[string]any)["message"]; m != want[3] {
				t.Errorf("%s: month message %q", accept, m)
			}
		}
		if r := e.do("GET", "/api/v1/availability/calendar?station=SR", nil, "Accept-Language", "en"); r.status != 422 ||
			!strings.Contains(string(r.raw), "Enter a month (YYYY-MM, e.g. 2027-01).") {
			t.Fatalf("no month: %d %s", r.status, r.raw)
		}
	})
}
