package store

import (
	"context"
	"database/sql"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/fleet"
)

const vehicleCols = `v.id, v.tenant_id, v.station_id, v.category_id, v.plate, v.vin, v.make, v.model, v.color,
	v.fuel_type, v.tank_litres, v.odometer_km, v.fuel_eighths, v.cleanliness, v.status, v.first_registration,
	v.next_inspection, v.self_drive_registered, v.notes, v.created_at, v.updated_at, v.readiness, v.next_service,
	v.battery_kwh, v.charge_percent, (SELECT count(*) FROM damages d WHERE d.vehicle_id = v.id AND d.repaired_at IS NULL)`

func scanVehicle(row interface{ Scan(...any) error }) (fleet.Vehicle, error) {
	var v fleet.Vehicle
	err := row.Scan(&v.ID, &v.TenantID, &v.StationID, &v.CategoryID, &v.Plate, &v.VIN, &v.Make, &v.Model, &v.Color,
		&v.FuelType, &v.TankLitres, &v.OdometerKM, &v.FuelEighths, &v.Cleanliness, &v.Status,
		dateScan{&v.FirstRegistration}, dateScan{&v.NextInspection}, &v.SelfDriveRegistered, &v.Notes,
		tsScan{&v.CreatedAt}, tsScan{&v.UpdatedAt}, &v.Readiness, dateScan{&v.NextService}, &v.BatteryKWh, intpScan{&v.ChargePercent}, &v.OpenDamages)
	return v, err
}

// vehicleTaken maps unique violations on plate and VIN to field errors.
func vehicleTaken(err error, v *fleet.Vehicle) error {
	if classify(err) != dbErrUnique {
		return mapErr(err)
	}
	return errs.Invalid("error.fields_invalid",
		errs.Field("plate", "vehicle.plate_vin_taken"),
		errs.Field("vin", "vehicle.plate_vin_taken"))
}

// CreateVehicle validates and creates a vehicle at a station the actor may
// use. Errors: KindInvalid with field errors, KindNotFound for a station
// outside the actor's reach.
func (s *Store) CreateVehicle(ctx context.Context, v *fleet.Vehicle) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	v.Normalize()
	if err := v.Validate(); err != nil {
		return err
	}
	if err := sc.writeStation(v.StationID); err != nil {
		return err
	}
	now := s.Now()
	v.TenantID, v.CreatedAt, v.UpdatedAt = sc.tenant(), now, now
	return s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO vehicles (tenant_id, station_id, category_id, plate, vin, make,
			model, color, fuel_type, tank_litres, odometer_km, fuel_eighths, cleanliness, status, first_registration,
			next_inspection, self_drive_registered, notes, created_at, updated_at, next_service, battery_kwh)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22) RETURNING id`,
			v.TenantID, v.StationID, v.CategoryID, v.Plate, v.VIN, v.Make, v.Model, v.Color, v.FuelType, v.TankLitres,
			v.OdometerKM, v.FuelEighths, v.Cleanliness, v.Status, dateArg(v.FirstRegistration),
			dateArg(v.NextInspection), v.SelfDriveRegistered, v.Notes, ts(now), ts(now), dateArg(v.NextService), v.BatteryKWh).Scan(&v.ID)
		if err != nil {
			return vehicleTaken(err, v)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO vehicle_conditions (tenant_id, vehicle_id, recorded_at, odometer_km,
			fuel_eighths, cleanliness, source) VALUES ($1,$2,$3,$4,$5,$6,'manual')`, v.TenantID, v.ID, ts(now),
			v.OdometerKM, v.FuelEighths, v.Cleanliness)
		return mapErr(err)
	})
}

// Vehicle returns one vehicle. Errors: KindNotFound (also outside the actor's reach).
func (s *Store) Vehicle(ctx context.Context, id int64) (fleet.Vehicle, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return fleet.Vehicle{}, err
	}
	a := args{sc.tenant(), id}
	v, err := scanVehicle(s.db.QueryRowContext(ctx, `SELECT `+vehicleCols+` FROM vehicles v
		WHERE v.tenant_id = $1 AND v.id = $2 AND `+sc.stations("v.station_id", &a), a...))
	return v, notFound(err, "vehicle_not_found")
}

