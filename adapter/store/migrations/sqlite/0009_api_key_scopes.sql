-- API keys get scopes, as Stripe has publishable and secret keys:
--   public  browsers (the dealer's website): stations, categories,
--           availability, creating a booking, and reading, changing or
--           cancelling a booking only with that booking's secret;
--   secret  the dealer's own server: every booking operation;
--   staff   tablet apps: handover and return, damage charges up to the
--           tenant's api_charge_limit_cents per charge.
-- Keys created before scopes become public keys: they were made for
-- websites and may sit in a browser page, so they keep creating bookings but
-- can no longer read, change or cancel bookings by number, nor hand over or
-- take back cars. A dealer's server or tablet needs a new secret or staff key.
ALTER TABLE api_clients ADD COLUMN scope text NOT NULL DEFAULT 'public'
    CHECK (scope IN ('public','secret','staff'));

-- The hash (SHA-256, hex) of the per-booking secret handed to the creator of
-- an API booking; NULL for bookings made at the counter or before secrets.
ALTER TABLE reservations ADD COLUMN secret_hash text;

-- The most a staff key may charge for one damage at a return (cents; 0: a
-- staff key may not charge damages at all).
ALTER TABLE tenants ADD COLUMN api_charge_limit_cents INTEGER NOT NULL DEFAULT 50000
    CHECK (api_charge_limit_cents >= 0);
