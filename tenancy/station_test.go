package tenancy

import (
	"testing"
	"time"
)

// berlinStation is open Mon–Fri 08:00–12:00 and 13:00–18:00, Sat 09:00–13:00,
// closed on Sundays; 2026-04-03 (Good Friday) is closed, 2026-12-24 open
// 09:00–12:00 only.
func berlinStation() Station {
	wk := []Span{{8 * 60, 12 * 60}, {13 * 60, 18 * 60}}
	s := Station{TimeZone: "Europe/Berlin"}
	for d := time.Monday; d <= time.Friday; d++ {
		s.Hours[d] = wk
	}
	s.Hours[time.Saturday] = []Span{{9 * 60, 13 * 60}}
	s.Exceptions = []Exception{
		{Date: "2026-04-03", Closed: true, Note: "Karfreitag"},
		{Date: "2026-12-24", Hours: []Span{{9 * 60, 12 * 60}}, Note: "Heiligabend"},
	}
	return s
}

func TestOpenAt(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	at := func(y int, m time.Month, d, h, min, sec int) time.Time {
		return time.Date(y, m, d, h, min, sec, 0, berlin)
	}
	s := berlinStation()
	cases := []struct {
		name string
		t    time.Time
		want bool
	}{
		{"weekday at opening", at(2026, 3, 2, 8, 0, 0), true},
		{"weekday a minute before opening", at(2026, 3, 2, 7, 59, 0), false},
		{"weekday mid-morning", at(2026, 3, 2, 10, 30, 0), true},
		{"lunch break starts at the first closing time: a return then is fine", at(2026, 3, 2, 12, 0, 0), true},
		{"lunch break a second after closing", at(2026, 3, 2, 12, 0, 1), false},
		{"in the lunch break", at(2026, 3, 2, 12, 30, 0), false},
		{"afternoon opening", at(2026, 3, 2, 13, 0, 0), true},
		{"closing time is a valid return time", at(2026, 3, 2, 18, 0, 0), true},
		{"a second after closing", at(2026, 3, 2, 18, 0, 1), false},
		{"a minute after closing", at(2026, 3, 2, 18, 1, 0), false},
		{"Saturday morning", at(2026, 3, 7, 10, 0, 0), true},
		{"Saturday afternoon", at(2026, 3, 7, 14, 0, 0), false},
		{"Sunday", at(2026, 3, 8, 10, 0, 0), false},
		{"closed holiday on a Friday", at(2026, 4, 3, 10, 0, 0), false},
		{"special hours: open in the morning", at(2026, 12, 24, 11, 0, 0), true},
		{"special hours: closed in the afternoon of a weekday", at(2026, 12, 24, 14, 0, 0), false},
		{"the day after the holiday has its weekly hours", at(2026, 4, 4, 10, 0, 0), true},
		{"instant in UTC is read in the station's zone (09:00 Berlin in winter)", time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC), true},
		{"instant in UTC before opening in Berlin", time.Date(2026, 3, 2, 6, 30, 0, 0, time.UTC), false},
		{"summer time: 06:30 UTC is 08:30 Berlin", time.Date(2026, 7, 1, 6, 30, 0, 0, time.UTC), true},
		{"day of the switch to summer time (Sunday)", at(2026, 3, 29, 10, 0, 0), false},
		{"Monday after the switch, 08:00 local", time.Date(2026, 3, 30, 6, 0, 0, 0, time.UTC), true},
	}
	for _, c := range cases {
		if got := s.OpenAt(c.t); got != c.want {
			t.Errorf("%s (%s): OpenAt = %v, want %v", c.name, c.t.In(berlin).Format("Mon 2006-01-02 15:04:05"), got, c.want)
		}
	}
}

