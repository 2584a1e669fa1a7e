package booking

import (
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
)

// StartHoldMax is how long a start at the counter on a red dealer plate
// (a test drive or transfer, see contract.Service.StartUse) holds the
// plate at most without a handover. Staff fill in the start form with the
// customer at the counter and go on to the handover at once; a start
// nobody handed over within four hours (a test drive's planned return is
// two hours after the start by default) was abandoned — the customer left.
const StartHoldMax = 4 * time.Hour

// HoldsUnstartedPlate reports whether r is a start on a red dealer plate
// that was not handed over: confirmed, with a plate.
func (r Reservation) HoldsUnstartedPlate() bool {
	return r.Status == StatusConfirmed && r.Use.DealerPlateID != 0
}

// StartReleaseAt is when the background job releases start r if nobody
// has handed it over by then: at its planned return (the drive it was
// started for is over), or StartHoldMax after its start when the planned
// return lies later (a transfer planned over days). Meaningful only where
// HoldsUnstartedPlate.
func (r Reservation) StartReleaseAt() time.Time {
	if at := r.Pickup.Add(StartHoldMax); at.Before(r.Return) {
		return at
	}
	return r.Return
}

// StartReleaseDue reports whether the job releases start r at now.
func (r Reservation) StartReleaseDue(now time.Time) bool {
	return r.HoldsUnstartedPlate() && !now.Before(r.StartReleaseAt())
}

// ReleasedError is the error of a handover of r after the job released it
// (nil when it did not): the plate went free, the customer must be started
// anew. loc is the booking's station's time zone. Errors: KindConflict
// "use.released".
func (r Reservation) ReleasedError(loc *time.Location) error {
	if r.ReleasedAt == nil {
		return nil
	}
	return errs.Conflict("use.released", locale.Params{"booking": r.Number, "plate": r.Use.DealerPlate,
		"at": locale.DateTime(r.ReleasedAt.In(loc))})
}

// CancelMailed reports whether cancelling r e-mails its customer: a rental
// yes (its confirmation told the customer of it, with a calendar entry the
// cancellation removes); a test drive, internal trip or transfer no. Those
// are started at the counter with their driver present — a member of staff
// on an internal trip or transfer — nothing is e-mailed and no money taken
// before their handover, and a handed-over one cannot be cancelled: so a
// start cancelled by hand e-mails nobody, just as one the job released
// (see StartReleaseAt).
func (r Reservation) CancelMailed() bool { return r.Mailed() }

// Mailed reports whether r's customer is e-mailed about the booking before
// its handover — a confirmation, an update when its period or cover
// changes, its cancellation: a rental yes; a start (test drive, internal
// trip, transfer) no, for the reasons CancelMailed gives — a rental's
// "Ihre Reservierung … wurde geändert" would tell its driver of a
// reservation they never made.
func (r Reservation) Mailed() bool { return r.Use.Kind.Or() == KindRental }
