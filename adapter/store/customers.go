package store

import (
	"context"
	"database/sql"
	"strings"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/identity"
)

const customerCols = `id, tenant_id, email, company, first_name, last_name, street, postal_code, city, country, phone,
	birth_date, language, vat_id, licence_number, licence_class, licence_issued_on, licence_country, restricted_at,
	created_at, updated_at, test`

func scanCustomer(row interface{ Scan(...any) error }) (customer.Customer, error) {
	var c customer.Customer
	err := row.Scan(&c.ID, &c.TenantID, &c.Email, &c.Company, &c.FirstName, &c.LastName, &c.Street, &c.PostalCode,
		&c.City, &c.Country, &c.Phone, dateScan{&c.BirthDate}, &c.Language, &c.VATID, &c.LicenceNumber, &c.LicenceClass,
		dateScan{&c.LicenceIssuedOn}, &c.LicenceCountry, tspScan{&c.RestrictedAt}, tsScan{&c.CreatedAt}, tsScan{&c.UpdatedAt}, &c.Test)
	return c, err
}

// emailKey is what customers are unique by within a tenant: the e-mail
// address in lower case; for a test customer (made by a test-mode API key)
// with the prefix "test:", so that test bookings never find, nor change,
// the real customer with that address.
func emailKey(email string, test bool) string {
	k := strings.ToLower(strings.TrimSpace(email))
	if test {
		return "test:" + k
	}
	return k
}

// UpsertCustomer finds the customer by e-mail (case-insensitive) and merges
// the given fields into it, logging every change in the audit log, or
// creates it. On return c holds the stored customer. Errors: KindInvalid.
func (s *Store) UpsertCustomer(ctx context.Context, c *customer.Customer) (bool, []customer.Change, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return false, nil, err
	}
	c.Normalize()
	if err := c.Validate("", s.Now()); err != nil {
		return false, nil, err
	}
	var created bool
	var changes []customer.Change
	err = s.write(ctx, func(tx *sql.Tx) error {
		var err error
		created, changes, err = s.upsertCustomerTx(ctx, tx, sc, c)
		return err
	})
	return created, changes, err
}

func (s *Store) upsertCustomerTx(ctx context.Context, tx *sql.Tx, sc scope, c *customer.Customer) (bool, []customer.Change, error) {
	old, found, err := s.customerByEmailTx(ctx, tx, sc, c, nil)
	if err != nil || !found {
		return !found, nil, err
	}
	merged := old
	changes := merged.Merge(*c)
	if err := s.saveMergedTx(ctx, tx, sc, &merged, changes, "update", changes); err != nil {
		return false, nil, err
	}
	*c = merged
	return false, changes, nil
}

// prefixScan scans a row whose first column is *first, then the columns
// dest asks for.
type prefixScan struct {
	row   interface{ Scan(...any) error }
	first any
}

func (p prefixScan) Scan(dest ...any) error { return p.row.Scan(append([]any{p.first}, dest...)...) }

