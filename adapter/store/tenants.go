package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/invoice"
	"mietwerk.dev/mietwerk/secrets"
	"mietwerk.dev/mietwerk/tenancy"
)

const tenantCols = `id, slug, name, legal_name, street, postal_code, city, country, phone, email, website,
	vat_id, tax_number, register_court, register_number, managing_directors, bank_name, iban, bic, logo_png,
	default_language, currency, vat_rate_bp, invoice_number_pattern, credit_number_pattern, booking_number_prefix,
	deposit_mode, deposit_settlement, one_way_allowed, min_notice_minutes, max_rental_days, cancel_free_hours,
	cancel_fee_cents, retention_years, photo_retention_days, mail_from, mail_reply_to, api_charge_limit_cents,
	gateway_mode, gateway_store_id, gateway_api_key, gateway_secret, gateway_timeout_ms, gateway_simulator_url,
	damage_taxable, created_at, updated_at, early_handover_minutes, fine_fee_cents, test_drive_deductible_cents, test_drive_fee_cents`

func scanTenant(row interface{ Scan(...any) error }) (tenancy.Tenant, error) {
	var t tenancy.Tenant
	err := row.Scan(&t.ID, &t.Slug, &t.Name, &t.LegalName, &t.Street, &t.PostalCode, &t.City, &t.Country, &t.Phone,
		&t.Email, &t.Website, &t.VATID, &t.TaxNumber, &t.RegisterCourt, &t.RegisterNumber, &t.ManagingDirectors,
		&t.BankName, &t.IBAN, &t.BIC, &t.LogoPNG, &t.DefaultLanguage, &t.Currency, &t.VATRateBP,
		&t.InvoiceNumberPattern, &t.CreditNumberPattern, &t.BookingNumberPrefix, &t.DepositMode,
		&t.DepositSettlement, &t.OneWayAllowed, &t.MinNoticeMinutes, &t.MaxRentalDays, &t.CancelFreeHours,
		&t.CancelFeeCents, &t.RetentionYears, &t.PhotoRetentionDays, &t.MailFrom, &t.MailReplyTo, &t.APIChargeLimitCents,
		&t.Gateway.Mode, &t.Gateway.StoreID, &t.Gateway.APIKey, &t.Gateway.SealedSecret, &t.Gateway.TimeoutMS, &t.Gateway.SimulatorURL,
		&t.DamageTaxable, tsScan{&t.CreatedAt}, tsScan{&t.UpdatedAt}, &t.EarlyHandoverMinutes, &t.FineFeeCents, &t.TestDriveDeductibleCents, &t.TestDriveFeeCents)
	return t, err
}

func tenantArgs(t *tenancy.Tenant) []any {
	return []any{t.Slug, t.Name, t.LegalName, t.Street, t.PostalCode, t.City, t.Country, t.Phone, t.Email,
		t.Website, t.VATID, t.TaxNumber, t.RegisterCourt, t.RegisterNumber, t.ManagingDirectors, t.BankName,
		t.IBAN, t.BIC, t.LogoPNG, t.DefaultLanguage, t.Currency, t.VATRateBP, t.InvoiceNumberPattern,
		t.CreditNumberPattern, t.BookingNumberPrefix, t.DepositMode, t.DepositSettlement, t.OneWayAllowed,
		t.MinNoticeMinutes, t.MaxRentalDays, t.CancelFreeHours, t.CancelFeeCents, t.RetentionYears,
		t.PhotoRetentionDays, t.MailFrom, t.MailReplyTo, t.APIChargeLimitCents, t.Gateway.Mode, t.Gateway.StoreID, t.Gateway.APIKey,
		t.Gateway.SealedSecret, t.Gateway.TimeoutMS, t.Gateway.SimulatorURL, t.DamageTaxable}
}

// errPlainSecret refuses a gateway secret in plain text: the store keeps
// only sealed ones (secrets.Tenants seals it).
var errPlainSecret = errors.New("store: the gateway secret must be sealed before it is saved (wire the tenancy store through secrets.Tenants)")

