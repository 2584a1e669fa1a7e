-- Test mode: API keys are test or live. What a test key does — bookings,
-- their customers, payments (always through a simulator), invoices and the
-- cars they hold — is marked test: a live key never sees it, and test
-- bookings neither take cars from live ones nor enter the sales journal or
-- the invoice numbers of the real business (their documents are numbered
-- TEST-… in series of their own). The tenant's administrators can wipe all
-- test data. The SQLite file 0016_test_mode.sql is the equivalent.
ALTER TABLE api_clients ADD COLUMN test boolean NOT NULL DEFAULT false;
ALTER TABLE reservations ADD COLUMN test boolean NOT NULL DEFAULT false;
ALTER TABLE payments ADD COLUMN test boolean NOT NULL DEFAULT false;
ALTER TABLE payment_cards ADD COLUMN test boolean NOT NULL DEFAULT false;
ALTER TABLE invoices ADD COLUMN test boolean NOT NULL DEFAULT false;
ALTER TABLE allocations ADD COLUMN test boolean NOT NULL DEFAULT false;

-- Test customers are records of their own: a test booking with a real
-- customer's e-mail address never changes that customer. Customers are
-- unique per tenant by email_lower, which for a test customer carries the
-- prefix "test:" (the address itself stays in email).
ALTER TABLE customers ADD COLUMN test boolean NOT NULL DEFAULT false;

CREATE INDEX reservations_test ON reservations(tenant_id) WHERE test;

-- Test bookings hold cars in a world of their own: they never overlap each
-- other, and live bookings and blocks never overlap each other, but a test
-- booking and a live one may take the same car at the same time.
ALTER TABLE allocations DROP CONSTRAINT allocations_no_overlap;
ALTER TABLE allocations ADD CONSTRAINT allocations_no_overlap EXCLUDE USING gist (
    vehicle_id WITH =,
    tstzrange(starts_at, ends_at, '[)') WITH &&
) WHERE (NOT test);
ALTER TABLE allocations ADD CONSTRAINT allocations_test_no_overlap EXCLUDE USING gist (
    vehicle_id WITH =,
    tstzrange(starts_at, ends_at, '[)') WITH &&
) WHERE (test);

-- GoBD: issued documents are still never changed; besides a purged
-- customer's, a test customer's may be deleted (wiping test data): they
-- were never documents of the business.
CREATE OR REPLACE FUNCTION mietwerk_delete_after_retention() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ok boolean;
BEGIN
    IF TG_TABLE_NAME = 'invoices' THEN
        SELECT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = OLD.tenant_id AND c.id = OLD.customer_id
            AND (c.purged_at IS NOT NULL OR c.test)) INTO ok;
    ELSIF TG_TABLE_NAME IN ('invoice_lines', 'einvoices') THEN
        SELECT EXISTS (SELECT 1 FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
            WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id AND (c.purged_at IS NOT NULL OR c.test)) INTO ok;
    ELSE
        SELECT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = OLD.tenant_id AND (c.purged_at IS NOT NULL OR c.test) AND (
                c.id = (SELECT i.customer_id FROM invoices i WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id)
                OR c.id = (SELECT k.customer_id FROM contracts k WHERE k.tenant_id = OLD.tenant_id AND k.id = OLD.contract_id)
                OR c.id = (SELECT r.customer_id FROM reservations r WHERE r.tenant_id = OLD.tenant_id AND r.id = OLD.reservation_id)))
            INTO ok;
    END IF;
    IF NOT ok THEN
        RAISE EXCEPTION 'rows of % are immutable once issued', TG_TABLE_NAME USING ERRCODE = 'P0001';
    END IF;
    RETURN OLD;
END $$;
