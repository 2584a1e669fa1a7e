package contract

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/job"
)

// JobReleaseStarts names the job that releases starts on a red dealer
// plate nobody handed over (job.Runner, and the attention records staff
// see).
const JobReleaseStarts = "contract.release_start"

// StartStore finds and releases the starts on a red dealer plate that
// nobody handed over (see booking.Reservation.StartReleaseAt).
type StartStore interface {
	// AbandonedStarts lists the actor's tenant's starts whose release is
	// due at now (booking.Reservation.StartReleaseDue), leaving out those
	// JobReleaseStarts backs off from; oldest first, at most limit.
	AbandonedStarts(ctx context.Context, now time.Time, limit int) ([]booking.Reservation, error)
	// ReleaseStart cancels start id as released now, in one transaction:
	// the car and the plate free, ReleasedAt set, audit-logged; nobody is
	// e-mailed. Errors: KindConflict "use.not_releasable" when it is no
	// longer a start holding its plate or not due (handed over or
	// cancelled meanwhile), KindNotFound.
	ReleaseStart(ctx context.Context, id int64) error
}

// ReleaseAbandonedStarts releases the actor's tenant's starts on a red
// dealer plate nobody handed over by their release time (the planned
// return, at most booking.StartHoldMax after the start): each booking is
// cancelled and marked released, the plate is free for the next start,
// the release is audit-logged, and a later handover of it is refused
// ("use.released"). Each start is one job item (job.Runner.Item): one that
// fails or crashes is logged, marked for staff and backed off, and the
// others go on; one handed over or cancelled meanwhile is passed over. It
// returns how many it released. Errors: those of reading the list.
func (s *Service) ReleaseAbandonedStarts(ctx context.Context) (int, error) {
	if s.d.Starts == nil {
		return 0, nil
	}
	rs, err := s.d.Starts.AbandonedStarts(ctx, s.d.Now(), 100)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, r := range rs {
		if ctx.Err() != nil {
			return n, ctx.Err()
		}
		_ = s.jobs().Item(ctx, JobReleaseStarts, job.Subject{Kind: job.KindReservation, ID: r.ID, TenantID: r.TenantID}, func() error {
			err := s.d.Starts.ReleaseStart(ctx, r.ID)
			if errs.Is(err, errs.KindConflict) {
				return nil // handed over or cancelled meanwhile
			}
			if err != nil {
				return err
			}
			s.d.Log.InfoContext(ctx, "contract: start on a red plate released (not handed over in time)", "reservation_id", r.ID,
				"plate", r.Use.DealerPlate, "due", r.StartReleaseAt())
			n++
			return nil
		})
	}
	return n, nil
}
