package contract

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/locale"
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
	if err := s.checkPlate(ctx, r); err != nil {
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

// checkPlate checks the red dealer plate r goes on (none: nothing to
// check): only a test drive or transfer may, and the plate must be valid
// on every local day of the trip at r's station. Whether another car has
// it out is checked when the booking is stored. Errors: KindInvalid on
// "dealer_plate_id".
func (s *Service) checkPlate(ctx context.Context, r *booking.Reservation) error {
	if r.Use.DealerPlateID == 0 {
		return nil
	}
	bad := func(key locale.Key, p ...locale.Params) error {
		return errs.Invalid("error.fields_invalid", errs.Field("dealer_plate_id", key, p...))
	}
	if r.Use.Kind != booking.KindTestDrive && r.Use.Kind != booking.KindTransfer {
		return bad("plate.only_trips")
	}
	if s.d.Plates == nil {
		return bad("plate.choose")
	}
	p, err := s.d.Plates.DealerPlate(ctx, r.Use.DealerPlateID)
	if errs.Is(err, errs.KindNotFound) {
		return bad("plate.choose")
	}
	if err != nil {
		return err
	}
	loc := s.bookingLoc(ctx, *r)
	from, to := r.Pickup.In(loc).Format("2006-01-02"), r.Return.In(loc).Format("2006-01-02")
	if !p.ValidOn(from) || !p.ValidOn(to) {
		vf, _ := time.Parse("2006-01-02", p.ValidFrom)
		if p.ValidTo == "" {
			return bad("plate.not_valid_from", locale.Params{"plate": p.Number, "from": locale.Date(vf)})
		}
		vt, _ := time.Parse("2006-01-02", p.ValidTo)
		return bad("plate.not_valid", locale.Params{"plate": p.Number, "from": locale.Date(vf), "to": locale.Date(vt)})
	}
	return nil
}
