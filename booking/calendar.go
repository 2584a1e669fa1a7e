package booking

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/pricing"
	"mietwerk.dev/mietwerk/tenancy"
)

// Interval is a half-open period [Start, End).
type Interval struct{ Start, End time.Time }

// VehicleBusy is a vehicle that can be booked (available, at the station)
// with the periods it is taken (allocations of any kind) in a window.
type VehicleBusy struct {
	VehicleID  int64
	CategoryID int64
	Busy       []Interval // sorted by Start
}

// OccupancyStore reads what the availability calendar needs in one query.
type OccupancyStore interface {
	// Occupancy returns every available vehicle of the station (of the
	// category, or of every category for 0) with its allocations that
	// intersect [from, to), in one query, scoped by the actor in ctx.
	Occupancy(ctx context.Context, stationID, categoryID int64, from, to time.Time) ([]VehicleBusy, error)
}

// Reason codes of a calendar day on which nothing can be picked up (besides
// ReasonNothingFree, ReasonNoTariff, ReasonInPast and ReasonTooShortNotice).
const ReasonClosed = "closed"

// DayReason is why nothing can be picked up on a day: a stable code and the
// catalog text explaining it.
type DayReason struct {
	Code   string
	Key    locale.Key
	Params locale.Params
}

// Text returns the explanation in language l.
func (r DayReason) Text(l locale.Lang) string { return l.T(r.Key, r.Params) }

// Day is one day of the availability calendar, in the station's time zone.
type Day struct {
	Date  string         // YYYY-MM-DD
	Hours []tenancy.Span // opening hours that day (exceptions applied); none when closed
	Note  string         // the exception's note (a holiday's name)
	// Free counts the vehicles that can be picked up at some opening time of
	// the day and kept at least until the station closes that day.
	Free int
	// FreeAllDay counts the vehicles free during all of the day's opening
	// hours (from the earliest pickup the notice allows).
	FreeAllDay int
	Available  bool
	Reasons    []DayReason
}

// CalendarQuery asks for the pickup days of a month at a station.
type CalendarQuery struct {
	StationCode  string
	CategoryCode string // optional: only this category
	Month        string // YYYY-MM
}

// Calendar is the answer to a CalendarQuery.
type Calendar struct {
	Station  tenancy.Station
	Category *fleet.Category // nil: every active category
	Month    string
	Days     []Day
}

// ParseMonth reads "YYYY-MM" (years 2000 to 2999). Errors: KindInvalid on
// field "month".
func ParseMonth(s string) (year int, month time.Month, err error) {
	var f errs.Fields
	y, m, ok := strings.Cut(strings.TrimSpace(s), "-")
	yi, err1 := strconv.Atoi(y)
	mi, err2 := strconv.Atoi(m)
	switch {
	case strings.TrimSpace(s) == "":
		f.Add("month", "calendar.month_required")
	case !ok || len(y) != 4 || len(m) != 2 || err1 != nil || err2 != nil || mi < 1 || mi > 12 || yi < 2000 || yi > 2999:
		f.Add("month", "calendar.month_format")
	}
	return yi, time.Month(mi), f.Err()
}

// Calendar answers, for each day of a month in the station's time zone,
// whether a car (of the category, or of any active category) can be picked
// up, how many, and the opening hours, from one read of the month's
// allocations. A day is available when the station opens, some opening time
// is at least the tenant's notice after now, a tariff applies (for a
// category) and a car is free from then until closing. Errors: KindInvalid
// with every invalid field (station, category, month).
func (s *Service) Calendar(ctx context.Context, q CalendarQuery) (Calendar, error) {
	var f errs.Fields
	tn, err := s.d.Tenancy.Tenant(ctx)
	if err != nil {
		return Calendar{}, err
	}
	oneCat := strings.TrimSpace(q.CategoryCode) != ""
	st, cats, err := s.lookup(ctx, &f, q.StationCode, q.CategoryCode, oneCat)
	if err != nil {
		return Calendar{}, err
	}
	y, m, err := ParseMonth(q.Month)
	f.Merge("", err)
	if err := f.Err(); err != nil {
		return Calendar{}, err
	}
	loc := st.Location()
	from := time.Date(y, m, 1, 0, 0, 0, 0, loc)
	to := from.AddDate(0, 1, 0)
	cal := Calendar{Station: st, Month: from.Format("2006-01")}
	var catID int64
	if oneCat {
		cal.Category, catID = &cats[0], cats[0].ID
	}
	if s.d.Occupancy == nil {
		return Calendar{}, errors.New("booking: the calendar needs an OccupancyStore (Deps.Occupancy)")
	}
	vs, err := s.d.Occupancy.Occupancy(ctx, st.ID, catID, from, to)
	if err != nil {
		return Calendar{}, err
	}
	if !oneCat { // vehicles of inactive categories are not offered
		active := map[int64]bool{}
		for _, c := range cats {
			active[c.ID] = true
		}
		vs = slices.DeleteFunc(vs, func(v VehicleBusy) bool { return !active[v.CategoryID] })
	}
	var tariffs []pricing.Tariff
	if oneCat {
		if tariffs, err = s.d.Tariffs.ListTariffs(ctx); err != nil {
			return Calendar{}, err
		}
	}
	cal.Days = CalendarDays(tn, st, y, m, vs, s.d.Now(), func(date string) bool {
		if !oneCat {
			return true
		}
		_, ok := pricing.Best(tariffs, catID, date, false)
		return ok
	})
	return cal, nil
}

