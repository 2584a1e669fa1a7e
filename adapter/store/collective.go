package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/payer"
)

// Uncollected returns, by return time, the contracts whose rental payer
// payerID covers (a payer split), billed (billed or payment open), returned
// in [from, to) and not yet on a collective invoice of that payer. Admins
// only. Errors: KindForbidden.
func (s *Store) Uncollected(ctx context.Context, payerID int64, from, to time.Time) ([]int64, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.requireAdmin(); err != nil {
		return nil, err
	}
	var ids []int64
	err = s.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT c.id FROM contracts c
			JOIN reservations r ON r.tenant_id = c.tenant_id AND r.id = c.reservation_id
			JOIN reservation_covers rc ON rc.tenant_id = c.tenant_id AND rc.reservation_id = c.reservation_id
			WHERE c.tenant_id = $1 AND rc.payer_id = $2 AND rc.mode = $3 AND c.status IN ($4, $5) AND NOT r.test
			AND c.ended_at >= $6 AND c.ended_at < $7
			AND NOT EXISTS (SELECT 1 FROM collective_items ci WHERE ci.tenant_id = c.tenant_id AND ci.contract_id = c.id
				AND ci.payer_id = rc.payer_id)
			ORDER BY c.ended_at, c.id`, sc.tenant(), payerID, payer.ModePayer, string(contract.StatusBilled),
			string(contract.StatusPaymentOpen), ts(from), ts(to))
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return rows.Err()
	})
	return ids, err
}

// CollectiveInvoiceOf returns the collective invoice that billed contract
// id's rental to its payer and the payer's share on it; ok false while
// none has. Station users see those of their stations' contracts.
func (s *Store) CollectiveInvoiceOf(ctx context.Context, id int64) (sum invoice.Summary, grossCents int64, ok bool, err error) {
	if _, err = s.Contract(ctx, id); err != nil { // scoped: the actor may see the contract
		return sum, 0, false, err
	}
	sc, err := tenantScope(ctx)
	if err != nil {
		return sum, 0, false, err
	}
	err = s.read(ctx, func(q querier) error {
		return q.QueryRowContext(ctx, `SELECT i.id, i.number, i.issued_at, i.payer_id, i.gross_cents, ci.gross_cents
			FROM collective_items ci JOIN invoices i ON i.tenant_id = ci.tenant_id AND i.id = ci.invoice_id
			WHERE ci.tenant_id = $1 AND ci.contract_id = $2 ORDER BY i.id LIMIT 1`, sc.tenant(), id).
			Scan(&sum.ID, &sum.Number, tsScan{&sum.IssuedAt}, &sum.PayerID, &sum.Gross, &grossCents)
	})
	if errors.Is(err, sql.ErrNoRows) {
		return invoice.Summary{}, 0, false, nil
	}
	sum.Kind = invoice.KindStandalone
	return sum, grossCents, err == nil, err
}

// CollectiveInvoices returns the collective invoices of payer payerID,
// newest first, each with the number of rentals it bills (Rentals).
// Admins only. Errors: KindForbidden.
func (s *Store) CollectiveInvoices(ctx context.Context, payerID int64) ([]contract.CollectiveInvoice, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.requireAdmin(); err != nil {
		return nil, err
	}
	var out []contract.CollectiveInvoice
	err = s.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT i.id, i.number, i.issued_at, i.gross_cents, count(*)
			FROM invoices i JOIN collective_items ci ON ci.tenant_id = i.tenant_id AND ci.invoice_id = i.id
			WHERE i.tenant_id = $1 AND i.payer_id = $2 GROUP BY i.id, i.number, i.issued_at, i.gross_cents
			ORDER BY i.id DESC`, sc.tenant(), payerID)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var c contract.CollectiveInvoice
			if err := rows.Scan(&c.ID, &c.Number, tsScan{&c.IssuedAt}, &c.Gross, &c.Rentals); err != nil {
				return err
			}
			c.PayerID = payerID
			out = append(out, c)
		}
		return rows.Err()
	})
	return out, err
}
