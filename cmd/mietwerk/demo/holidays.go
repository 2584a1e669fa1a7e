package demo

import (
	"time"

	"mietwerk.dev/mietwerk/tenancy"
)

// easter returns Easter Sunday of year (Gregorian calendar, anonymous algorithm).
func easter(year int) time.Time {
	a := year % 19
	b, c := year/100, year%100
	d, e := b/4, b%4
	f := (b + 8) / 25
	g := (b - f + 1) / 3
	h := (19*a + b - d - g + 15) % 30
	i, k := c/4, c%4
	l := (32 + 2*e + 2*i - h - k) % 7
	m := (a + 11*h + 22*l) / 451
	month := (h + l - 7*m + 114) / 31
	day := (h+l-7*m+114)%31 + 1
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
}

// holiday is a day the stations keep different hours.
type holiday struct {
	date time.Time
	name string
	// hours replaces the day's hours; nil means closed
	hours []tenancy.Span
}

// bavarianHolidays returns the public holidays of Bavaria in year (as kept in
// Regensburg, Straubing and Landshut, where Mariä Himmelfahrt is a holiday),
// plus Christmas Eve (closed) and New Year's Eve (open in the morning only).
func bavarianHolidays(year int) []holiday {
	day := func(m time.Month, d int) time.Time { return time.Date(year, m, d, 0, 0, 0, 0, time.UTC) }
	e := easter(year)
	return []holiday{
		{date: day(time.January, 1), name: "Neujahr"},
		{date: day(time.January, 6), name: "Heilige Drei Könige"},
		{date: e.AddDate(0, 0, -2), name: "Karfreitag"},
		{date: e.AddDate(0, 0, 1), name: "Ostermontag"},
		{date: day(time.May, 1), name: "Tag der Arbeit"},
		{date: e.AddDate(0, 0, 39), name: "Christi Himmelfahrt"},
		{date: e.AddDate(0, 0, 50), name: "Pfingstmontag"},
		{date: e.AddDate(0, 0, 60), name: "Fronleichnam"},
		{date: day(time.August, 15), name: "Mariä Himmelfahrt"},
		{date: day(time.October, 3), name: "Tag der Deutschen Einheit"},
		{date: day(time.November, 1), name: "Allerheiligen"},
		{date: day(time.December, 24), name: "Heiligabend – geschlossen"},
		{date: day(time.December, 25), name: "1. Weihnachtsfeiertag"},
		{date: day(time.December, 26), name: "2. Weihnachtsfeiertag"},
		{date: day(time.December, 31), name: "Silvester – nur vormittags", hours: []tenancy.Span{{Open: 8 * 60, Close: 12 * 60}}},
	}
}

// holidayExceptions returns the opening-hour exceptions of the given years,
// leaving out Sundays, when the stations are closed anyway.
func holidayExceptions(years ...int) []tenancy.Exception {
	var out []tenancy.Exception
	for _, y := range years {
		for _, h := range bavarianHolidays(y) {
			if h.date.Weekday() == time.Sunday {
				continue
			}
			out = append(out, tenancy.Exception{
				Date: h.date.Format("2006-01-02"), Closed: h.hours == nil, Hours: h.hours, Note: h.name,
			})
		}
	}
	return out
}
