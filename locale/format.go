package locale

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Typed parameter values: each is formatted in the reader's language when a
// text is filled in (see Format).
type (
	// Money is an amount in euro cents: "1.234,50 €" / "€1,234.50".
	Money int64
	// Km is a distance in kilometres: "18.985 km" / "18,985 km".
	Km int64
	// Percent is a rate in basis points (1900 = 19 %): "19 %" / "19%".
	Percent int
	// Date is a calendar date, printed in its own location: "14.03.2026" / "14 Mar 2026".
	Date time.Time
	// DateTime is a point in time, printed in its own location:
	// "14.03.2026, 09:30 Uhr" / "14 Mar 2026, 09:30".
	DateTime time.Time
)

// Format renders a parameter value in language l: the typed values above,
// a Key as the text of that key (for enum values inside a message), whole
// numbers with thousands separators, time.Time as a date-time, strings as
// they are.
func Format(l Lang, v any) string { return Default().Format(l, v) }

// Format renders a parameter value in language l (see the function Format),
// translating a Key by c.
func (c *Catalog) Format(l Lang, v any) string {
	switch x := v.(type) {
	case string:
		return x
	case Key:
		return c.T(l, x)
	case Money:
		return l.Money(int64(x))
	case Km:
		return l.Km(int64(x))
	case Percent:
		return l.Percent(int(x))
	case Date:
		return l.Date(time.Time(x))
	case DateTime:
		return l.DateTime(time.Time(x))
	case time.Time:
		return l.DateTime(x)
	case int:
		return l.Number(int64(x))
	case int64:
		return l.Number(x)
	case int32:
		return l.Number(int64(x))
	case fmt.Stringer:
		return x.String()
	}
	return fmt.Sprint(v)
}

// separators returns the thousands and decimal separators of l.
func (l Lang) separators() (thou, dec string) {
	if l.Or() == English {
		return ",", "."
	}
	return ".", ","
}

// Money formats cents as euros: "1.234,50 €" in German, "€1,234.50" in
// English; negative amounts lead with a minus ("-1.234,50 €", "-€1,234.50").
func (l Lang) Money(cents int64) string {
	u := uint64(cents)
	if cents < 0 {
		u = -u
	}
	thou, dec := l.separators()
	s := group(strconv.FormatUint(u/100, 10), thou) + dec + pad2(u%100)
	sign := ""
	if cents < 0 {
		sign = "-"
	}
	if l.Or() == English {
		return sign + "€" + s
	}
	return sign + s + " €"
}

// Amount formats cents as a bare decimal for a form field: "1234,50" /
// "1234.50" (no grouping, no currency sign), which the money parser reads back.
func (l Lang) Amount(cents int64) string {
	u := uint64(cents)
	if cents < 0 {
		u = -u
	}
	_, dec := l.separators()
	s := strconv.FormatUint(u/100, 10) + dec + pad2(u%100)
	if cents < 0 {
		return "-" + s
	}
	return s
}

// Number formats a whole number with thousands separators: "12.345" / "12,345".
func (l Lang) Number(n int64) string {
	thou, _ := l.separators()
	if n < 0 {
		return "-" + group(strconv.FormatUint(uint64(-n), 10), thou)
	}
	return group(strconv.FormatInt(n, 10), thou)
}

// Km formats a distance: "18.985 km" / "18,985 km".
func (l Lang) Km(n int64) string { return l.Number(n) + " km" }

// Quantity formats a quantity in thousandths without trailing zeros:
// 1500 → "1,5" / "1.5", 2000 → "2".
func (l Lang) Quantity(milli int64) string {
	neg := milli < 0
	u := uint64(milli)
	if neg {
		u = -u
	}
	thou, dec := l.separators()
	s := group(strconv.FormatUint(u/1000, 10), thou)
	if frac := u % 1000; frac != 0 {
		s += dec + strings.TrimRight(strconv.FormatUint(1000+frac, 10)[1:], "0")
	}
	if neg {
		return "-" + s
	}
	return s
}

// Percent formats a rate in basis points: 1900 → "19 %" / "19%", 750 → "7,5 %" / "7.5%".
func (l Lang) Percent(bp int) string {
	s := l.Quantity(int64(bp) * 10)
	if l.Or() == English {
		return s + "%"
	}
	return s + " %"
}

// Date formats a calendar date in t's location: "14.03.2026" / "14 Mar 2026".
func (l Lang) Date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.Or() == English {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02.01.2006")
}

// germanMonths are the months' German names, January first.
var germanMonths = [12]string{"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
	"Oktober", "November", "Dezember"}

// MonthYear names the month of t in t's location: "Dezember 2026" /
// "December 2026".
func (l Lang) MonthYear(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.Or() == English {
		return t.Format("January 2006")
	}
	return germanMonths[t.Month()-1] + " " + t.Format("2006")
}

// DayMonth formats a day of the year without the year, for a column of
// days: "14.03." / "14 Mar".
func (l Lang) DayMonth(t time.Time) string {
	if l.Or() == English {
		return t.Format("2 Jan")
	}
	return t.Format("02.01.")
}

// DateTime formats a point in time in t's location: "14.03.2026, 09:30 Uhr"
// / "14 Mar 2026, 09:30".
func (l Lang) DateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	if l.Or() == English {
		return t.Format("2 Jan 2006, 15:04")
	}
	return t.Format("02.01.2006, 15:04") + " Uhr"
}

// Clock formats the time of day in t's location: "09:30 Uhr" / "09:30".
func (l Lang) Clock(t time.Time) string {
	if l.Or() == English {
		return t.Format("15:04")
	}
	return t.Format("15:04") + " Uhr"
}

// Fuel formats a fuel level in eighths: "6/8".
func Fuel(eighths int) string { return strconv.Itoa(eighths) + "/8" }

// In returns t in loc, or in UTC when loc is nil.
func In(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		return t.UTC()
	}
	return t.In(loc)
}

func group(digits, sep string) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	lead := len(digits) % 3
	if lead > 0 {
		b.WriteString(digits[:lead])
	}
	for i := lead; i < len(digits); i += 3 {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

func pad2(v uint64) string {
	if v < 10 {
		return "0" + strconv.FormatUint(v, 10)
	}
	return strconv.FormatUint(v, 10)
}
