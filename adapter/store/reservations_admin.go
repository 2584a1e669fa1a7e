package store

import (
	"context"
	"database/sql"
	"strings"
	"unicode/utf8"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/locale"
	"mietwerk.dev/mietwerk/webhook"
)

// customerNameSQL renders "Company, First Last" (company only when set) of
// the customers row aliased c.
const customerNameSQL = `(CASE WHEN c.company <> '' THEN c.company || ', ' ELSE '' END || c.first_name || ' ' || c.last_name)`

const reservationRowJoins = ` FROM reservations r
	JOIN customers c ON c.id = r.customer_id
	JOIN stations st ON st.id = r.station_id
	JOIN vehicle_categories vc ON vc.id = r.category_id
	JOIN tariffs tf ON tf.id = r.tariff_id
	LEFT JOIN vehicles v ON v.id = r.vehicle_id
	LEFT JOIN contracts k ON k.reservation_id = r.id`

const reservationRowCols = reservationCols + `, ` + customerNameSQL + `, c.email, st.name, vc.code,
	vc.name_de, vc.name_en, COALESCE(v.plate, ''), tf.name, COALESCE(k.id, 0), COALESCE(k.number, '')`

func scanReservationRow(row interface{ Scan(...any) error }, extra ...any) (booking.Row, error) {
	var x booking.Row
	dest := append(reservationDest(&x.Reservation), &x.CustomerName, &x.CustomerEmail, &x.StationName, &x.CategoryCode,
		&x.CategoryNameDE, &x.CategoryNameEN, &x.VehiclePlate, &x.TariffName, &x.ContractID, &x.ContractNumber)
	err := row.Scan(append(dest, extra...)...)
	return x, err
}

// likeArg turns user text into a case-insensitive LIKE pattern (used with
// ESCAPE '\'), so that % and _ match themselves.
func likeArg(text string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + r.Replace(strings.ToLower(strings.TrimSpace(text))) + "%"
}

// ReservationRows lists the reservations the actor may see that match q:
// with a day, those picked up in it first, then those returned in it, each
// by time; else all by pickup time.
func (s *Store) ReservationRows(ctx context.Context, q booking.ListQuery) ([]booking.ListedRow, int, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, 0, err
	}
	a := args{sc.tenant()}
	where := `r.tenant_id = $1 AND ` + sc.stations("r.station_id", &a)
	if q.StationID != 0 {
		where += ` AND r.station_id = ` + a.add(q.StationID)
	}
	if q.Status != "" {
		where += ` AND r.status = ` + a.add(string(q.Status))
	}
	if t := strings.TrimSpace(q.Search); t != "" {
		p := a.add(likeArg(t))
		where += ` AND (lower(r.number) LIKE ` + p + ` ESCAPE '\' OR lower(` + customerNameSQL + `) LIKE ` + p +
			` ESCAPE '\' OR c.email_lower LIKE ` + p + ` ESCAPE '\' OR lower(r.workshop_ref) LIKE ` + p + ` ESCAPE '\')`
	}
	kind, order := `'other'`, `r.pickup_at, r.id`
	if !q.Day.IsZero() && q.DayEnd.After(q.Day) {
		from, to := a.add(ts(q.Day)), a.add(ts(q.DayEnd))
		pick := `(r.pickup_at >= ` + from + ` AND r.pickup_at < ` + to + `)`
		ret := `(r.return_at >= ` + from + ` AND r.return_at < ` + to + `)`
		where += ` AND (` + pick + ` OR ` + ret + `)`
		kind = `CASE WHEN ` + pick + ` THEN 'pickup' ELSE 'return' END`
		order = `CASE WHEN ` + pick + ` THEN 0 ELSE 1 END, CASE WHEN ` + pick + ` THEN r.pickup_at ELSE r.return_at END, r.id`
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*)`+reservationRowJoins+` WHERE `+where, a...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 200)
	rows, err := s.db.QueryContext(ctx, `SELECT `+reservationRowCols+`, `+kind+reservationRowJoins+` WHERE `+where+
		` ORDER BY `+order+` LIMIT `+a.add(q.Limit)+` OFFSET `+a.add(max(q.Offset, 0)), a...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []booking.ListedRow
	for rows.Next() {
		var k string
		x, err := scanReservationRow(rows, &k)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, booking.ListedRow{Row: x, DayKind: k})
	}
	return out, total, rows.Err()
}

// ReservationRow returns one reservation with its labels. Errors: KindNotFound.
func (s *Store) ReservationRow(ctx context.Context, id int64) (booking.Row, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return booking.Row{}, err
	}
	a := args{sc.tenant(), id}
	x, err := scanReservationRow(s.db.QueryRowContext(ctx, `SELECT `+reservationRowCols+reservationRowJoins+
		` WHERE r.tenant_id = $1 AND r.id = $2 AND `+sc.stations("r.station_id", &a), a...))
	return x, notFound(err, "booking_not_found")
}

// SetReservationNotes replaces the staff notes of a reservation and logs
// before and after. Errors: KindNotFound, KindInvalid (too long).
func (s *Store) SetReservationNotes(ctx context.Context, id int64, notes string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	notes = strings.TrimSpace(strings.ReplaceAll(notes, "\r\n", "\n"))
	if utf8.RuneCountInString(notes) > booking.MaxNotes {
		return errs.Invalid("error.fields_invalid", errs.Field("notes", "field.too_long", locale.Params{"n": 2000}))
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		r, err := s.reservationWhere(ctx, tx, "r.id", id)
		if err != nil {
			return err
		}
		if r.Notes == notes {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET notes = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
			notes, ts(s.Now()), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		if err := s.bookingEventTx(ctx, tx, sc, r, webhook.BookingChanged); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, sc, r.StationID, "reservation", id, "notes",
			map[string]string{"notes": r.Notes}, map[string]string{"notes": notes})
	})
}

// SetWorkshopRef replaces the workshop order of reservation id, audited on
// the reservation and on its contract (when handed over), and announced as
// booking.changed — until billing claims the contract (lockRentalTx: the
// contract row is locked first, then the reservation read): billing either
// reads the new order or comes first and the change is refused. Errors:
// KindNotFound, KindConflict "workshop_ref.billed" and
// "workshop_ref.closed", KindInvalid (ref).
func (s *Store) SetWorkshopRef(ctx context.Context, id int64, ref string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	ref, err = booking.CheckWorkshopRef("workshop_ref", ref)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		k, err := s.lockRentalTx(ctx, tx, sc, "reservation_id", id)
		if err != nil {
			return err
		}
		r, err := s.reservationWhere(ctx, tx, "r.id", id)
		if err != nil {
			return err
		}
		if r.Status == booking.StatusCancelled || r.Status == booking.StatusFailed {
			return errs.Conflict("workshop_ref.closed")
		}
		// billed is the contract's state: a returned rental whose billing
		// waits can still take it (its documents are not issued yet)
		if !k.unbilled() || k.contractID == 0 && r.Status == booking.StatusCompleted {
			return errs.Conflict("workshop_ref.billed")
		}
		if r.WorkshopRef == ref {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET workshop_ref = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
			ref, ts(s.Now()), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		if err := s.bookingEventTx(ctx, tx, sc, r, webhook.BookingChanged); err != nil {
			return err
		}
		before, after := map[string]string{"workshop_ref": r.WorkshopRef}, map[string]string{"workshop_ref": ref}
		if err := s.appendAudit(ctx, tx, sc, r.StationID, "reservation", id, "workshop_ref", before, after); err != nil {
			return err
		}
		if k.contractID == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, sc, k.stationID, "contract", k.contractID, "workshop_ref", before, after)
	})
}