var vehicleSort = map[string]string{
	"plate": "v.plate", "model": "v.make, v.model, v.plate", "odometer": "v.odometer_km DESC, v.plate",
	"station": "v.station_id, v.plate", "status": "v.status, v.plate",
}

// ListVehicles returns one page of the vehicles the actor may see and the total count.
func (s *Store) ListVehicles(ctx context.Context, f fleet.VehicleFilter) ([]fleet.Vehicle, int, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, 0, err
	}
	a := args{sc.tenant()}
	where := `v.tenant_id = $1 AND ` + sc.stations("v.station_id", &a)
	if f.StationID != 0 {
		where += ` AND v.station_id = ` + a.add(f.StationID)
	}
	if f.CategoryID != 0 {
		where += ` AND v.category_id = ` + a.add(f.CategoryID)
	}
	if f.Status != "" {
		where += ` AND v.status = ` + a.add(f.Status)
	}
	if q := strings.TrimSpace(f.Query); q != "" {
		p := a.add(likeArg(q)) // % and _ typed by staff match themselves
		where += ` AND (lower(v.plate) LIKE ` + p + ` ESCAPE '\' OR lower(v.vin) LIKE ` + p + ` ESCAPE '\' OR lower(v.make || ' ' || v.model) LIKE ` + p + ` ESCAPE '\')`
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM vehicles v WHERE `+where, a...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order, ok := vehicleSort[f.Sort]
	if !ok {
		order = vehicleSort["plate"]
	}
	limit := f.Limit
	if limit <= 0 || limit > 500 {
		limit = 50
	}
	q := `SELECT ` + vehicleCols + ` FROM vehicles v WHERE ` + where + ` ORDER BY ` + order +
		` LIMIT ` + a.add(limit) + ` OFFSET ` + a.add(max(f.Offset, 0))
	rows, err := s.db.QueryContext(ctx, q, a...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []fleet.Vehicle
	for rows.Next() {
		v, err := scanVehicle(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, v)
	}
	return out, total, rows.Err()
}

// UpdateVehicle validates and saves a vehicle. The odometer never goes down;
// a station user cannot move a vehicle to a station it does not have.
// Errors: KindInvalid, KindNotFound.
func (s *Store) UpdateVehicle(ctx context.Context, v *fleet.Vehicle) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	v.Normalize()
	if err := v.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		a := args{sc.tenant(), v.ID}
		old, err := scanVehicle(tx.QueryRowContext(ctx, `SELECT `+vehicleCols+` FROM vehicles v
			WHERE v.tenant_id = $1 AND v.id = $2 AND `+sc.stations("v.station_id", &a), a...))
		if err != nil {
			return notFound(err, "vehicle_not_found")
		}
		if v.StationID != old.StationID {
			if err := sc.writeStation(v.StationID); err != nil {
				return errs.Invalid("error.fields_invalid", errs.Field("station_id", "field.own_station_choose"))
			}
		}
		if v.OdometerKM < old.OdometerKM {
			return errs.Invalid("error.fields_invalid", errs.Field("odometer_km", "vehicle.odometer_down"))
		}
		now := s.Now()
		_, err = tx.ExecContext(ctx, `UPDATE vehicles SET station_id=$1, category_id=$2, plate=$3, vin=$4, make=$5,
			model=$6, color=$7, fuel_type=$8, tank_litres=$9, odometer_km=$10, fuel_eighths=$11, cleanliness=$12,
			status=$13, first_registration=$14, next_inspection=$15, self_drive_registered=$16, notes=$17,
			updated_at=$18, next_service=$21, battery_kwh=$22 WHERE tenant_id=$19 AND id=$20`, v.StationID, v.CategoryID, v.Plate, v.VIN, v.Make,
			v.Model, v.Color, v.FuelType, v.TankLitres, v.OdometerKM, v.FuelEighths, v.Cleanliness, v.Status,
			dateArg(v.FirstRegistration), dateArg(v.NextInspection), v.SelfDriveRegistered, v.Notes, ts(now),
			sc.tenant(), v.ID, dateArg(v.NextService), v.BatteryKWh)
		if err != nil {
			return vehicleTaken(err, v)
		}
		v.TenantID, v.CreatedAt, v.UpdatedAt = sc.tenant(), old.CreatedAt, now
		v.Readiness, v.OpenDamages, v.ChargePercent = old.Readiness, old.OpenDamages, old.ChargePercent
		if v.OdometerKM != old.OdometerKM || v.FuelEighths != old.FuelEighths || v.Cleanliness != old.Cleanliness {
			_, err = tx.ExecContext(ctx, `INSERT INTO vehicle_conditions (tenant_id, vehicle_id, recorded_at,
				odometer_km, fuel_eighths, cleanliness, source, user_id) VALUES ($1,$2,$3,$4,$5,$6,'manual',$7)`,
				v.TenantID, v.ID, ts(now), v.OdometerKM, v.FuelEighths, v.Cleanliness, nullInt64(sc.a.UserID))
			if err != nil {
				return mapErr(err)
			}
		}
		before, after := vehicleChanges(old, *v)
		if len(before) == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, sc, v.StationID, "vehicle", v.ID, "update", before, after)
	})
}

// vehicleChanges lists the master-data fields an update changed, before and
// after, for the audit log.
func vehicleChanges(old, v fleet.Vehicle) (before, after map[string]any) {
	before, after = map[string]any{}, map[string]any{}
	add := func(name string, a, b any) {
		if a != b {
			before[name], after[name] = a, b
		}
	}
	add("station_id", old.StationID, v.StationID)
	add("category_id", old.CategoryID, v.CategoryID)
	add("plate", old.Plate, v.Plate)
	add("vin", old.VIN, v.VIN)
	add("make", old.Make, v.Make)
	add("model", old.Model, v.Model)
	add("color", old.Color, v.Color)
	add("fuel_type", old.FuelType, v.FuelType)
	add("tank_litres", old.TankLitres, v.TankLitres)
	add("battery_kwh", old.BatteryKWh, v.BatteryKWh)
	add("odometer_km", old.OdometerKM, v.OdometerKM)
	add("fuel_eighths", old.FuelEighths, v.FuelEighths)
	add("cleanliness", old.Cleanliness, v.Cleanliness)
	add("status", old.Status, v.Status)
	add("first_registration", old.FirstRegistration, v.FirstRegistration)
	add("next_inspection", old.NextInspection, v.NextInspection)
	add("self_drive_registered", old.SelfDriveRegistered, v.SelfDriveRegistered)
	add("notes", old.Notes, v.Notes)
	return before, after
}

// MarkVehicleReady records that staff made a car ready after a return
// (cleaned, inspected): its readiness becomes fleet.Ready. Audit-logged.
// Errors: KindNotFound outside the actor's stations.
func (s *Store) MarkVehicleReady(ctx context.Context, id int64) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		a := args{sc.tenant(), id}
		old, err := scanVehicle(tx.QueryRowContext(ctx, `SELECT `+vehicleCols+` FROM vehicles v
			WHERE v.tenant_id = $1 AND v.id = $2 AND `+sc.stations("v.station_id", &a), a...))
		if err != nil {
			return notFound(err, "vehicle_not_found")
		}
		if err := sc.writeStation(old.StationID); err != nil {
			return err
		}
		if old.Readiness == fleet.Ready {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE vehicles SET readiness = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
			fleet.Ready, ts(s.Now()), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, old.StationID, "vehicle", id, "ready",
			map[string]any{"readiness": old.Readiness}, map[string]any{"readiness": fleet.Ready})
	})
}
