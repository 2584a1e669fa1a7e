package booking

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/tenancy"
)

// TestCalendarDays: one month (March 2026, Europe/Berlin, with the switch to
// summer time on Sunday 29 March) at a station open Mon–Fri 08:00–18:00
// with a lunch break 12:00–13:00 on Wednesdays, Sat 09:00–13:00, closed on
// Sundays and on Good Friday (3 April is outside the month; 13 March is a
// closed exception, 28 March has special hours 10:00–12:00). The tenant
// wants two hours' notice; now is Monday 2 March, 09:00. Three cars with
// busy periods decide the counts.
func TestCalendarDays(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(d, h, min int) time.Time { return time.Date(2026, time.March, d, h, min, 0, 0, berlin) }
	st := tenancy.Station{TimeZone: "Europe/Berlin", Exceptions: []tenancy.Exception{
		{Date: "2026-03-13", Closed: true, Note: "Betriebsversammlung"},
		{Date: "2026-03-28", Hours: []tenancy.Span{{Open: 10 * 60, Close: 12 * 60}}, Note: "Sonderöffnung"}}}
	for d := time.Monday; d <= time.Friday; d++ {
		st.Hours[d] = []tenancy.Span{{Open: 8 * 60, Close: 18 * 60}}
	}
	st.Hours[time.Wednesday] = []tenancy.Span{{Open: 8 * 60, Close: 12 * 60}, {Open: 13 * 60, Close: 18 * 60}}
	st.Hours[time.Saturday] = []tenancy.Span{{Open: 9 * 60, Close: 13 * 60}}
	tn := tenancy.Tenant{MinNoticeMinutes: 120}
	now := at(2, 9, 0)
	vs := []VehicleBusy{
		// car 1: returned Tue 3rd at 10:00, then taken from Thu 5th 15:00 to Fri 6th 09:00
		{VehicleID: 1, Busy: []Interval{{at(1, 8, 0), at(3, 10, 0)}, {at(5, 15, 0), at(6, 9, 0)}}},
		// car 2: taken Tue 3rd all day, and Wed 4th until 12:30 (in the lunch break)
		{VehicleID: 2, Busy: []Interval{{at(3, 0, 0), at(4, 12, 30)}}},
		// car 3: taken from Mon 9th 08:00 to Wed 11th 18:00 (exactly closing)
		{VehicleID: 3, Busy: []Interval{{at(9, 8, 0), at(11, 18, 0)}}},
	}
	noTariffOn := "2026-03-20"
	days := CalendarDays(tn, st, 2026, time.March, vs, now, func(date string) bool { return date != noTariffOn })
	if len(days) != 31 || days[0].Date != "2026-03-01" || days[30].Date != "2026-03-31" {
		t.Fatalf("%d days from %s", len(days), days[0].Date)
	}
	want := map[string]struct {
		free, all int
		reasons   string
		hours     string
	}{
		"2026-03-01": {0, 0, "closed", ""},                   // Sunday
		"2026-03-02": {2, 2, "", "08:00-18:00"},              // today, from 11:00 (notice): car 1 is taken until the 3rd
		"2026-03-03": {2, 1, "", "08:00-18:00"},              // car 1 from 10:00, car 3 all day, car 2 taken
		"2026-03-04": {3, 2, "", "08:00-12:00, 13:00-18:00"}, // car 2 from 13:00 (after its 12:30 return)
		"2026-03-05": {2, 2, "", "08:00-18:00"},              // car 1 taken from 15:00: not until closing
		"2026-03-06": {3, 2, "", "08:00-18:00"},              // car 1 from 09:00
		"2026-03-07": {3, 3, "", "09:00-13:00"},              // Saturday
		"2026-03-09": {2, 2, "", "08:00-18:00"},              // car 3 taken from opening
		"2026-03-11": {2, 2, "", "08:00-12:00, 13:00-18:00"}, // car 3 until closing exactly
		"2026-03-12": {3, 3, "", "08:00-18:00"},              // car 3 back
		"2026-03-13": {0, 0, "closed", ""},                   // closed by exception
		"2026-03-20": {3, 3, "no_tariff", "08:00-18:00"},     // no tariff that day
		"2026-03-28": {3, 3, "", "10:00-12:00"},              // special hours
		"2026-03-29": {0, 0, "closed", ""},                   // Sunday, clocks change
		"2026-03-30": {3, 3, "", "08:00-18:00"},              // first Monday of summer time
	}
	for _, d := range days {
		w, ok := want[d.Date]
		if !ok {
			continue
		}
		var codes []string
		for _, r := range d.Reasons {
			codes = append(codes, r.Code)
		}
		got := fmt.Sprintf("free %d, all day %d, reasons %q, hours %q", d.Free, d.FreeAllDay, strings.Join(codes, ","), tenancy.FormatSpans(d.Hours))
		exp := fmt.Sprintf("free %d, all day %d, reasons %q, hours %q", w.free, w.all, w.reasons, w.hours)
		if got != exp {
			t.Errorf("%s: %s, want %s", d.Date, got, exp)
		}
		if d.Available != (w.reasons == "") {
			t.Errorf("%s: available %v with reasons %q", d.Date, d.Available, w.reasons)
		}
	}
	if days[12].Note != "Betriebsversammlung" || days[27].Note != "Sonderöffnung" || days[11].Note != "" {
		t.Errorf("notes %q %q %q", days[12].Note, days[27].Note, days[11].Note)
	}
}

