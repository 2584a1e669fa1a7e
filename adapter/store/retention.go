package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/job"
)

// What PurgeCustomer deleted or anonymised, as counted in customer.Purge.Deleted
// and in its audit entry.
const (
	PurgedNameAddress  = "name_address"
	PurgedInvoices     = "invoices"
	PurgedInvoiceLines = "invoice_lines"
	PurgedDocuments    = "documents"
	PurgedEInvoices    = "einvoices"
	PurgedEmails       = "emails"
	PurgedAttachments  = "email_attachments"
	PurgedDrivers      = "driver_names"
	PurgedProtocols    = "protocol_signatures"
	PurgedBookingNotes = "booking_notes"
	// PurgedBookedAs: the name and billing address each booking was made
	// with (its snapshot) and customer data a booking still carried.
	PurgedBookedAs     = "booked_as"
	PurgedCardDetails  = "card_details"
	PurgedAuditDetails = "audit_details"
	// PurgedReceiptTexts: the free texts (reference, reversal reason) of
	// payments received outside the gateway; method, amount and day stay.
	PurgedReceiptTexts = "receipt_texts"
	// PurgedFineTexts: a fine's place and offence text; the link to the
	// fee invoice goes with the invoice (the fine keeps its fee amount).
	PurgedFineTexts = "fine_texts"
	// PurgedPayerRecords: what was recorded on the payer documents of the
	// customer's rentals (their e-mails, transfers, dunning notices and
	// blocks) goes with the documents.
	PurgedPayerRecords = "payer_records"
)

// blankBilling is the SET list that erases the name and billing address a
// booking was made with and the customer data it still carried.
const blankBilling = `bill_company = '', bill_first_name = '` + erasedNamePlacehold + `', bill_last_name = '` + erasedNamePlacehold +
	`', bill_street = '', bill_postal_code = '', bill_city = '', bill_vat_id = '', customer_update = NULL`

// DuePurges lists blocked customers, not purged yet, whose erase_after lies
// before today (YYYY-MM-DD): of every tenant for the all-tenants system
// actor, else of the actor's tenant. Administrators and the system only.
func (s *Store) DuePurges(ctx context.Context, today string, limit int) ([]customer.PurgeDue, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.requireAdmin(); err != nil {
		return nil, err
	}
	if _, err := time.Parse("2006-01-02", today); err != nil {
		return nil, errs.Invalid("date.today_format")
	}
	a := args{dateArg(today), max(limit, 1)}
	where := `restricted_at IS NOT NULL AND purged_at IS NULL AND erase_after IS NOT NULL AND erase_after < $1 AND ` +
		s.notHeld(customer.JobPurge, job.KindCustomer, "customers.id", &a)
	if !sc.a.AllTenants() {
		where += ` AND tenant_id = ` + a.add(sc.tenant())
	}
	rows, err := s.db.QueryContext(ctx, `SELECT tenant_id, id, erase_after FROM customers WHERE `+where+
		` ORDER BY erase_after, id LIMIT $2`, a...)
	if err != nil {
		return nil, err
	}
	var out []customer.PurgeDue
	err = eachRow(rows, func() error {
		var d customer.PurgeDue
		if err := rows.Scan(&d.TenantID, &d.CustomerID, dateScan{&d.EraseAfter}); err != nil {
			return err
		}
		out = append(out, d)
		return nil
	})
	return out, err
}

