package contract

import (
	"context"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/pricing"
)

// StartUse books a test drive, internal use or transfer at the counter
// (r.Use.Kind; not a rental) for the handover that follows: the car
// (r.VehicleID) is held from now to r.Return through the same allocation a
// rental takes, so nothing else can be booked onto it. The contract's
// tariff is the car's standard tariff of the day (a contract needs one;
// nothing is billed by it: the booking is priced at zero). A test drive
// records the customer's identity document as checked by the signed-in
// user now; a transfer goes to r.ReturnStationID, which must be another
// station. Errors: KindInvalid naming each field, KindConflict
// "nothing_free" (the car is not free).
func (s *Service) StartUse(ctx context.Context, r *booking.Reservation) error {
	r.Use.Normalize()
	var f errs.Fields
	if r.Use.Kind == booking.KindRental {
		f.Add("kind", "kind.choose")
	}
	if err := r.Use.Validate(); err != nil {
		e, _ := errs.As(err)
		f = append(f, e.Fields...)
	}
	if r.VehicleID == 0 {
		f.Add("vehicle_id", "field.vehicle_choose")
	}
	if r.Use.Kind == booking.KindTransfer {
		if r.ReturnStationID == 0 || r.ReturnStationID == r.StationID {
			f.Add("return_station_id", "kind.transfer_destination")
		}
	} else {
		r.ReturnStationID = r.StationID
	}
	if r.CustomerID == 0 {
		f.Add("customer_id", "contract.customer_choose")
	}
	if err := f.Err(); err != nil {
		return err
	}
	v, err := s.d.Vehicles.Vehicle(ctx, r.VehicleID)
	if err != nil {
		return errs.Invalid("error.fields_invalid", errs.Field("vehicle_id", "field.vehicle_choose"))
	}
	r.CategoryID = v.CategoryID
	if r.TariffID == 0 {
		ts, err := s.d.Tariffs.ListTariffs(ctx)
		if err != nil {
			return err
		}
		t, ok := pricing.Best(ts, v.CategoryID, s.d.Now().Format("2006-01-02"), false)
		if !ok {
			return errs.Invalid("error.fields_invalid", errs.Field("vehicle_id", "kind.no_tariff"))
		}
		r.TariffID = t.ID
	}
	if f := counterFields(r); len(f) > 0 {
		return f.Err()
	}
	if r.Use.Kind == booking.KindTestDrive {
		a, _ := identity.ActorFrom(ctx)
		now := s.d.Now().UTC()
		r.Use.IDCheckedBy, r.Use.IDCheckedAt = a.UserID, &now
	}
	r.Source, r.Status = "walk_in", booking.StatusConfirmed
	r.DayPriceCents, r.EstimatedTotalCents, r.DepositCents, r.Currency = 0, 0, 0, "EUR"
	return s.d.Store.CreateWalkIn(ctx, r)
}
