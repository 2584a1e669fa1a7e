package store

import (
	"context"
	"database/sql"
	"slices"

	"mietwerk.dev/mietwerk/errs"
	"mietwerk.dev/mietwerk/pricing"
)

const tariffCols = `id, tenant_id, code, name, kind, price_per_day_cents, included_km_per_day, extra_km_cents,
	refuel_per_eighth_cents, refuel_per_litre_cents, cleaning_fee_cents, deposit_cents, day_counting, grace_minutes,
	vat_rate_bp, valid_from, valid_to, active, charging_rule, charging_price_cents`

func scanTariff(row interface{ Scan(...any) error }) (pricing.Tariff, error) {
	var t pricing.Tariff
	err := row.Scan(&t.ID, &t.TenantID, &t.Code, &t.Name, &t.Kind, &t.PricePerDayCents, &t.IncludedKMPerDay,
		&t.ExtraKMCents, &t.RefuelPerEighthCents, &t.RefuelPerLitreCents, &t.CleaningFeeCents, &t.DepositCents,
		&t.DayCounting, &t.GraceMinutes, &t.VATRateBP, dateScan{&t.ValidFrom}, dateScan{&t.ValidTo}, &t.Active,
		&t.ChargingRule, &t.ChargingPriceCents)
	return t, err
}

// CreateTariff validates and creates a tariff with its categories; admins only.
func (s *Store) CreateTariff(ctx context.Context, t *pricing.Tariff) error {
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
	t.TenantID = sc.tenant()
	now := s.Now()
	return s.write(ctx, func(tx *sql.Tx) error {
		err := tx.QueryRowContext(ctx, `INSERT INTO tariffs (tenant_id, code, name, kind, price_per_day_cents,
			included_km_per_day, extra_km_cents, refuel_per_eighth_cents, refuel_per_litre_cents, cleaning_fee_cents,
			deposit_cents, day_counting, grace_minutes, vat_rate_bp, valid_from, valid_to, active, created_at, updated_at,
			charging_rule, charging_price_cents)
			VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21) RETURNING id`,
			t.TenantID, t.Code, t.Name, t.Kind, t.PricePerDayCents, t.IncludedKMPerDay, t.ExtraKMCents,
			t.RefuelPerEighthCents, t.RefuelPerLitreCents, t.CleaningFeeCents, t.DepositCents, t.DayCounting,
			t.GraceMinutes, t.VATRateBP, t.ValidFrom, dateArg(t.ValidTo), t.Active, ts(now), ts(now),
			t.ChargingRule, t.ChargingPriceCents).Scan(&t.ID)
		if classify(err) == dbErrUnique {
			return errs.Invalid("error.fields_invalid", errs.Field("code", "tariff.code_taken"))
		}
		if err != nil {
			return mapErr(err)
		}
		for _, cid := range t.CategoryIDs {
			_, err := tx.ExecContext(ctx, `INSERT INTO tariff_categories (tenant_id, tariff_id, category_id) VALUES ($1,$2,$3)`,
				t.TenantID, t.ID, cid)
			if classify(err) == dbErrForeignKey {
				return errs.Invalid("error.fields_invalid", errs.Field("categories", "tariff.categories_own"))
			}
			if err != nil {
				return mapErr(err)
			}
		}
		return nil
	})
}

// ListTariffs returns the tariffs of the actor's tenant with their
// categories (from the configuration cache).
func (s *Store) ListTariffs(ctx context.Context) ([]pricing.Tariff, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return nil, err
	}
	ts, err := cachedConfig(ctx, s, sc.tenant(), "tariffs", func() ([]pricing.Tariff, error) {
		return s.loadTariffs(ctx, sc.tenant())
	})
	out := slices.Clone(ts)
	for i := range out {
		out[i].CategoryIDs = slices.Clone(out[i].CategoryIDs)
	}
	return out, err
}

func (s *Store) loadTariffs(ctx context.Context, tenant int64) ([]pricing.Tariff, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+tariffCols+` FROM tariffs WHERE tenant_id = $1 ORDER BY code`, tenant)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []pricing.Tariff
	index := map[int64]int{}
	for rows.Next() {
		t, err := scanTariff(rows)
		if err != nil {
			return nil, err
		}
		index[t.ID] = len(out)
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	crows, err := s.db.QueryContext(ctx, `SELECT tariff_id, category_id FROM tariff_categories WHERE tenant_id = $1
		ORDER BY tariff_id, category_id`, tenant)
	if err != nil {
		return nil, err
	}
	defer crows.Close()
	for crows.Next() {
		var tid, cid int64
		if err := crows.Scan(&tid, &cid); err != nil {
			return nil, err
		}
		if i, ok := index[tid]; ok {
			out[i].CategoryIDs = append(out[i].CategoryIDs, cid)
		}
	}
	return out, crows.Err()
}

// Tariff returns one tariff of the actor's tenant. Errors: KindNotFound.
func (s *Store) Tariff(ctx context.Context, id int64) (pricing.Tariff, error) {
	sc, err := tenantScope(ctx)
	if err != nil {
		return pricing.Tariff{}, err
	}
	t, err := scanTariff(s.db.QueryRowContext(ctx, `SELECT `+tariffCols+` FROM tariffs WHERE tenant_id = $1 AND id = $2`, sc.tenant(), id))
	if err != nil {
		return t, notFound(err, "tariff_not_found")
	}
	t.CategoryIDs, err = tariffCategories(ctx, s.db, t.ID)
	return t, err
}

func tariffCategories(ctx context.Context, q querier, tariffID int64) ([]int64, error) {
	return queryIDs(ctx, q, `SELECT category_id FROM tariff_categories WHERE tariff_id = $1 ORDER BY category_id`, tariffID)
}