// PurgeCustomer deletes what the retention duty kept of blocked customer id
// once its erase_after lies before today (see customer.RetentionStore). The
// customer row is locked (PostgreSQL) or the database write-locked (SQLite)
// and re-checked inside the transaction, so concurrent runs purge a
// customer exactly once. When the tenant's retention period was raised
// since the erasure request and the last invoice must still be kept,
// erase_after is moved instead (Purge.Postponed). Errors: KindForbidden
// (not an administrator), KindNotFound.
func (s *Store) PurgeCustomer(ctx context.Context, id int64, today string) (customer.Purge, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return customer.Purge{}, err
	}
	if err := sc.requireAdmin(); err != nil {
		return customer.Purge{}, err
	}
	if _, err := time.Parse("2006-01-02", today); err != nil {
		return customer.Purge{}, errs.Invalid("date.today_format")
	}
	var out customer.Purge
	err = s.write(ctx, func(tx *sql.Tx) error {
		out = customer.Purge{TenantID: sc.tenant(), CustomerID: id, Deleted: map[string]int64{}}
		lock := s.dialect.forUpdate()
		var restricted, purged *time.Time
		err := tx.QueryRowContext(ctx, `SELECT restricted_at, purged_at, erase_after FROM customers WHERE tenant_id = $1 AND id = $2`+lock,
			sc.tenant(), id).Scan(tspScan{&restricted}, tspScan{&purged}, dateScan{&out.EraseAfter})
		if err != nil {
			return notFound(err, "customer_not_found")
		}
		if restricted == nil || purged != nil || out.EraseAfter == "" || out.EraseAfter >= today {
			out.Skipped = true
			return nil
		}
		// The retention period may have been raised since the erasure
		// request: the last invoice decides (§147(4) AO: from the end of
		// its calendar year).
		var years int
		if err := tx.QueryRowContext(ctx, `SELECT retention_years FROM tenants WHERE id = $1`, sc.tenant()).Scan(&years); err != nil {
			return notFound(err, "tenant_not_found")
		}
		var lastInv *time.Time
		if err := tx.QueryRowContext(ctx, `SELECT max(issued_at) FROM invoices WHERE tenant_id = $1 AND customer_id = $2`,
			sc.tenant(), id).Scan(tspScan{&lastInv}); err != nil {
			return err
		}
		if lastInv != nil {
			if need := fmt.Sprintf("%04d-12-31", lastInv.In(berlinLoc).Year()+years); need >= today {
				if _, err := tx.ExecContext(ctx, `UPDATE customers SET erase_after = $1 WHERE tenant_id = $2 AND id = $3`,
					dateArg(need), sc.tenant(), id); err != nil {
					return mapErr(err)
				}
				out.Postponed = need
				return s.appendAudit(ctx, tx, sc, 0, "customer", id, "retention_extended",
					map[string]any{"erase_after": out.EraseAfter}, map[string]any{"erase_after": need, "retention_years": years})
			}
		}
		return s.purgeCustomerTx(ctx, tx, sc, id, &out)
	})
	if err != nil {
		return customer.Purge{}, err
	}
	return out, nil
}