// TestCalendarDaysNoticeAndPast: on the day of now, a day whose hours are
// all before now has passed, one whose hours end within the notice is too
// short notice (its message names the notice), and a later opening time
// that day is still available.
func TestCalendarDaysNoticeAndPast(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	st := tenancy.Station{TimeZone: "Europe/Berlin"}
	for d := range 7 {
		st.Hours[d] = []tenancy.Span{{Open: 8 * 60, Close: 18 * 60}}
	}
	free := []VehicleBusy{{VehicleID: 1}}
	yes := func(string) bool { return true }
	for _, tc := range []struct {
		name        string
		now         time.Time
		notice      int
		day         int // of June 2026
		reason      string
		de, en      string
		free, free2 int
	}{
		{"yesterday", time.Date(2026, 6, 10, 9, 0, 0, 0, berlin), 0, 9, ReasonInPast, "Dieser Tag ist vorbei.", "This day has passed.", 0, 0},
		{"after closing", time.Date(2026, 6, 10, 18, 30, 0, 0, berlin), 0, 10, ReasonInPast, "Dieser Tag ist vorbei.", "This day has passed.", 0, 0},
		{"within notice", time.Date(2026, 6, 10, 16, 30, 0, 0, berlin), 120, 10, ReasonTooShortNotice,
			"Buchungen brauchen mindestens 2 Stunden Vorlauf.", "Bookings need at least 2 hours' notice.", 0, 0},
		{"notice in minutes", time.Date(2026, 6, 10, 17, 30, 0, 0, berlin), 45, 10, ReasonTooShortNotice,
			"Buchungen brauchen mindestens 45 Minuten Vorlauf.", "Bookings need at least 45 minutes' notice.", 0, 0},
		{"later today", time.Date(2026, 6, 10, 12, 0, 0, 0, berlin), 120, 10, "", "", "", 1, 1},
		{"tomorrow", time.Date(2026, 6, 10, 23, 0, 0, 0, berlin), 600, 11, "", "", "", 1, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			days := CalendarDays(tenancy.Tenant{MinNoticeMinutes: tc.notice}, st, 2026, time.June, free, tc.now, yes)
			d := days[tc.day-1]
			if d.Free != tc.free || d.FreeAllDay != tc.free2 || d.Available != (tc.reason == "") {
				t.Fatalf("%s: free %d/%d available %v", d.Date, d.Free, d.FreeAllDay, d.Available)
			}
			if tc.reason == "" {
				if len(d.Reasons) != 0 {
					t.Fatalf("%s: reasons %+v", d.Date, d.Reasons)
				}
				return
			}
			if len(d.Reasons) != 1 || d.Reasons[0].Code != tc.reason || d.Reasons[0].Text(locale.German) != tc.de ||
				d.Reasons[0].Text(locale.English) != tc.en {
				t.Fatalf("%s: reasons %+v (%q / %q)", d.Date, d.Reasons, d.Reasons[0].Text(locale.German), d.Reasons[0].Text(locale.English))
			}
		})
	}
}

// TestParseMonth: what the month parameter takes.
func TestParseMonth(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		code locale.Key
	}{{"2027-01", true, ""}, {" 2027-12 ", true, ""}, {"", false, "calendar.month_required"}, {"2027-13", false, "calendar.month_format"},
		{"2027-1", false, "calendar.month_format"}, {"27-01", false, "calendar.month_format"}, {"2027-01-05", false, "calendar.month_format"},
		{"1999-12", false, "calendar.month_format"}, {"Januar", false, "calendar.month_format"}, {"２０２７-01", false, "calendar.month_format"}} {
		_, _, err := ParseMonth(tc.in)
		if (err == nil) != tc.ok {
			t.Errorf("ParseMonth(%q) = %v", tc.in, err)
			continue
		}
		if err != nil && !strings.Contains(fmt.Sprintf("%+v", err), locale.English.T(tc.code)) {
			t.Errorf("ParseMonth(%q) = %v, want %s", tc.in, err, tc.code)
		}
	}
}
