package contract

import (
	"context"

	"mietwerk.dev/mietwerk/billing"
	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payer"
)

// Estimate is what a rental is expected to cost when the car comes back
// as planned — at the planned return, within the included km, with the
// tank and cleanliness it left with, no damages — computed and split by
// the functions the return bills with (billing.Compute on the rental's
// terms, then the rental's cover via split): the reservation and contract
// pages show the same split the return preview will.
type Estimate struct {
	// Bill is the whole rental's bill for the planned period (no
	// advances deducted).
	Bill billing.Bill
	// Split divides it: Split.PayerShare the payer's, Split.Driver the
	// driver's (its Totals.Gross; advances not deducted).
	Split Split
	// AgreedRate is the payer's agreed gross daily rate for the rental's
	// category when the payer's share prices the rent by it; 0 otherwise.
	AgreedRate int64
}

// Gross is what the rental is expected to cost in all: the payer's share
// and the driver's (a payer's agreed rate may price the rent above or
// below the tariff's).
func (e Estimate) Gross() int64 { return e.Split.PayerGross() + e.DriverGross() }

// DriverGross is the driver's expected share (gross, before advances).
func (e Estimate) DriverGross() int64 {
	return e.Split.Driver.Totals.Gross + e.Split.Driver.CompensationCents
}

// EstimateContract is the estimate of running contract c (its terms
// snapshot, its planned return).
func (s *Service) EstimateContract(ctx context.Context, c Contract) (Estimate, error) {
	x, err := s.load(ctx, c)
	if err != nil {
		return Estimate{}, err
	}
	return s.estimate(ctx, x)
}

// EstimateReservation is the estimate of reservation id before its
// handover: the terms its handover would take now (its tariff at the day
// price it was quoted), its booked period. Errors: KindNotFound.
func (s *Service) EstimateReservation(ctx context.Context, id int64) (Estimate, error) {
	r, err := s.d.Bookings.Reservation(ctx, id)
	if err != nil {
		return Estimate{}, err
	}
	var x cctx
	if x.Tenant, err = s.d.Tenancy.Tenant(ctx); err != nil {
		return Estimate{}, err
	}
	// read as the caller: the reservation's station is the caller's
	if x.Station, err = s.d.Tenancy.Station(ctx, r.StationID); err != nil {
		return Estimate{}, err
	}
	if x.Customer, err = s.d.Customers.Customer(ctx, r.CustomerID); err != nil {
		return Estimate{}, err
	}
	x.Customer = r.Billing.Of(x.Customer)
	if r.VehicleID != 0 {
		// a car of another station the caller cannot see is estimated as
		// none yet: the returned-as-planned bill needs no more of it
		if x.Vehicle, err = s.d.Vehicles.Vehicle(ctx, r.VehicleID); err != nil && !errs.Is(err, errs.KindNotFound) {
			return Estimate{}, err
		}
	}
	x.Vehicle.CategoryID = r.CategoryID // the payer's rate is agreed per booked category
	if x.Tariff, err = s.d.Tariffs.Tariff(ctx, r.TariffID); err != nil {
		return Estimate{}, err
	}
	terms, err := s.handoverTerms(ctx, r, x.Vehicle, s.d.Now())
	if err != nil {
		return Estimate{}, err
	}
	x.ReturnStation = x.Station
	x.Contract = Contract{ReservationID: r.ID, StationID: r.StationID, ReturnStationID: r.StationID, CustomerID: r.CustomerID,
		VehicleID: r.VehicleID, TariffID: r.TariffID, Start: r.Pickup, PlannedEnd: r.Return, Kind: r.Use.Kind, Terms: terms}
	if r.Use.Kind != "" && !r.Use.Kind.Billed() {
		return Estimate{}, nil
	}
	return s.estimate(ctx, x)
}

// ReservationSplit is the split of reservation id's estimate
// (EstimateReservation) as its page shows it — the whole, the payer's
// share and the driver's — when someone other than the driver pays a
// part; the zero booking.CostSplit when the driver pays all, the use is
// not billed, or billing refuses the rental's terms (KindInvalid: the page
// shows no split then either). It is what the booking's confirmations
// quote (booking.Estimator). Errors: KindNotFound.
func (s *Service) ReservationSplit(ctx context.Context, id int64) (booking.CostSplit, error) {
	// the driver pays all without a cover: nothing to estimate (one read)
	if s.d.Covers == nil || s.d.Payers == nil {
		return booking.CostSplit{}, nil
	}
	if cv, err := s.d.Covers.Cover(ctx, id); err != nil || cv.Mode == payer.ModeDriver || cv.PayerID == 0 {
		return booking.CostSplit{}, err
	}
	e, err := s.EstimateReservation(ctx, id)
	if errs.KindOf(err) == errs.KindInvalid {
		return booking.CostSplit{}, nil
	}
	if err != nil || !e.Split.Covered() {
		return booking.CostSplit{}, err
	}
	return booking.CostSplit{TotalCents: e.Gross(), PayerCents: e.Split.PayerGross(), DriverCents: e.DriverGross(),
		PayerName: e.Split.Payer.Name, Internal: e.Split.Cover.Mode == payer.ModeInternal}, nil
}

var _ booking.Estimator = (*Service)(nil)

// estimate bills x's planned period as a return would and splits it.
func (s *Service) estimate(ctx context.Context, x cctx) (Estimate, error) {
	end := x.Contract.PlannedEnd
	x.Contract.EndedAt = &end
	x.Contract.ID = -1 // no damage recorded is this estimate's
	out := &Protocol{FuelEighths: 8, Cleanliness: "clean"}
	b, err := s.compute(ctx, x, out, out, nil)
	if err != nil {
		return Estimate{}, err
	}
	sp, err := s.split(ctx, x, b, nil, out, out)
	if err != nil {
		return Estimate{}, err
	}
	e := Estimate{Bill: b, Split: sp}
	if sp.Cover.Mode == payer.ModePayer && sp.Payer.Covered(payer.PartRent) {
		if rate, ok := sp.Payer.RateFor(x.Vehicle.CategoryID); ok && rate != x.terms().PricePerDayCents {
			e.AgreedRate = rate
		}
	}
	return e, nil
}
