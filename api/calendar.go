package api

import (
	"net/http"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/tenancy"
)

type dayReasonJSON struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

type calendarDayJSON struct {
	Date         string          `json:"date"`
	Weekday      string          `json:"weekday"`
	Available    bool            `json:"available"`
	Free         int             `json:"free"`
	FreeAllDay   int             `json:"free_all_day"`
	OpeningHours []spanJSON      `json:"opening_hours"`
	Note         string          `json:"note"`
	Reasons      []dayReasonJSON `json:"reasons"`
}

type calendarJSON struct {
	Station  refJSON           `json:"station"`
	Category *refJSON          `json:"category"`
	Month    string            `json:"month"`
	TimeZone string            `json:"time_zone"`
	Days     []calendarDayJSON `json:"days"`
}

// calendar answers GET /api/v1/availability/calendar: per day of a month
// whether a car can be picked up, how many, and the opening hours.
func (s *server) calendar(r *http.Request) (int, any, error) {
	q := r.URL.Query()
	var f errs.Fields
	if q.Has("category") && q.Get("category") == "" {
		f.Add("category", "field.required")
	}
	cal, err := s.d.Bookings.Calendar(r.Context(), booking.CalendarQuery{StationCode: q.Get("station"),
		CategoryCode: q.Get("category"), Month: q.Get("month")})
	if len(f) > 0 && (err == nil || errs.Is(err, errs.KindInvalid)) {
		f.Merge("", err)
		return 0, nil, errs.Fields(dedupe(f)).Err()
	}
	if err != nil {
		return 0, nil, err
	}
	l := lang(r)
	out := calendarJSON{Station: refJSON{cal.Station.Code, cal.Station.Name}, Month: cal.Month,
		TimeZone: cal.Station.Location().String(), Days: make([]calendarDayJSON, 0, len(cal.Days))}
	if c := cal.Category; c != nil {
		out.Category = &refJSON{c.Code, c.Name(string(l))}
	}
	for _, d := range cal.Days {
		t, _ := time.Parse("2006-01-02", d.Date)
		x := calendarDayJSON{Date: d.Date, Weekday: tenancy.WeekdayKey(t.Weekday()), Available: d.Available, Free: d.Free,
			FreeAllDay: d.FreeAllDay, OpeningHours: spans(d.Hours), Note: d.Note, Reasons: []dayReasonJSON{}}
		for _, rs := range d.Reasons {
			x.Reasons = append(x.Reasons, dayReasonJSON{rs.Code, rs.Text(l)})
		}
		out.Days = append(out.Days, x)
	}
	return http.StatusOK, out, nil
}
