package store

import (
	"context"
	"database/sql"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/pricing"
)

// UpdateTariff validates and saves a tariff and replaces its categories;
// admins only. Errors: KindInvalid with field errors (also for a code another
// tariff has or a category of another tenant), KindNotFound, KindForbidden.
func (s *Store) UpdateTariff(ctx context.Context, t *pricing.Tariff) error {
	sc, err := tenantScope(ctx)
	if err != nil {
		return err
	}
	if err := sc.requireAdmin(); err != nil {
		return err
	}
	if t.ChargingRule == "" {
		t.ChargingRule = pricing.ChargeNone
	}
	if err := t.Validate(); err != nil {
		return err
	}
	return s.write(ctx, func(tx *sql.Tx) error {
		old, err := scanTariff(tx.QueryRowContext(ctx, `SELECT `+tariffCols+` FROM tariffs WHERE tenant_id = $1 AND id = $2`,
			sc.tenant(), t.ID))
		if err != nil {
			return notFound(err, "tariff_not_found")
		}
		if old.CategoryIDs, err = tariffCategories(ctx, tx, old.ID); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE tariffs SET code=$1, name=$2, kind=$3, price_per_day_cents=$4,
			included_km_per_day=$5, extra_km_cents=$6, refuel_per_eighth_cents=$7, refuel_per_litre_cents=$8,
			cleaning_fee_cents=$9, deposit_cents=$10, day_counting=$11, grace_minutes=$12, vat_rate_bp=$13,
			valid_from=$14, valid_to=$15, active=$16, updated_at=$17, charging_rule=$20, charging_price_cents=$21
			WHERE tenant_id=$18 AND id=$19`,
			t.Code, t.Name, t.Kind, t.PricePerDayCents, t.IncludedKMPerDay, t.ExtraKMCents, t.RefuelPerEighthCents,
			t.RefuelPerLitreCents, t.CleaningFeeCents, t.DepositCents, t.DayCounting, t.GraceMinutes, t.VATRateBP,
			t.ValidFrom, dateArg(t.ValidTo), t.Active, ts(s.Now()), sc.tenant(), t.ID, t.ChargingRule, t.ChargingPriceCents)
		if classify(err) == dbErrUnique {
			return errs.Invalid("error.fields_invalid", errs.Field("code", "tariff.code_taken"))
		}
		if err != nil {
			return mapErr(err)
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tariff_categories WHERE tenant_id = $1 AND tariff_id = $2`,
			sc.tenant(), t.ID); err != nil {
			return mapErr(err)
		}
		for _, cid := range t.CategoryIDs {
			_, err := tx.ExecContext(ctx, `INSERT INTO tariff_categories (tenant_id, tariff_id, category_id) VALUES ($1,$2,$3)`,
				sc.tenant(), t.ID, cid)
			if k := classify(err); k == dbErrForeignKey || k == dbErrUnique {
				return errs.Invalid("error.fields_invalid", errs.Field("categories", "tariff.categories_own"))
			}
			if err != nil {
				return mapErr(err)
			}
		}
		t.TenantID = sc.tenant()
		return s.appendAudit(ctx, tx, sc, 0, "tariff", t.ID, "update", old, t)
	})
}
