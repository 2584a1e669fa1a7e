package store

import (
	"context"
	"database/sql"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/payer"
)

const payerCols = `id, tenant_id, kind, name, street, postal_code, city, country, vat_id, buyer_reference,
	payment_days, email, cap_days, cap_cents, covers, active, collective`

func scanPayer(row interface{ Scan(...any) error }) (payer.Payer, error) {
	var p payer.Payer
	var covers string
	err := row.Scan(&p.ID, &p.TenantID, &p.Kind, &p.Name, &p.Street, &p.PostalCode, &p.City, &p.Country, &p.VATID,
		&p.BuyerReference, &p.PaymentDays, &p.Email, &p.CapDays, &p.CapCents, &covers, &p.Active, &p.Collective)
	p.Covers = map[string]bool{}
	for _, part := range strings.Split(covers, ",") {
		if part != "" {
			p.Covers[part] = true
		}
	}
	return p, err
}

// coversText is the stored form of a payer's covered parts, in Parts order.
func coversText(p *payer.Payer) string {
	var on []string
	for _, part := range payer.Parts {
		if p.Covers[part] {
			on = append(on, part)
		}
	}
	return strings.Join(on, ",")
}

// ListPayers returns the payers of the actor's tenant by name, with their
// rates.
func (s *Store) ListPayers(ctx context.Context) ([]payer.Payer, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	var out []payer.Payer
	err = s.read(ctx, func(q querier) error {
		rows, err := q.QueryContext(ctx, `SELECT `+payerCols+` FROM payers WHERE tenant_id = $1 ORDER BY name, id`, sc.tenant())
		if err != nil {
			return err
		}
		defer rows.Close()
		index := map[int64]int{}
		for rows.Next() {
			p, err := scanPayer(rows)
			if err != nil {
				return err
			}
			index[p.ID] = len(out)
			out = append(out, p)
		}
		if err := rows.Err(); err != nil {
			return err
		}
		rrows, err := q.QueryContext(ctx, `SELECT payer_id, category_id, price_per_day_cents FROM payer_rates
			WHERE tenant_id = $1 ORDER BY payer_id, category_id`, sc.tenant())
		if err != nil {
			return err
		}
		defer rrows.Close()
		for rrows.Next() {
			var pid int64
			var r payer.Rate
			if err := rrows.Scan(&pid, &r.CategoryID, &r.PricePerDayCents); err != nil {
				return err
			}
			if i, ok := index[pid]; ok {
				out[i].Rates = append(out[i].Rates, r)
			}
		}
		return rrows.Err()
	})
	return out, err
}

// Payer returns one payer of the actor's tenant with its rates. Errors:
// KindNotFound.
func (s *Store) Payer(ctx context.Context, id int64) (payer.Payer, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return payer.Payer{}, err
	}
	var p payer.Payer
	err = s.read(ctx, func(q querier) error {
		var err error
		p, err = payerTx(ctx, q, sc.tenant(), id)
		return err
	})
	return p, err
}

// payerTx reads payer id of tenant with its rates. Errors: KindNotFound.
func payerTx(ctx context.Context, q querier, tenant, id int64) (payer.Payer, error) {
	p, err := scanPayer(q.QueryRowContext(ctx, `SELECT `+payerCols+` FROM payers WHERE tenant_id = $1 AND id = $2`, tenant, id))
	if err != nil {
		return p, notFound(err, "payer_not_found")
	}
	rows, err := q.QueryContext(ctx, `SELECT category_id, price_per_day_cents FROM payer_rates
		WHERE tenant_id = $1 AND payer_id = $2 ORDER BY category_id`, tenant, id)
	if err != nil {
		return p, err
	}
	defer rows.Close()
	for rows.Next() {
		var r payer.Rate
		if err := rows.Scan(&r.CategoryID, &r.PricePerDayCents); err != nil {
			return p, err
		}
		p.Rates = append(p.Rates, r)
	}
	return p, rows.Err()
}

// CreatePayer normalizes, validates and creates a payer with its rates;
// admins only. Errors: KindInvalid with field errors (also for a name
// another payer of the tenant has, or a category of another tenant),
// KindForbidden.
func (s *Store) CreatePayer(ctx context.Context, p *payer.Payer) error {
	return s.savePayer(ctx, p, true)
}

// UpdatePayer normalizes, validates and saves a payer and replaces its
// rates; admins only. Errors: as CreatePayer, and KindNotFound.
func (s *Store) UpdatePayer(ctx context.Context, p *payer.Payer) error {
	return s.savePayer(ctx, p, false)
}

func (s *Store) savePayer(ctx context.Context, p *payer.Payer, create bool) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	p.Normalize()
	if err := p.Validate(); err != nil {
		return err
	}
	now := ts(s.Now())
	return s.write(ctx, func(tx *sql.Tx) error {
		var old any
		var err error
		if create {
			err = tx.QueryRowContext(ctx, `INSERT INTO payers (tenant_id, kind, name, street, postal_code, city, country,
				vat_id, buyer_reference, payment_days, cap_days, cap_cents, covers, active, created_at, updated_at, email, collective)
				VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18) RETURNING id`,
				sc.tenant(), p.Kind, p.Name, p.Street, p.PostalCode, p.City, p.Country, p.VATID, p.BuyerReference,
				p.PaymentDays, p.CapDays, p.CapCents, coversText(p), p.Active, now, now, p.Email, p.Collective).Scan(&p.ID)
		} else {
			prev, perr := payerTx(ctx, tx, sc.tenant(), p.ID)
			if perr != nil {
				return perr
			}
			old = prev
			_, err = tx.ExecContext(ctx, `UPDATE payers SET kind=$1, name=$2, street=$3, postal_code=$4, city=$5,
				country=$6, vat_id=$7, buyer_reference=$8, payment_days=$9, cap_days=$10, cap_cents=$11, covers=$12,
				active=$13, updated_at=$14, email=$17, collective=$18 WHERE tenant_id=$15 AND id=$16`,
				p.Kind, p.Name, p.Street, p.PostalCode, p.City, p.Country, p.VATID, p.BuyerReference, p.PaymentDays,
				p.CapDays, p.CapCents, coversText(p), p.Active, now, sc.tenant(), p.ID, p.Email, p.Collective)
			if err == nil {
				_, err = tx.ExecContext(ctx, `DELETE FROM payer_rates WHERE tenant_id = $1 AND payer_id = $2`, sc.tenant(), p.ID)
			}
		}
		if classify(err) == dbErrUnique {
			return errs.Invalid("error.fields_invalid", errs.Field("name", "payer.name_taken"))
		}
		if err != nil {
			return mapErr(err)
		}
		for _, r := range p.Rates {
			_, err := tx.ExecContext(ctx, `INSERT INTO payer_rates (tenant_id, payer_id, category_id, price_per_day_cents)
				VALUES ($1,$2,$3,$4)`, sc.tenant(), p.ID, r.CategoryID, r.PricePerDayCents)
			if k := classify(err); k == dbErrForeignKey || k == dbErrUnique {
				return errs.Invalid("error.fields_invalid", errs.Field("rates", "payer.rate_category"))
			}
			if err != nil {
				return mapErr(err)
			}
		}
		p.TenantID = sc.tenant()
		action := "update"
		if create {
			action = "create"
		}
		return s.appendAudit(ctx, tx, sc, 0, "payer", p.ID, action, old, p)
	})
}
