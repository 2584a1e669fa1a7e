package api

import (
	"context"
	"net/http"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/tenancy"
)

// WorkshopOrderStore finds the rentals of a workshop order.
type WorkshopOrderStore interface {
	// OpenContractsForWorkshopOrder returns the open contracts whose
	// booking carries workshop order ref.
	OpenContractsForWorkshopOrder(ctx context.Context, ref string) ([]contract.Contract, error)
	// Station returns a station of the caller's tenant.
	Station(ctx context.Context, id int64) (tenancy.Station, error)
	// Reservation returns a booking of the caller's tenant.
	Reservation(ctx context.Context, id int64) (booking.Reservation, error)
	// RecordWorkshopDone notes (audited) that the repair of order ref is
	// done for open contract id: the home screen shows it coming back.
	RecordWorkshopDone(ctx context.Context, id int64, ref string) error
}

// maxWorkshopRef is the longest workshop order reference (as at booking).
const maxWorkshopRef = 60

func init() {
	operationAccess["POST /api/v1/workshop-orders/{ref}/completed"] = access{{scope: secret}}
}

// routesWorkshopOrders mounts the dealer's "repair done" call (when
// Deps.Contracts and Deps.WorkshopOrders are set).
func (s *server) routesWorkshopOrders(mux *http.ServeMux) {
	if s.d.Contracts == nil || s.d.WorkshopOrders == nil {
		return
	}
	s.mount(mux, "POST /api/v1/workshop-orders/{ref}/completed", s.idempotent(false, s.workshopOrderCompleted))
}

type workshopRentalOut struct {
	Contract       string `json:"contract"`
	Booking        string `json:"booking"`
	ExpectedReturn string `json:"expected_return"`
}

type workshopOrderOut struct {
	WorkshopOrder string              `json:"workshop_order"`
	Rentals       []workshopRentalOut `json:"rentals"`
}

// workshopOrderCompleted: the dealer's workshop reports the repair of
// order ref done. Every open rental of that order is then expected back at
// the close of its return station's next opening day, and its customer
// gets the change notice with the updated contract by e-mail; the home
// screen lists the rental as coming back (repair done). The return
// stations' opening days are checked before anything changes (409
// workshop_station_closed); a rental whose car is booked right after gets
// 409 from the period change (an earlier rental of the order stays moved,
// and a retry moves the rest). No open rental: 200 with an empty list.
func (s *server) workshopOrderCompleted(r *http.Request) (int, any, error) {
	ctx := r.Context()
	ref := strings.TrimSpace(r.PathValue("ref"))
	var f errs.Fields
	if ref == "" {
		f.Add("ref", "field.required")
	}
	f.Line("ref", ref, maxWorkshopRef)
	if err := f.Err(); err != nil {
		return 0, nil, err
	}
	cs, err := s.d.WorkshopOrders.OpenContractsForWorkshopOrder(ctx, ref)
	if err != nil {
		return 0, nil, err
	}
	now := s.d.Now()
	type move struct {
		c   contract.Contract
		end time.Time
		loc *time.Location
	}
	var moves []move
	for _, c := range cs {
		st, err := s.d.WorkshopOrders.Station(ctx, c.ReturnStationID)
		if err != nil {
			return 0, nil, err
		}
		end, ok := st.NextOpenDayClose(now)
		if !ok {
			return 0, nil, errs.Conflict("workshop_station_closed")
		}
		moves = append(moves, move{c, end, st.Location()})
	}
	out := workshopOrderOut{WorkshopOrder: ref, Rentals: []workshopRentalOut{}}
	for _, m := range moves {
		if !m.end.Equal(m.c.PlannedEnd) {
			end := m.end
			if _, err := s.d.Contracts.Update(ctx, m.c.ID, contract.Edit{PlannedEnd: &end, Notify: true}); err != nil {
				return 0, nil, err
			}
		}
		if err := s.d.WorkshopOrders.RecordWorkshopDone(ctx, m.c.ID, ref); err != nil {
			return 0, nil, err
		}
		b, err := s.d.WorkshopOrders.Reservation(ctx, m.c.ReservationID)
		if err != nil {
			return 0, nil, err
		}
		out.Rentals = append(out.Rentals, workshopRentalOut{Contract: m.c.Number, Booking: b.Number,
			ExpectedReturn: m.end.In(m.loc).Format(time.RFC3339)})
	}
	return http.StatusOK, out, nil
}