// customerByEmailTx finds the customer with c's e-mail; when there is none
// it creates c (audited) and reports found false. With audits, the
// creation's audit row is added there for the caller to write in the same
// transaction (with its next statement), else written at once. Errors:
// KindConflict "customer_restricted" for a customer blocked after an
// erasure request.
func (s *Store) customerByEmailTx(ctx context.Context, tx *sql.Tx, sc scope, c *customer.Customer, audits *[]args) (customer.Customer, bool, error) {
	audit := func() error {
		row, err := s.auditRow(sc, 0, "customer", c.ID, "create", nil, c)
		switch {
		case err != nil:
			return err
		case audits == nil:
			return s.writeAudit(ctx, tx, row)
		}
		*audits = append(*audits, row)
		return nil
	}
	now := s.Now()
	test := sc.a.Kind == identity.ActorAPI && sc.a.Test
	const insert = `INSERT INTO customers (tenant_id, email, email_lower, company, first_name, last_name,
		street, postal_code, city, country, phone, birth_date, language, vat_id, licence_number, licence_class,
		licence_issued_on, licence_country, created_at, updated_at, test)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21)`
	a := args{sc.tenant(), c.Email, emailKey(c.Email, test), c.Company, c.FirstName, c.LastName, c.Street, c.PostalCode, c.City,
		c.Country, c.Phone, dateArg(c.BirthDate), c.Language, c.VATID, c.LicenceNumber, c.LicenceClass,
		dateArg(c.LicenceIssuedOn), c.LicenceCountry, ts(now), ts(now), test}
	var old customer.Customer
	err := sql.ErrNoRows
	if s.dialect.chainsWrites() {
		// created or found in one statement: the insert returns the new
		// row, the select (the statement's snapshot, without it) the one
		// that was there; none when another transaction created it since
		// the statement began (read again below)
		var created bool
		old, err = scanCustomer(prefixScan{tx.QueryRowContext(ctx, `WITH ins AS (`+insert+`
			ON CONFLICT (tenant_id, email_lower) DO NOTHING RETURNING `+customerCols+`)
			SELECT true, `+customerCols+` FROM ins
			UNION ALL SELECT false, `+customerCols+` FROM customers WHERE tenant_id = $1 AND email_lower = $3`, a...), &created})
		if err == nil && created {
			c.ID, c.TenantID, c.CreatedAt, c.UpdatedAt, c.Test = old.ID, sc.tenant(), now, now, test
			return *c, false, audit()
		}
	}
	if err == sql.ErrNoRows {
		old, err = scanCustomer(tx.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE tenant_id = $1 AND email_lower = $2`,
			sc.tenant(), emailKey(c.Email, test)))
	}
	if err == sql.ErrNoRows {
		c.TenantID, c.CreatedAt, c.UpdatedAt, c.Test = sc.tenant(), now, now, test
		if err := tx.QueryRowContext(ctx, insert+` RETURNING id`, a...).Scan(&c.ID); err != nil {
			return customer.Customer{}, false, mapErr(err)
		}
		return *c, false, audit()
	}
	if err != nil {
		return customer.Customer{}, false, err
	}
	if old.RestrictedAt != nil {
		return customer.Customer{}, false, errs.Conflict("customer_restricted")
	}
	return old, true, nil
}

// saveMergedTx writes a customer merged with changes (none: nothing is
// written) and logs action with audit as its "after".
func (s *Store) saveMergedTx(ctx context.Context, tx *sql.Tx, sc scope, merged *customer.Customer, changes []customer.Change,
	action string, audit any) error {
	if len(changes) == 0 {
		return nil
	}
	now := s.Now()
	merged.UpdatedAt = now
	a := args{merged.Company, merged.FirstName, merged.LastName, merged.Street, merged.PostalCode, merged.City, merged.Country,
		merged.Phone, dateArg(merged.BirthDate), merged.Language, merged.VATID, merged.LicenceNumber, merged.LicenceClass,
		dateArg(merged.LicenceIssuedOn), merged.LicenceCountry, ts(now), sc.tenant(), merged.ID}
	row, err := s.auditRow(sc, 0, "customer", merged.ID, action, nil, audit)
	if err != nil {
		return err
	}
	with := ``
	if s.dialect.chainsWrites() { // the audit row with the update (the last write of this change)
		with = `WITH ` + strings.TrimSuffix(auditCTEs(&a, []args{row}), ", ") + ` `
	}
	if _, err := tx.ExecContext(ctx, with+`UPDATE customers SET company=$1, first_name=$2, last_name=$3, street=$4, postal_code=$5,
		city=$6, country=$7, phone=$8, birth_date=$9, language=$10, vat_id=$11, licence_number=$12, licence_class=$13,
		licence_issued_on=$14, licence_country=$15, updated_at=$16 WHERE tenant_id=$17 AND id=$18`, a...); err != nil {
		return mapErr(err)
	}
	if with != `` {
		return nil
	}
	return s.writeAudit(ctx, tx, row)
}

// Customer returns one customer of the actor's tenant. Errors: KindNotFound.
func (s *Store) Customer(ctx context.Context, id int64) (customer.Customer, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return customer.Customer{}, err
	}
	c, err := scanCustomer(s.db.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id))
	return c, notFound(err, "customer_not_found")
}

// CustomerByEmail returns the customer with e-mail (case-insensitive). Errors: KindNotFound.
func (s *Store) CustomerByEmail(ctx context.Context, email string) (customer.Customer, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return customer.Customer{}, err
	}
	c, err := scanCustomer(s.db.QueryRowContext(ctx, `SELECT `+customerCols+` FROM customers WHERE tenant_id = $1 AND email_lower = $2`,
		sc.tenant(), emailKey(email, sc.a.Kind == identity.ActorAPI && sc.a.Test)))
	return c, notFound(err, "customer_not_found")
}
