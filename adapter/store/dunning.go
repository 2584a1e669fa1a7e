package store

import (
	"context"
	"database/sql"
	"fmt"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/mail"
)

var _ contract.DunningStore = (*Store)(nil)

// DunningSettings returns the tenant's dunning rules (the defaults when it
// set none).
func (s *Store) DunningSettings(ctx context.Context) (contract.DunningSettings, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return contract.DunningSettings{}, err
	}
	d := contract.DefaultDunningSettings()
	l := &d.Levels
	err = s.db.QueryRowContext(ctx, `SELECT days_1, days_2, days_3, fee_1, fee_2, fee_3, text_1, text_2, text_3, term_days
		FROM dunning_settings WHERE tenant_id = $1`, sc.tenant()).Scan(&l[0].Days, &l[1].Days, &l[2].Days,
		&l[0].FeeCents, &l[1].FeeCents, &l[2].FeeCents, &l[0].Text, &l[1].Text, &l[2].Text, &d.TermDays)
	if err == sql.ErrNoRows {
		return contract.DefaultDunningSettings(), nil
	}
	return d, err
}

// SaveDunningSettings stores the tenant's dunning rules, audited.
func (s *Store) SaveDunningSettings(ctx context.Context, d contract.DunningSettings) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	before, err := s.DunningSettings(ctx)
	if err != nil {
		return err
	}
	l := d.Levels
	return s.write(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM dunning_settings WHERE tenant_id = $1`, sc.tenant()); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO dunning_settings (tenant_id, days_1, days_2, days_3, fee_1, fee_2, fee_3,
			text_1, text_2, text_3, term_days, updated_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12)`, sc.tenant(),
			l[0].Days, l[1].Days, l[2].Days, l[0].FeeCents, l[1].FeeCents, l[2].FeeCents, l[0].Text, l[1].Text, l[2].Text,
			d.TermDays, ts(s.Now())); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, 0, "tenant", sc.tenant(), "dunning_settings", before, d)
	})
}

const noticeCols = `n.id, n.invoice_id, n.payer_id, n.level, n.number, n.run_day, n.open_cents, n.fee_cents, n.fees_cents, n.due_on,
	n.to_addr, n.filename, n.sha256, n.created_by_name, n.created_at, i.number, COALESCE(p.name, '')`

func scanNotice(row interface{ Scan(...any) error }, n *contract.DunningNotice, extra ...any) error {
	return row.Scan(append([]any{&n.ID, &n.InvoiceID, &n.PayerID, &n.Level, &n.Number, dateScan{&n.RunDay}, &n.OpenCents,
		&n.FeeCents, &n.FeesCents, dateScan{&n.DueOn}, &n.To, &n.Filename, &n.SHA256, &n.ByName, tsScan{&n.CreatedAt},
		&n.InvoiceNumber, &n.PayerName}, extra...)...)
}

// DunningNotices lists the notices the actor may see (of one document;
// 0: all), oldest first, without their PDFs.
func (s *Store) DunningNotices(ctx context.Context, invoiceID int64) ([]contract.DunningNotice, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	a := args{sc.tenant()}
	where := `n.tenant_id = $1 AND ` + sc.invoices(&a)
	if invoiceID != 0 {
		where += ` AND n.invoice_id = ` + a.add(invoiceID)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+noticeCols+` FROM dunning_notices n
		JOIN invoices i ON i.tenant_id = n.tenant_id AND i.id = n.invoice_id
		LEFT JOIN payers p ON p.tenant_id = n.tenant_id AND p.id = n.payer_id WHERE `+where+` ORDER BY n.id`, a...)
	if err != nil {
		return nil, err
	}
	var out []contract.DunningNotice
	err = eachRow(rows, func() error {
		var n contract.DunningNotice
		if err := scanNotice(rows, &n); err != nil {
			return err
		}
		out = append(out, n)
		return nil
	})
	return out, err
}

// DunningNotice returns a notice with its PDF. Errors: KindNotFound.
func (s *Store) DunningNotice(ctx context.Context, id int64) (contract.DunningNotice, error) {
	var n contract.DunningNotice
	sc, err := tenantScope(ctx)
	if err != nil {
		return n, err
	}
	a := args{sc.tenant(), id}
	err = scanNotice(s.db.QueryRowContext(ctx, `SELECT `+noticeCols+`, n.pdf FROM dunning_notices n
		JOIN invoices i ON i.tenant_id = n.tenant_id AND i.id = n.invoice_id
		LEFT JOIN payers p ON p.tenant_id = n.tenant_id AND p.id = n.payer_id
		WHERE n.tenant_id = $1 AND n.id = $2 AND `+sc.invoices(&a), a...), &n, &n.PDF)
	if err != nil {
		return n, notFound(err, "dunning.not_found")
	}
	return n, nil
}

