package tenancy

import (
	"encoding/json"
	"fmt"
	"net/mail"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// Station is a branch of a tenant.
type Station struct {
	ID          int64
	TenantID    int64
	Code        string // short, URL-safe, unique per tenant, e.g. "MUC"
	Name        string
	Street      string
	PostalCode  string
	City        string
	Country     string
	Phone       string
	Email       string
	TimeZone    string // IANA, default Europe/Berlin
	Hours       WeeklyHours
	Exceptions  []Exception
	MailFrom    string
	MailReplyTo string
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Span is one opening interval in minutes after local midnight, [Open, Close).
type Span struct {
	Open  int `json:"open"`
	Close int `json:"close"`
}

// String renders a span as "08:00–18:00".
func (s Span) String() string { return FormatClock(s.Open) + "–" + FormatClock(s.Close) }

// WeeklyHours lists the opening spans per weekday (time.Sunday = 0).
type WeeklyHours [7][]Span

// Exception overrides the weekly hours on one local date (holiday, special hours).
type Exception struct {
	Date   string // YYYY-MM-DD in the station's time zone
	Closed bool
	Hours  []Span // when not closed
	Note   string
}

var codeRE = regexp.MustCompile(`^[A-Z0-9][A-Z0-9-]{0,15}$`)

// Location returns the station's time zone (Europe/Berlin when unset or unknown).
func (s Station) Location() *time.Location {
	return zone(s.TimeZone)
}

// zones caches loaded time zones by name (time.LoadLocation reads and
// parses the zone file on every call).
var zones sync.Map // name → *time.Location

// zone returns the named time zone, Europe/Berlin when name is empty or
// unknown, or UTC when not even that can be loaded.
func zone(name string) *time.Location {
	if loc, ok := zones.Load(name); ok {
		return loc.(*time.Location)
	}
	loc, err := time.LoadLocation(name)
	if err != nil || name == "" {
		if loc, err = time.LoadLocation("Europe/Berlin"); err != nil {
			loc = time.UTC
		}
	}
	zones.Store(name, loc)
	return loc
}

// Normalize trims input and applies defaults before validation.
func (s *Station) Normalize() {
	s.Code = strings.ToUpper(strings.TrimSpace(s.Code))
	s.Name = strings.TrimSpace(s.Name)
	s.Street = strings.TrimSpace(s.Street)
	s.PostalCode = strings.TrimSpace(s.PostalCode)
	s.City = strings.TrimSpace(s.City)
	s.Country = strings.ToUpper(strings.TrimSpace(s.Country))
	if s.Country == "" {
		s.Country = "DE"
	}
	s.Phone = strings.TrimSpace(s.Phone)
	s.Email = strings.TrimSpace(s.Email)
	if s.TimeZone == "" {
		s.TimeZone = "Europe/Berlin"
	}
	for d := range s.Hours {
		sort.Slice(s.Hours[d], func(i, j int) bool { return s.Hours[d][i].Open < s.Hours[d][j].Open })
	}
	sort.Slice(s.Exceptions, func(i, j int) bool { return s.Exceptions[i].Date < s.Exceptions[j].Date })
}

// Validate returns a KindInvalid error naming every invalid field, or nil.
// Field names match the admin form and the API: code, name, street,
// postal_code, city, country, email, time_zone, hours.<weekday>,
// exceptions.<n>.
func (s Station) Validate() error {
	var f errs.Fields
	if !codeRE.MatchString(s.Code) {
		f.Add("code", "station.code_format")
	}
	s.documentsInto(&f)
	if _, err := time.LoadLocation(s.TimeZone); err != nil {
		f.Add("time_zone", "station.time_zone_unknown")
	}
	for d, spans := range s.Hours {
		if code := validSpans(spans); code != "" {
			f.Add("hours."+WeekdayKey(time.Weekday(d)), code)
		}
	}
	seen := map[string]bool{}
	for i, e := range s.Exceptions {
		key := fmt.Sprintf("exceptions.%d", i)
		if _, err := time.Parse("2006-01-02", e.Date); err != nil {
			f.Add(key, "station.exception_date_format")
			continue
		}
		if seen[e.Date] {
			f.Add(key, "station.exception_twice")
		}
		f.Line(key+".note", e.Note, MaxTenantText)
		seen[e.Date] = true
		if !e.Closed {
			if len(e.Hours) == 0 {
				f.Add(key, "station.exception_hours_required")
			} else if code := validSpans(e.Hours); code != "" {
				f.Add(key, code)
			}
		}
	}
	return f.Err()
}

// ReadyForBookings reports what the station's data lacks for a booking's
// documents and e-mails (address, sender addresses, names on one line),
// checked before any card is charged. Errors: KindUnavailable
// "booking_setup_incomplete" with a field error per field, prefixed
// "station.".
func (s Station) ReadyForBookings() error {
	var f errs.Fields
	s.documentsInto(&f)
	return notReady("station.", f)
}

// documentsInto checks what the station's documents and e-mails print.
func (s Station) documentsInto(f *errs.Fields) {
	if s.Name == "" {
		f.Add("name", "field.name_required")
	}
	if s.Street == "" {
		f.Add("street", "address.street_required")
	}
	if s.PostalCode == "" {
		f.Add("postal_code", "address.postal_code_required")
	} else if s.Country == "DE" && !regexp.MustCompile(`^\d{5}$`).MatchString(s.PostalCode) {
		f.Add("postal_code", "address.postal_code_de")
	}
	if s.City == "" {
		f.Add("city", "address.city_required")
	}
	if !regexp.MustCompile(`^[A-Z]{2}$`).MatchString(s.Country) {
		f.Add("country", "address.country_code")
	}
	for field, addr := range map[string]string{"email": s.Email, "mail_from": s.MailFrom, "mail_reply_to": s.MailReplyTo} {
		if addr != "" {
			if a, err := mail.ParseAddress(addr); err != nil || a.Address != addr {
				f.Add(field, "field.email_invalid")
			}
		}
	}
	l := errs.Limited
	f.Lines("", l("name", s.Name, 120), l("street", s.Street, MaxTenantText), l("postal_code", s.PostalCode, MaxTenantCode),
		l("city", s.City, MaxTenantText), l("phone", s.Phone, MaxTenantCode), l("email", s.Email, MaxTenantText),
		l("mail_from", s.MailFrom, MaxTenantText), l("mail_reply_to", s.MailReplyTo, MaxTenantText))
}

// validSpans returns the catalog code of what is wrong with spans, or "".
func validSpans(spans []Span) locale.Key {
	for i, sp := range spans {
		if sp.Open < 0 || sp.Close > 24*60 || sp.Open >= sp.Close {
			return "station.hours_order"
		}
		if i > 0 && sp.Open < spans[i-1].Close {
			return "station.hours_overlap"
		}
	}
	return ""
}

// OpenAt reports whether the station is open at instant t (its local time).
func (s Station) OpenAt(t time.Time) bool {
	lt := t.In(s.Location())
	m := lt.Hour()*60 + lt.Minute()
	for _, sp := range s.SpansOn(lt) {
		if m >= sp.Open && m < sp.Close {
			return true
		}
	}
	// a closing time is a valid return time (e.g. 18:00 when open until 18:00)
	for _, sp := range s.SpansOn(lt) {
		if m == sp.Close && lt.Second() == 0 {
			return true
		}
	}
	return false
}

// HasHours reports whether the station has any weekly opening hours (a
// station without them is treated as always open for handovers).
func (s Station) HasHours() bool {
	for _, d := range s.Hours {
		if len(d) > 0 {
			return true
		}
	}
	return false
}

// SpansOn returns the opening spans of the local date of t, honouring exceptions.
func (s Station) SpansOn(t time.Time) []Span {
	lt := t.In(s.Location())
	date := lt.Format("2006-01-02")
	for _, e := range s.Exceptions {
		if e.Date == date {
			if e.Closed {
				return nil
			}
			return e.Hours
		}
	}
	return s.Hours[lt.Weekday()]
}

var weekdayKeys = [7]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// WeekdayKey is the short key of a weekday used in forms and JSON ("mon").
func WeekdayKey(d time.Weekday) string { return weekdayKeys[d] }

// FormatClock renders minutes after midnight as "HH:MM".
func FormatClock(m int) string { return fmt.Sprintf("%02d:%02d", m/60, m%60) }

// ParseClock parses "HH:MM" (also "H:MM", and "24:00") into minutes after midnight.
func ParseClock(s string) (int, error) {
	var h, m int
	if _, err := fmt.Sscanf(strings.TrimSpace(s), "%d:%d", &h, &m); err != nil || h < 0 || h > 24 || m < 0 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("time %q is not HH:MM", s)
	}
	return h*60 + m, nil
}

// ParseSpans parses "08:00-12:00, 13:00-18:00" ("" = closed).
func ParseSpans(s string) ([]Span, error) {
	s = strings.TrimSpace(s)
	if s == "" || strings.EqualFold(s, "closed") || strings.EqualFold(s, "geschlossen") {
		return nil, nil
	}
	var out []Span
	for _, part := range strings.Split(s, ",") {
		part = strings.ReplaceAll(strings.TrimSpace(part), "–", "-")
		a, b, ok := strings.Cut(part, "-")
		if !ok {
			return nil, fmt.Errorf("write opening hours as 08:00-18:00, several separated by commas")
		}
		o, err := ParseClock(a)
		if err != nil {
			return nil, err
		}
		c, err := ParseClock(b)
		if err != nil {
			return nil, err
		}
		out = append(out, Span{o, c})
	}
	return out, nil
}

// FormatSpans renders spans as "08:00-12:00, 13:00-18:00" ("" when closed).
func FormatSpans(spans []Span) string {
	parts := make([]string, len(spans))
	for i, sp := range spans {
		parts[i] = FormatClock(sp.Open) + "-" + FormatClock(sp.Close)
	}
	return strings.Join(parts, ", ")
}

// MarshalJSON encodes weekly hours as {"mon":[{"open":480,"close":1080}],...}.
func (w WeeklyHours) MarshalJSON() ([]byte, error) {
	m := map[string][]Span{}
	for d, spans := range w {
		if spans == nil {
			spans = []Span{}
		}
		m[weekdayKeys[d]] = spans
	}
	return json.Marshal(m)
}

// UnmarshalJSON decodes the form written by MarshalJSON.
func (w *WeeklyHours) UnmarshalJSON(b []byte) error {
	var m map[string][]Span
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*w = WeeklyHours{}
	for d, k := range weekdayKeys {
		if len(m[k]) > 0 {
			w[d] = m[k]
		}
	}
	return nil
}
