package store

import (
	"context"
	"database/sql"
	"time"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	mwmail "mietwerk.dev/mietwerk/mail"
)

var _ contract.FineStore = (*Store)(nil)

const fineCols = `f.id, f.contract_id, f.kind, f.authority_name, f.authority_address, f.reference, f.offence_at, f.place,
	f.offence, f.amount_cents, f.status, f.fee_cents, COALESCE(f.fee_invoice_id, 0), f.answered_at, f.letter_sent_at,
	f.created_at, f.updated_at, c.number, v.plate, TRIM(cu.first_name || ' ' || cu.last_name)`

const fineFrom = ` FROM fines f JOIN contracts c ON c.tenant_id = f.tenant_id AND c.id = f.contract_id
	JOIN vehicles v ON v.tenant_id = c.tenant_id AND v.id = c.vehicle_id
	JOIN customers cu ON cu.tenant_id = c.tenant_id AND cu.id = c.customer_id`

func scanFine(row interface{ Scan(...any) error }) (contract.Fine, error) {
	var f contract.Fine
	err := row.Scan(&f.ID, &f.ContractID, &f.Kind, &f.AuthorityName, &f.AuthorityAddress, &f.Reference, tsScan{&f.OffenceAt},
		&f.Place, &f.Offence, &f.AmountCents, &f.Status, &f.FeeCents, &f.FeeInvoiceID, tspScan{&f.AnsweredAt},
		tspScan{&f.LetterSentAt}, tsScan{&f.CreatedAt}, tsScan{&f.UpdatedAt}, &f.ContractNumber, &f.Plate, &f.CustomerName)
	return f, err
}

// fineAudit is what the audit log keeps of a fine.
func fineAudit(f contract.Fine) map[string]any {
	return map[string]any{"fine_id": f.ID, "kind": f.Kind, "authority": f.AuthorityName, "reference": f.Reference,
		"offence_at": f.OffenceAt, "amount_cents": f.AmountCents, "status": f.Status, "fee_cents": f.FeeCents}
}

// CreateFine stores a validated fine on a contract the actor may see,
// audited on the contract. Errors: KindNotFound, KindInvalid on
// "reference" for a reference the contract has already.
func (s *Store) CreateFine(ctx context.Context, f *contract.Fine) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	now := s.Now()
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.contractTx(ctx, tx, sc, "c.id", f.ContractID)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `INSERT INTO fines (tenant_id, contract_id, kind, authority_name, authority_address,
			reference, offence_at, place, offence, amount_cents, status, created_at, updated_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$12) RETURNING id`,
			sc.tenant(), c.ID, f.Kind, f.AuthorityName, f.AuthorityAddress, f.Reference, ts(f.OffenceAt), f.Place, f.Offence,
			f.AmountCents, f.Status, ts(now)).Scan(&f.ID)
		if classify(err) == dbErrUnique {
			return errs.Invalid("error.fields_invalid", errs.Field("reference", "fine.reference_taken"))
		}
		if err != nil {
			return mapErr(err)
		}
		f.CreatedAt, f.UpdatedAt, f.ContractNumber = now, now, c.Number
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", c.ID, "fine", nil, fineAudit(*f))
	})
}

// fineTx reads one fine whose contract the actor may see.
func (s *Store) fineTx(ctx context.Context, q querier, sc scope, id int64) (contract.Fine, error) {
	a := args{sc.tenant(), id}
	f, err := scanFine(q.QueryRowContext(ctx, `SELECT `+fineCols+fineFrom+`
		WHERE f.tenant_id = $1 AND f.id = $2 AND `+contractScope(sc, &a), a...))
	return f, notFound(err, "fine_not_found")
}

// Fine returns a fine whose contract the actor may see. Errors: KindNotFound.
func (s *Store) Fine(ctx context.Context, id int64) (contract.Fine, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return contract.Fine{}, err
	}
	var f contract.Fine
	err = s.read(ctx, func(q querier) error {
		f, err = s.fineTx(ctx, q, sc, id)
		return err
	})
	return f, err
}

