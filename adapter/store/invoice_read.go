package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"mietwerk.dev/mietwerk/invoice"
)

// IssuedInvoice returns an issued invoice or credit note exactly as stored:
// kind, number, issue time, service period, the supplier and recipient
// snapshots and the lines, with Corrects set for a credit note and, for a
// final invoice, Advances rebuilt from the advance invoices of the same
// reservation issued before it (per-rate totals from their stored lines).
// Totals is recomputed with invoice.Compute and must equal the stored
// totals, or the call fails (KindInternal) rather than return a document
// that differs from the issued one. Station users see only invoices of their
// stations. Errors: KindNotFound outside the actor's reach.
func (s *Store) IssuedInvoice(ctx context.Context, id int64) (invoice.Issued, error) {
	var iss invoice.Issued
	sc, err := tenantScope(ctx)
	if err != nil {
		return iss, err
	}
	a := args{sc.tenant(), id}
	var recipient, supplier string
	var pay sql.NullString
	var net, vat, gross, deducted, due int64
	var sfrom, sto *time.Time
	err = s.db.QueryRowContext(ctx, `SELECT i.id, i.station_id, i.kind, i.number, i.reservation_id, i.contract_id, i.customer_id,
		i.corrects_id, i.issued_at, i.service_from, i.service_to, i.currency, i.net_cents, i.vat_cents, i.gross_cents,
		i.deducted_cents, i.due_cents, i.language, i.recipient, i.supplier, i.payment, i.note, i.payer_id
		FROM invoices i WHERE i.tenant_id = $1 AND i.id = $2 AND `+sc.invoices(&a), a...).Scan(
		&iss.ID, int64Scan{&iss.StationID}, &iss.Invoice.Kind, &iss.Invoice.Number, int64Scan{&iss.ReservationID},
		int64Scan{&iss.ContractID}, &iss.CustomerID, int64Scan{&iss.CorrectsID}, tsScan{&iss.IssuedAt},
		tspScan{&sfrom}, tspScan{&sto}, &iss.Invoice.Currency, &net, &vat, &gross, &deducted, &due, &iss.Language,
		&recipient, &supplier, &pay, &iss.Invoice.Note, int64Scan{&iss.PayerID})
	if err != nil {
		return iss, notFound(err, "invoice_not_found")
	}
	if iss.PaymentUnknown = !pay.Valid; pay.Valid {
		if err := json.Unmarshal([]byte(pay.String), &iss.Invoice.Payment); err != nil {
			return iss, fmt.Errorf("invoice %d payment: %w", id, err)
		}
	}
	iss.TenantID = sc.tenant()
	iss.Invoice.IssueDate = iss.IssuedAt
	if sfrom != nil && sto != nil {
		iss.Invoice.ServicePeriod = invoice.Period{From: *sfrom, To: *sto}
	}
	if err := json.Unmarshal([]byte(recipient), &iss.Invoice.Recipient); err != nil {
		return iss, fmt.Errorf("invoice %d recipient: %w", id, err)
	}
	if err := json.Unmarshal([]byte(supplier), &iss.Invoice.Supplier); err != nil {
		return iss, fmt.Errorf("invoice %d supplier: %w", id, err)
	}
	if iss.Invoice.Lines, err = s.invoiceLines(ctx, sc.tenant(), iss.ID); err != nil {
		return iss, err
	}
	if iss.CorrectsID != 0 {
		ref := &invoice.Reference{}
		if err := s.db.QueryRowContext(ctx, `SELECT number, issued_at FROM invoices WHERE tenant_id = $1 AND id = $2`,
			sc.tenant(), iss.CorrectsID).Scan(&ref.Number, tsScan{&ref.IssueDate}); err != nil {
			return iss, notFound(err, "invoice_not_found")
		}
		iss.Invoice.Corrects = ref
	}
	if iss.Invoice.Kind == invoice.KindFinal && iss.ReservationID != 0 {
		rows, err := s.db.QueryContext(ctx, `SELECT id, number, issued_at FROM invoices WHERE tenant_id = $1
			AND reservation_id = $2 AND kind = 'advance' AND id < $3 ORDER BY id`, sc.tenant(), iss.ReservationID, iss.ID)
		if err != nil {
			return iss, err
		}
		type adv struct {
			id  int64
			adv invoice.Advance
		}
		var advs []adv
		for rows.Next() {
			var x adv
			if err := rows.Scan(&x.id, &x.adv.Number, tsScan{&x.adv.IssueDate}); err != nil {
				rows.Close()
				return iss, err
			}
			advs = append(advs, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return iss, err
		}
		for _, x := range advs {
			lines, err := s.invoiceLines(ctx, sc.tenant(), x.id)
			if err != nil {
				return iss, err
			}
			x.adv.Rates = invoice.Compute(invoice.Invoice{Kind: invoice.KindAdvance, Lines: lines}).Rates
			iss.Invoice.Advances = append(iss.Invoice.Advances, x.adv)
		}
	}
	iss.Totals = invoice.Compute(iss.Invoice)
	t := iss.Totals
	if t.Net != net || t.VAT != vat || t.Gross != gross || t.DeductedGross != deducted || t.Due != due {
		return iss, fmt.Errorf("invoice %s: stored totals do not match its lines and advances",
			iss.Invoice.Number)
	}
	return iss, nil
}

// invoiceLines returns the stored lines of an invoice in position order.
func (s *Store) invoiceLines(ctx context.Context, tenantID, invoiceID int64) ([]invoice.Line, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT description, quantity_milli, unit, unit_gross_cents, vat_rate_bp, kind, tax_category
		FROM invoice_lines WHERE tenant_id = $1 AND invoice_id = $2 ORDER BY position`, tenantID, invoiceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []invoice.Line
	for rows.Next() {
		var l invoice.Line
		var cat string
		if err := rows.Scan(&l.Description, &l.QuantityMilli, &l.Unit, &l.UnitGross, &l.VATRateBP, &l.Kind, &cat); err != nil {
			return nil, err
		}
		if cat != "S" {
			l.TaxCategory = invoice.TaxCategory(cat)
		}
		if l.Kind == "other" {
			l.Kind = ""
		}
		out = append(out, l)
	}
	return out, rows.Err()
}
