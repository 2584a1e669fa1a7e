package document

import (
	"strconv"
	"strings"
	"time"
)

// Money formats cents as euros: "1.234,56 €" in German, "€1,234.56" in
// English, with a leading minus for negative amounts ("-1.234,56 €",
// "-€1,234.56").
func Money(l Lang, cents int64) string {
	neg := cents < 0
	u := uint64(cents)
	if neg {
		u = -u
	}
	euros, rest := u/100, u%100
	thou, dec := ".", ","
	if l.Or() == English {
		thou, dec = ",", "."
	}
	s := group(strconv.FormatUint(euros, 10), thou) + dec + pad2(rest)
	sign := ""
	if neg {
		sign = "-"
	}
	if l.Or() == English {
		return sign + "€" + s
	}
	return sign + s + " €"
}

// Number formats n with thousands separators: "12.345" / "12,345".
func Number(l Lang, n int64) string {
	sep := "."
	if l.Or() == English {
		sep = ","
	}
	if n < 0 {
		return "-" + group(strconv.FormatUint(uint64(-n), 10), sep)
	}
	return group(strconv.FormatInt(n, 10), sep)
}

// Quantity formats a quantity in thousandths without trailing zeros:
// 1500 → "1,5" / "1.5", 2000 → "2".
func Quantity(l Lang, milli int64) string {
	neg := milli < 0
	if neg {
		milli = -milli
	}
	s := Number(l, milli/1000)
	if frac := milli % 1000; frac != 0 {
		d := strings.TrimRight(strconv.FormatInt(1000+frac, 10)[1:], "0")
		if l.Or() == English {
			s += "." + d
		} else {
			s += "," + d
		}
	}
	if neg {
		return "-" + s
	}
	return s
}

// Percent formats a rate in basis points: 1900 → "19 %" / "19%", 750 → "7,5 %".
func Percent(l Lang, bp int) string {
	s := Quantity(l, int64(bp)*10) // bp/100 with up to two decimals
	if l.Or() == English {
		return s + "%"
	}
	return s + " %"
}

// Date formats a calendar date: "14.03.2026" / "14 Mar 2026".
func Date(l Lang, t time.Time) string {
	if l.Or() == English {
		return t.Format("2 Jan 2006")
	}
	return t.Format("02.01.2006")
}

// DateTime formats a date with time of day: "14.03.2026, 09:30 Uhr" / "14 Mar 2026, 09:30".
func DateTime(l Lang, t time.Time) string {
	if l.Or() == English {
		return t.Format("2 Jan 2006, 15:04")
	}
	return t.Format("02.01.2006, 15:04") + " Uhr"
}

// In returns t in loc, or in UTC when loc is nil.
func In(t time.Time, loc *time.Location) time.Time {
	if loc == nil {
		return t.UTC()
	}
	return t.In(loc)
}

// Fuel formats a fuel level in eighths: "6/8".
func Fuel(eighths int) string { return strconv.Itoa(eighths) + "/8" }

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
