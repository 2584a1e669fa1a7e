package booking

import (
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// PlateHold is the booking that holds a red dealer plate — a plate is on
// one car at a time: a start nobody handed over (confirmed, see
// HoldsUnstartedPlate), or a trip on the road (handed over, its contract
// not ended). It is the one source of what a start on a held plate is
// told: the refusal (Refusal) and the mark on the plate's choice (Mark).
type PlateHold struct {
	// Plate is the plate's number.
	Plate string
	// Booking is the holding booking: its ID, Number, Status, Use.Kind,
	// Use.DealerPlateID, Pickup and Return.
	Booking Reservation
	// Customer, Car and Station name the booking's driver, its car (make,
	// model, plate) and its station; Loc is the station's time zone.
	Customer, Car, Station string
	Loc                    *time.Location
	// ContractID, ContractNumber, ContractStart and ContractEnd (its
	// planned end) are the booking's contract when it was handed over (0,
	// "", nil, nil otherwise).
	ContractID                 int64
	ContractNumber             string
	ContractStart, ContractEnd *time.Time
}

// OnTheRoad reports whether h's booking was handed over (its car is out
// with the plate) rather than a start nobody handed over.
func (h PlateHold) OnTheRoad() bool { return !h.Booking.HoldsUnstartedPlate() }

// Until is when the plate is expected free: for a start nobody handed over
// when the job releases it (StartReleaseAt), for a trip on the road its
// planned return (the contract's planned end, else the booking's).
func (h PlateHold) Until() time.Time {
	switch {
	case !h.OnTheRoad():
		return h.Booking.StartReleaseAt()
	case h.ContractEnd != nil:
		return *h.ContractEnd
	}
	return h.Booking.Return
}

// Refusal is the error of a start on the plate h holds: KindInvalid on
// "dealer_plate_id", "plate.held_by_start" naming the start — its kind and
// number, customer, car, station, since when and when the job releases it
// — or "plate.on_the_road" naming the contract and since its handover.
// Its parameters "reservation_id" and "contract_id" (0: none) let a form
// link to the booking or contract.
func (h PlateHold) Refusal() error {
	in := func(t time.Time) locale.DateTime { return locale.DateTime(t.In(h.loc())) }
	r := h.Booking
	p := locale.Params{"plate": h.Plate, "kind": h.kind(), "booking": r.Number, "customer": h.Customer, "car": h.Car,
		"station": h.Station, "since": in(r.Pickup), "reservation_id": r.ID, "contract_id": h.ContractID}
	key := locale.Key("plate.held_by_start")
	if !h.OnTheRoad() {
		p["release"] = in(r.StartReleaseAt())
	} else {
		key, p["contract"] = "plate.on_the_road", h.ContractNumber
		if h.ContractStart != nil { // on the road since its handover
			p["since"] = in(*h.ContractStart)
		}
	}
	return errs.Invalid("error.fields_invalid", errs.Field("dealer_plate_id", key, p))
}

// Mark is what a start form's choice of the plate says of h in language l
// at now, short enough for the option's text: "belegt durch Probefahrt
// B26-00012 bis 14:30 Uhr" (a start nobody handed over: until the job
// releases it) or "unterwegs: Probefahrt MV26-00007, Rückgabe geplant
// 15:00 Uhr" (on the road: its planned return); the time with its date
// when that is not today at the booking's station.
func (h PlateHold) Mark(l locale.Lang, now time.Time) string {
	until := h.Until().In(h.loc())
	at := l.DateTime(until)
	if y, m, d := now.In(h.loc()).Date(); until.Year() == y && until.Month() == m && until.Day() == d {
		at = l.Clock(until)
	}
	if h.OnTheRoad() {
		return l.T("plate.mark_road", locale.Params{"kind": h.kind(), "contract": h.ContractNumber, "until": at})
	}
	return l.T("plate.mark_held", locale.Params{"kind": h.kind(), "booking": h.Booking.Number, "until": at})
}

func (h PlateHold) kind() locale.Key { return locale.Key("kind." + string(h.Booking.Use.Kind.Or())) }

func (h PlateHold) loc() *time.Location {
	if h.Loc == nil {
		return time.UTC
	}
	return h.Loc
}