// CalendarDays computes the days of month m of year y at station st (in its
// time zone) from the vehicles' busy periods, under the tenant's notice at
// instant now; priced reports whether a tariff applies to a pickup on a
// date. It reads nothing.
func CalendarDays(tn tenancy.Tenant, st tenancy.Station, y int, m time.Month, vs []VehicleBusy, now time.Time,
	priced func(date string) bool) []Day {
	loc := st.Location()
	earliest := now.Add(time.Duration(tn.MinNoticeMinutes) * time.Minute)
	var days []Day
	for d := time.Date(y, m, 1, 12, 0, 0, 0, loc); d.Month() == m; d = d.AddDate(0, 0, 1) {
		day := Day{Date: d.Format("2006-01-02"), Hours: st.SpansOn(d)}
		for _, e := range st.Exceptions {
			if e.Date == day.Date {
				day.Note = e.Note
			}
		}
		// the day's opening windows as instants, cut to the earliest pickup
		var open []Interval
		for _, sp := range day.Hours {
			w := Interval{time.Date(y, m, d.Day(), 0, sp.Open, 0, 0, loc), time.Date(y, m, d.Day(), 0, sp.Close, 0, 0, loc)}
			if w.End.After(earliest) {
				open = append(open, Interval{maxTime(w.Start, earliest), w.End})
			}
		}
		switch {
		case len(day.Hours) == 0:
			day.Reasons = append(day.Reasons, DayReason{Code: ReasonClosed, Key: "calendar.closed"})
		case len(open) == 0 && !lastClose(day.Hours, y, m, d.Day(), loc).After(now):
			day.Reasons = append(day.Reasons, DayReason{Code: ReasonInPast, Key: "calendar.past"})
		case len(open) == 0:
			r := DayReason{Code: ReasonTooShortNotice, Key: "calendar.notice_minutes", Params: locale.Params{"n": tn.MinNoticeMinutes}}
			if tn.MinNoticeMinutes%60 == 0 {
				r.Key, r.Params = "calendar.notice_hours", locale.Params{"n": tn.MinNoticeMinutes / 60}
			}
			day.Reasons = append(day.Reasons, r)
		}
		if len(open) > 0 {
			for _, v := range vs {
				pick, all := pickable(open, v.Busy)
				if pick {
					day.Free++
				}
				if all {
					day.FreeAllDay++
				}
			}
			if !priced(day.Date) {
				day.Reasons = append(day.Reasons, DayReason{Code: ReasonNoTariff, Key: "calendar.no_tariff"})
			}
			if day.Free == 0 {
				day.Reasons = append(day.Reasons, DayReason{Code: ReasonNothingFree, Key: "calendar.nothing_free"})
			}
		}
		day.Available = len(day.Reasons) == 0
		days = append(days, day)
	}
	return days
}

// pickable reports whether a vehicle with the busy periods busy can be
// picked up at some instant of the opening windows open and kept until the
// last window closes (pick), and whether it is free during all of them (all).
func pickable(open []Interval, busy []Interval) (pick, all bool) {
	start, end := open[0].Start, open[len(open)-1].End
	var last time.Time // end of the latest busy period within [start, end)
	for _, b := range busy {
		if !b.Start.Before(end) || !b.End.After(start) {
			continue
		}
		if !b.End.Before(end) {
			return false, false // taken until closing
		}
		last = maxTime(last, b.End)
	}
	if last.IsZero() {
		return true, true
	}
	for _, w := range open {
		if w.End.After(last) {
			return true, false // pick up from max(w.Start, last) on
		}
	}
	return false, false
}

func lastClose(spans []tenancy.Span, y int, m time.Month, d int, loc *time.Location) time.Time {
	return time.Date(y, m, d, 0, spans[len(spans)-1].Close, 0, 0, loc)
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
