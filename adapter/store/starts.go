package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/job"
	"mietwerk.dev/mietwerk/tenancy"
)

// AbandonedStarts lists the starts on a red dealer plate that nobody handed
// over and whose release is due at now (booking.Reservation.StartReleaseDue:
// confirmed, with a plate, the planned return or booking.StartHoldMax after
// the start reached), of the actor's tenant and stations (every tenant for
// the all-tenants system actor), leaving out those the job backs off from
// after a failure; oldest first, at most limit (see contract.StartStore).
func (s *Store) AbandonedStarts(ctx context.Context, now time.Time, limit int) ([]booking.Reservation, error) {
	a := args{ts(now), ts(now.Add(-booking.StartHoldMax))}
	where := `r.status = 'confirmed' AND r.dealer_plate_id IS NOT NULL AND (r.return_at <= $1 OR r.pickup_at <= $2) AND ` +
		s.notHeld(contract.JobReleaseStarts, job.KindReservation, "r.id", &a)
	return s.reservationsWhere(ctx, where, a, limit)
}

// ReleaseStart releases start id, due at now (see contract.StartStore): in
// one transaction the booking is cancelled and marked released (ReleasedAt)
// and settled (nothing was paid, nobody is e-mailed), the car's allocation
// deleted — so the red plate is free again — and the release audit-logged
// with the plate and when it was due. Errors: KindConflict
// "use.not_releasable" when the booking is no longer a start holding its
// plate or its release is not due (handed over or cancelled meanwhile),
// KindNotFound.
func (s *Store) ReleaseStart(ctx context.Context, id int64) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.lockReservationTx(ctx, tx, sc, id); err != nil {
			return err
		}
		r, err := s.reservationWhere(ctx, tx, "r.id", id)
		if err != nil {
			return err
		}
		now := s.Now()
		if !r.StartReleaseDue(now) {
			return errs.Conflict("use.not_releasable")
		}
		if err := s.transitionTx(ctx, tx, sc, booking.Transition{ID: id, From: []booking.Status{booking.StatusConfirmed},
			To: booking.StatusCancelled, Settle: true, Release: true, AuditAction: "release_start",
			AuditDetail: map[string]any{"plate": r.Use.DealerPlate, "due": r.StartReleaseAt().UTC()}}); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE reservations SET released_at = $1 WHERE tenant_id = $2 AND id = $3`, ts(now), sc.tenant(), id)
		return mapErr(err)
	})
}

// lockReservationTx locks reservation id of the actor's tenant for the rest
// of tx (PostgreSQL; SQLite's writer holds the whole database): a handover
// and a release of the same start never both go through.
func (s *Store) lockReservationTx(ctx context.Context, tx *sql.Tx, sc scope, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM reservations WHERE tenant_id = $1 AND id = $2`+s.dialect.forUpdate(), sc.tenant(), id).Scan(&one)
	return notFound(err, "booking_not_found")
}

// stationLocTx is the time zone of station id (Europe/Berlin when it
// cannot be read).
func (s *Store) stationLocTx(ctx context.Context, q querier, id int64) *time.Location {
	var tz string
	_ = q.QueryRowContext(ctx, `SELECT time_zone FROM stations WHERE id = $1`, id).Scan(&tz)
	return tenancy.Station{TimeZone: tz}.Location()
}
