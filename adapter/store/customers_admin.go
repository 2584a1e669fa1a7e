package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"mietwerk.dev/mietwerk/customer"
	"mietwerk.dev/mietwerk/errs"
)

// customerVisible is the SQL condition "the actor may see customer row
// alias": everyone of the tenant for actors that see all stations, else
// customers with a booking at one of the actor's stations.
func customerVisible(sc scope, a *args, alias string) string {
	if sc.a.AllStations() {
		return "1=1"
	}
	return `EXISTS (SELECT 1 FROM reservations rv WHERE rv.tenant_id = ` + alias + `.tenant_id AND rv.customer_id = ` +
		alias + `.id AND ` + sc.stations("rv.station_id", a) + `)`
}

const customerColsC = `c.id, c.tenant_id, c.email, c.company, c.first_name, c.last_name, c.street, c.postal_code, c.city,
	c.country, c.phone, c.birth_date, c.language, c.vat_id, c.licence_number, c.licence_class, c.licence_issued_on,
	c.licence_country, c.restricted_at, c.created_at, c.updated_at, c.test`

// visibleCustomer loads one customer the actor may see. Errors: KindNotFound.
func (s *Store) visibleCustomer(ctx context.Context, q querier, sc scope, id int64) (customer.Customer, error) {
	a := args{sc.tenant(), id}
	c, err := scanCustomer(q.QueryRowContext(ctx, `SELECT `+customerColsC+` FROM customers c WHERE c.tenant_id = $1 AND c.id = $2 AND `+
		customerVisible(sc, &a, "c"), a...))
	return c, notFound(err, "customer_not_found")
}

