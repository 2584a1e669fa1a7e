package store

import (
	"context"
	"database/sql"
	"strings"

	"mietwerk.dev/mietwerk/booking"
	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
	"mietwerk.dev/mietwerk/tenancy"
)

const plateCols = `p.id, p.tenant_id, p.number, p.station_id, p.valid_from, p.valid_to, p.notes, p.created_at, p.updated_at`

func scanPlate(row interface{ Scan(...any) error }) (fleet.DealerPlate, error) {
	var p fleet.DealerPlate
	err := row.Scan(&p.ID, &p.TenantID, &p.Number, &p.StationID, dateScan{&p.ValidFrom}, dateScan{&p.ValidTo}, &p.Notes,
		tsScan{&p.CreatedAt}, tsScan{&p.UpdatedAt})
	return p, err
}

// CreateDealerPlate stores a red dealer plate; admins only, audited.
// Errors: KindInvalid (also for a number the tenant has already),
// KindForbidden.
func (s *Store) CreateDealerPlate(ctx context.Context, p *fleet.DealerPlate) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.Now()
	return s.write(ctx, func(tx *sql.Tx) error {
		if err := s.stationOfTenant(ctx, tx, sc, p.StationID); err != nil {
			return errs.Invalid("error.fields_invalid", errs.Field("station_id", "field.station_choose"))
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO dealer_plates (tenant_id, number, number_norm, station_id, valid_from, valid_to,
			notes, created_at, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING id`, sc.tenant(), p.Number,
			fleet.NormPlate(p.Number), p.StationID, p.ValidFrom, dateArg(p.ValidTo), p.Notes, ts(now), ts(now)).Scan(&p.ID)
		if classify(err) == dbErrUnique {
			return errs.Invalid("error.fields_invalid", errs.Field("number", "plate.number_taken"))
		}
		if err != nil {
			return mapErr(err)
		}
		p.TenantID, p.CreatedAt, p.UpdatedAt = sc.tenant(), now, now
		return s.appendAudit(ctx, tx, sc, p.StationID, "dealer_plate", p.ID, "create", nil, p)
	})
}

// UpdateDealerPlate saves a plate's number, station, validity and notes;
// admins only, audited. Errors: KindInvalid, KindNotFound, KindForbidden.
func (s *Store) UpdateDealerPlate(ctx context.Context, p *fleet.DealerPlate) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.Now()
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := scanPlate(tx.QueryRowContext(ctx, `SELECT `+plateCols+` FROM dealer_plates p WHERE p.tenant_id = $1 AND p.id = $2`,
			sc.tenant(), p.ID))
		if err != nil {
			return notFound(err, "plate_not_found")
		}
		if err := s.stationOfTenant(ctx, tx, sc, p.StationID); err != nil {
			return errs.Invalid("error.fields_invalid", errs.Field("station_id", "field.station_choose"))
		}
		_, err = tx.ExecContext(ctx, `UPDATE dealer_plates SET number = $1, number_norm = $2, station_id = $3, valid_from = $4,
			valid_to = $5, notes = $6, updated_at = $7 WHERE tenant_id = $8 AND id = $9`, p.Number, fleet.NormPlate(p.Number),
			p.StationID, p.ValidFrom, dateArg(p.ValidTo), p.Notes, ts(now), sc.tenant(), p.ID)
		if classify(err) == dbErrUnique {
			return errs.Invalid("error.fields_invalid", errs.Field("number", "plate.number_taken"))
		}
		if err != nil {
			return mapErr(err)
		}
		p.TenantID, p.CreatedAt, p.UpdatedAt = sc.tenant(), old.CreatedAt, now
		return s.appendAudit(ctx, tx, sc, p.StationID, "dealer_plate", p.ID, "update", old, p)
	})
}

// DealerPlate returns one plate of the actor's tenant. Errors: KindNotFound.
func (s *Store) DealerPlate(ctx context.Context, id int64) (fleet.DealerPlate, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return fleet.DealerPlate{}, err
	}
	p, err := scanPlate(s.db.QueryRowContext(ctx, `SELECT `+plateCols+` FROM dealer_plates p WHERE p.tenant_id = $1 AND p.id = $2`,
		sc.tenant(), id))
	return p, notFound(err, "plate_not_found")
}

// ListDealerPlates lists the tenant's plates by number.
func (s *Store) ListDealerPlates(ctx context.Context) ([]fleet.DealerPlate, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+plateCols+` FROM dealer_plates p WHERE p.tenant_id = $1 ORDER BY p.number_norm`, sc.tenant())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.DealerPlate
	for rows.Next() {
		p, err := scanPlate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// stationOfTenant checks that station id is one of the actor's tenant.
func (s *Store) stationOfTenant(ctx context.Context, q querier, sc scope, id int64) error {
	var one int
	return q.QueryRowContext(ctx, `SELECT 1 FROM stations WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id).Scan(&one)
}

// plateFreeTx locks dealer plate id of the actor's tenant and checks that
// no other booking holds it (plateHoldSQL): a plate is on one car at a
// time. Errors: KindInvalid on "dealer_plate_id" — the plate is none of
// the tenant's, or booking.PlateHold.Refusal naming the booking that
// holds it.
func (s *Store) plateFreeTx(ctx context.Context, tx *sql.Tx, sc scope, id int64) error {
	var one int
	if err := tx.QueryRowContext(ctx, `SELECT 1 FROM dealer_plates WHERE tenant_id = $1 AND id = $2`+s.dialect.forUpdate(),
		sc.tenant(), id).Scan(&one); err != nil {
		if err == sql.ErrNoRows {
			return errs.Invalid("error.fields_invalid", errs.Field("dealer_plate_id", "plate.choose"))
		}
		return mapErr(err)
	}
	h, err := scanPlateHold(tx.QueryRowContext(ctx, plateHoldSQL+` AND r.dealer_plate_id = $2 ORDER BY r.id LIMIT 1`, sc.tenant(), id))
	switch {
	case err == sql.ErrNoRows:
		return nil
	case err != nil:
		return mapErr(err)
	}
	return h.Refusal()
}

// PlateHolds returns, per red dealer plate of the actor's tenant that a
// booking holds (plateHoldSQL, the rule a start on it is refused by), the
// holding booking — of any station, as the refusal names it — so that a
// start form can mark the plate (see booking.PlateHold.Mark).
func (s *Store) PlateHolds(ctx context.Context) (map[int64]booking.PlateHold, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, plateHoldSQL+` ORDER BY r.id`, sc.tenant())
	if err != nil {
		return nil, mapErr(err)
	}
	defer rows.Close()
	out := map[int64]booking.PlateHold{}
	for rows.Next() {
		h, err := scanPlateHold(rows)
		if err != nil {
			return nil, err
		}
		if _, ok := out[h.Booking.Use.DealerPlateID]; !ok { // the first holder, as plateFreeTx names it
			out[h.Booking.Use.DealerPlateID] = h
		}
	}
	return out, rows.Err()
}

// plateHoldSQL selects the bookings of tenant $1 that hold a red dealer
// plate — confirmed (a start nobody handed over), or handed over and not
// back (its contract not ended; a returned test drive whose fee is still
// open is back) — with what names them (scanPlateHold). Callers add
// conditions with AND and the order.
const plateHoldSQL = `SELECT r.id, r.number, r.status, r.kind, r.pickup_at, r.return_at, r.dealer_plate_id, p.number,
	` + customerNameSQL + `, COALESCE(v.make || ' ' || v.model || ' ' || v.plate, ''), st.name, st.time_zone,
	COALESCE(k.id, 0), COALESCE(k.number, ''), k.starts_at, k.planned_end_at
	FROM reservations r
	JOIN dealer_plates p ON p.tenant_id = r.tenant_id AND p.id = r.dealer_plate_id
	JOIN customers c ON c.id = r.customer_id
	JOIN stations st ON st.id = r.station_id
	LEFT JOIN vehicles v ON v.id = r.vehicle_id
	LEFT JOIN contracts k ON k.tenant_id = r.tenant_id AND k.reservation_id = r.id
	WHERE r.tenant_id = $1 AND (r.status = 'confirmed' OR r.status = 'active' AND k.ended_at IS NULL)`

// scanPlateHold reads a row of plateHoldSQL.
func scanPlateHold(row interface{ Scan(...any) error }) (booking.PlateHold, error) {
	var h booking.PlateHold
	r := &h.Booking
	var tz string
	err := row.Scan(&r.ID, &r.Number, &r.Status, &r.Use.Kind, tsScan{&r.Pickup}, tsScan{&r.Return}, &r.Use.DealerPlateID, &h.Plate,
		&h.Customer, &h.Car, &h.Station, &tz, &h.ContractID, &h.ContractNumber, tspScan{&h.ContractStart}, tspScan{&h.ContractEnd})
	r.Use.DealerPlate = h.Plate
	h.Customer, h.Car = strings.TrimSpace(h.Customer), strings.TrimSpace(h.Car)
	h.Loc = tenancy.Station{TimeZone: tz}.Location()
	return h, err
}

// Trips lists the trips on a red dealer plate the actor may see (see
// contract.TripStore), by start.
func (s *Store) Trips(ctx context.Context, f contract.TripFilter) ([]contract.Trip, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant(), f.PlateID}
	var cond string
	if f.At.IsZero() {
		cond = ` AND c.starts_at >= ` + a.add(ts(f.From)) + ` AND c.starts_at < ` + a.add(ts(f.To))
	} else {
		at := ts(f.At)
		cond = ` AND c.starts_at <= ` + a.add(at) + ` AND (c.ended_at IS NULL OR c.ended_at > ` + a.add(at) + `)`
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.number, r.kind, c.starts_at, c.ended_at, v.make, v.model, v.vin,
		COALESCE(d.first_name, ''), COALESCE(d.last_name, ''), r.bill_street, r.bill_postal_code, r.bill_city,
		COALESCE(ph.odometer_km, 0), pr.odometer_km, r.purpose, st.name, rs.name, dp.number
		FROM contracts c
		JOIN reservations r ON r.id = c.reservation_id
		JOIN dealer_plates dp ON dp.id = r.dealer_plate_id
		JOIN vehicles v ON v.id = c.vehicle_id
		JOIN stations st ON st.id = c.station_id
		JOIN stations rs ON rs.id = c.return_station_id
		LEFT JOIN contract_drivers d ON d.contract_id = c.id AND d.role = 'main' AND d.removed_at IS NULL
		LEFT JOIN protocols ph ON ph.contract_id = c.id AND ph.kind = 'handover'
		LEFT JOIN protocols pr ON pr.contract_id = c.id AND pr.kind = 'return'
		WHERE c.tenant_id = $1 AND r.dealer_plate_id = $2`+cond+` AND `+contractScope(sc, &a)+`
		ORDER BY c.starts_at, c.id`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contract.Trip
	for rows.Next() {
		var t contract.Trip
		var first, last, zip, city string
		var kmEnd sql.NullInt64
		if err := rows.Scan(&t.ContractID, &t.Number, &t.Kind, tsScan{&t.Start}, tspScan{&t.End}, &t.Make, &t.Model, &t.VIN,
			&first, &last, &t.DriverStreet, &zip, &city, &t.KMStart, &kmEnd, &t.Purpose, &t.From, &t.To, &t.Plate); err != nil {
			return nil, err
		}
		t.DriverName = strings.TrimSpace(first + " " + last)
		t.DriverCity = strings.TrimSpace(zip + " " + city)
		if kmEnd.Valid {
			t.KMEnd = &kmEnd.Int64
		}
		out = append(out, t)
	}
	return out, rows.Err()
}
