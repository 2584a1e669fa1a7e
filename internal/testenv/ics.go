package testenv

import (
	"strings"
	"testing"
	"time"
)

// ICalendar is an iCalendar object read back by ParseICS: the calendar's
// properties and its events, each property by name with its parameters.
type ICalendar struct {
	Props  map[string]ICSProp
	Events []map[string]ICSProp
}

// ICSProp is one content line: its value (TEXT escapes undone) and
// parameters (quotes removed).
type ICSProp struct {
	Value  string
	Params map[string]string
}

// Time parses a DATE-TIME value in UTC form (…Z) or with a TZID parameter.
func (p ICSProp) Time() (time.Time, error) {
	if tz, ok := p.Params["TZID"]; ok {
		loc, err := time.LoadLocation(tz)
		if err != nil {
			return time.Time{}, err
		}
		return time.ParseInLocation("20060102T150405", p.Value, loc)
	}
	return time.Parse("20060102T150405Z", p.Value)
}

// ParseICS reads an iCalendar object the way RFC 5545 describes it, written
// apart from the program's own writer so that a test reads back what a
// calendar would: every line must end in CRLF and be at most 75 octets; a
// line starting with a space or tab continues the one before (unfolding);
// each content line is name *(";" param) ":" value; BEGIN/END nest. It
// fails the test on anything malformed.
func ParseICS(t testing.TB, data []byte) ICalendar {
	t.Helper()
	s := string(data)
	if !strings.HasSuffix(s, "\r\n") {
		t.Fatalf("ics: does not end in CRLF")
	}
	raw := strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
	var lines []string
	for i, l := range raw {
		if strings.ContainsAny(l, "\r\n") {
			t.Fatalf("ics line %d: bare CR or LF", i+1)
		}
		if len(l) > 75 {
			t.Fatalf("ics line %d: %d octets (at most 75)", i+1, len(l))
		}
		if (strings.HasPrefix(l, " ") || strings.HasPrefix(l, "\t")) && len(lines) > 0 {
			lines[len(lines)-1] += l[1:]
			continue
		}
		lines = append(lines, l)
	}
	cal := ICalendar{Props: map[string]ICSProp{}}
	var stack []string
	var ev map[string]ICSProp
	for _, l := range lines {
		name, p := parseICSLine(t, l)
		switch name {
		case "BEGIN":
			stack = append(stack, p.Value)
			if p.Value == "VEVENT" {
				ev = map[string]ICSProp{}
			}
			continue
		case "END":
			if len(stack) == 0 || stack[len(stack)-1] != p.Value {
				t.Fatalf("ics: END:%s does not close %v", p.Value, stack)
			}
			stack = stack[:len(stack)-1]
			if p.Value == "VEVENT" {
				cal.Events = append(cal.Events, ev)
				ev = nil
			}
			continue
		}
		switch {
		case ev != nil:
			ev[name] = p
		case len(stack) == 1 && stack[0] == "VCALENDAR":
			cal.Props[name] = p
		}
	}
	if len(stack) != 0 {
		t.Fatalf("ics: %v not closed", stack)
	}
	return cal
}

func parseICSLine(t testing.TB, l string) (string, ICSProp) {
	t.Helper()
	p := ICSProp{Params: map[string]string{}}
	// the name and parameters end at the first colon outside quotes
	inQuote, colon := false, -1
	for i, r := range l {
		if r == '"' {
			inQuote = !inQuote
		}
		if r == ':' && !inQuote {
			colon = i
			break
		}
	}
	if colon < 0 {
		t.Fatalf("ics: no colon in %q", l)
	}
	head, value := l[:colon], l[colon+1:]
	parts := splitOutsideQuotes(head, ';')
	name := strings.ToUpper(parts[0])
	if name == "" {
		t.Fatalf("ics: no name in %q", l)
	}
	for _, prm := range parts[1:] {
		k, v, ok := strings.Cut(prm, "=")
		if !ok {
			t.Fatalf("ics: parameter without value in %q", l)
		}
		p.Params[strings.ToUpper(k)] = strings.Trim(v, `"`)
	}
	var b strings.Builder
	for i := 0; i < len(value); i++ {
		if value[i] == '\\' && i+1 < len(value) {
			i++
			switch value[i] {
			case 'n', 'N':
				b.WriteByte('\n')
			default:
				b.WriteByte(value[i])
			}
			continue
		}
		b.WriteByte(value[i])
	}
	p.Value = b.String()
	return name, p
}

func splitOutsideQuotes(s string, sep rune) []string {
	var out []string
	inQuote, start := false, 0
	for i, r := range s {
		switch {
		case r == '"':
			inQuote = !inQuote
		case r == sep && !inQuote:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}