// SearchCustomers finds the customers the actor may see whose name, company,
// e-mail, phone or booking number contains q.Text, by last and first name.
func (s *Store) SearchCustomers(ctx context.Context, q customer.SearchQuery) ([]customer.Hit, int, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, 0, err
	}
	a := args{sc.tenant()}
	where := `c.tenant_id = $1 AND ` + customerVisible(sc, &a, "c")
	if t := strings.TrimSpace(q.Text); t != "" {
		p := a.add(likeArg(t))
		where += ` AND (lower(` + customerNameSQL + `) LIKE ` + p + ` ESCAPE '\' OR c.email_lower LIKE ` + p + ` ESCAPE '\'
			OR lower(c.last_name || ' ' || c.first_name) LIKE ` + p + ` ESCAPE '\'
			OR replace(c.phone, ' ', '') LIKE ` + a.add(likeArg(strings.ReplaceAll(t, " ", ""))) + ` ESCAPE '\'
			OR EXISTS (SELECT 1 FROM reservations rn WHERE rn.tenant_id = c.tenant_id AND rn.customer_id = c.id
				AND lower(rn.number) LIKE ` + p + ` ESCAPE '\' AND ` + sc.stations("rn.station_id", &a) + `))`
	}
	var total int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM customers c WHERE `+where, a...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if q.Limit <= 0 {
		q.Limit = 50
	}
	q.Limit = min(q.Limit, 200)
	count := `(SELECT count(*) FROM reservations rb WHERE rb.tenant_id = c.tenant_id AND rb.customer_id = c.id AND ` +
		sc.stations("rb.station_id", &a) + `)`
	rows, err := s.db.QueryContext(ctx, `SELECT `+customerColsC+`, `+count+` FROM customers c WHERE `+where+
		` ORDER BY lower(c.last_name), lower(c.first_name), c.id LIMIT `+a.add(q.Limit)+` OFFSET `+a.add(max(q.Offset, 0)), a...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []customer.Hit
	for rows.Next() {
		var h customer.Hit
		c := &h.Customer
		if err := rows.Scan(&c.ID, &c.TenantID, &c.Email, &c.Company, &c.FirstName, &c.LastName, &c.Street, &c.PostalCode,
			&c.City, &c.Country, &c.Phone, dateScan{&c.BirthDate}, &c.Language, &c.VATID, &c.LicenceNumber, &c.LicenceClass,
			dateScan{&c.LicenceIssuedOn}, &c.LicenceCountry, tspScan{&c.RestrictedAt}, tsScan{&c.CreatedAt}, tsScan{&c.UpdatedAt},
			&c.Test, &h.Bookings); err != nil {
			return nil, 0, err
		}
		out = append(out, h)
	}
	return out, total, rows.Err()
}

// customerFields lists the editable master data of a customer by name.
// billingField names the customerFields a booking's billing snapshot keeps
// (columns bill_<name> of reservations).
var billingField = map[string]bool{"company": true, "first_name": true, "last_name": true, "street": true, "postal_code": true,
	"city": true, "country": true, "vat_id": true}

func customerFields(c *customer.Customer) []struct {
	name string
	p    *string
} {
	return []struct {
		name string
		p    *string
	}{{"email", &c.Email}, {"company", &c.Company}, {"first_name", &c.FirstName}, {"last_name", &c.LastName},
		{"street", &c.Street}, {"postal_code", &c.PostalCode}, {"city", &c.City}, {"country", &c.Country},
		{"phone", &c.Phone}, {"birth_date", &c.BirthDate}, {"language", &c.Language}, {"vat_id", &c.VATID},
		{"licence_number", &c.LicenceNumber}, {"licence_class", &c.LicenceClass},
		{"licence_issued_on", &c.LicenceIssuedOn}, {"licence_country", &c.LicenceCountry}}
}

// UpdateCustomer replaces the master data of customer c.ID with c after
// validating it and logs the changed fields (before and after). A corrected
// name or address field is corrected in the billing snapshot of the
// customer's confirmed and running bookings too, where it held the old
// value (their next documents print the correction; issued ones stay as
// they are). On return c holds the stored customer.
func (s *Store) UpdateCustomer(ctx context.Context, c *customer.Customer) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	c.Normalize()
	if err := c.Validate("", s.Now()); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := s.visibleCustomer(ctx, tx, sc, c.ID)
		if err != nil {
			return err
		}
		if old.RestrictedAt != nil {
			return errs.Conflict("customer_blocked")
		}
		var other int64
		err = tx.QueryRowContext(ctx, `SELECT id FROM customers WHERE tenant_id = $1 AND email_lower = $2 AND id <> $3`,
			sc.tenant(), emailKey(c.Email, old.Test), c.ID).Scan(&other)
		if err == nil {
			return errs.Invalid("error.fields_invalid", errs.Field("email", "customer.email_taken"))
		} else if err != sql.ErrNoRows {
			return err
		}
		before, after := map[string]string{}, map[string]string{}
		nf := customerFields(c)
		for i, f := range customerFields(&old) {
			if *f.p != *nf[i].p {
				before[f.name], after[f.name] = *f.p, *nf[i].p
			}
		}
		if len(after) == 0 {
			*c = old
			return nil
		}
		now := s.Now()
		_, err = tx.ExecContext(ctx, `UPDATE customers SET email=$1, email_lower=$2, company=$3, first_name=$4, last_name=$5,
			street=$6, postal_code=$7, city=$8, country=$9, phone=$10, birth_date=$11, language=$12, vat_id=$13,
			licence_number=$14, licence_class=$15, licence_issued_on=$16, licence_country=$17, updated_at=$18
			WHERE tenant_id=$19 AND id=$20`,
			c.Email, emailKey(c.Email, old.Test), c.Company, c.FirstName, c.LastName, c.Street, c.PostalCode, c.City, c.Country,
			c.Phone, dateArg(c.BirthDate), c.Language, c.VATID, c.LicenceNumber, c.LicenceClass, dateArg(c.LicenceIssuedOn),
			c.LicenceCountry, ts(now), sc.tenant(), c.ID)
		if err != nil {
			return mapErr(err)
		}
		if err := s.appendAudit(ctx, tx, sc, 0, "customer", c.ID, "update", before, after); err != nil {
			return err
		}
		// staff correct the name or address of the customer's open bookings
		// too, where those printed what was corrected
		for name, v := range after {
			if !billingField[name] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE reservations SET bill_`+name+` = $1, updated_at = $2 WHERE tenant_id = $3
				AND customer_id = $4 AND status IN ('confirmed','active') AND bill_`+name+` = $5`,
				v, ts(now), sc.tenant(), c.ID, before[name]); err != nil {
				return mapErr(err)
			}
		}
		c.TenantID, c.CreatedAt, c.UpdatedAt = old.TenantID, old.CreatedAt, now
		return nil
	})
}

