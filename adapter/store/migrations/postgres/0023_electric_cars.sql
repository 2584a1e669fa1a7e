-- Electric cars (issue 18 point 4). A vehicle's fuel_type is its drive
-- type: petrol, diesel, lpg, hybrid, electric or plugin_hybrid; electric
-- and plug-in hybrid cars carry their battery's usable capacity (for
-- charging billed per kWh).
ALTER TABLE vehicles ADD COLUMN battery_kwh integer NOT NULL DEFAULT 0 CHECK (battery_kwh BETWEEN 0 AND 500);
-- its state of charge as last recorded (handover, return); NULL when none
ALTER TABLE vehicles ADD COLUMN charge_percent integer CHECK (charge_percent BETWEEN 0 AND 100);

-- A handover or return of an electric or plug-in car records its state of
-- charge (0–100 %) and, when the car shows it, its range; NULL on others.
ALTER TABLE protocols ADD COLUMN charge_percent integer CHECK (charge_percent BETWEEN 0 AND 100);
ALTER TABLE protocols ADD COLUMN range_km integer CHECK (range_km BETWEEN 0 AND 2000);

-- What a tariff bills for charge missing at the return: nothing, a price
-- per percentage point, or a price per kWh (missing % of the capacity).
ALTER TABLE tariffs ADD COLUMN charging_rule text NOT NULL DEFAULT 'none' CHECK (charging_rule IN ('none','per_percent','per_kwh'));
ALTER TABLE tariffs ADD COLUMN charging_price_cents bigint NOT NULL DEFAULT 0 CHECK (charging_price_cents >= 0);