// CreateTenant creates a tenant; only the all-tenants system actor may. The
// gateway secret is stored as Gateway.SealedSecret holds it; a plain-text
// Gateway.Secret is refused (an internal error).
func (s *Store) CreateTenant(ctx context.Context, t *tenancy.Tenant) error {
	sc, err := scopeOf(ctx)
	if err != nil {
		return err
	}
	if !sc.a.AllTenants() {
		return errs.Forbidden("forbidden.system_only")
	}
	if t.Gateway.Secret != "" {
		return errPlainSecret
	}
	t.Defaults()
	if t.Slug == "" || t.Name == "" || t.LegalName == "" {
		return errs.Invalid("tenant.required")
	}
	now := s.Now()
	t.CreatedAt, t.UpdatedAt = now, now
	return s.write(ctx, func(tx *sql.Tx) error {
		a := append(tenantArgs(t), ts(now), ts(now), t.EarlyHandoverMinutes, t.FineFeeCents, t.TestDriveDeductibleCents, t.TestDriveFeeCents)
		return mapErr(tx.QueryRowContext(ctx, `INSERT INTO tenants (`+tenantCols[len("id, "):]+`)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,
			$27,$28,$29,$30,$31,$32,$33,$34,$35,$36,$37,$38,$39,$40,$41,$42,$43,$44,$45,$46,$47,$48,$49,$50) RETURNING id`, a...).Scan(&t.ID))
	})
}

// Tenant returns the actor's tenant.
func (s *Store) Tenant(ctx context.Context) (tenancy.Tenant, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return tenancy.Tenant{}, err
	}
	set, err := s.setup(ctx, sc.tenant())
	return set.tenant, err
}

// TenantBySlug finds a tenant by slug; system actors only.
func (s *Store) TenantBySlug(ctx context.Context, slug string) (tenancy.Tenant, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return tenancy.Tenant{}, err
	}
	if sc.a.Kind != "system" {
		return tenancy.Tenant{}, errs.Forbidden("forbidden.system_only")
	}
	a := args{slug}
	q := `SELECT ` + tenantCols + ` FROM tenants WHERE slug = $1`
	if !sc.a.AllTenants() {
		q += ` AND id = ` + a.add(sc.tenant())
	}
	t, err := scanTenant(s.db.QueryRowContext(ctx, q, a...))
	return t, notFound(err, "tenant_not_found")
}