// purgeCustomerTx does the deletions of PurgeCustomer inside tx.
func (s *Store) purgeCustomerTx(ctx context.Context, tx *sql.Tx, sc scope, id int64, out *customer.Purge) error {
	now := s.Now()
	exec := func(what, q string, a ...any) error {
		res, err := tx.ExecContext(ctx, q, a...)
		if err != nil {
			return mapErr(fmt.Errorf("purge %s: %w", what, err))
		}
		if n, err := res.RowsAffected(); err == nil && n > 0 {
			out.Deleted[what] += n
		}
		return nil
	}
	t := sc.tenant()
	// purged_at first: the GoBD triggers allow deleting invoices and
	// documents only of a purged customer.
	placeholder := fmt.Sprintf("erased-%d@invalid.invalid", id)
	if err := exec(PurgedNameAddress, `UPDATE customers SET email = $1, email_lower = $1, company = '', first_name = $2,
		last_name = $2, street = '', postal_code = '', city = '', vat_id = '', phone = '', birth_date = NULL,
		licence_number = '', licence_class = '', licence_issued_on = NULL, licence_country = '', marketing_consent_at = NULL,
		purged_at = $3, updated_at = $3 WHERE tenant_id = $4 AND id = $5`,
		placeholder, erasedNamePlacehold, ts(now), t, id); err != nil {
		return err
	}
	resv := `(SELECT r.id FROM reservations r WHERE r.tenant_id = $1 AND r.customer_id = $2)`
	cons := `(SELECT k.id FROM contracts k WHERE k.tenant_id = $1 AND k.customer_id = $2)`
	invs := `(SELECT i.id FROM invoices i WHERE i.tenant_id = $1 AND i.customer_id = $2)`
	docs := `(SELECT d.id FROM documents d WHERE d.tenant_id = $1 AND (d.invoice_id IN ` + invs + ` OR d.contract_id IN ` +
		cons + ` OR d.reservation_id IN ` + resv + `))`
	mails := `(SELECT e.id FROM emails e WHERE e.tenant_id = $1 AND e.status <> 'queued' AND (e.customer_id = $2
		OR e.reservation_id IN ` + resv + ` OR e.contract_id IN ` + cons + `))`
	steps := []struct{ what, q string }{
		{PurgedAttachments, `DELETE FROM email_attachments WHERE tenant_id = $1 AND (email_id IN ` + mails + ` OR document_id IN ` + docs + `)`},
		{PurgedEmails, `DELETE FROM emails WHERE tenant_id = $1 AND id IN ` + mails},
		{PurgedDocuments, `DELETE FROM documents WHERE tenant_id = $1 AND id IN ` + docs},
		{PurgedEInvoices, `DELETE FROM einvoices WHERE tenant_id = $1 AND invoice_id IN ` + invs},
		{PurgedInvoiceLines, `DELETE FROM invoice_lines WHERE tenant_id = $1 AND invoice_id IN ` + invs},
		{PurgedPayerRecords, `DELETE FROM payer_invoice_sends WHERE tenant_id = $1 AND invoice_id IN ` + invs},
		{PurgedPayerRecords, `DELETE FROM payer_payments WHERE tenant_id = $1 AND invoice_id IN ` + invs},
		{PurgedPayerRecords, `DELETE FROM dunning_notices WHERE tenant_id = $1 AND invoice_id IN ` + invs},
		{PurgedPayerRecords, `DELETE FROM dunning_blocks WHERE tenant_id = $1 AND invoice_id IN ` + invs},
		{PurgedFineTexts, `UPDATE fines SET fee_invoice_id = NULL, place = '', offence = ''
			WHERE tenant_id = $1 AND contract_id IN ` + cons},
		{PurgedInvoices, `DELETE FROM invoices WHERE tenant_id = $1 AND customer_id = $2`},
		{PurgedDrivers, `UPDATE contract_drivers SET first_name = '` + erasedNamePlacehold + `', last_name = '` + erasedNamePlacehold + `',
			birth_date = NULL, licence_number = '', licence_class = '', licence_issued_on = NULL, licence_country = ''
			WHERE tenant_id = $1 AND contract_id IN ` + cons + ` AND first_name <> '` + erasedNamePlacehold + `'`},
		{PurgedProtocols, `UPDATE protocols SET signer_name = '', signature_png = NULL, notes = ''
			WHERE tenant_id = $1 AND contract_id IN ` + cons},
		{PurgedBookingNotes, `UPDATE reservations SET notes = '', workshop_ref = '' WHERE tenant_id = $1 AND customer_id = $2
			AND (notes <> '' OR workshop_ref <> '')`},
		{PurgedBookingNotes, `UPDATE contracts SET notes = '' WHERE tenant_id = $1 AND customer_id = $2 AND notes <> ''`},
		// a test drive's identity document: its number is personal data
		{PurgedBookedAs, `UPDATE reservations SET id_number = '' WHERE tenant_id = $1 AND customer_id = $2 AND id_number <> ''`},
		{PurgedBookedAs, `UPDATE reservations SET ` + blankBilling + ` WHERE tenant_id = $1 AND customer_id = $2
			AND (bill_first_name <> '` + erasedNamePlacehold + `' OR customer_update IS NOT NULL)`},
		// The token stays until the gateway has deleted it (the retention
		// job keeps trying); brand, last 4 and expiry go now.
		{PurgedCardDetails, `UPDATE payment_cards SET brand = '', last4 = '', exp_month = 0, exp_year = 0,
			token = CASE WHEN gateway_deleted_at IS NOT NULL THEN 'purged-' || id ELSE token END
			WHERE tenant_id = $1 AND customer_id = $2`},
		{PurgedCardDetails, `UPDATE payments SET card_brand = '', card_last4 = '' WHERE tenant_id = $1
			AND (customer_id = $2 OR reservation_id IN ` + resv + `) AND (card_brand <> '' OR card_last4 <> '')`},
		{PurgedReceiptTexts, `UPDATE contract_receipts SET reference = '', reason = '' WHERE tenant_id = $1
			AND contract_id IN ` + cons + ` AND (reference <> '' OR reason <> '')`},
		{PurgedAuditDetails, `UPDATE audit_log SET before = '', after = '{"erased":true}' WHERE tenant_id = $1 AND (
			(entity = 'customer' AND entity_id = $2 AND action NOT IN ('erasure','retention_extended','retention_purge'))
			OR (entity = 'reservation' AND entity_id IN ` + resv + `) OR (entity = 'contract' AND entity_id IN ` + cons + `))
			AND after <> '{"erased":true}'`},
	}
	for _, st := range steps {
		if err := exec(st.what, st.q, t, id); err != nil {
			return err
		}
	}
	out.Deleted[PurgedNameAddress] = 1
	return s.appendAudit(ctx, tx, sc, 0, "customer", id, "retention_purge", nil, map[string]any{
		"erase_after": out.EraseAfter, "purged_at": now, "deleted": out.Deleted})
}

