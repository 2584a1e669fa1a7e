-- Test mode: API keys are test or live. What a test key does — bookings,
-- their customers, payments (always through a simulator), invoices and the
-- cars they hold — is marked test: a live key never sees it, and test
-- bookings neither take cars from live ones nor enter the sales journal or
-- the invoice numbers of the real business (their documents are numbered
-- TEST-… in series of their own). The tenant's administrators can wipe all
-- test data. The PostgreSQL file 0016_test_mode.sql is the equivalent.
ALTER TABLE api_clients ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
ALTER TABLE reservations ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payments ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
ALTER TABLE payment_cards ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
ALTER TABLE invoices ADD COLUMN test INTEGER NOT NULL DEFAULT 0;
ALTER TABLE allocations ADD COLUMN test INTEGER NOT NULL DEFAULT 0;

-- Test customers are records of their own: a test booking with a real
-- customer's e-mail address never changes that customer. Customers are
-- unique per tenant by email_lower, which for a test customer carries the
-- prefix "test:" (the address itself stays in email).
ALTER TABLE customers ADD COLUMN test INTEGER NOT NULL DEFAULT 0;

CREATE INDEX reservations_test ON reservations(tenant_id) WHERE test;

-- Test bookings hold cars in a world of their own (SQLite checks overlaps
-- in the write transaction, with the test flag; see allocateTx).

-- GoBD: issued documents are still never changed; besides a purged
-- customer's, a test customer's may be deleted (wiping test data).
DROP TRIGGER invoices_no_delete;
DROP TRIGGER invoice_lines_no_delete;
DROP TRIGGER documents_no_delete;
DROP TRIGGER einvoices_no_delete;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
WHEN NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = OLD.tenant_id AND c.id = OLD.customer_id
    AND (c.purged_at IS NOT NULL OR c.test))
BEGIN SELECT RAISE(ABORT, 'rows of invoices are immutable once issued'); END;
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
WHEN NOT EXISTS (SELECT 1 FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
    WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id AND (c.purged_at IS NOT NULL OR c.test))
BEGIN SELECT RAISE(ABORT, 'rows of invoice_lines are immutable once issued'); END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
WHEN NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = OLD.tenant_id AND (c.purged_at IS NOT NULL OR c.test) AND (
        c.id = (SELECT i.customer_id FROM invoices i WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id)
        OR c.id = (SELECT k.customer_id FROM contracts k WHERE k.tenant_id = OLD.tenant_id AND k.id = OLD.contract_id)
        OR c.id = (SELECT r.customer_id FROM reservations r WHERE r.tenant_id = OLD.tenant_id AND r.id = OLD.reservation_id)))
BEGIN SELECT RAISE(ABORT, 'rows of documents are immutable once issued'); END;
CREATE TRIGGER einvoices_no_delete BEFORE DELETE ON einvoices
WHEN NOT EXISTS (SELECT 1 FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
    WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id AND (c.purged_at IS NOT NULL OR c.test))
BEGIN SELECT RAISE(ABORT, 'rows of einvoices are immutable once issued'); END;
