package store

import (
	"context"

	"mietwerk.dev/mietwerk/fleet"
)

// ListConditions returns the condition history of a vehicle the actor may
// see, newest first, at most limit rows (0 or more than 1000: 100).
// Errors: KindNotFound.
func (s *Store) ListConditions(ctx context.Context, vehicleID int64, limit int) ([]fleet.Condition, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := vehicleStation(ctx, s.db, sc, vehicleID); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.vehicle_id, c.recorded_at, c.odometer_km, c.fuel_eighths,
		c.cleanliness, c.source, c.contract_id, c.user_id FROM vehicle_conditions c
		WHERE c.tenant_id = $1 AND c.vehicle_id = $2 ORDER BY c.recorded_at DESC, c.id DESC LIMIT $3`,
		sc.tenant(), vehicleID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []fleet.Condition
	for rows.Next() {
		var c fleet.Condition
		if err := rows.Scan(&c.ID, &c.VehicleID, tsScan{&c.RecordedAt}, &c.OdometerKM, &c.FuelEighths, &c.Cleanliness,
			&c.Source, int64Scan{&c.ContractID}, int64Scan{&c.UserID}); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}
