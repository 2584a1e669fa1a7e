package mailtmpl

import (
	"strings"
	"time"

	"mietwerk.dev/mietwerk/document"
)

// ReservationICS returns an RFC 5545 calendar (METHOD:PUBLISH) with two
// events, pickup and return, each 30 minutes at the station. Times are UTC;
// UIDs are stable per reservation so a re-sent confirmation updates the
// entries; DTSTAMP is the booking time so output is deterministic. Lines
// end in CRLF and are folded at 75 octets.
func ReservationICS(env Envelope, d Reservation) []byte {
	en := env.Lang.Or() == document.English
	domain := "mietwerk.invalid"
	if i := strings.LastIndexByte(env.From.Email, '@'); i >= 0 {
		domain = env.From.Email[i+1:]
	}
	loc := strings.Join(append([]string{d.Station.Name}, addressLines(d.Station.Address)...), ", ")
	pickup, ret := "Fahrzeugabholung", "Fahrzeugrückgabe"
	desc := "Reservierung " + d.Number + ", " + env.Branding.LegalName
	if en {
		pickup, ret = "Vehicle pickup", "Vehicle return"
		desc = "Reservation " + d.Number + ", " + env.Branding.LegalName
	}
	if d.Station.Phone != "" {
		desc += "\n" + d.Station.Phone
	}
	var b strings.Builder
	line := func(s string) { b.WriteString(fold(s)) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Mietwerk//Mietwerk//" + strings.ToUpper(string(env.Lang.Or())))
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	event := func(id, summary string, at time.Time) {
		line("BEGIN:VEVENT")
		line("UID:" + icsText(d.Number+"-"+id+"@"+domain))
		line("DTSTAMP:" + icsTime(d.BookedAt))
		line("DTSTART:" + icsTime(at))
		line("DTEND:" + icsTime(at.Add(30*time.Minute)))
		line("SUMMARY:" + icsText(summary+" – "+d.Category))
		line("LOCATION:" + icsText(loc))
		line("DESCRIPTION:" + icsText(desc))
		line("STATUS:CONFIRMED")
		line("TRANSP:OPAQUE")
		line("END:VEVENT")
	}
	event("pickup", pickup, d.Pickup)
	event("return", ret, d.Return)
	line("END:VCALENDAR")
	return []byte(b.String())
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// icsText escapes a TEXT value (RFC 5545 §3.3.11).
func icsText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\n", `\n`, "\t", " ")
	return r.Replace(bodyText(s))
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
