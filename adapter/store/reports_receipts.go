package store

import (
	"context"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
)

var _ contract.CounterReports = (*Store)(nil)

// CounterPayments returns, per station the actor may see (ordered by name,
// every one of them, also without rows, as DailyMovements), the receipts,
// payouts and reversals recorded with received_on = day at its till (the
// receipt's station; see contract.Receipt.StationID), oldest entry first, summed per method (see
// contract.NewCounterDay; a reversal counts under its receipt's method with
// the opposite sign). Station users see only their stations. Errors:
// KindInvalid for a day that is not YYYY-MM-DD; KindUnauthorized or
// KindForbidden without a tenant actor.
func (s *Store) CounterPayments(ctx context.Context, day string) ([]contract.CounterDay, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := time.Parse("2006-01-02", day); err != nil {
		return nil, errs.Invalid("error.fields_invalid", errs.Field("day", "field.date_format"))
	}
	type station struct {
		id   int64
		name string
	}
	var stations []station
	byStation := map[int64][]contract.CounterEntry{}
	err = s.read(ctx, func(q querier) error {
		a := args{sc.tenant()}
		rows, err := q.QueryContext(ctx, `SELECT st.id, st.name FROM stations st
			WHERE st.tenant_id = $1 AND `+sc.stations("st.id", &a)+` ORDER BY st.name, st.id`, a...)
		if err != nil {
			return err
		}
		if err := eachRow(rows, func() error {
			var st station
			if err := rows.Scan(&st.id, &st.name); err != nil {
				return err
			}
			stations = append(stations, st)
			return nil
		}); err != nil {
			return err
		}
		a = args{sc.tenant(), day}
		rows, err = q.QueryContext(ctx, `SELECT r.station_id, r.id, r.contract_id, r.kind, r.reverses_id, COALESCE(o.kind, ''),
			r.method, r.amount_cents, r.reference, r.received_on, r.reason, r.created_by, COALESCE(u.name, ''), r.created_at,
			c.number, cu.first_name || ' ' || cu.last_name
			FROM contract_receipts r
			JOIN contracts c ON c.tenant_id = r.tenant_id AND c.id = r.contract_id
			JOIN customers cu ON cu.id = c.customer_id
			LEFT JOIN users u ON u.id = r.created_by
			LEFT JOIN contract_receipts o ON o.tenant_id = r.tenant_id AND o.id = r.reverses_id
			WHERE r.tenant_id = $1 AND r.received_on = $2 AND `+sc.stations("r.station_id", &a)+`
			ORDER BY r.created_at, r.id`, a...)
		if err != nil {
			return err
		}
		return eachRow(rows, func() error {
			var e contract.CounterEntry
			if err := rows.Scan(&e.StationID, &e.ID, &e.ContractID, &e.Kind, int64Scan{&e.ReversesID}, &e.ReversesKind,
				&e.Method, &e.AmountCents, &e.Reference, dateScan{&e.ReceivedOn}, &e.Reason, int64Scan{&e.CreatedBy},
				&e.CreatedByName, tsScan{&e.CreatedAt}, &e.ContractNumber, &e.CustomerName); err != nil {
				return err
			}
			byStation[e.StationID] = append(byStation[e.StationID], e)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	out := make([]contract.CounterDay, 0, len(stations))
	for _, st := range stations {
		out = append(out, contract.NewCounterDay(st.id, st.name, day, byStation[st.id]))
	}
	return out, nil
}
