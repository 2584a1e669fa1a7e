package store

import (
	"context"
	"database/sql"

	"mietwerk.dev/mietwerk/booking"
)

// TestData counts the tenant's test-mode data (what WipeTestData deletes).
func (s *Store) TestData(ctx context.Context) (booking.TestData, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return booking.TestData{}, err
	}
	var d booking.TestData
	err = s.db.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM reservations WHERE tenant_id = $1 AND test),
		(SELECT count(*) FROM customers WHERE tenant_id = $1 AND test),
		(SELECT count(*) FROM invoices WHERE tenant_id = $1 AND test),
		(SELECT count(*) FROM payments WHERE tenant_id = $1 AND test)`, sc.tenant()).
		Scan(&d.Bookings, &d.Customers, &d.Invoices, &d.Payments)
	return d, err
}

// WipeTestData deletes all test-mode data of the actor's tenant in one
// transaction: test bookings with the cars they held, their test
// customers and stored cards, payments, TEST- documents (the GoBD triggers
// let a test customer's documents go), their e-mails, webhook events and
// job records, and restarts the TEST- number series. Live data is not
// touched. It is audited with the counts. Administrators only.
func (s *Store) WipeTestData(ctx context.Context) (booking.TestData, error) {
	sc, err := adminScope(ctx)
	if err != nil {
		return booking.TestData{}, err
	}
	var out booking.TestData
	err = s.write(ctx, func(tx *sql.Tx) error {
		t := sc.tenant()
		res := `(SELECT id FROM reservations WHERE tenant_id = $1 AND test)`
		cus := `(SELECT id FROM customers WHERE tenant_id = $1 AND test)`
		inv := `(SELECT id FROM invoices WHERE tenant_id = $1 AND test)`
		mails := `(SELECT id FROM emails WHERE tenant_id = $1 AND (reservation_id IN ` + res + ` OR customer_id IN ` + cus + `))`
		steps := []struct {
			n     *int64
			query string
		}{
			{nil, `DELETE FROM webhook_events WHERE tenant_id = $1 AND test`},
			{nil, `DELETE FROM email_attempts WHERE tenant_id = $1 AND email_id IN ` + mails},
			{nil, `DELETE FROM email_attachments WHERE tenant_id = $1 AND email_id IN ` + mails},
			{nil, `DELETE FROM emails WHERE id IN ` + mails},
			{nil, `DELETE FROM job_attention WHERE tenant_id = $1 AND ((subject = 'reservation' AND subject_id IN ` + res + `)
				OR (subject = 'customer' AND subject_id IN ` + cus + `)
				OR (subject = 'payment' AND subject_id IN (SELECT id FROM payments WHERE tenant_id = $1 AND test)))`},
			{nil, `DELETE FROM documents WHERE tenant_id = $1 AND (invoice_id IN ` + inv + ` OR reservation_id IN ` + res + `)`},
			{nil, `DELETE FROM einvoices WHERE tenant_id = $1 AND invoice_id IN ` + inv},
			{nil, `DELETE FROM payer_invoice_sends WHERE tenant_id = $1 AND invoice_id IN ` + inv},
			{nil, `DELETE FROM payer_payments WHERE tenant_id = $1 AND invoice_id IN ` + inv},
			{nil, `DELETE FROM dunning_notices WHERE tenant_id = $1 AND invoice_id IN ` + inv},
			{nil, `DELETE FROM dunning_blocks WHERE tenant_id = $1 AND invoice_id IN ` + inv},
			{nil, `DELETE FROM invoice_lines WHERE tenant_id = $1 AND invoice_id IN ` + inv},
			{&out.Invoices, `DELETE FROM invoices WHERE tenant_id = $1 AND test`},
			{&out.Payments, `DELETE FROM payments WHERE tenant_id = $1 AND test`},
			{nil, `DELETE FROM payment_cards WHERE tenant_id = $1 AND test`},
			{nil, `DELETE FROM allocations WHERE tenant_id = $1 AND test`},
			{&out.Bookings, `DELETE FROM reservations WHERE tenant_id = $1 AND test`},
			{&out.Customers, `DELETE FROM customers WHERE tenant_id = $1 AND test
				AND NOT EXISTS (SELECT 1 FROM reservations r WHERE r.customer_id = customers.id)`},
			{nil, `DELETE FROM counters WHERE tenant_id = $1 AND series LIKE 'test\_%' ESCAPE '\'`},
		}
		for _, st := range steps {
			r, err := tx.ExecContext(ctx, st.query, t)
			if err != nil {
				return mapErr(err)
			}
			if st.n != nil {
				*st.n, _ = r.RowsAffected()
			}
		}
		return s.appendAudit(ctx, tx, sc, 0, "tenant", t, "wipe_test_data", nil, out)
	})
	return out, err
}
