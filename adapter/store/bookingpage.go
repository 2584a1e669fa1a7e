package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"mietwerk.dev/mietwerk/booking"
)

// ReservationByPageToken finds the reservation whose booking-page token
// has the hash, of any tenant (booking.PageStore): the customer's page has
// no signed-in actor; the unguessable token is its authority, so this is
// the one reservation lookup without a scope. The caller acts for the
// reservation's tenant afterwards. Errors: KindNotFound.
func (s *Store) ReservationByPageToken(ctx context.Context, hash string) (booking.Reservation, error) {
	if hash == "" {
		return booking.Reservation{}, notFound(sql.ErrNoRows, "booking_not_found")
	}
	r, err := scanReservation(s.db.QueryRowContext(ctx, `SELECT `+reservationCols+` FROM reservations r
		WHERE r.page_token_hash = $1`, hash))
	return r, notFound(err, "booking_not_found")
}

// SavePreCheckin replaces what the customer entered before pickup on a
// reservation of the actor's tenant, and audits it (booking.PageStore).
// Errors: KindNotFound.
func (s *Store) SavePreCheckin(ctx context.Context, reservationID int64, pc booking.PreCheckin) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	b, err := json.Marshal(pc.Drivers)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.reservationWhere(ctx, tx, "r.id", reservationID)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET precheckin = $1, precheckin_at = $2, updated_at = $2
			WHERE tenant_id = $3 AND id = $4`, string(b), ts(pc.At), sc.tenant(), r.ID); err != nil {
			return mapErr(err)
		}
		names := make([]string, len(pc.Drivers))
		for i, d := range pc.Drivers {
			names[i] = d.FirstName + " " + d.LastName
		}
		return s.appendAudit(ctx, tx, sc, r.StationID, "reservation", r.ID, "precheckin", nil, map[string]any{"drivers": names})
	})
}

// PreCheckin returns the pre-check-in of a reservation of the actor's
// tenant (visible to the actor's stations); ok false when there is none.
func (s *Store) PreCheckin(ctx context.Context, reservationID int64) (booking.PreCheckin, bool, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return booking.PreCheckin{}, false, err
	}
	a := args{sc.tenant(), reservationID}
	var raw sql.NullString
	var pc booking.PreCheckin
	err = s.db.QueryRowContext(ctx, `SELECT r.precheckin, r.precheckin_at FROM reservations r WHERE r.tenant_id = $1 AND r.id = $2
		AND `+sc.stations("r.station_id", &a), a...).Scan(&raw, tspScanValue{&pc.At})
	if err != nil {
		return pc, false, notFound(err, "booking_not_found")
	}
	if !raw.Valid {
		return booking.PreCheckin{}, false, nil
	}
	if err := json.Unmarshal([]byte(raw.String), &pc.Drivers); err != nil {
		return pc, false, err
	}
	return pc, true, nil
}

// tspScanValue scans an optional instant into a time.Time (zero for NULL).
type tspScanValue struct{ T *time.Time }

func (s tspScanValue) Scan(v any) error {
	if v == nil {
		*s.T = time.Time{}
		return nil
	}
	return tsScan(s).Scan(v)
}
