package store

import (
	"context"
	"database/sql"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/mail"
)

var _ contract.ReceiptStore = (*Store)(nil)

// Receipts lists the receipts and reversals of a contract the actor may see,
// oldest first, each receipt with the id of its reversal. Errors:
// KindNotFound.
func (s *Store) Receipts(ctx context.Context, contractID int64) ([]contract.Receipt, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	var out []contract.Receipt
	err = s.read(ctx, func(q querier) error {
		if _, err := s.contractTx(ctx, q, sc, "c.id", contractID); err != nil {
			return err
		}
		out, err = s.receiptsTx(ctx, q, sc, contractID)
		return err
	})
	return out, err
}

func (s *Store) receiptsTx(ctx context.Context, q querier, sc scope, contractID int64) ([]contract.Receipt, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.contract_id, r.station_id, r.kind, r.reverses_id, r.method, r.amount_cents, r.reference,
		r.received_on, r.reason, r.created_by, COALESCE(u.name, ''), r.created_at, x.id, COALESCE(o.kind, '')
		FROM contract_receipts r LEFT JOIN users u ON u.id = r.created_by
		LEFT JOIN contract_receipts x ON x.tenant_id = r.tenant_id AND x.reverses_id = r.id
		LEFT JOIN contract_receipts o ON o.tenant_id = r.tenant_id AND o.id = r.reverses_id
		WHERE r.tenant_id = $1 AND r.contract_id = $2 ORDER BY r.id`, sc.tenant(), contractID)
	if err != nil {
		return nil, err
	}
	var out []contract.Receipt
	err = eachRow(rows, func() error {
		var r contract.Receipt
		if err := rows.Scan(&r.ID, &r.ContractID, &r.StationID, &r.Kind, int64Scan{&r.ReversesID}, &r.Method, &r.AmountCents, &r.Reference,
			dateScan{&r.ReceivedOn}, &r.Reason, int64Scan{&r.CreatedBy}, &r.CreatedByName, tsScan{&r.CreatedAt},
			int64Scan{&r.ReversedByID}, &r.ReversesKind); err != nil {
			return err
		}
		out = append(out, r)
		return nil
	})
	return out, err
}

// AddReceipt stores a receipt or a reversal (see contract.ReceiptStore).
// The contract row is locked (PostgreSQL) or the database write-locked
// (SQLite), so concurrent receipts never take more than owed together.
func (s *Store) AddReceipt(ctx context.Context, r *contract.Receipt, o contract.Owed, msgs []mail.Queued) (contract.Status, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return "", err
	}
	if r.Kind != contract.KindReceipt && r.Kind != contract.KindPayout && r.Kind != contract.KindReversal {
		return "", errs.Invalid("receipt.kind_unknown")
	}
	owed := o.Cents
	var status contract.Status
	err = s.write(ctx, func(tx *sql.Tx) error {
		a := args{sc.tenant(), r.ContractID}
		if err := s.dialect.lockRow(ctx, tx, `SELECT 1 FROM contracts c WHERE c.tenant_id = $1 AND c.id = $2 AND `+
			contractScope(sc, &a), a...); err != nil {
			return err
		}
		c, err := s.contractTx(ctx, tx, sc, "c.id", r.ContractID)
		if err != nil {
			return err
		}
		if c.Status != contract.StatusBilled && c.Status != contract.StatusPaymentOpen && c.Status != contract.StatusClosed {
			return errs.Conflict("not_billed_yet")
		}
		existing, err := s.receiptsTx(ctx, tx, sc, c.ID)
		if err != nil {
			return err
		}
		net := contract.NetReceipts(existing)
		action := "receipt"
		if r.Kind == contract.KindReversal {
			action = "receipt_reversal"
			var orig *contract.Receipt
			for i := range existing {
				if existing[i].ID == r.ReversesID && existing[i].Kind != contract.KindReversal {
					orig = &existing[i]
				}
			}
			if orig == nil {
				return errs.NotFound("receipt_not_found")
			}
			if orig.Reversed() {
				return errs.Conflict("receipt_reversed")
			}
			r.Method, r.AmountCents, r.Reference, r.ReversesKind = orig.Method, orig.AmountCents, orig.Reference, orig.Kind
			r.StationID = orig.StationID // the till of what it cancels
			net += r.Signed()
		} else {
			r.ReversesID = 0
			// the card side must be as the service read it (see contract.Owed)
			var last, running int64
			if err := tx.QueryRowContext(ctx, `SELECT COALESCE(max(id), 0), COALESCE(sum(CASE WHEN status IN ('pending','unknown')
				AND operation IN ('sale','token_sale','capture') THEN 1 ELSE 0 END), 0) FROM payments
				WHERE tenant_id = $1 AND reservation_id = $2`, sc.tenant(), c.ReservationID).Scan(&last, &running); err != nil {
				return mapErr(err)
			}
			if running > 0 {
				return errs.Conflict("card_charge_running")
			}
			if last != o.LastPaymentID {
				return errs.Conflict("payments_changed")
			}
			if r.Kind == contract.KindPayout {
				action = "payout"
				if net-r.AmountCents < owed {
					return errs.Conflict("payout_exceeds")
				}
			} else if net+r.AmountCents > owed {
				return errs.Conflict("receipt_exceeds")
			}
			net += r.Signed()
		}
		now := s.Now()
		if r.StationID != c.StationID && r.StationID != c.ReturnStationID {
			return errs.Invalid("error.fields_invalid", errs.Field("station", "receipt.till_contract"))
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO contract_receipts (tenant_id, contract_id, station_id, kind, reverses_id, method,
			amount_cents, reference, received_on, reason, created_by, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) RETURNING id`, sc.tenant(), c.ID, r.StationID, r.Kind, nullInt64(r.ReversesID), r.Method,
			r.AmountCents, r.Reference, dateArg(r.ReceivedOn), r.Reason, nullInt64(r.CreatedBy), ts(now)).Scan(&r.ID); err != nil {
			return mapErr(err)
		}
		r.CreatedAt = now
		after := map[string]any{"id": r.ID, "method": r.Method, "amount_cents": r.AmountCents, "reference": r.Reference,
			"received_on": r.ReceivedOn}
		if r.Kind == contract.KindReversal {
			after["reverses_id"] = r.ReversesID
		}
		if r.Reason != "" {
			after["reason"] = r.Reason
		}
		if err := s.appendAudit(ctx, tx, sc, c.StationID, "contract", c.ID, action, nil, after); err != nil {
			return err
		}
		for i := range msgs {
			if err := s.queueEmailTx(ctx, tx, sc.tenant(), &msgs[i]); err != nil {
				return err
			}
		}
		status = c.Status
		switch {
		case r.Kind == contract.KindReceipt && net >= owed && c.Status == contract.StatusPaymentOpen:
			status = contract.StatusBilled
		case r.Kind == contract.KindReversal && net < owed && c.Status == contract.StatusBilled:
			status = contract.StatusPaymentOpen
		}
		if status == c.Status {
			return s.touchContractTx(ctx, tx, sc, c.ID)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contracts SET status = $1, updated_at = $2 WHERE tenant_id = $3 AND id = $4`,
			string(status), ts(now), sc.tenant(), c.ID); err != nil {
			return mapErr(err)
		}
		if status == contract.StatusBilled {
			// as SetContractStatus: the booking of a settled contract is completed
			if _, err := tx.ExecContext(ctx, `UPDATE reservations SET status = 'completed', updated_at = $1 WHERE tenant_id = $2
				AND id = $3 AND status = 'active'`, ts(now), sc.tenant(), c.ReservationID); err != nil {
				return mapErr(err)
			}
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", c.ID, "status", map[string]string{"status": string(c.Status)},
			map[string]string{"status": string(status), "by": action})
	})
	if err != nil {
		return "", err
	}
	return status, nil
}
