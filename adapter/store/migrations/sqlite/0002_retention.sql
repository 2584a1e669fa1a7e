-- Retention (GDPR Art. 17 once the legal retention period has ended; card tokens deleted at the gateway).
-- Forward-only; the PostgreSQL file 0002_retention.sql is the equivalent.

-- purged_at: when the data the retention duty kept was finally deleted (set once, by the retention job).
ALTER TABLE customers ADD COLUMN purged_at TEXT;
CREATE INDEX customers_erase_due ON customers(erase_after) WHERE restricted_at IS NOT NULL AND purged_at IS NULL;

-- A card deleted locally (deleted_at) is also deleted at the gateway (DELETE /payment-tokens/{id}):
-- gateway_deleted_at when that is done, attempts and the last error for staff, and a short claim so that
-- two processes do not send the same deletion at once.
ALTER TABLE payment_cards ADD COLUMN gateway_deleted_at TEXT;
ALTER TABLE payment_cards ADD COLUMN gateway_delete_attempts integer NOT NULL DEFAULT 0;
ALTER TABLE payment_cards ADD COLUMN gateway_delete_error text NOT NULL DEFAULT '';
ALTER TABLE payment_cards ADD COLUMN gateway_delete_claimed_until TEXT;
CREATE INDEX payment_cards_gateway_delete ON payment_cards(tenant_id, customer_id)
    WHERE deleted_at IS NOT NULL AND gateway_deleted_at IS NULL;

-- GoBD: issued invoices, their lines and issued documents are still never changed. They may be deleted
-- only once the retention period has ended, i.e. when the customer they belong to has been purged
-- (customers.purged_at, set by the retention job in the same transaction before it deletes them).
DROP TRIGGER invoices_no_delete;
DROP TRIGGER invoice_lines_no_delete;
DROP TRIGGER documents_no_delete;
CREATE TRIGGER invoices_no_delete BEFORE DELETE ON invoices
WHEN NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = OLD.tenant_id AND c.id = OLD.customer_id
    AND c.purged_at IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'rows of invoices are immutable once issued'); END;
CREATE TRIGGER invoice_lines_no_delete BEFORE DELETE ON invoice_lines
WHEN NOT EXISTS (SELECT 1 FROM invoices i JOIN customers c ON c.tenant_id = i.tenant_id AND c.id = i.customer_id
    WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id AND c.purged_at IS NOT NULL)
BEGIN SELECT RAISE(ABORT, 'rows of invoice_lines are immutable once issued'); END;
CREATE TRIGGER documents_no_delete BEFORE DELETE ON documents
WHEN NOT EXISTS (SELECT 1 FROM customers c WHERE c.tenant_id = OLD.tenant_id AND c.purged_at IS NOT NULL AND (
        c.id = (SELECT i.customer_id FROM invoices i WHERE i.tenant_id = OLD.tenant_id AND i.id = OLD.invoice_id)
        OR c.id = (SELECT k.customer_id FROM contracts k WHERE k.tenant_id = OLD.tenant_id AND k.id = OLD.contract_id)
        OR c.id = (SELECT r.customer_id FROM reservations r WHERE r.tenant_id = OLD.tenant_id AND r.id = OLD.reservation_id)))
BEGIN SELECT RAISE(ABORT, 'rows of documents are immutable once issued'); END;
