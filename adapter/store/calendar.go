package store

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/booking"
)

var _ booking.OccupancyStore = (*Store)(nil)

// Occupancy returns the station's available vehicles (of categoryID, or of
// every category for 0) with their allocations intersecting [from, to), in
// one query: the availability calendar reads a month with it, not a query
// per day. Vehicles without an allocation come with no busy periods.
func (s *Store) Occupancy(ctx context.Context, stationID, categoryID int64, from, to time.Time) ([]booking.VehicleBusy, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant(), stationID, ts(from), ts(to)}
	cat := "1=1"
	if categoryID != 0 {
		cat = "v.category_id = " + a.add(categoryID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.category_id, al.starts_at, al.ends_at
		FROM vehicles v LEFT JOIN allocations al ON al.vehicle_id = v.id AND al.tenant_id = $1 AND al.ends_at > $3 AND al.starts_at < $4
		WHERE v.tenant_id = $1 AND v.station_id = $2 AND v.status = 'available' AND `+cat+` AND `+
		sc.stations("v.station_id", &a)+` ORDER BY v.id, al.starts_at`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.VehicleBusy
	for rows.Next() {
		var id, cat int64
		var start, end *time.Time
		if err := rows.Scan(&id, &cat, tspScan{&start}, tspScan{&end}); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].VehicleID != id {
			out = append(out, booking.VehicleBusy{VehicleID: id, CategoryID: cat})
		}
		if start != nil && end != nil {
			v := &out[len(out)-1]
			v.Busy = append(v.Busy, booking.Interval{Start: *start, End: *end})
		}
	}
	return out, rows.Err()
}