func TestSpansOn(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	s := berlinStation()
	cases := []struct {
		name string
		t    time.Time
		want string
	}{
		{"weekday", time.Date(2026, 3, 2, 0, 0, 0, 0, berlin), "08:00-12:00, 13:00-18:00"},
		{"Saturday", time.Date(2026, 3, 7, 23, 59, 0, 0, berlin), "09:00-13:00"},
		{"Sunday", time.Date(2026, 3, 8, 12, 0, 0, 0, berlin), ""},
		{"closed exception", time.Date(2026, 4, 3, 12, 0, 0, 0, berlin), ""},
		{"special hours", time.Date(2026, 12, 24, 8, 0, 0, 0, berlin), "09:00-12:00"},
		{"late on Sunday evening in UTC is Monday in Berlin", time.Date(2026, 3, 8, 23, 30, 0, 0, time.UTC), "08:00-12:00, 13:00-18:00"},
	}
	for _, c := range cases {
		if got := FormatSpans(s.SpansOn(c.t)); got != c.want {
			t.Errorf("%s: SpansOn = %q, want %q", c.name, got, c.want)
		}
	}
}

func TestStationZone(t *testing.T) {
	for _, c := range []struct{ zone, want string }{
		{"Europe/Berlin", "Europe/Berlin"}, {"Europe/Vienna", "Europe/Vienna"},
		{"", "Europe/Berlin"}, {"Mars/Olympus", "Europe/Berlin"},
	} {
		if got := (Station{TimeZone: c.zone}).Location().String(); got != c.want {
			t.Errorf("zone %q: Location = %s, want %s", c.zone, got, c.want)
		}
	}
	// another zone moves the hours with it: 08:00 in London is 08:00 UTC in winter
	s := berlinStation()
	s.TimeZone = "Europe/London"
	if !s.OpenAt(time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)) || s.OpenAt(time.Date(2026, 3, 2, 7, 59, 0, 0, time.UTC)) {
		t.Error("a London station opens at 08:00 London time (08:00 UTC in winter)")
	}
}

func TestParseSpans(t *testing.T) {
	cases := []struct {
		in      string
		want    string // FormatSpans of the result
		wantErr bool
	}{
		{"08:00-18:00", "08:00-18:00", false},
		{" 8:00 – 12:00 , 13:00-18:30 ", "08:00-12:00, 13:00-18:30", false},
		{"00:00-24:00", "00:00-24:00", false},
		{"", "", false},
		{"closed", "", false},
		{"Geschlossen", "", false},
		{"08:00", "", true},
		{"08:00-25:00", "", true},
		{"24:30-25:00", "", true},
		{"8-18", "", true},
		{"08:60-18:00", "", true},
		{"abends", "", true},
	}
	for _, c := range cases {
		got, err := ParseSpans(c.in)
		if (err != nil) != c.wantErr {
			t.Errorf("ParseSpans(%q): err %v, want error %v", c.in, err, c.wantErr)
			continue
		}
		if err == nil && FormatSpans(got) != c.want {
			t.Errorf("ParseSpans(%q) = %q, want %q", c.in, FormatSpans(got), c.want)
		}
	}
}

func TestValidSpans(t *testing.T) {
	cases := []struct {
		name  string
		spans []Span
		ok    bool
	}{
		{"none (closed)", nil, true},
		{"one", []Span{{480, 1080}}, true},
		{"two with a break", []Span{{480, 720}, {780, 1080}}, true},
		{"touching", []Span{{480, 720}, {720, 1080}}, true},
		{"whole day", []Span{{0, 1440}}, true},
		{"overlapping", []Span{{480, 780}, {720, 1080}}, false},
		{"closing before opening", []Span{{1080, 480}}, false},
		{"empty span", []Span{{480, 480}}, false},
		{"past midnight", []Span{{1320, 1500}}, false},
		{"negative", []Span{{-60, 480}}, false},
	}
	for _, c := range cases {
		if got := validSpans(c.spans) == ""; got != c.ok {
			t.Errorf("%s: valid %v, want %v (%q)", c.name, got, c.ok, validSpans(c.spans))
		}
	}
}
