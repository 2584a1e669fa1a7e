package mailtmpl

import (
	"strconv"
	"strings"
	"time"
)

// calendarEntry is what a booking's calendar file says: the pickup and
// return events of one revision (Sequence) of the booking.
type calendarEntry struct {
	Number   string
	Category string
	Station  Station
	Pickup   time.Time
	Return   time.Time
	Stamp    time.Time // DTSTAMP: when this revision was made
	Sequence int
	Cancel   bool // METHOD:CANCEL, STATUS:CANCELLED
}

// ReservationICS returns an RFC 5545 calendar (METHOD:PUBLISH) with two
// events, pickup and return, each 30 minutes at the station: revision
// d.Sequence (0 as confirmed, higher after each change of the period).
// Times are UTC; the UIDs are stable per reservation (number and event) so
// that a later revision or a cancellation replaces the entries; DTSTAMP is
// when the revision was made (d.ChangedAt, else the booking time), so output
// is deterministic. Lines end in CRLF and are folded at 75 octets.
func ReservationICS(env Envelope, d Reservation) []byte {
	stamp := d.BookedAt
	if !d.ChangedAt.IsZero() {
		stamp = d.ChangedAt
	}
	return calendarICS(env, calendarEntry{Number: d.Number, Category: d.Category, Station: d.Station, Pickup: d.Pickup,
		Return: d.Return, Stamp: stamp, Sequence: d.Sequence})
}

// CancellationICS returns the calendar file that removes a cancelled
// booking's entries: METHOD:CANCEL with the same UIDs, STATUS:CANCELLED and
// SEQUENCE one above the last revision sent (RFC 5546 §3.2.5).
func CancellationICS(env Envelope, d Cancellation) []byte {
	return calendarICS(env, calendarEntry{Number: d.ReservationNumber, Category: d.Category, Station: d.Station,
		Pickup: d.Pickup, Return: d.Return, Stamp: d.CancelledAt, Sequence: d.Sequence + 1, Cancel: true})
}

// icsContentType is the Content-Type of a calendar attachment with its method.
func icsContentType(cancel bool) string {
	if cancel {
		return "text/calendar; charset=utf-8; method=CANCEL"
	}
	return "text/calendar; charset=utf-8; method=PUBLISH"
}

func calendarICS(env Envelope, c calendarEntry) []byte {
	l := env.Lang.Or()
	domain := "mietwerk.invalid"
	if i := strings.LastIndexByte(env.From.Email, '@'); i >= 0 {
		domain = env.From.Email[i+1:]
	}
	loc := strings.Join(append([]string{c.Station.Name}, addressLines(c.Station.Address)...), ", ")
	pickup, ret := l.T("mail.ics.pickup"), l.T("mail.ics.return")
	desc := l.T("mail.ics.description", c.Number, env.Branding.LegalName)
	if c.Station.Phone != "" {
		desc += "\n" + c.Station.Phone
	}
	method, status := "PUBLISH", "CONFIRMED"
	if c.Cancel {
		method, status = "CANCEL", "CANCELLED"
	}
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Mietwerk//Mietwerk//" + strings.ToUpper(string(l)))
	line("CALSCALE:GREGORIAN")
	line("METHOD:" + method)
	event := func(id, summary string, at time.Time) {
		line("BEGIN:VEVENT")
		line("UID:" + icsText(c.Number+"-"+id+"@"+domain))
		line("SEQUENCE:" + strconv.Itoa(c.Sequence))
		line("DTSTAMP:" + icsTime(c.Stamp))
		line("DTSTART:" + icsTime(at))
		line("DTEND:" + icsTime(at.Add(30*time.Minute)))
		if env.From.Email != "" {
			organizer := "ORGANIZER"
			if env.From.Name != "" {
				organizer += ";CN=" + icsParam(env.From.Name)
			}
			line(organizer + ":mailto:" + env.From.Email)
		}
		line("SUMMARY:" + icsText(summary+" – "+c.Category))
		line("LOCATION:" + icsText(loc))
		line("DESCRIPTION:" + icsText(desc))
		line("STATUS:" + status)
		line("TRANSP:OPAQUE")
		line("END:VEVENT")
	}
	event("pickup", pickup, c.Pickup)
	event("return", ret, c.Return)
	line("END:VCALENDAR")
	return []byte(b.String())
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icsText escapes a TEXT value (RFC 5545 §3.3.11).
func icsText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\t", " ")
	return r.Replace(bodyText(s))
}

// icsParam quotes a parameter value (RFC 5545 §3.2: a quoted string holds
// no DQUOTE and no control characters): cleaned as a header, quotes dropped.
func icsParam(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '"' {
			return -1
		}
		return r
	}, headerText(s))
	return `"` + s + `"`
}

// fold splits a content line into lines of at most 75 octets, never inside
// a UTF-8 sequence, continuation lines starting with a space, each ending
// in CRLF (RFC 5545 §3.1).
func fold(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		size := len(string(r))
		if n+size > 75 {
			b.WriteString("\r\n ")
			n = 1
		}
		b.WriteRune(r)
		n += size
	}
	b.WriteString("\r\n")
	return b.String()
}
