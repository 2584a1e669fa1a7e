-- Money and documents agree (issue 14). The PostgreSQL file
-- 0013_money_docs.sql is the equivalent.
--
-- How each invoice and credit note was paid or paid back (JSON, see
-- invoice.Payment) and its note, stored with it so that its PDF and its
-- e-invoice (also one built later for download) print the same; NULL for
-- documents issued before (their payment is derived from the payments).
ALTER TABLE invoices ADD COLUMN payment text;
ALTER TABLE invoices ADD COLUMN note text NOT NULL DEFAULT '';
-- VAT category of a line: S taxed at its rate, O not subject to VAT
-- (genuine damage compensation, Abschn. 1.3 UStAE; EN 16931 category O).
ALTER TABLE invoice_lines ADD COLUMN tax_category text NOT NULL DEFAULT 'S' CHECK (tax_category IN ('S','O'));
-- Damage charges carry VAT only when the tenant says so (default: genuine
-- damage compensation, not subject to VAT).
ALTER TABLE tenants ADD COLUMN damage_taxable INTEGER NOT NULL DEFAULT 0;
-- A cancelled booking keeps the fee charged and, when staff waived it, why.
ALTER TABLE reservations ADD COLUMN cancel_fee_cents INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reservations ADD COLUMN cancel_fee_waived text NOT NULL DEFAULT '';
-- The terms snapshot of a contract (JSON, see pricing.Terms): the prices
-- and rules it is billed by, taken at handover and replaced only by a
-- recorded change. Contracts that exist already get one now from their
-- current tariff (the prices their billing used until now), with the
-- deposit of their booking (what is actually held, not what the tariff
-- asks today), their vehicle's tank and the tenant's VAT rate where the
-- tariff has none; "source" says this migration took it.
ALTER TABLE contracts ADD COLUMN terms text NOT NULL DEFAULT '';
UPDATE contracts SET terms = (
    SELECT json_object(
        'tariff_id', t.id, 'tariff_code', t.code, 'tariff_name', t.name,
        'price_per_day_cents', t.price_per_day_cents,
        'included_km_per_day', t.included_km_per_day, 'extra_km_cents', t.extra_km_cents,
        'refuel_per_eighth_cents', t.refuel_per_eighth_cents, 'refuel_per_litre_cents', t.refuel_per_litre_cents,
        'tank_litres', v.tank_litres, 'cleaning_fee_cents', t.cleaning_fee_cents, 'deposit_cents', r.deposit_cents,
        'day_counting', t.day_counting, 'grace_minutes', t.grace_minutes,
        'vat_rate_bp', CASE WHEN t.vat_rate_bp <> 0 THEN t.vat_rate_bp ELSE tn.vat_rate_bp END,
        'damage_taxable', json('false'), 'source', 'migration')
    FROM tariffs t, reservations r, vehicles v, tenants tn
    WHERE t.id = contracts.tariff_id AND r.id = contracts.reservation_id AND v.id = contracts.vehicle_id
      AND tn.id = contracts.tenant_id)
WHERE terms = '';
