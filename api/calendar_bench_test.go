package api_test

import (
	"context"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/identity"
)

// BenchmarkCalendarMonth reads next month's availability calendar at a
// station with 1,000 cars, 200,000 past allocations and four two-day
// allocations per car in the month, on each database: "month" is the
// calendar (one query for the month), "per_day" what a website would do
// without it (one availability query per day, 09:00–18:00) for comparison.
func BenchmarkCalendarMonth(b *testing.B) {
	for _, d := range []string{"sqlite", "postgres"} {
		b.Run(d, func(b *testing.B) {
			e := newEnv(b, d, 1, nil)
			seedBench(b, e)
			first := time.Date(time.Now().Year(), time.Now().Month(), 1, 0, 0, 0, 0, berlin).AddDate(0, 1, 0)
			tx, err := e.st.DB().Begin()
			must(b, err)
			for i := range 1000 {
				for k := range 4 {
					start := first.Add(time.Duration(k*7*24+i%5*24) * time.Hour).UTC()
					_, err := tx.Exec(`INSERT INTO allocations (tenant_id, vehicle_id, starts_at, ends_at, kind, created_at) VALUES ($1,$2,$3,$4,'block',$5)`,
						e.tenant.ID, e.vehicles[0].ID+int64(i), start.Format("2006-01-02T15:04:05.000000Z"),
						start.Add(48*time.Hour).Format("2006-01-02T15:04:05.000000Z"), start.Format("2006-01-02T15:04:05.000000Z"))
					must(b, err)
				}
			}
			must(b, tx.Commit())
			_, err = e.st.DB().Exec(`ANALYZE`)
			must(b, err)
			ctx := identity.WithActor(context.Background(), identity.SystemFor(e.tenant.ID))
			q := booking.CalendarQuery{StationCode: "SR", CategoryCode: "CDMR", Month: first.Format("2006-01")}
			cal, err := e.bookings.Calendar(ctx, q)
			must(b, err)
			if len(cal.Days) < 28 || cal.Days[10].Free == 0 || cal.Days[10].Free == 1000 {
				b.Fatalf("calendar: %d days, day 11 free %d", len(cal.Days), cal.Days[10].Free)
			}
			b.Run("month", func(b *testing.B) {
				for b.Loop() {
					if _, err := e.bookings.Calendar(ctx, q); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("per_day", func(b *testing.B) {
				for b.Loop() {
					for day := first; day.Month() == first.Month(); day = day.AddDate(0, 0, 1) {
						if _, _, err := e.bookings.Availability(ctx, booking.AvailabilityQuery{StationCode: "SR", CategoryCode: "CDMR",
							Pickup: day.Add(9 * time.Hour), Return: day.Add(18 * time.Hour)}); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		})
	}
}