// CustomerFile gathers everything stored about a customer that the actor may
// see: master data, bookings, contracts with drivers, payments (brand and
// last four digits only), stored cards, invoice metadata, e-mails and audit
// entries. A station user gets only what belongs to its stations.
func (s *Store) CustomerFile(ctx context.Context, id int64) (customer.File, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return customer.File{}, err
	}
	f := customer.File{ExportedAt: s.Now(), Reservations: []customer.FileReservation{}, Contracts: []customer.FileContract{},
		Payments: []customer.FilePayment{}, Cards: []customer.FileCard{}, Invoices: []customer.FileInvoice{},
		Emails: []customer.FileEmail{}, Audit: []customer.FileAudit{}}
	err = s.read(ctx, func(q querier) error {
		c, err := s.visibleCustomer(ctx, q, sc, id)
		if err != nil {
			return err
		}
		fc := &f.Customer
		*fc = customer.FileCustomer{ID: c.ID, Email: c.Email, Company: c.Company, FirstName: c.FirstName, LastName: c.LastName,
			Street: c.Street, PostalCode: c.PostalCode, City: c.City, Country: c.Country, Phone: c.Phone, BirthDate: c.BirthDate,
			Language: c.Language, VATID: c.VATID, LicenceNumber: c.LicenceNumber, LicenceClass: c.LicenceClass,
			LicenceIssuedOn: c.LicenceIssuedOn, LicenceCountry: c.LicenceCountry, RestrictedAt: c.RestrictedAt,
			CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
		if err := q.QueryRowContext(ctx, `SELECT marketing_consent_at, erase_after FROM customers WHERE tenant_id = $1 AND id = $2`,
			sc.tenant(), id).Scan(tspScan{&fc.MarketingConsentAt}, dateScan{&fc.EraseAfter}); err != nil {
			return err
		}
		// Each section is one query; each is limited to the actor's stations.
		a := args{sc.tenant(), id}
		rows, err := q.QueryContext(ctx, `SELECT r.id, r.number, r.station_id, st.name, vc.code, COALESCE(v.plate, ''), r.pickup_at,
			r.return_at, r.status, r.source, r.kind, r.workshop_ref, r.notes, r.day_price_cents, r.deposit_cents, r.estimated_total_cents,
			r.currency, r.created_at, r.bill_company, r.bill_first_name, r.bill_last_name, r.bill_street, r.bill_postal_code,
			r.bill_city, r.bill_country, r.bill_vat_id FROM reservations r JOIN stations st ON st.id = r.station_id
			JOIN vehicle_categories vc ON vc.id = r.category_id LEFT JOIN vehicles v ON v.id = r.vehicle_id
			WHERE r.tenant_id = $1 AND r.customer_id = $2 AND `+sc.stations("r.station_id", &a)+` ORDER BY r.pickup_at, r.id`, a...)
		if err != nil {
			return err
		}
		err = eachRow(rows, func() error {
			var x customer.FileReservation
			if err := rows.Scan(&x.ID, &x.Number, &x.StationID, &x.Station, &x.Category, &x.Vehicle, tsScan{&x.Pickup},
				tsScan{&x.Return}, &x.Status, &x.Source, &x.Kind, &x.WorkshopRef, &x.Notes, &x.DayPriceCents, &x.DepositCents,
				&x.EstimatedTotalCents, &x.Currency, tsScan{&x.CreatedAt}, &x.BookedAs.Company, &x.BookedAs.FirstName,
				&x.BookedAs.LastName, &x.BookedAs.Street, &x.BookedAs.PostalCode, &x.BookedAs.City, &x.BookedAs.Country,
				&x.BookedAs.VATID); err != nil {
				return err
			}
			f.Reservations = append(f.Reservations, x)
			return nil
		})
		if err != nil {
			return err
		}

		a = args{sc.tenant(), id}
		rows, err = q.QueryContext(ctx, `SELECT k.id, k.number, k.reservation_id, k.station_id, v.plate, k.starts_at, k.planned_end_at,
			k.ended_at, k.status FROM contracts k JOIN vehicles v ON v.id = k.vehicle_id
			WHERE k.tenant_id = $1 AND k.customer_id = $2 AND `+sc.stations("k.station_id", &a)+` ORDER BY k.starts_at, k.id`, a...)
		if err != nil {
			return err
		}
		kIdx := map[int64]int{}
		err = eachRow(rows, func() error {
			var x customer.FileContract
			if err := rows.Scan(&x.ID, &x.Number, &x.ReservationID, &x.StationID, &x.Vehicle, tsScan{&x.StartsAt},
				tsScan{&x.PlannedEndAt}, tspScan{&x.EndedAt}, &x.Status); err != nil {
				return err
			}
			x.Drivers = []customer.FileDriver{}
			f.Contracts = append(f.Contracts, x)
			kIdx[x.ID] = len(f.Contracts) - 1
			return nil
		})
		if err != nil {
			return err
		}
		if len(kIdx) > 0 {
			a = args{sc.tenant(), id}
			rows, err = q.QueryContext(ctx, `SELECT d.contract_id, d.role, d.first_name, d.last_name, d.birth_date, d.licence_number,
				d.licence_class, d.licence_issued_on, d.licence_country FROM contract_drivers d JOIN contracts k ON k.id = d.contract_id
				WHERE k.tenant_id = $1 AND k.customer_id = $2 AND `+sc.stations("k.station_id", &a)+` ORDER BY d.id`, a...)
			if err != nil {
				return err
			}
			err = eachRow(rows, func() error {
				var kid int64
				var x customer.FileDriver
				if err := rows.Scan(&kid, &x.Role, &x.FirstName, &x.LastName, dateScan{&x.BirthDate}, &x.LicenceNumber,
					&x.LicenceClass, dateScan{&x.LicenceIssuedOn}, &x.LicenceCountry); err != nil {
					return err
				}
				if i, ok := kIdx[kid]; ok {
					f.Contracts[i].Drivers = append(f.Contracts[i].Drivers, x)
				}
				return nil
			})
			if err != nil {
				return err
			}
		}

		// Payments: those of the customer's visible bookings (and, for
		// actors seeing all stations, any linked to the customer directly).
		a = args{sc.tenant(), id}
		cond := `EXISTS (SELECT 1 FROM reservations rp WHERE rp.id = p.reservation_id AND rp.customer_id = $2 AND ` +
			sc.stations("rp.station_id", &a) + `)`
		if sc.a.AllStations() {
			cond = `(p.customer_id = $2 OR ` + cond + `)`
		}
		rows, err = q.QueryContext(ctx, `SELECT p.id, COALESCE(p.reservation_id, 0), p.operation, p.purpose, p.status, p.amount_cents,
			p.currency, p.card_brand, p.card_last4, p.created_at, p.resolved_at FROM payments p
			WHERE p.tenant_id = $1 AND `+cond+` ORDER BY p.id`, a...)
		if err != nil {
			return err
		}
		err = eachRow(rows, func() error {
			var x customer.FilePayment
			if err := rows.Scan(&x.ID, &x.ReservationID, &x.Operation, &x.Purpose, &x.Status, &x.AmountCents, &x.Currency,
				&x.CardBrand, &x.CardLast4, tsScan{&x.CreatedAt}, tspScan{&x.ResolvedAt}); err != nil {
				return err
			}
			f.Payments = append(f.Payments, x)
			return nil
		})
		if err != nil {
			return err
		}

		rows, err = q.QueryContext(ctx, `SELECT brand, last4, exp_month, exp_year, created_at, deleted_at FROM payment_cards
			WHERE tenant_id = $1 AND customer_id = $2 ORDER BY id`, sc.tenant(), id)
		if err != nil {
			return err
		}
		err = eachRow(rows, func() error {
			var x customer.FileCard
			if err := rows.Scan(&x.Brand, &x.Last4, &x.ExpMonth, &x.ExpYear, tsScan{&x.CreatedAt}, tspScan{&x.DeletedAt}); err != nil {
				return err
			}
			f.Cards = append(f.Cards, x)
			return nil
		})
		if err != nil {
			return err
		}

		a = args{sc.tenant(), id}
		where := `i.tenant_id = $1 AND i.customer_id = $2`
		if !sc.a.AllStations() {
			where += ` AND ` + sc.invoices(&a)
		}
		rows, err = q.QueryContext(ctx, `SELECT i.id, i.kind, i.number, i.issued_at, COALESCE(i.reservation_id, 0), i.gross_cents,
			i.due_cents, i.currency, i.recipient FROM invoices i WHERE `+where+` ORDER BY i.id`, a...)
		if err != nil {
			return err
		}
		err = eachRow(rows, func() error {
			var x customer.FileInvoice
			if err := rows.Scan(&x.ID, &x.Kind, &x.Number, tsScan{&x.IssuedAt}, &x.ReservationID, &x.GrossCents, &x.DueCents,
				&x.Currency, &x.Recipient); err != nil {
				return err
			}
			f.Invoices = append(f.Invoices, x)
			return nil
		})
		if err != nil {
			return err
		}

		a = args{sc.tenant(), id}
		where = `e.tenant_id = $1 AND (e.customer_id = $2 OR e.reservation_id IN (SELECT re.id FROM reservations re
			WHERE re.tenant_id = $1 AND re.customer_id = $2))`
		if !sc.a.AllStations() {
			where += ` AND ` + sc.stations("e.station_id", &a)
		}
		rows, err = q.QueryContext(ctx, `SELECT e.id, e.kind, e.to_addr, e.subject, e.body_text, e.status, e.created_at, e.sent_at
			FROM emails e WHERE `+where+` ORDER BY e.id`, a...)
		if err != nil {
			return err
		}
		err = eachRow(rows, func() error {
			var x customer.FileEmail
			if err := rows.Scan(&x.ID, &x.Kind, &x.To, &x.Subject, &x.BodyText, &x.Status, tsScan{&x.CreatedAt}, tspScan{&x.SentAt}); err != nil {
				return err
			}
			f.Emails = append(f.Emails, x)
			return nil
		})
		if err != nil {
			return err
		}

		a = args{sc.tenant(), id}
		rows, err = q.QueryContext(ctx, `SELECT l.at, l.actor_name, l.entity, l.entity_id, l.action, l.before, l.after
			FROM audit_log l WHERE l.tenant_id = $1 AND (
				(l.entity = 'customer' AND l.entity_id = $2)
				OR (l.entity = 'reservation' AND l.entity_id IN (SELECT ra.id FROM reservations ra WHERE ra.tenant_id = $1
					AND ra.customer_id = $2 AND `+sc.stations("ra.station_id", &a)+`))
				OR (l.entity = 'contract' AND l.entity_id IN (SELECT ka.id FROM contracts ka WHERE ka.tenant_id = $1
					AND ka.customer_id = $2 AND `+sc.stations("ka.station_id", &a)+`)))
			ORDER BY l.id`, a...)
		if err != nil {
			return err
		}
		return eachRow(rows, func() error {
			var x customer.FileAudit
			if err := rows.Scan(tsScan{&x.At}, &x.Actor, &x.Entity, &x.EntityID, &x.Action, &x.Before, &x.After); err != nil {
				return err
			}
			f.Audit = append(f.Audit, x)
			return nil
		})
	})
	return f, err
}

