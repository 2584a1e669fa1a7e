package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
	"mietwerk.dev/mietwerk/job"
)

// ReservationByIdempotencyKey returns the newest booking the actor's API
// client created with key at or after since. Errors: KindNotFound,
// KindForbidden for an actor that is no API client.
func (s *Store) ReservationByIdempotencyKey(ctx context.Context, key string, since time.Time) (booking.Reservation, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return booking.Reservation{}, err
	}
	if sc.a.Kind != identity.ActorAPI || sc.a.APIClientID == 0 {
		return booking.Reservation{}, errs.Forbidden("forbidden.api_clients_only")
	}
	r, err := scanReservation(s.db.QueryRowContext(ctx, `SELECT `+reservationCols+` FROM reservations r
		WHERE r.tenant_id = $1 AND r.api_client_id = $2 AND r.idempotency_key = $3 AND r.created_at >= $4
		ORDER BY r.id DESC LIMIT 1`, sc.tenant(), sc.a.APIClientID, key, ts(since)))
	return r, notFound(err, "booking_not_found")
}

// SetBookingSecret replaces the hash of booking id's secret; only the API
// client that created the booking may (a retry of its request gets a new
// secret, the first answer having been lost). Errors: KindNotFound.
func (s *Store) SetBookingSecret(ctx context.Context, id int64, hash string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	res, err := s.execWrite(ctx, false, `UPDATE reservations SET secret_hash = $1 WHERE tenant_id = $2 AND id = $3
		AND api_client_id = $4`, hash, sc.tenant(), id, sc.a.APIClientID)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFound("booking_not_found")
	}
	return nil
}

// ErrBookingBusy is returned when another process holds a booking's lease.
var ErrBookingBusy = errs.New(errs.KindConflict, "booking_busy")

// ClaimReservation takes the lease of booking id until until when it is
// free or expired. Errors: ErrBookingBusy, KindNotFound.
func (s *Store) ClaimReservation(ctx context.Context, id int64, until time.Time) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	res, err := s.execWrite(ctx, false, `UPDATE reservations SET lease_until = $1 WHERE tenant_id = $2 AND id = $3
		AND (lease_until IS NULL OR lease_until <= $4)`, ts(until), sc.tenant(), id, ts(s.Now()))
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Reservation(ctx, id); err != nil {
			return err
		}
		return ErrBookingBusy
	}
	return nil
}

// RenewReservation moves the lease of booking id the caller holds (its
// lease_until is held) to until, or gives it up when until is zero.
// Errors: ErrBookingBusy when the caller no longer holds it (it expired and
// another process took the booking over).
func (s *Store) RenewReservation(ctx context.Context, id int64, held, until time.Time) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	res, err := s.execWrite(ctx, true, `UPDATE reservations SET lease_until = $1 WHERE tenant_id = $2 AND id = $3
		AND lease_until = $4`, leaseArg(until), sc.tenant(), id, ts(held))
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrBookingBusy
	}
	return nil
}

// leaseArg is a lease_until to set: NULL (the lease given up) for a zero until.
func leaseArg(until time.Time) any {
	if until.IsZero() {
		return nil
	}
	return ts(until)
}

// TransitionReservation applies t in one transaction (see
// booking.Store.TransitionReservation).
func (s *Store) TransitionReservation(ctx context.Context, t booking.Transition) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error { return s.transitionTx(ctx, tx, sc, t) })
}

// UnsettledCancellations lists cancelled bookings whose cancellation is not
// finished, last changed before before and not leased, oldest first.
func (s *Store) UnsettledCancellations(ctx context.Context, before time.Time, limit int) ([]booking.Reservation, error) {
	a := args{ts(before), ts(s.Now())}
	where := `r.status = 'cancelled' AND r.settled_at IS NULL AND r.updated_at < $1
		AND (r.lease_until IS NULL OR r.lease_until <= $2) AND ` + s.notHeld(booking.JobFinishCancellations, job.KindReservation, "r.id", &a)
	return s.reservationsWhere(ctx, where, a, limit)
}

// ReservationsWithStrayMoney lists failed bookings holding an approved
// primary payment (sale or authorisation) that no approved or still open
// void or refund reverses, and with fewer than maxFailed reversals that
// the gateway refused (failed or declined; one that was never sent
// because the gateway could not be reached does not count), oldest first.
func (s *Store) ReservationsWithStrayMoney(ctx context.Context, maxFailed, limit int) ([]booking.Reservation, error) {
	a := args{maxFailed}
	where := s.notHeld(booking.JobReturnStrayMoney, job.KindReservation, "r.id", &a) + ` AND r.status = 'failed' AND EXISTS (SELECT 1 FROM payments p
		WHERE p.reservation_id = r.id AND p.parent_id IS NULL AND p.status = 'approved'
		AND p.operation IN ('sale','preauth','token_sale','token_preauth')
		AND NOT EXISTS (SELECT 1 FROM payments v WHERE v.parent_id = p.id AND v.operation IN ('void','void_preauth','refund')
			AND v.status IN ('approved','pending','unknown'))
		AND (SELECT count(*) FROM payments f WHERE f.parent_id = p.id AND f.operation IN ('void','void_preauth','refund')
			AND f.status IN ('failed','declined') AND f.reason_code <> 'not_sent') < $1)`
	return s.reservationsWhere(ctx, where, a, limit)
}

// reservationsWhere lists reservations matching where (with its args a)
// of every tenant for the all-tenants system actor, else of the actor's
// tenant and stations, oldest first.
func (s *Store) reservationsWhere(ctx context.Context, where string, a args, limit int) ([]booking.Reservation, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if !sc.a.AllTenants() {
		where = `(` + where + `) AND r.tenant_id = ` + a.add(sc.tenant()) + ` AND ` + sc.stations("r.station_id", &a)
	}
	if limit <= 0 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+reservationCols+` FROM reservations r WHERE `+where+
		` ORDER BY r.id LIMIT `+a.add(limit), a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.Reservation
	for rows.Next() {
		r, err := scanReservation(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
