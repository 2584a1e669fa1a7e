package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/tenancy"
	"mietwerk.dev/mietwerk/webhook"
)

// stationVisible checks that station id of the actor's tenant exists and is
// within the actor's reach. Errors: KindNotFound.
func (s *Store) stationVisible(ctx context.Context, q querier, sc scope, id int64) error {
	a := args{sc.tenant(), id}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM stations s WHERE s.tenant_id = $1 AND s.id = $2 AND `+
		sc.stations("s.id", &a), a...).Scan(&one)
	return notFound(err, "station_not_found")
}

// Plan returns the planning board of a station for [from, to) in four
// queries: the station check, its vehicles (with categories), every
// allocation of those vehicles intersecting the window (with booking number,
// customer name and status), and the unassigned reservations.
func (s *Store) Plan(ctx context.Context, stationID int64, from, to time.Time) (booking.Plan, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return booking.Plan{}, err
	}
	if !to.After(from) {
		return booking.Plan{}, errs.Invalid("error.fields_invalid", errs.Field("days", "field.period_order"))
	}
	p := booking.Plan{StationID: stationID, From: from.UTC(), To: to.UTC()}
	err = s.read(ctx, func(q querier) error {
		if err := s.stationVisible(ctx, q, sc, stationID); err != nil {
			return err
		}
		catIdx := map[int64]int{}
		vehIdx := map[int64][2]int{}
		addCat := func(c booking.PlanCategory) int {
			if i, ok := catIdx[c.ID]; ok {
				return i
			}
			p.Categories = append(p.Categories, c)
			catIdx[c.ID] = len(p.Categories) - 1
			return len(p.Categories) - 1
		}
		rows, err := q.QueryContext(ctx, `SELECT v.id, v.category_id, v.plate, v.make, v.model, v.status, vc.code, vc.name_de, vc.name_en
			FROM vehicles v JOIN vehicle_categories vc ON vc.id = v.category_id
			WHERE v.tenant_id = $1 AND v.station_id = $2 AND v.status <> 'retired'
			ORDER BY vc.sort_order, vc.code, v.plate`, sc.tenant(), stationID)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v booking.PlanVehicle
			var c booking.PlanCategory
			if err := rows.Scan(&v.ID, &v.CategoryID, &v.Plate, &v.Make, &v.Model, &v.Status, &c.Code, &c.NameDE, &c.NameEN); err != nil {
				rows.Close()
				return err
			}
			c.ID = v.CategoryID
			ci := addCat(c)
			p.Categories[ci].Vehicles = append(p.Categories[ci].Vehicles, v)
			vehIdx[v.ID] = [2]int{ci, len(p.Categories[ci].Vehicles) - 1}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		rows, err = q.QueryContext(ctx, `SELECT al.id, al.vehicle_id, al.kind, al.starts_at, al.ends_at, al.note,
			COALESCE(r.id, 0), COALESCE(r.number, ''), COALESCE(r.status, ''), COALESCE(`+customerNameSQL+`, ''),
			COALESCE(co.id, 0), COALESCE(co.number, ''), COALESCE(r.kind, '')
			FROM allocations al
			LEFT JOIN reservations r ON r.id = al.reservation_id
			LEFT JOIN contracts co ON co.reservation_id = r.id
			LEFT JOIN customers c ON c.id = r.customer_id
			WHERE +al.tenant_id = $1 AND al.vehicle_id IN (SELECT id FROM vehicles WHERE tenant_id = $1 AND station_id = $2)
			AND al.ends_at > $3 AND al.starts_at < $4 AND NOT al.test
			ORDER BY al.vehicle_id, al.starts_at`, sc.tenant(), stationID, ts(p.From), ts(p.To))
		if err != nil {
			return err
		}
		for rows.Next() {
			var b booking.Bar
			var status string
			if err := rows.Scan(&b.AllocationID, &b.VehicleID, &b.Kind, tsScan{&b.Start}, tsScan{&b.End}, &b.Note,
				&b.ReservationID, &b.Number, &status, &b.CustomerName, &b.ContractID, &b.ContractNumber, &b.Use); err != nil {
				rows.Close()
				return err
			}
			b.Status = booking.Status(status)
			if b.Kind == fleet.AllocBooking && b.Status != booking.StatusPendingPayment && b.Status != booking.StatusConfirmed {
				b.Kind = booking.BarContract
			}
			if ix, ok := vehIdx[b.VehicleID]; ok {
				v := &p.Categories[ix[0]].Vehicles[ix[1]]
				b.CategoryID = v.CategoryID
				v.Bars = append(v.Bars, b)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}

		rows, err = q.QueryContext(ctx, `SELECT r.id, r.category_id, r.number, r.status, r.pickup_at, r.return_at, `+customerNameSQL+`,
			vc.code, vc.name_de, vc.name_en
			FROM reservations r JOIN customers c ON c.id = r.customer_id JOIN vehicle_categories vc ON vc.id = r.category_id
			WHERE r.tenant_id = $1 AND r.station_id = $2 AND r.vehicle_id IS NULL
			AND r.status IN ('pending_payment','confirmed') AND r.return_at > $3 AND r.pickup_at < $4
			ORDER BY r.pickup_at, r.id`, sc.tenant(), stationID, ts(p.From), ts(p.To))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			b := booking.Bar{Kind: booking.BarBooking}
			var c booking.PlanCategory
			var status string
			if err := rows.Scan(&b.ReservationID, &b.CategoryID, &b.Number, &status, tsScan{&b.Start}, tsScan{&b.End},
				&b.CustomerName, &c.Code, &c.NameDE, &c.NameEN); err != nil {
				return err
			}
			b.Status = booking.Status(status)
			c.ID = b.CategoryID
			ci := addCat(c)
			p.Categories[ci].Unassigned = append(p.Categories[ci].Unassigned, b)
		}
		return rows.Err()
	})
	return p, err
}

// MoveBooking puts a reservation on another vehicle and/or time, atomically
// under the overlap rule: the old allocation is deleted and the new one
// inserted in one transaction (PostgreSQL: the exclusion constraint decides
// a race; SQLite: the check and insert run under the write lock), the
// reservation updated and the move audit-logged with before and after.
func (s *Store) MoveBooking(ctx context.Context, m booking.Move) (booking.Reservation, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return booking.Reservation{}, err
	}
	var out booking.Reservation
	err = s.write(ctx, func(tx *sql.Tx) error {
		// Serialize moves of the same reservation.
		if err := s.dialect.lockRow(ctx, tx, `SELECT 1 FROM reservations WHERE tenant_id = $1 AND id = $2`,
			sc.tenant(), m.ReservationID); err != nil {
			return err
		}
		r, err := s.reservationWhere(ctx, tx, "r.id", m.ReservationID)
		if err != nil {
			return err
		}
		if r.Status != booking.StatusPendingPayment && r.Status != booking.StatusConfirmed {
			return errs.Conflict("booking_not_movable")
		}
		vid := m.VehicleID
		if vid == 0 {
			vid = r.VehicleID
		}
		if vid == 0 {
			return errs.Invalid("error.fields_invalid", errs.Field("vehicle_id", "field.vehicle_choose"))
		}
		a := args{sc.tenant(), vid}
		veh, err := scanVehicle(tx.QueryRowContext(ctx, `SELECT `+vehicleCols+` FROM vehicles v WHERE v.tenant_id = $1 AND v.id = $2 AND `+
			sc.stations("v.station_id", &a), a...))
		if err != nil {
			return notFound(err, "vehicle_not_found")
		}
		vStation, vStatus := veh.StationID, veh.Status
		if vStation != r.StationID {
			return errs.Conflict("other_station")
		}
		if vStatus != fleet.StatusAvailable {
			return errs.Conflict("vehicle_unavailable")
		}
		pickup := r.Pickup
		if !m.Pickup.IsZero() {
			pickup = m.Pickup.UTC().Truncate(time.Second)
		}
		ret := pickup.Add(r.Return.Sub(r.Pickup))
		if !pickup.Equal(r.Pickup) && pickup.Before(s.Now()) {
			return errs.Invalid("error.fields_invalid", errs.Field("pickup", "booking.pickup_passed"))
		}
		if vid == r.VehicleID && pickup.Equal(r.Pickup) {
			out = r
			return nil
		}
		if err := booking.CheckDue(veh, ret, s.stationLoc(ctx, tx, r.StationID), m.DueOverride); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM allocations WHERE tenant_id = $1 AND reservation_id = $2`, sc.tenant(), r.ID); err != nil {
			return mapErr(err)
		}
		al := fleet.Allocation{VehicleID: vid, Start: pickup, End: ret, Kind: fleet.AllocBooking, ReservationID: r.ID, Test: r.Test}
		if err := s.allocateTx(ctx, tx, sc, &al); err != nil {
			return err
		}
		now := s.Now()
		seq := r.CalendarSequence
		if !pickup.Equal(r.Pickup) {
			seq++ // the customer's calendar entries change
		}
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET vehicle_id = $1, pickup_at = $2, return_at = $3, updated_at = $4,
			calendar_sequence = $7 WHERE tenant_id = $5 AND id = $6`, vid, ts(pickup), ts(ret), ts(now), sc.tenant(), r.ID, seq); err != nil {
			return mapErr(err)
		}
		if !pickup.Equal(r.Pickup) { // the period the booking shows changed (a car is not part of it)
			if err := s.bookingEventTx(ctx, tx, sc, r, webhook.BookingChanged); err != nil {
				return err
			}
		}
		type period struct {
			VehicleID   int64     `json:"vehicle_id"`
			Pickup      time.Time `json:"pickup"`
			Return      time.Time `json:"return"`
			DueOverride string    `json:"due_override,omitempty"` // why a car with the HU or service due
		}
		action := "move"
		if r.VehicleID == 0 {
			action = "assign_vehicle"
		}
		if err := s.appendAudit(ctx, tx, sc, r.StationID, "reservation", r.ID, action,
			period{r.VehicleID, r.Pickup, r.Return, ""}, period{vid, pickup, ret, strings.TrimSpace(m.DueOverride)}); err != nil {
			return err
		}
		out = r
		out.VehicleID, out.Pickup, out.Return, out.UpdatedAt, out.CalendarSequence = vid, pickup, ret, now, seq
		return nil
	})
	return out, err
}

// FreeVehicles lists the available vehicles of a station with no allocation
// overlapping [from, to) other than reservation except's own, by category
// and plate, with their HU and service dates (a car whose check runs out
// is listed: staff may assign it with a reason).
func (s *Store) FreeVehicles(ctx context.Context, stationID int64, from, to time.Time, except int64) ([]booking.FreeVehicle, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant(), stationID, ts(from), ts(to), except}
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.plate, v.make, v.model, v.category_id, vc.code, v.next_inspection, v.next_service
		FROM vehicles v JOIN vehicle_categories vc ON vc.id = v.category_id
		WHERE v.tenant_id = $1 AND v.station_id = $2 AND v.status = 'available' AND `+sc.stations("v.station_id", &a)+`
		AND NOT EXISTS (SELECT 1 FROM allocations al WHERE al.vehicle_id = v.id AND `+s.overlapCond("$3", "$4")+`
			AND NOT al.test AND (al.reservation_id IS NULL OR al.reservation_id <> $5))
		ORDER BY vc.sort_order, vc.code, v.plate`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.FreeVehicle
	for rows.Next() {
		var v booking.FreeVehicle
		if err := rows.Scan(&v.ID, &v.Plate, &v.Make, &v.Model, &v.CategoryID, &v.CategoryCode,
			dateScan{&v.NextInspection}, dateScan{&v.NextService}); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// stationLoc is the time zone of station id read in tx (Europe/Berlin when
// it cannot be read).
func (s *Store) stationLoc(ctx context.Context, tx *sql.Tx, id int64) *time.Location {
	var st tenancy.Station
	_ = tx.QueryRowContext(ctx, `SELECT time_zone FROM stations WHERE id = $1`, id).Scan(&st.TimeZone)
	return st.Location()
}