// eachRow calls fn for every row and closes rows.
func eachRow(rows *sql.Rows, fn func() error) error {
	defer rows.Close()
	for rows.Next() {
		if err := fn(); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Erasure codes: what EraseCustomer deleted or kept.
const (
	ErasedPhone         = "phone"
	ErasedBirthDate     = "birth_date"
	ErasedLicence       = "licence"
	ErasedMarketing     = "marketing_consent"
	ErasedEmailBodies   = "email_bodies"
	ErasedCards         = "stored_cards"
	ErasedPhotos        = "damage_photos"
	ErasedDrivers       = "driver_licences"
	ErasedAuditDetails  = "audit_details"
	ErasedNameAddress   = "name_address"
	KeptNameAddress     = "name_address_for_invoices"
	KeptInvoices        = "invoices"
	KeptBookings        = "bookings"
	erasedNamePlacehold = "[gelöscht]"
)

// EraseCustomer answers a GDPR erasure request in one transaction: it deletes
// what no retention duty keeps and blocks (restricts) the customer until the
// end of the tenant's retention period, counted from the end of the year of
// the customer's last invoice (§147(4) AO). Without invoices nothing needs
// keeping: name, address and e-mail are anonymised as well and erase_after
// is today. Administrators only.
func (s *Store) EraseCustomer(ctx context.Context, id int64) (customer.Erasure, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return customer.Erasure{}, err
	}
	if err := sc.requireAdmin(); err != nil {
		return customer.Erasure{}, err
	}
	var out customer.Erasure
	err = s.write(ctx, func(tx *sql.Tx) error {
		if err := s.dialect.lockRow(ctx, tx, `SELECT 1 FROM customers WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id); err != nil {
			return err
		}
		c, err := s.visibleCustomer(ctx, tx, sc, id)
		if err != nil {
			return err
		}
		if c.RestrictedAt != nil {
			return errs.Conflict("customer_erased")
		}
		var open int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM reservations WHERE tenant_id = $1 AND customer_id = $2
			AND status IN ('pending_payment','confirmed','active')`, sc.tenant(), id).Scan(&open); err != nil {
			return err
		}
		if open > 0 {
			return errs.Conflict("booking_running")
		}
		var years, photoDays int
		if err := tx.QueryRowContext(ctx, `SELECT retention_years, photo_retention_days FROM tenants WHERE id = $1`, sc.tenant()).
			Scan(&years, &photoDays); err != nil {
			return notFound(err, "tenant_not_found")
		}
		var nInv int
		var lastInv *time.Time
		if err := tx.QueryRowContext(ctx, `SELECT count(*), max(issued_at) FROM invoices WHERE tenant_id = $1 AND customer_id = $2`,
			sc.tenant(), id).Scan(&nInv, tspScan{&lastInv}); err != nil {
			return err
		}
		now := s.Now()
		out.RestrictedAt = now
		out.EraseAfter = now.Format("2006-01-02")
		if nInv > 0 && lastInv != nil {
			out.EraseAfter = fmt.Sprintf("%04d-12-31", lastInv.In(berlinLoc).Year()+years)
		}
		out.Deleted = []string{ErasedPhone, ErasedBirthDate, ErasedLicence, ErasedMarketing}
		if _, err := tx.ExecContext(ctx, `UPDATE customers SET phone = '', birth_date = NULL, licence_number = '', licence_class = '',
			licence_issued_on = NULL, licence_country = '', marketing_consent_at = NULL, restricted_at = $1, erase_after = $2,
			updated_at = $1 WHERE tenant_id = $3 AND id = $4`, ts(now), out.EraseAfter, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		if nInv == 0 {
			placeholder := fmt.Sprintf("erased-%d@invalid.invalid", id)
			if _, err := tx.ExecContext(ctx, `UPDATE customers SET email = $1, email_lower = $1, company = '', first_name = $2,
				last_name = $2, street = '', postal_code = '', city = '', vat_id = '' WHERE tenant_id = $3 AND id = $4`,
				placeholder, erasedNamePlacehold, sc.tenant(), id); err != nil {
				return mapErr(err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE reservations SET `+blankBilling+` WHERE tenant_id = $1 AND customer_id = $2`,
				sc.tenant(), id); err != nil {
				return mapErr(err)
			}
			out.Deleted = append(out.Deleted, ErasedNameAddress)
			out.Kept = []string{KeptBookings}
		} else {
			out.Kept = []string{KeptNameAddress, KeptInvoices, KeptBookings}
			// what ended bookings still carried of the customer's data
			if _, err := tx.ExecContext(ctx, `UPDATE reservations SET customer_update = NULL WHERE tenant_id = $1 AND customer_id = $2`,
				sc.tenant(), id); err != nil {
				return mapErr(err)
			}
		}
		mine := `(customer_id = $2 OR reservation_id IN (SELECT r.id FROM reservations r WHERE r.tenant_id = $1 AND r.customer_id = $2))`
		if _, err := tx.ExecContext(ctx, `DELETE FROM email_attachments WHERE tenant_id = $1 AND document_id IS NULL AND email_id IN
			(SELECT id FROM emails WHERE tenant_id = $1 AND status <> 'queued' AND `+mine+`)`, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE emails SET body_text = '', body_html = '' WHERE tenant_id = $1
			AND status <> 'queued' AND `+mine, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE payment_cards SET deleted_at = $1 WHERE tenant_id = $2 AND customer_id = $3
			AND deleted_at IS NULL`, ts(now), sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		// the booking pages close, and the licence data entered on them goes
		if _, err := tx.ExecContext(ctx, `UPDATE reservations SET page_token_hash = NULL, precheckin = NULL, precheckin_at = NULL
			WHERE tenant_id = $1 AND customer_id = $2`, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		// webhook events carry the customer's name and e-mail as the API
		// showed them; no duty keeps them (their deliveries go with them)
		if _, err := tx.ExecContext(ctx, `DELETE FROM webhook_events WHERE tenant_id = $1 AND reservation_id IN
			(SELECT r.id FROM reservations r WHERE r.tenant_id = $1 AND r.customer_id = $2)`, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contract_drivers SET birth_date = NULL, licence_number = '', licence_class = '',
			licence_issued_on = NULL, licence_country = '' WHERE tenant_id = $1 AND contract_id IN
			(SELECT k.id FROM contracts k WHERE k.tenant_id = $1 AND k.customer_id = $2)`, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		photos := `FROM damage_photos WHERE tenant_id = $1 AND created_at < $3 AND damage_id IN
			(SELECT d.id FROM damages d JOIN contracts k ON k.id = d.contract_id WHERE d.tenant_id = $1 AND k.customer_id = $2)`
		rows, err := tx.QueryContext(ctx, `SELECT storage_key `+photos+` AND storage <> 'db' ORDER BY id`,
			sc.tenant(), id, ts(now.AddDate(0, 0, -photoDays)))
		if err != nil {
			return err
		}
		for rows.Next() {
			var key string
			if err := rows.Scan(&key); err != nil {
				rows.Close()
				return err
			}
			out.PhotoKeys = append(out.PhotoKeys, key)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE `+photos, sc.tenant(), id, ts(now.AddDate(0, 0, -photoDays))); err != nil {
			return mapErr(err)
		}
		// Earlier audit entries of the customer hold the erased values.
		if _, err := tx.ExecContext(ctx, `UPDATE audit_log SET before = '', after = '{"erased":true}' WHERE tenant_id = $1
			AND entity = 'customer' AND entity_id = $2`, sc.tenant(), id); err != nil {
			return mapErr(err)
		}
		out.Deleted = append(out.Deleted, ErasedEmailBodies, ErasedCards, ErasedDrivers, ErasedPhotos, ErasedAuditDetails)
		return s.appendAudit(ctx, tx, sc, 0, "customer", id, "erasure", nil, map[string]any{
			"deleted": out.Deleted, "kept": out.Kept, "restricted_at": now, "erase_after": out.EraseAfter})
	})
	return out, err
}

// berlinLoc is the time zone in which invoice years are counted.
var berlinLoc = func() *time.Location {
	l, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		return time.UTC
	}
	return l
}()