// ListFines lists the fines the actor may see, newest offence first.
func (s *Store) ListFines(ctx context.Context, ff contract.FineFilter) ([]contract.Fine, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant()}
	where := `f.tenant_id = $1 AND ` + contractScope(sc, &a)
	if ff.ContractID != 0 {
		where += ` AND f.contract_id = ` + a.add(ff.ContractID)
	}
	limit := ff.Limit
	if limit <= 0 || limit > 500 {
		limit = 500
	}
	var out []contract.Fine
	err = s.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT `+fineCols+fineFrom+` WHERE `+where+`
			ORDER BY f.offence_at DESC, f.id DESC LIMIT `+a.add(limit), a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			f, err := scanFine(rows)
			if err != nil {
				return err
			}
			out = append(out, f)
		}
		return rows.Err()
	})
	return out, err
}

// MarkFineAnswered moves a recorded fine to answered, audited; a fine
// answered before is left as it is. Errors: KindNotFound.
func (s *Store) MarkFineAnswered(ctx context.Context, id int64, at time.Time) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		f, err := s.fineTx(ctx, tx, sc, id)
		if err != nil || f.AnsweredAt != nil {
			return err
		}
		status := f.Status
		if status == contract.FineRecorded {
			status = contract.FineAnswered
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fines SET status = $1, answered_at = $2, updated_at = $2
			WHERE tenant_id = $3 AND id = $4`, status, ts(at), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		before := fineAudit(f)
		f.Status = status
		return s.appendAudit(ctx, tx, sc, 0, "contract", f.ContractID, "fine_answered", before, fineAudit(f))
	})
}

// FineLetterSent records that the letter was e-mailed and queues msgs,
// audited. Errors: KindNotFound.
func (s *Store) FineLetterSent(ctx context.Context, id int64, at time.Time, msgs []mwmail.Queued) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		f, err := s.fineTx(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE fines SET letter_sent_at = $1, updated_at = $1 WHERE tenant_id = $2 AND id = $3`,
			ts(at), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		for i := range msgs {
			if err := s.queueEmailTx(ctx, tx, sc.tenant(), &msgs[i]); err != nil {
				return err
			}
		}
		return s.appendAudit(ctx, tx, sc, 0, "contract", f.ContractID, "fine_letter", nil, fineAudit(f))
	})
}

// ClaimFineFee takes the fee of a fine not yet charged for the caller
// until until, unless another request holds it.
func (s *Store) ClaimFineFee(ctx context.Context, id int64, now, until time.Time) (bool, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return false, err
	}
	var ok bool
	err = s.write(ctx, func(tx *sql.Tx) error {
		if _, err := s.fineTx(ctx, tx, sc, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `UPDATE fines SET fee_claimed_until = $1 WHERE tenant_id = $2 AND id = $3
			AND fee_invoice_id IS NULL AND (fee_claimed_until IS NULL OR fee_claimed_until <= $4)`,
			ts(until), sc.tenant(), id, ts(now))
		if err != nil {
			return mapErr(err)
		}
		n, err := res.RowsAffected()
		ok = n == 1
		return err
	})
	return ok, err
}

// ReleaseFineFee ends a claim on a fine's fee.
func (s *Store) ReleaseFineFee(ctx context.Context, id int64) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE fines SET fee_claimed_until = NULL WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id)
		return mapErr(err)
	})
}

// IssueFineFee issues the fee's invoice and marks the fine fee_charged
// with it, audited, in one transaction. Errors: KindConflict
// "fine_fee_charged" when the fine has a fee invoice already.
func (s *Store) IssueFineFee(ctx context.Context, id int64, fee int64, req invoice.IssueRequest) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		f, err := s.fineTx(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if f.FeeInvoiceID != 0 {
			return errs.Conflict("fine_fee_charged")
		}
		if err := s.issueTx(ctx, tx, sc, req, nil); err != nil {
			return err
		}
		now := s.Now()
		if _, err := tx.ExecContext(ctx, `UPDATE fines SET status = $1, fee_cents = $2, fee_invoice_id = $3,
			fee_claimed_until = NULL, updated_at = $4 WHERE tenant_id = $5 AND id = $6`,
			contract.FineFeeCharged, fee, req.Issued.ID, ts(now), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		before := fineAudit(f)
		f.Status, f.FeeCents = contract.FineFeeCharged, fee
		after := fineAudit(f)
		after["invoice"] = req.Issued.Invoice.Number
		after["means"] = req.Issued.Invoice.Payment.Means
		return s.appendAudit(ctx, tx, sc, 0, "contract", f.ContractID, "fine_fee", before, after)
	})
}
