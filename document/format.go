package document

import (
	"time"

	"mietwerk.dev/mietwerk/locale"
)

// The formatting rules live in package locale, the one place for them;
// these names remain for the document renderers.

// Money formats cents as euros: "1.234,56 €" / "€1,234.56" (see locale.Lang.Money).
func Money(l Lang, cents int64) string { return l.Money(cents) }

// Number formats n with thousands separators: "12.345" / "12,345".
func Number(l Lang, n int64) string { return l.Number(n) }

// Quantity formats a quantity in thousandths: 1500 → "1,5" / "1.5".
func Quantity(l Lang, milli int64) string { return l.Quantity(milli) }

// Percent formats a rate in basis points: 1900 → "19 %" / "19%".
func Percent(l Lang, bp int) string { return l.Percent(bp) }

// Date formats a calendar date: "14.03.2026" / "14 Mar 2026".
func Date(l Lang, t time.Time) string { return l.Date(t) }

// DateTime formats a date with time of day: "14.03.2026, 09:30 Uhr" / "14 Mar 2026, 09:30".
func DateTime(l Lang, t time.Time) string { return l.DateTime(t) }

// In returns t in loc, or in UTC when loc is nil.
func In(t time.Time, loc *time.Location) time.Time { return locale.In(t, loc) }

// Fuel formats a fuel level in eighths: "6/8".
func Fuel(eighths int) string { return locale.Fuel(eighths) }
