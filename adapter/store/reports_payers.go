package store

import (
	"context"
	"sort"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payer"
)

// rentDaysSQL is the number of rental days (thousandths) the rent lines of
// invoice i bill.
const rentDaysSQL = `COALESCE((SELECT SUM(l.quantity_milli) FROM invoice_lines l WHERE l.tenant_id = i.tenant_id
	AND l.invoice_id = i.id AND l.kind = 'rent' AND l.unit = 'day'), 0)`

// RevenueByPayerMonth sums the documents issued in [from, to) per payer
// and month (in loc), the drivers' own documents as payer 0: the same
// amounts RevenueByStationMonth counts (finals with what they add on top
// of their advances, credit notes negative), so both reports add up to the
// same total. Rental days come from the rent lines of finals, invoices and
// payer invoices (advances are counted by their final), credit notes
// subtracting theirs. Station users see their stations' documents.
func (s *Store) RevenueByPayerMonth(ctx context.Context, from, to time.Time, loc *time.Location) ([]contract.PayerRevenue, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	a := args{sc.tenant(), ts(from), ts(to)}
	rows, err := s.db.QueryContext(ctx, `SELECT COALESCE(i.payer_id, 0), COALESCE(p.name, ''), COALESCE(p.kind, ''), i.issued_at,
		i.kind, i.net_cents, i.gross_cents, i.deducted_cents, i.deducted_net_cents, `+rentDaysSQL+`
		FROM invoices i LEFT JOIN payers p ON p.tenant_id = i.tenant_id AND p.id = i.payer_id
		WHERE i.tenant_id = $1 AND NOT i.test AND i.issued_at >= $2 AND i.issued_at < $3 AND `+sc.stations("i.station_id", &a), a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type key struct {
		payer int64
		month string
	}
	acc := map[key]*contract.PayerRevenue{}
	for rows.Next() {
		var pr contract.PayerRevenue
		var at time.Time
		var kind string
		var net, gross, deducted, deductedNet, daysMilli int64
		if err := rows.Scan(&pr.PayerID, &pr.PayerName, &pr.PayerKind, tsScan{&at}, &kind, &net, &gross, &deducted, &deductedNet,
			&daysMilli); err != nil {
			return nil, err
		}
		k := key{pr.PayerID, at.In(loc).Format("2006-01")}
		r := acc[k]
		if r == nil {
			pr.Month = k.month
			r = &pr
			acc[k] = r
		}
		r.Documents++
		n, g := docRevenue(kind, net, gross, deducted, deductedNet)
		r.NetCents += n
		r.GrossCents += g
		// the days of a rental count once: on its final, not its advances
		switch invoice.Kind(kind) {
		case invoice.KindCreditNote:
			r.RentalDays -= int(daysMilli / 1000)
		case invoice.KindAdvance:
		default:
			r.RentalDays += int(daysMilli / 1000)
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]contract.PayerRevenue, 0, len(acc))
	for _, r := range acc {
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		if (out[i].PayerID == 0) != (out[j].PayerID == 0) {
			return out[i].PayerID == 0 // the drivers first
		}
		return out[i].PayerName < out[j].PayerName
	})
	return out, nil
}

// ManufacturerClaims lists the documents issued in [from, to) to the
// tenant's manufacturer programmes — one row per invoice (credit notes
// negative), by programme, month (in loc) and invoice number — with the
// rental's contract, workshop order, the customer's car of its cover, the
// replacement car, its period and the days billed: what an importer asks
// for with a claim. Station users see their stations' documents.
func (s *Store) ManufacturerClaims(ctx context.Context, from, to time.Time, loc *time.Location) ([]contract.Claim, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if loc == nil {
		loc = time.UTC
	}
	a := args{sc.tenant(), ts(from), ts(to), payer.KindManufacturer}
	rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.name, i.number, i.issued_at, i.kind, i.net_cents, i.gross_cents,
		COALESCE(c.number, ''), COALESCE(r.workshop_ref, ''), COALESCE(rc.customer_vin, ''), COALESCE(rc.customer_plate, ''),
		COALESCE(v.plate, ''), c.starts_at, c.ended_at, `+rentDaysSQL+`
		FROM invoices i JOIN payers p ON p.tenant_id = i.tenant_id AND p.id = i.payer_id
		LEFT JOIN contracts c ON c.tenant_id = i.tenant_id AND c.id = i.contract_id
		LEFT JOIN vehicles v ON v.tenant_id = c.tenant_id AND v.id = c.vehicle_id
		LEFT JOIN reservations r ON r.tenant_id = i.tenant_id AND r.id = i.reservation_id
		LEFT JOIN reservation_covers rc ON rc.tenant_id = i.tenant_id AND rc.reservation_id = i.reservation_id
		WHERE i.tenant_id = $1 AND NOT i.test AND i.issued_at >= $2 AND i.issued_at < $3 AND p.kind = $4
		AND `+sc.stations("i.station_id", &a), a...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []contract.Claim
	for rows.Next() {
		var c contract.Claim
		var kind string
		var started, ended *time.Time
		var daysMilli int64
		if err := rows.Scan(&c.PayerID, &c.Programme, &c.InvoiceNumber, tsScan{&c.IssuedAt}, &kind, &c.NetCents, &c.GrossCents,
			&c.ContractNumber, &c.WorkshopRef, &c.CustomerVIN, &c.CustomerPlate, &c.Vehicle, tspScan{&started}, tspScan{&ended}, &daysMilli); err != nil {
			return nil, err
		}
		c.Days = int(daysMilli / 1000)
		if started != nil {
			c.From = *started
		}
		if ended != nil {
			c.To = *ended
		}
		if c.CreditNote = invoice.Kind(kind) == invoice.KindCreditNote; c.CreditNote {
			c.NetCents, c.GrossCents, c.Days = -c.NetCents, -c.GrossCents, -c.Days
		}
		c.Month = c.IssuedAt.In(loc).Format("2006-01")
		out = append(out, c)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Programme != out[j].Programme {
			return out[i].Programme < out[j].Programme
		}
		if out[i].Month != out[j].Month {
			return out[i].Month < out[j].Month
		}
		return out[i].InvoiceNumber < out[j].InvoiceNumber
	})
	return out, nil
}
