package store

import (
	"context"
	"slices"
	"time"

	"mietwerk.dev/mietwerk/booking"
)

var _ booking.OccupancyStore = (*Store)(nil)

// Occupancy returns the station's available vehicles (of categoryID, or of
// every category for 0) with their allocations intersecting [from, to), in
// one query: the availability calendar reads a month with it, not a query
// per day. Vehicles without an allocation come with no busy periods. A car
// whose HU or service runs out is busy from the day after (as a booking
// would not take it, see roadworthy).
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
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.category_id, v.next_inspection, v.next_service, al.starts_at, al.ends_at
		FROM vehicles v LEFT JOIN allocations al ON al.vehicle_id = v.id AND al.tenant_id = $1 AND al.ends_at > $3 AND al.starts_at < $4
		WHERE v.tenant_id = $1 AND v.station_id = $2 AND v.status = 'available' AND `+cat+` AND `+
		sc.stations("v.station_id", &a)+` ORDER BY v.id, al.starts_at`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []booking.VehicleBusy
	until := map[int64]string{} // the last day a car may be out (its HU or service, the earlier)
	for rows.Next() {
		var id, cat int64
		var hu, service string
		var start, end *time.Time
		if err := rows.Scan(&id, &cat, dateScan{&hu}, dateScan{&service}, tspScan{&start}, tspScan{&end}); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].VehicleID != id {
			out = append(out, booking.VehicleBusy{VehicleID: id, CategoryID: cat})
			if u := earliestDay(hu, service); u != "" {
				until[id] = u
			}
		}
		if start != nil && end != nil {
			v := &out[len(out)-1]
			v.Busy = append(v.Busy, booking.Interval{Start: *start, End: *end})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for i := range out {
		u, ok := until[out[i].VehicleID]
		if !ok {
			continue
		}
		last, err := time.Parse("2006-01-02", u)
		if err != nil {
			return nil, err
		}
		out[i].Busy = append(out[i].Busy, booking.Interval{Start: last.AddDate(0, 0, 1), End: to.AddDate(1, 0, 0)})
		slices.SortFunc(out[i].Busy, func(a, b booking.Interval) int { return a.Start.Compare(b.Start) })
	}
	return out, nil
}

// earliestDay is the earlier of two days (YYYY-MM-DD, "" for none).
func earliestDay(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "" || a < b:
		return a
	}
	return b
}
