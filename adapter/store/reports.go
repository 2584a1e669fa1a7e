package store

import (
	"context"
	"sort"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
)

// DailyMovements counts, per station the actor may see, the planned and done
// pickups and returns in [dayStart, dayEnd).
func (s *Store) DailyMovements(ctx context.Context, dayStart, dayEnd time.Time) ([]contract.Movements, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant(), ts(dayStart), ts(dayEnd)}
	rows, err := s.db.QueryContext(ctx, `SELECT st.id, st.name,
		(SELECT count(*) FROM reservations r WHERE r.tenant_id = $1 AND r.station_id = st.id AND r.pickup_at >= $2 AND r.pickup_at < $3
			AND r.status IN ('confirmed','active','completed') AND NOT r.test),
		(SELECT count(*) FROM contracts c WHERE c.tenant_id = $1 AND c.station_id = st.id AND c.starts_at >= $2 AND c.starts_at < $3),
		(SELECT count(*) FROM reservations r WHERE r.tenant_id = $1 AND r.return_station_id = st.id AND r.return_at >= $2 AND r.return_at < $3
			AND r.status IN ('confirmed','active','completed') AND NOT r.test),
		(SELECT count(*) FROM contracts c WHERE c.tenant_id = $1 AND c.return_station_id = st.id AND c.ended_at >= $2 AND c.ended_at < $3)
		FROM stations st WHERE st.tenant_id = $1 AND `+sc.stations("st.id", &a)+` ORDER BY st.name`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contract.Movements
	for rows.Next() {
		var m contract.Movements
		if err := rows.Scan(&m.StationID, &m.StationName, &m.PlannedPickups, &m.Pickups, &m.PlannedReturns, &m.Returns); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// OpenItems lists the payment_open contracts the actor may see with what
// is open: billed (invoices − credit notes, finals with their due, also a
// negative one: what they pay back; a legacy credit note over that same
// money counts only beyond it, as billing.LedgerOf does) minus
// paid (approved charges − refunds, deposit captures and set-offs, and
// receipts outside the gateway net of their reversals); a sale or capture
// cancelled by an approved void counts as not paid. A payer's invoices are
// its own receivables, not the driver's open items.
func (s *Store) OpenItems(ctx context.Context) ([]contract.OpenItem, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant()}
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.number, st.name, cu.first_name || ' ' || cu.last_name, c.ended_at,
		COALESCE((SELECT sum(CASE WHEN i.kind = 'credit_note' THEN -i.gross_cents + COALESCE((SELECT
				CASE WHEN -f.due_cents < i.gross_cents THEN -f.due_cents ELSE i.gross_cents END
				FROM invoices f WHERE f.tenant_id = i.tenant_id AND f.id = i.corrects_id AND f.kind = 'final' AND f.due_cents < 0), 0)
			WHEN i.kind = 'final' THEN i.due_cents ELSE i.gross_cents END)
			FROM invoices i WHERE i.tenant_id = c.tenant_id AND i.reservation_id = c.reservation_id
				AND i.payer_id IS NULL), 0)
		- COALESCE((SELECT sum(CASE WHEN p.operation = 'refund' THEN -p.amount_cents ELSE p.amount_cents END)
			FROM payments p WHERE p.tenant_id = c.tenant_id AND p.reservation_id = c.reservation_id AND p.status = 'approved'
			AND ((p.purpose <> 'deposit' AND p.operation IN ('sale','token_sale','refund'))
			  OR p.operation = 'capture')
			AND NOT EXISTS (SELECT 1 FROM payments v WHERE v.tenant_id = p.tenant_id AND v.parent_id = p.id
				AND v.operation = 'void' AND v.status = 'approved')), 0)
		- c.deposit_set_off_cents
		- COALESCE((SELECT sum(CASE WHEN r.kind = 'reversal' THEN -r.amount_cents ELSE r.amount_cents END)
			FROM contract_receipts r WHERE r.tenant_id = c.tenant_id AND r.contract_id = c.id), 0)
		FROM contracts c JOIN stations st ON st.id = c.station_id JOIN customers cu ON cu.id = c.customer_id
		WHERE c.tenant_id = $1 AND c.status = 'payment_open' AND `+contractScope(sc, &a)+` ORDER BY c.ended_at, c.id`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contract.OpenItem
	for rows.Next() {
		var o contract.OpenItem
		if err := rows.Scan(&o.ContractID, &o.Number, &o.StationName, &o.CustomerName, tspScan{&o.EndedAt}, &o.OpenCents); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// RevenueByStationMonth sums the documents issued in [from, to) per station
// and month (in loc) with the exact amounts stored per document: invoices
// and advances at their net and gross, finals with what they add on top of
// their advances (net − deducted net, gross − deducted gross), credit notes
// negative. No amount is estimated or pro-rated.
func (s *Store) RevenueByStationMonth(ctx context.Context, from, to time.Time, loc *time.Location) ([]contract.Revenue, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	a := args{sc.tenant(), ts(from), ts(to)}
	rows, err := s.db.QueryContext(ctx, `SELECT i.station_id, st.name, i.issued_at, i.kind, i.net_cents, i.gross_cents, i.deducted_cents,
		i.deducted_net_cents FROM invoices i JOIN stations st ON st.id = i.station_id
		WHERE i.tenant_id = $1 AND NOT i.test AND i.issued_at >= $2 AND i.issued_at < $3 AND `+sc.stations("i.station_id", &a), a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		st    int64
		month string
	}
	acc := map[key]*contract.Revenue{}
	for rows.Next() {
		var st int64
		var name, kind string
		var at time.Time
		var net, gross, deducted, deductedNet int64
		if err := rows.Scan(&st, &name, tsScan{&at}, &kind, &net, &gross, &deducted, &deductedNet); err != nil {
			return nil, err
		}
		k := key{st, at.In(loc).Format("2006-01")}
		r := acc[k]
		if r == nil {
			r = &contract.Revenue{StationID: st, StationName: name, Month: k.month}
			acc[k] = r
		}
		r.Documents++
		n, g := docRevenue(kind, net, gross, deducted, deductedNet)
		r.NetCents += n
		r.GrossCents += g
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]contract.Revenue, 0, len(acc))
	for _, r := range acc {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		return out[i].StationName < out[j].StationName
	})
	return out, nil
}

// docRevenue is what one document adds to revenue, as stored: an invoice
// or advance its net and gross, a final what it adds on top of its advances
// (net − deducted net, gross − deducted gross), a credit note its amounts
// negative.
func docRevenue(kind string, net, gross, deducted, deductedNet int64) (netCents, grossCents int64) {
	switch invoice.Kind(kind) {
	case invoice.KindCreditNote:
		return -net, -gross
	case invoice.KindFinal:
		return net - deductedNet, gross - deducted
	}
	return net, gross
}

// UtilisationByVehicle returns, per vehicle the actor may see, the hours of
// [from, to) the vehicle was actually rented: from each contract's handover
// to its return (a car still out: until now), never planned periods of
// bookings. PeriodHours is the part of [from, to) that has passed (up to
// now), so a running month is measured against the hours it has had.
func (s *Store) UtilisationByVehicle(ctx context.Context, from, to time.Time) ([]contract.Utilisation, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	now := s.Now()
	if to.After(now) {
		to = now
	}
	a := args{sc.tenant(), ts(to), ts(from)}
	rows, err := s.db.QueryContext(ctx, `SELECT v.id, v.plate, v.category_id, vc.code, c.starts_at, c.ended_at
		FROM vehicles v JOIN vehicle_categories vc ON vc.id = v.category_id
		LEFT JOIN contracts c ON c.tenant_id = v.tenant_id AND c.vehicle_id = v.id AND c.starts_at < $2
			AND (c.ended_at IS NULL OR c.ended_at > $3)
		WHERE v.tenant_id = $1 AND v.status <> 'retired' AND `+sc.stations("v.station_id", &a)+` ORDER BY vc.code, v.plate`, a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	period := max(to.Sub(from).Hours(), 0)
	var out []contract.Utilisation
	idx := map[int64]int{}
	for rows.Next() {
		var u contract.Utilisation
		var start, end *time.Time
		if err := rows.Scan(&u.VehicleID, &u.Plate, &u.CategoryID, &u.CategoryCode, tspScan{&start}, tspScan{&end}); err != nil {
			return nil, err
		}
		i, ok := idx[u.VehicleID]
		if !ok {
			u.PeriodHours = period
			out = append(out, u)
			i = len(out) - 1
			idx[u.VehicleID] = i
		}
		if start != nil {
			st, en := *start, to
			if end != nil && end.Before(to) {
				en = *end
			}
			if st.Before(from) {
				st = from
			}
			if en.After(st) {
				out[i].BookedHours += en.Sub(st).Hours()
			}
		}
	}
	return out, rows.Err()
}
