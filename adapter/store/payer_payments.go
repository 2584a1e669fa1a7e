package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
)

var _ contract.ReceivableStore = (*Store)(nil)

// Receivables lists payer documents with what was paid and credited (see
// contract.ReceivableStore).
func (s *Store) Receivables(ctx context.Context, f contract.ReceivableFilter) ([]contract.Receivable, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	var out []contract.Receivable
	err = s.read(ctx, func(q querier) error {
		out, err = s.receivablesTx(ctx, q, sc, f)
		return err
	})
	return out, err
}

func (s *Store) receivablesTx(ctx context.Context, q querier, sc scope, f contract.ReceivableFilter) ([]contract.Receivable, error) {
	a := args{sc.tenant()}
	where := `i.tenant_id = $1 AND i.payer_id IS NOT NULL AND i.kind <> 'credit_note' AND NOT i.test AND ` + sc.invoices(&a)
	if f.ContractID != 0 {
		where += ` AND i.contract_id = ` + a.add(f.ContractID)
	}
	if f.PayerID != 0 {
		where += ` AND i.payer_id = ` + a.add(f.PayerID)
	}
	if f.InvoiceID != 0 {
		where += ` AND i.id = ` + a.add(f.InvoiceID)
	}
	if f.Number != "" {
		where += ` AND i.number = ` + a.add(f.Number)
	}
	rows, err := q.QueryContext(ctx, `SELECT i.id, i.kind, i.number, i.issued_at, i.reservation_id, i.contract_id, i.customer_id,
		i.gross_cents, i.due_cents, i.payment, i.payer_id, COALESCE(p.name, ''), COALESCE(c.number, ''), COALESCE(i.station_id, 0),
		COALESCE((SELECT sum(CASE WHEN x.kind = 'transfer' THEN x.amount_cents ELSE -x.amount_cents END) FROM payer_payments x
			WHERE x.tenant_id = i.tenant_id AND x.invoice_id = i.id), 0),
		COALESCE((SELECT sum(g.gross_cents) FROM invoices g WHERE g.tenant_id = i.tenant_id AND g.corrects_id = i.id
			AND g.kind = 'credit_note'), 0)
		FROM invoices i LEFT JOIN payers p ON p.tenant_id = i.tenant_id AND p.id = i.payer_id
		LEFT JOIN contracts c ON c.tenant_id = i.tenant_id AND c.id = i.contract_id
		WHERE `+where+` ORDER BY i.id`, a...)
	if err != nil {
		return nil, err
	}
	var out []contract.Receivable
	err = eachRow(rows, func() error {
		var r contract.Receivable
		var pay sql.NullString
		if err := rows.Scan(&r.ID, &r.Kind, &r.Number, tsScan{&r.IssuedAt}, int64Scan{&r.ReservationID}, int64Scan{&r.ContractID},
			&r.CustomerID, &r.Gross, &r.Due, &pay, int64Scan{&r.PayerID}, &r.PayerName, &r.ContractNumber, &r.StationID,
			&r.Paid, &r.Credited); err != nil {
			return err
		}
		if pay.Valid {
			if err := json.Unmarshal([]byte(pay.String), &r.Payment); err != nil {
				return fmt.Errorf("invoice %s payment: %w", r.Number, err)
			}
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// PayerPayments lists the entries against the payer documents of a
// contract, oldest first, each transfer with its reversal.
func (s *Store) PayerPayments(ctx context.Context, contractID int64) ([]contract.PayerPayment, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	var out []contract.PayerPayment
	err = s.read(ctx, func(q querier) error {
		if _, err := s.contractTx(ctx, q, sc, "c.id", contractID); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT x.id, x.invoice_id, x.kind, x.reverses_id, x.amount_cents, x.received_on, x.reference,
			x.reason, x.created_by_name, x.created_at, r.id
			FROM payer_payments x JOIN invoices i ON i.tenant_id = x.tenant_id AND i.id = x.invoice_id
			LEFT JOIN payer_payments r ON r.tenant_id = x.tenant_id AND r.reverses_id = x.id
			WHERE x.tenant_id = $1 AND i.contract_id = $2 ORDER BY x.id`, sc.tenant(), contractID)
		if err != nil {
			return err
		}
		return eachRow(rows, func() error {
			var p contract.PayerPayment
			if err := rows.Scan(&p.ID, &p.InvoiceID, &p.Kind, int64Scan{&p.ReversesID}, &p.AmountCents, dateScan{&p.ReceivedOn},
				&p.Reference, &p.Reason, &p.CreatedByName, tsScan{&p.CreatedAt}, int64Scan{&p.ReversedByID}); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// AddPayerPayment stores a transfer or a reversal (see
// contract.ReceivableStore). The document's row is locked (PostgreSQL) or
// the database write-locked (SQLite), so two transfers entered at once
// never take more than is open together.
func (s *Store) AddPayerPayment(ctx context.Context, p *contract.PayerPayment) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if p.Kind != contract.PayerTransfer && p.Kind != contract.PayerReversal {
		return errs.Invalid("payer_payment.kind")
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		a := args{sc.tenant(), p.InvoiceID}
		if err := s.dialect.lockRow(ctx, tx, `SELECT 1 FROM invoices i WHERE i.tenant_id = $1 AND i.id = $2 AND `+sc.invoices(&a), a...); err != nil {
			return notFound(err, "invoice_not_found")
		}
		docs, err := s.receivablesTx(ctx, tx, sc, contract.ReceivableFilter{InvoiceID: p.InvoiceID})
		if err != nil {
			return err
		}
		if len(docs) != 1 {
			return errs.NotFound("invoice_not_found")
		}
		doc := docs[0]
		action := "payer_payment"
		if p.Kind == contract.PayerReversal {
			action = "payer_payment_reversal"
			var amount int64
			var ref string
			var reversed sql.NullInt64
			err := tx.QueryRowContext(ctx, `SELECT x.amount_cents, x.reference, r.id FROM payer_payments x
				LEFT JOIN payer_payments r ON r.tenant_id = x.tenant_id AND r.reverses_id = x.id
				WHERE x.tenant_id = $1 AND x.id = $2 AND x.invoice_id = $3 AND x.kind = 'transfer'`,
				sc.tenant(), p.ReversesID, p.InvoiceID).Scan(&amount, &ref, &reversed)
			if err != nil {
				return notFound(err, "payer_payment.not_found")
			}
			if reversed.Valid {
				return errs.Conflict("payer_payment.reversed")
			}
			p.AmountCents, p.Reference = amount, ref
		} else {
			p.ReversesID = 0
			if open := doc.Due - doc.Paid - doc.Credited; p.AmountCents > open {
				return errs.Conflict("payer_payment.exceeds_now")
			}
		}
		now := s.Now()
		if err := tx.QueryRowContext(ctx, `INSERT INTO payer_payments (tenant_id, invoice_id, kind, reverses_id, amount_cents,
			received_on, reference, reason, created_by, created_by_name, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11)
			RETURNING id`, sc.tenant(), p.InvoiceID, p.Kind, nullInt64(p.ReversesID), p.AmountCents, p.ReceivedOn, p.Reference,
			p.Reason, nullInt64(sc.a.UserID), sc.a.Name, ts(now)).Scan(&p.ID); err != nil {
			return mapErr(err)
		}
		p.CreatedAt, p.CreatedByName = now, sc.a.Name
		after := map[string]any{"id": p.ID, "invoice_id": p.InvoiceID, "number": doc.Number, "amount_cents": p.AmountCents,
			"reference": p.Reference, "received_on": p.ReceivedOn, "payer": doc.PayerName}
		if p.Kind == contract.PayerReversal {
			after["reverses_id"], after["reason"] = p.ReversesID, p.Reason
		}
		if doc.ContractID == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, sc, doc.StationID, "contract", doc.ContractID, action, nil, after)
	})
}