// ListTenants returns every tenant; all-tenants system actor only.
func (s *Store) ListTenants(ctx context.Context) ([]tenancy.Tenant, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if !sc.a.AllTenants() {
		return nil, errs.Forbidden("forbidden.system_only")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT `+tenantCols+` FROM tenants ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []tenancy.Tenant
	for rows.Next() {
		t, err := scanTenant(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// UpdateTenant saves the actor's tenant; admins only. An empty
// Gateway.SealedSecret keeps the stored secret (secrets are write-only); a
// plain-text Gateway.Secret is refused (an internal error: it is sealed by
// secrets.Tenants before it gets here).
func (s *Store) UpdateTenant(ctx context.Context, t *tenancy.Tenant) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	if t.Gateway.Secret != "" {
		return errPlainSecret
	}
	t.ID = sc.tenant()
	t.Normalize()
	t.Defaults()
	keepSecret := t.Gateway.SealedSecret == ""
	if keepSecret {
		// a saved secret is never sent back to forms; validate as if it were there
		if err := s.db.QueryRowContext(ctx, `SELECT gateway_secret FROM tenants WHERE id = $1`, t.ID).Scan(&t.Gateway.SealedSecret); err != nil {
			return notFound(err, "tenant_not_found")
		}
	}
	if err := t.Validate(invoice.ValidatePattern); err != nil {
		return err
	}
	now := s.Now()
	return s.write(ctx, func(tx *sql.Tx) error {
		if keepSecret { // the one stored now, should it have changed since
			if err := tx.QueryRowContext(ctx, `SELECT gateway_secret FROM tenants WHERE id = $1`, t.ID).Scan(&t.Gateway.SealedSecret); err != nil {
				return notFound(err, "tenant_not_found")
			}
		}
		a := append(tenantArgs(t), ts(now), t.ID)
		_, err := tx.ExecContext(ctx, `UPDATE tenants SET slug=$1, name=$2, legal_name=$3, street=$4, postal_code=$5,
			city=$6, country=$7, phone=$8, email=$9, website=$10, vat_id=$11, tax_number=$12, register_court=$13,
			register_number=$14, managing_directors=$15, bank_name=$16, iban=$17, bic=$18, logo_png=$19,
			default_language=$20, currency=$21, vat_rate_bp=$22, invoice_number_pattern=$23,
			credit_number_pattern=$24, booking_number_prefix=$25, deposit_mode=$26, deposit_settlement=$27,
			one_way_allowed=$28, min_notice_minutes=$29, max_rental_days=$30, cancel_free_hours=$31,
			cancel_fee_cents=$32, retention_years=$33, photo_retention_days=$34, mail_from=$35, mail_reply_to=$36,
			api_charge_limit_cents=$37, gateway_mode=$38, gateway_store_id=$39, gateway_api_key=$40, gateway_secret=$41,
			gateway_timeout_ms=$42, gateway_simulator_url=$43, damage_taxable=$44, updated_at=$45,
			early_handover_minutes=$47, fine_fee_cents=$48, test_drive_deductible_cents=$49, test_drive_fee_cents=$50 WHERE id=$46`,
			append(a, t.EarlyHandoverMinutes, t.FineFeeCents, t.TestDriveDeductibleCents, t.TestDriveFeeCents)...)
		t.UpdatedAt = now
		return mapErr(err)
	})
}

// SetGatewaySimulatorURL sets the actor's tenant's simulator URL (see
// tenancy.GatewaySettings.SimulatorURL; "" = the built-in simulator);
// admins and the system only. It changes nothing else. Errors: KindInvalid
// with the field gateway_simulator_url for a URL that is not one,
// KindForbidden, KindNotFound.
func (s *Store) SetGatewaySimulatorURL(ctx context.Context, u string) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	u = strings.TrimSpace(u)
	if !tenancy.ValidSimulatorURL(u) {
		var f errs.Fields
		f.Add("gateway_simulator_url", tenancy.SimulatorURLInvalid)
		return f.Err()
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tenants SET gateway_simulator_url = $1, updated_at = $2 WHERE id = $3`,
			u, ts(s.Now()), sc.tenant())
		if err != nil {
			return mapErr(err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.NotFound("tenant_not_found")
		}
		return nil
	})
}

// GatewaySecrets lists every tenant's stored gateway secret that is not
// empty, by tenant id (see secrets.Store); all-tenants system actor only.
// Errors: KindForbidden for anyone else.
func (s *Store) GatewaySecrets(ctx context.Context) ([]secrets.Stored, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return nil, err
	}
	if !sc.a.AllTenants() {
		return nil, errs.Forbidden("forbidden.system_only")
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, slug, gateway_secret FROM tenants WHERE gateway_secret <> '' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []secrets.Stored
	for rows.Next() {
		var v secrets.Stored
		if err := rows.Scan(&v.TenantID, &v.TenantSlug, &v.Value); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ReplaceGatewaySecret sets tenant tenantID's stored gateway secret to new
// if it still is old, and reports whether it did (see secrets.Store);
// all-tenants system actor only. Errors: KindForbidden for anyone else.
func (s *Store) ReplaceGatewaySecret(ctx context.Context, tenantID int64, old, new string) (bool, error) {
	sc, err := scopeOf(ctx)
	if err != nil {
		return false, err
	}
	if !sc.a.AllTenants() {
		return false, errs.Forbidden("forbidden.system_only")
	}
	var n int64
	err = s.write(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE tenants SET gateway_secret = $1 WHERE id = $2 AND gateway_secret = $3`,
			new, tenantID, old)
		if err != nil {
			return mapErr(err)
		}
		n, err = res.RowsAffected()
		return err
	})
	return n == 1, err
}
