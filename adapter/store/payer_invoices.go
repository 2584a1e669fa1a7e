package store

import (
	"context"
	"database/sql"

	"mietwerk.dev/mietwerk/contract"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/mail"
)

var _ contract.PayerBook = (*Store)(nil)

// PayerSends lists the e-mails of the payer documents of a contract the
// actor may see, oldest first (see contract.PayerBook).
func (s *Store) PayerSends(ctx context.Context, contractID int64) ([]contract.PayerSend, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	var out []contract.PayerSend
	err = s.read(ctx, func(q querier) error {
		if _, err := s.contractTx(ctx, q, sc, "c.id", contractID); err != nil {
			return err
		}
		rows, err := q.QueryContext(ctx, `SELECT p.invoice_id, p.to_addr, p.sent_at, p.actor_name FROM payer_invoice_sends p
			JOIN invoices i ON i.tenant_id = p.tenant_id AND i.id = p.invoice_id
			WHERE p.tenant_id = $1 AND i.contract_id = $2 ORDER BY p.id`, sc.tenant(), contractID)
		if err != nil {
			return err
		}
		return eachRow(rows, func() error {
			var p contract.PayerSend
			if err := rows.Scan(&p.InvoiceID, &p.To, tsScan{&p.At}, &p.ByName); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// SendPayerInvoice queues q and records the send of a payer document,
// audit-logged on the contract (see contract.PayerBook).
func (s *Store) SendPayerInvoice(ctx context.Context, contractID, invoiceID int64, q mail.Queued) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		c, err := s.contractTx(ctx, tx, sc, "c.id", contractID)
		if err != nil {
			return err
		}
		var number string
		if err := tx.QueryRowContext(ctx, `SELECT number FROM invoices WHERE tenant_id = $1 AND id = $2 AND contract_id = $3
			AND payer_id IS NOT NULL`, sc.tenant(), invoiceID, c.ID).Scan(&number); err != nil {
			return notFound(err, "invoice_not_found")
		}
		if err := s.queueEmailTx(ctx, tx, sc.tenant(), &q); err != nil {
			return err
		}
		if err := s.payerSendTx(ctx, tx, sc, invoiceID, q); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, sc, c.StationID, "contract", c.ID, "payer_invoice_sent", nil,
			map[string]any{"invoice_id": invoiceID, "number": number, "to": q.Message.To.Email})
	})
}

// payerSendTx records that queued message q sends payer document invoiceID.
func (s *Store) payerSendTx(ctx context.Context, tx *sql.Tx, sc scope, invoiceID int64, q mail.Queued) error {
	if q.Message.To.Email == "" {
		return errs.Invalid("payer.no_email")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO payer_invoice_sends (tenant_id, invoice_id, email_id, to_addr, sent_at, actor_name)
		VALUES ($1,$2,$3,$4,$5,$6)`, sc.tenant(), invoiceID, nullInt64(q.ID), q.Message.To.Email, ts(s.Now()), sc.a.Name)
	return mapErr(err)
}
