package tenancy

import (
	"testing"
	"time"
)

func TestNextOpenDayClose(t *testing.T) {
	st := Station{TimeZone: "Europe/Berlin"}
	for d := time.Monday; d <= time.Friday; d++ {
		st.Hours[d] = []Span{{Open: 8 * 60, Close: 12 * 60}, {Open: 13 * 60, Close: 18 * 60}}
	}
	st.Hours[time.Saturday] = []Span{{Open: 9 * 60, Close: 12 * 60}}
	st.Exceptions = []Exception{{Date: "2026-12-25", Closed: true}, {Date: "2026-12-26", Closed: true}}
	berlin := st.Location()
	for _, tc := range []struct {
		now  time.Time
		want string
	}{
		{time.Date(2026, 12, 7, 10, 0, 0, 0, berlin), "2026-12-08 18:00"},    // Monday → Tuesday's closing
		{time.Date(2026, 12, 11, 17, 0, 0, 0, berlin), "2026-12-12 12:00"},   // Friday → Saturday's
		{time.Date(2026, 12, 12, 11, 0, 0, 0, berlin), "2026-12-14 18:00"},   // Saturday → Monday (Sunday closed)
		{time.Date(2026, 12, 24, 9, 0, 0, 0, berlin), "2026-12-28 18:00"},    // Christmas Eve → past the holidays and Sunday
		{time.Date(2026, 12, 7, 23, 30, 0, 0, time.UTC), "2026-12-09 18:00"}, // 00:30 Tuesday in Berlin → Wednesday
	} {
		got, ok := st.NextOpenDayClose(tc.now)
		if !ok || got.In(berlin).Format("2006-01-02 15:04") != tc.want {
			t.Errorf("after %v: %v %v, want %s", tc.now, got.In(berlin), ok, tc.want)
		}
	}
	if _, ok := (Station{TimeZone: "Europe/Berlin"}).NextOpenDayClose(time.Now()); ok {
		t.Error("a station without hours has a next opening day")
	}
}
