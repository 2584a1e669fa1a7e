package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

// Allocate takes a vehicle for [a.Start, a.End) after checking it is free.
// PostgreSQL enforces this with the allocations_no_overlap exclusion
// constraint; on SQLite the check and the insert run in one write-locked
// (BEGIN IMMEDIATE) transaction, so no other writer can slip in between.
// Errors: fleet.ErrOverlap, KindNotFound for a vehicle outside the actor's
// reach, KindInvalid for an empty period.
func (s *Store) Allocate(ctx context.Context, al *fleet.Allocation) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if !al.End.After(al.Start) {
		return errs.Invalid("error.fields_invalid", errs.Field("end", "field.period_order"))
	}
	if al.Kind == "" {
		al.Kind = fleet.AllocBooking
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		return s.allocateTx(ctx, tx, sc, al)
	})
}

// allocateTx is Allocate inside a caller's transaction.
func (s *Store) allocateTx(ctx context.Context, tx *sql.Tx, sc scope, al *fleet.Allocation) error {
	a := args{sc.tenant(), al.VehicleID}
	var stationID int64
	// The vehicle's row is locked first, so that concurrent allocations of one
	// car run one after the other. Without it, PostgreSQL's exclusion
	// constraint makes two overlapping inserts wait for each other: a
	// deadlock, which the database breaks by aborting one (40P01); under
	// load even the retries of write could all end that way.
	if err := tx.QueryRowContext(ctx, `SELECT v.station_id FROM vehicles v WHERE v.tenant_id = $1 AND v.id = $2 AND `+
		sc.stations("v.station_id", &a)+s.dialect.lockVehicle(), a...).Scan(&stationID); err != nil {
		return notFound(err, "vehicle_not_found")
	}
	// the allocations it must not overlap: of its own world (live or
	// test) and, for a test booking, the blocks too
	n, err := s.dialect.countOverlaps(ctx, tx, `SELECT count(*) FROM allocations al WHERE al.vehicle_id = $1
		AND al.starts_at < $2 AND al.ends_at > $3 AND `+worldCond(al.Test), al.VehicleID, ts(al.End), ts(al.Start))
	if err != nil {
		return err
	}
	if al.Test && n == 0 {
		// PostgreSQL's exclusion constraints keep each world free of
		// overlaps; a block is in the live one: look for it here
		err = tx.QueryRowContext(ctx, `SELECT count(*) FROM allocations WHERE vehicle_id = $1 AND starts_at < $2 AND ends_at > $3
			AND kind <> 'booking'`, al.VehicleID, ts(al.End), ts(al.Start)).Scan(&n)
		if err != nil {
			return err
		}
	}
	if n > 0 {
		return fleet.ErrOverlap
	}
	al.TenantID, al.CreatedAt = sc.tenant(), s.Now()
	al.Start, al.End = al.Start.UTC(), al.End.UTC()
	err = tx.QueryRowContext(ctx, `INSERT INTO allocations (tenant_id, vehicle_id, starts_at, ends_at, kind,
		reservation_id, note, created_by, created_at, test) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id`,
		al.TenantID, al.VehicleID, ts(al.Start), ts(al.End), al.Kind, nullInt64(al.ReservationID), al.Note,
		nullInt64(sc.a.UserID), ts(al.CreatedAt), al.Test).Scan(&al.ID)
	if classify(err) == dbErrOverlap {
		return fleet.ErrOverlap
	}
	return mapErr(err)
}

// allocationTypes are the SQL types of allocations' columns from starts_at
// on (see typedList), as takeOnceTx inserts them.
var allocationTypes = []string{"timestamptz", "timestamptz", "text", "bigint", "text", "bigint", "timestamptz", "boolean"}

// worldCond is the SQL condition on allocations (alias al) that hold a car
// against a new allocation: in the live world (test false) the live
// bookings and the blocks, in the test world the test bookings and the
// blocks.
func worldCond(test bool) string {
	if test {
		return "(al.test OR al.kind <> 'booking')"
	}
	return "NOT al.test"
}

// ListAllocations returns the allocations of a vehicle that intersect [from, to).
func (s *Store) ListAllocations(ctx context.Context, vehicleID int64, from, to time.Time) ([]fleet.Allocation, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant(), vehicleID, ts(to), ts(from)}
	rows, err := s.db.QueryContext(ctx, `SELECT al.id, al.tenant_id, al.vehicle_id, al.starts_at, al.ends_at, al.kind,
		al.reservation_id, al.note, al.created_by, al.created_at
		FROM allocations al JOIN vehicles v ON v.id = al.vehicle_id
		WHERE al.tenant_id = $1 AND al.vehicle_id = $2 AND al.starts_at < $3 AND al.ends_at > $4
		AND `+sc.stations("v.station_id", &a)+` ORDER BY al.starts_at`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.Allocation
	for rows.Next() {
		var al fleet.Allocation
		if err := rows.Scan(&al.ID, &al.TenantID, &al.VehicleID, tsScan{&al.Start}, tsScan{&al.End}, &al.Kind,
			int64Scan{&al.ReservationID}, &al.Note, int64Scan{&al.CreatedBy}, tsScan{&al.CreatedAt}); err != nil {
			return nil, err
		}
		out = append(out, al)
	}
	return out, rows.Err()
}

// DeleteAllocation frees a vehicle again. Errors: KindNotFound.
func (s *Store) DeleteAllocation(ctx context.Context, id int64) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	a := args{sc.tenant(), id}
	res, err := s.execWrite(ctx, false, `DELETE FROM allocations WHERE tenant_id = $1 AND id = $2 AND vehicle_id IN
		(SELECT v.id FROM vehicles v WHERE `+sc.stations("v.station_id", &a)+`)`, a...)
	if err != nil {
		return mapErr(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.NotFound("allocation_not_found")
	}
	return nil
}