// AddDunningNotice numbers, stores and mails a notice (see
// contract.DunningStore). The document's row is locked (PostgreSQL) or
// the database write-locked (SQLite): two runs at once issue a level once.
func (s *Store) AddDunningNotice(ctx context.Context, n *contract.DunningNotice, msgs func(contract.DunningNotice) ([]mail.Queued, error)) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		a := args{sc.tenant(), n.InvoiceID}
		if err := s.dialect.lockRow(ctx, tx, `SELECT 1 FROM invoices i WHERE i.tenant_id = $1 AND i.id = $2 AND `+sc.invoices(&a), a...); err != nil {
			return notFound(err, "invoice_not_found")
		}
		var have int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM dunning_notices WHERE tenant_id = $1 AND invoice_id = $2 AND level >= $3`,
			sc.tenant(), n.InvoiceID, n.Level).Scan(&have); err != nil {
			return mapErr(err)
		}
		if have > 0 {
			return errs.Conflict("dunning.issued")
		}
		var contractID, stationID int64
		if err := tx.QueryRowContext(ctx, `SELECT number, COALESCE(contract_id, 0), COALESCE(station_id, 0) FROM invoices
			WHERE tenant_id = $1 AND id = $2`, sc.tenant(), n.InvoiceID).Scan(&n.InvoiceNumber, &contractID, &stationID); err != nil {
			return mapErr(err)
		}
		prefix := "MA-" + n.RunDay[:4] + "-"
		var count int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM dunning_notices WHERE tenant_id = $1 AND number LIKE $2`,
			sc.tenant(), prefix+"%").Scan(&count); err != nil {
			return mapErr(err)
		}
		n.Number = fmt.Sprintf("%s%06d", prefix, count+1)
		qs, err := msgs(*n)
		if err != nil {
			return err
		}
		if len(n.PDF) == 0 {
			return fmt.Errorf("dunning notice %s: no PDF", n.Number)
		}
		now := s.Now()
		n.CreatedAt, n.ByName = now, sc.a.Name
		if len(qs) == 0 {
			n.To = ""
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO dunning_notices (tenant_id, invoice_id, payer_id, level, number, run_day,
			open_cents, fee_cents, fees_cents, due_on, to_addr, filename, sha256, pdf, created_by_name, created_at)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) RETURNING id`, sc.tenant(), n.InvoiceID, n.PayerID,
			n.Level, n.Number, n.RunDay, n.OpenCents, n.FeeCents, n.FeesCents, n.DueOn, n.To, n.Filename, n.SHA256, n.PDF,
			n.ByName, ts(now)).Scan(&n.ID); err != nil {
			return mapErr(err)
		}
		for i := range qs {
			if err := s.queueEmailTx(ctx, tx, sc.tenant(), &qs[i]); err != nil {
				return err
			}
		}
		if contractID == 0 {
			return nil
		}
		return s.appendAudit(ctx, tx, sc, stationID, "contract", contractID, "dunning_notice", nil, map[string]any{
			"id": n.ID, "number": n.Number, "invoice": n.InvoiceNumber, "level": n.Level, "open_cents": n.OpenCents,
			"fee_cents": n.FeeCents, "due_on": n.DueOn, "to": n.To})
	})
}

// DunningBlocks lists the tenant's blocks.
func (s *Store) DunningBlocks(ctx context.Context) ([]contract.DunningBlock, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT b.id, b.payer_id, COALESCE(b.invoice_id, 0), b.reason, b.created_by_name, b.created_at,
		COALESCE(p.name, ''), COALESCE(i.number, '') FROM dunning_blocks b
		LEFT JOIN payers p ON p.tenant_id = b.tenant_id AND p.id = b.payer_id
		LEFT JOIN invoices i ON i.tenant_id = b.tenant_id AND i.id = b.invoice_id
		WHERE b.tenant_id = $1 ORDER BY p.name, b.id`, sc.tenant())
	if err != nil {
		return nil, err
	}
	var out []contract.DunningBlock
	err = eachRow(rows, func() error {
		var b contract.DunningBlock
		if err := rows.Scan(&b.ID, &b.PayerID, &b.InvoiceID, &b.Reason, &b.ByName, tsScan{&b.CreatedAt}, &b.PayerName, &b.InvoiceNumber); err != nil {
			return err
		}
		out = append(out, b)
		return nil
	})
	return out, err
}

// SetDunningBlock stores a Mahnsperre, audited on the tenant.
func (s *Store) SetDunningBlock(ctx context.Context, b *contract.DunningBlock) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		now := s.Now()
		err := tx.QueryRowContext(ctx, `INSERT INTO dunning_blocks (tenant_id, payer_id, invoice_id, reason, created_by_name, created_at)
			VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`, sc.tenant(), b.PayerID, nullInt64(b.InvoiceID), b.Reason, sc.a.Name, ts(now)).Scan(&b.ID)
		if errs.Is(mapErr(err), errs.KindConflict) {
			return errs.Conflict("dunning.blocked")
		}
		if err != nil {
			return mapErr(err)
		}
		b.CreatedAt, b.ByName = now, sc.a.Name
		return s.appendAudit(ctx, tx, sc, 0, "tenant", sc.tenant(), "dunning_block", nil,
			map[string]any{"id": b.ID, "payer_id": b.PayerID, "invoice_id": b.InvoiceID, "reason": b.Reason})
	})
}

// LiftDunningBlock removes a Mahnsperre, audited on the tenant.
func (s *Store) LiftDunningBlock(ctx context.Context, id int64) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		var b contract.DunningBlock
		if err := tx.QueryRowContext(ctx, `SELECT payer_id, COALESCE(invoice_id, 0), reason FROM dunning_blocks WHERE tenant_id = $1 AND id = $2`,
			sc.tenant(), id).Scan(&b.PayerID, &b.InvoiceID, &b.Reason); err != nil {
			return notFound(err, "dunning.block_not_found")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM dunning_blocks WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		return s.appendAudit(ctx, tx, sc, 0, "tenant", sc.tenant(), "dunning_block_lifted",
			map[string]any{"id": id, "payer_id": b.PayerID, "invoice_id": b.InvoiceID, "reason": b.Reason}, nil)
	})
}