// ExpiredPhotos lists damage photos past their tenant's photo retention
// whose damage no longer needs them (see customer.RetentionStore): of every
// tenant for the all-tenants system actor, else of the actor's tenant.
func (s *Store) ExpiredPhotos(ctx context.Context, now time.Time, limit int) ([]customer.ExpiredPhoto, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if err := sc.requireAdmin(); err != nil {
		return nil, err
	}
	// The cut-off per tenant is computed here (days differ per tenant):
	// one query per tenant keeps the SQL portable.
	a := args{}
	q := `SELECT id, photo_retention_days FROM tenants`
	if !sc.a.AllTenants() {
		q += ` WHERE id = ` + a.add(sc.tenant())
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY id`, a...)
	if err != nil {
		return nil, err
	}
	type tenantDays struct{ id, days int64 }
	var tds []tenantDays
	if err := eachRow(rows, func() error {
		var x tenantDays
		if err := rows.Scan(&x.id, &x.days); err != nil {
			return err
		}
		tds = append(tds, x)
		return nil
	}); err != nil {
		return nil, err
	}
	var out []customer.ExpiredPhoto
	for _, td := range tds {
		if len(out) >= limit {
			break
		}
		if td.days <= 0 {
			continue
		}
		cut := ts(now.AddDate(0, 0, -int(td.days)))
		rows, err := s.db.QueryContext(ctx, `SELECT p.id, p.tenant_id, p.damage_id, p.storage, p.storage_key FROM damage_photos p
			JOIN damages d ON d.tenant_id = p.tenant_id AND d.id = p.damage_id
			LEFT JOIN contracts k ON k.tenant_id = d.tenant_id AND k.id = d.contract_id
			WHERE p.tenant_id = $1 AND p.created_at < $2 AND d.repaired_at IS NOT NULL AND d.repaired_at < $2
			AND (d.contract_id IS NULL OR (k.status IN ('billed','closed') AND k.ended_at IS NOT NULL AND k.ended_at < $2))
			ORDER BY p.id LIMIT $3`, td.id, cut, limit-len(out))
		if err != nil {
			return nil, err
		}
		if err := eachRow(rows, func() error {
			var p customer.ExpiredPhoto
			if err := rows.Scan(&p.ID, &p.TenantID, &p.DamageID, &p.Storage, &p.StorageKey); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// DeletePhotos deletes the actor's tenant's damage photo rows ids (with the
// bytes kept in the database) and writes one audit entry per damage. Ids
// already deleted are skipped. Administrators and the system only.
func (s *Store) DeletePhotos(ctx context.Context, ids []int64) (int, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return 0, err
	}
	if err := sc.requireAdmin(); err != nil {
		return 0, err
	}
	if len(ids) == 0 {
		return 0, nil
	}
	n := 0
	err = s.write(ctx, func(tx *sql.Tx) error {
		n = 0
		a := args{sc.tenant()}
		ph := make([]string, len(ids))
		for i, id := range ids {
			ph[i] = a.add(id)
		}
		in := strings.Join(ph, ",")
		rows, err := tx.QueryContext(ctx, `SELECT p.damage_id, v.station_id, count(*) FROM damage_photos p
			JOIN damages d ON d.tenant_id = p.tenant_id AND d.id = p.damage_id
			JOIN vehicles v ON v.tenant_id = d.tenant_id AND v.id = d.vehicle_id
			WHERE p.tenant_id = $1 AND p.id IN (`+in+`) GROUP BY p.damage_id, v.station_id ORDER BY p.damage_id`, a...)
		if err != nil {
			return err
		}
		type perDamage struct{ damage, station, photos int64 }
		var list []perDamage
		if err := eachRow(rows, func() error {
			var x perDamage
			if err := rows.Scan(&x.damage, &x.station, &x.photos); err != nil {
				return err
			}
			list = append(list, x)
			return nil
		}); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM damage_photos WHERE tenant_id = $1 AND id IN (`+in+`)`, a...)
		if err != nil {
			return mapErr(err)
		}
		if c, err := res.RowsAffected(); err == nil {
			n = int(c)
		}
		for _, x := range list {
			if err := s.appendAudit(ctx, tx, sc, x.station, "damage", x.damage, "photos_purged", nil,
				map[string]any{"photos": x.photos, "reason": "photo_retention_days"}); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// RetentionStatus reports the erasure state of a customer the actor may see.
// Errors: KindNotFound.
func (s *Store) RetentionStatus(ctx context.Context, id int64) (customer.RetentionStatus, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return customer.RetentionStatus{}, err
	}
	var st customer.RetentionStatus
	err = s.read(ctx, func(q querier) error {
		a := args{sc.tenant(), id}
		err := q.QueryRowContext(ctx, `SELECT c.restricted_at, c.erase_after, c.purged_at FROM customers c
			WHERE c.tenant_id = $1 AND c.id = $2 AND `+customerVisible(sc, &a, "c"), a...).Scan(
			tspScan{&st.RestrictedAt}, dateScan{&st.EraseAfter}, tspScan{&st.PurgedAt})
		if err != nil {
			return notFound(err, "customer_not_found")
		}
		rows, err := q.QueryContext(ctx, `SELECT gateway_deleted_at IS NOT NULL, gateway_delete_error FROM payment_cards
			WHERE tenant_id = $1 AND customer_id = $2 AND deleted_at IS NOT NULL ORDER BY id`, sc.tenant(), id)
		if err != nil {
			return err
		}
		return eachRow(rows, func() error {
			var done bool
			var msg string
			if err := rows.Scan(&done, &msg); err != nil {
				return err
			}
			if done {
				st.CardsDeleted++
			} else {
				st.CardsPending++
				if msg != "" {
					st.CardError = msg
				}
			}
			return nil
		})
	})
	return st, err
}
