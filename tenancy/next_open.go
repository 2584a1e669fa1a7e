package tenancy

import "time"

// NextOpenDayClose returns when the station closes on its next opening day
// after the local day of t (holidays and other exceptions honoured): the
// end of that day's last opening span. ok is false when the station opens
// on none of the next 60 days.
func (s Station) NextOpenDayClose(t time.Time) (time.Time, bool) {
	loc := s.Location()
	lt := t.In(loc)
	day := time.Date(lt.Year(), lt.Month(), lt.Day(), 12, 0, 0, 0, loc)
	for i := 1; i <= 60; i++ {
		d := day.AddDate(0, 0, i)
		spans := s.SpansOn(d)
		if len(spans) == 0 {
			continue
		}
		last := spans[0].Close
		for _, sp := range spans {
			last = max(last, sp.Close)
		}
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc).Add(time.Duration(last) * time.Minute), true
	}
	return time.Time{}, false
}
