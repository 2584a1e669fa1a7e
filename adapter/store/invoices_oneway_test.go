package store_test

import (
	"context"
	"testing"
	"time"

	"mietwerk.dev/mietwerk/adapter/store"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/invoice"
)

// TestOneWayInvoicesVisibleAtReturnStation: the invoices of a one-way
// booking (issued at the pickup station) are seen by the staff of the
// station it comes back to — who see the booking's contract, take the car
// back and settle the money — as by the pickup station's; not by another
// tenant's staff. A round-trip booking's invoice stays with its station.
func TestOneWayInvoicesVisibleAtReturnStation(t *testing.T) {
	eachDB(t, func(t *testing.T, s *store.Store, clk *clock) {
		w := newWorld(t, s)
		ctx := sys(w.tenants[0].ID)
		c := testCustomer(t, s, ctx, "einweg@example.de")
		pickup, back := w.stations[0][0].ID, w.stations[0][1].ID
		mk := func(ret int64, days int) invoice.Summary {
			start := clk.Now().AddDate(0, 0, days)
			r := booking.Reservation{StationID: pickup, ReturnStationID: ret, CustomerID: c.ID, CategoryID: w.cats[0].ID,
				TariffID: w.tariffs[0].ID, Pickup: start.Add(time.Hour), Return: start.Add(30 * time.Hour), Status: booking.StatusConfirmed}
			mustNil(t, s.CreateReservation(ctx, &r))
			iss := advanceInvoice(c.ID)
			iss.StationID, iss.ReservationID = pickup, r.ID
			mustNil(t, s.IssueInvoice(ctx, invoice.IssueRequest{Issued: iss, Render: fakeRender}))
			return invoice.Summary{ID: iss.ID, ReservationID: r.ID}
		}
		oneWay, roundTrip := mk(back, 1), mk(pickup, 5)
		sees := func(ctx context.Context, inv invoice.Summary) bool {
			t.Helper()
			got, err := s.ListInvoices(ctx, invoice.Filter{ReservationID: inv.ReservationID})
			mustNil(t, err)
			return len(got) == 1 && got[0].ID == inv.ID
		}
		for _, tc := range []struct {
			name          string
			ctx           context.Context
			oneWay, round bool
		}{
			{"pickup station", as(w.actor(0, 0)), true, true},
			{"return station", as(w.actor(0, 1)), true, false},
			{"other tenant's station", as(w.actor(1, 0)), false, false},
		} {
			if got := sees(tc.ctx, oneWay); got != tc.oneWay {
				t.Errorf("%s sees the one-way invoice: %v, want %v", tc.name, got, tc.oneWay)
			}
			if got := sees(tc.ctx, roundTrip); got != tc.round {
				t.Errorf("%s sees the round-trip invoice: %v, want %v", tc.name, got, tc.round)
			}
		}
	})
}
