package demo

import (
	"context"
	"fmt"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/pricing"
)

// demoCustomers are the people the sample bookings are for.
var demoCustomers = []customer.Customer{
	{Email: "maria.huber@example.de", FirstName: "Maria", LastName: "Huber", Street: "Domplatz 3", PostalCode: "93047", City: "Regensburg", Phone: "+49 941 123456", Language: "de"},
	{Email: "josef.bauer@example.de", FirstName: "Josef", LastName: "Bauer", Street: "Theresienplatz 12", PostalCode: "94315", City: "Straubing", Phone: "+49 9421 98765", Language: "de"},
	{Email: "anna.schmid@example.de", FirstName: "Anna", LastName: "Schmid", Street: "Altstadt 81", PostalCode: "84028", City: "Landshut", Phone: "+49 871 44556", Language: "de"},
	{Email: "james.miller@example.com", FirstName: "James", LastName: "Miller", Street: "Ludwigstraße 5", PostalCode: "93047", City: "Regensburg", Phone: "+49 151 2345678", Language: "en"},
}

// ensureBookings adds a dozen workshop-replacement and ordinary bookings in
// the coming two weeks, made at the counter (source "admin", paid on site),
// so that lists and the planning board show something on the first start.
// It does nothing when the tenant already has reservations.
func ensureBookings(ctx context.Context, st *store.Store, stationIDs map[string]int64, categoryIDs map[string]int64, now time.Time) error {
	if _, total, err := st.ListReservations(ctx, booking.Filter{Limit: 1}); err != nil || total > 0 {
		return err
	}
	tariffs, err := st.ListTariffs(ctx)
	if err != nil {
		return err
	}
	var custs []customer.Customer
	for _, c := range demoCustomers {
		c := c
		if _, _, err := st.UpsertCustomer(ctx, &c); err != nil {
			return fmt.Errorf("customer %s: %w", c.Email, err)
		}
		custs = append(custs, c)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		berlin = time.UTC
	}
	day := time.Date(now.In(berlin).Year(), now.In(berlin).Month(), now.In(berlin).Day(), 0, 0, 0, 0, berlin)
	stationCodes := []string{"REG", "SR", "LA"}
	cats := []string{"CDMR", "EDMN", "IDAR", "FWAR"}
	for i := range 12 {
		// weekdays only: the stations are closed on Sundays and on Saturday afternoons
		start := day.AddDate(0, 0, 1+i)
		for start.Weekday() == time.Saturday || start.Weekday() == time.Sunday {
			start = start.AddDate(0, 0, 1)
		}
		pickup := start.Add(time.Duration(8+i%3) * time.Hour)
		ret := pickup.AddDate(0, 0, 1+i%4)
		for ret.Weekday() == time.Saturday || ret.Weekday() == time.Sunday {
			ret = ret.AddDate(0, 0, 1)
		}
		ret = time.Date(ret.Year(), ret.Month(), ret.Day(), 17, 0, 0, 0, berlin)
		c := custs[i%len(custs)]
		r := booking.Reservation{StationID: stationIDs[stationCodes[i%len(stationCodes)]], CustomerID: c.ID,
			CategoryID: categoryIDs[cats[i%len(cats)]], Pickup: pickup.UTC(), Return: ret.UTC(), Language: c.Language}
		if i%3 != 2 {
			r.WorkshopRef = fmt.Sprintf("WA-%d", 24100+i)
			r.Notes = "Werkstattersatzwagen zur Inspektion"
		}
		if !priceCounter(&r, tariffs, berlin) {
			continue
		}
		if err := st.CreateReservation(ctx, &r); err != nil {
			continue // nothing free in this category then: skip, the demo needs no more
		}
	}
	return nil
}

// priceCounter makes r a confirmed counter booking (source "admin", paid
// on site) priced by the best of tariffs for its category, pickup day and
// kind (workshop replacement when it has a WorkshopRef); false when no
// tariff fits.
func priceCounter(r *booking.Reservation, tariffs []pricing.Tariff, loc *time.Location) bool {
	t, ok := pricing.Best(tariffs, r.CategoryID, r.Pickup.In(loc).Format("2006-01-02"), r.WorkshopRef != "")
	if !ok {
		return false
	}
	q := pricing.QuoteFor(t, r.Pickup.In(loc), r.Return.In(loc), loc, "EUR")
	r.TariffID, r.Status, r.Source, r.Currency = t.ID, booking.StatusConfirmed, "admin", "EUR"
	r.DayPriceCents, r.DepositCents, r.EstimatedTotalCents = q.DayPriceCents, q.DepositCents, q.RentCents
	return true
}
